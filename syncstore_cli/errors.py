"""SyncStore's error tree: every error the user can see says what went wrong and where, on one line.

    SyncStoreError                 base; `exit_code` is what the CLI exits with
      UserInputError (2)           bad input: malformed file, unknown id, invalid option
        NotFoundError (2)          an id or SKU that is not in the catalog
        RolloutRefused (2)         a batch larger than the staged rollout allows
        CatalogFileError (2)       a catalog file that cannot be imported (names file, line, field)
      ConfigError (2)              broken configuration (names the file or variable)
      StoreError (1)               the database refused or is unusable
      ApprovalRefused (1)          a batch that cannot be approved yet (not finished, failed, not validated)

      MarketplaceError (1)         a marketplace refused or failed; its own tree is in `marketplaces.errors`
Messages never carry secrets: callers pass values through `redact()` when in doubt.
"""

from __future__ import annotations


class SyncStoreError(Exception):
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        return self._message

    def __str__(self) -> str:
        return self.message


class UserInputError(SyncStoreError):
    exit_code = 2


class NotFoundError(UserInputError):
    pass


class CatalogFileError(UserInputError):
    def __init__(self, path: str, line: int | None, field: str | None, problem: str) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f"field '{field}': {problem}" if field else problem
        super().__init__(f"{where}: {what}")
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem


class ConfigError(SyncStoreError):
    exit_code = 2


class StoreError(SyncStoreError):
    exit_code = 1


class RolloutRefused(UserInputError):
    """A batch larger than the staged rollout allows (exit 2: change the batch, or approve first)."""


class ApprovalRefused(SyncStoreError):
    exit_code = 1
