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
Messages never carry secrets: callers pass values through `redact()` when in doubt, URLs through
`mask_url()`; the CLI passes any text it did not write itself through `scrub()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# `scheme://user:password@host`: the password part, wherever a URL appears inside a longer text.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^/\s]+@")
# Query parameters that carry credentials in signed marketplace URLs.
_SECRET_QUERY = re.compile(r"(\b(?:access_token|refresh_token|app_secret|partner_key|sign|code|password)=)[^&\s'\"]+",
                           re.IGNORECASE)
MASK = "****"


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


def mask_url(url: str) -> str:
    """A database or queue URL with its password hidden (`postgresql://u:****@host/db`)."""
    return _URL_PASSWORD.sub(rf"\1{MASK}@", url)


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secret values, URL passwords or credential query parameters."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _SECRET_QUERY.sub(rf"\1{MASK}", _URL_PASSWORD.sub(rf"\1{MASK}@", text))
