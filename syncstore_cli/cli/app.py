"""The `syncstore` command. Each command parses, calls one operation, renders; nothing else.

Every error the program can raise leaves it here, as one line on stderr starting with `error: `, and an
exit code (`error_line`): usage errors, SyncStore's own errors, and, as a safety net, whatever a
library raised that no layer below turned into one of ours. `SYNCSTORE_DEBUG=1` adds the traceback.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    UsageError,
)
from typer.core import TyperGroup

from syncstore_cli.cli import (
    auth_cmd,
    backup_cmd,
    catalog_cmd,
    categories_cmd,
    check_cmd,
    config_cmd,
    db_cmd,
    demo_cmd,
    drift_cmd,
    pricing_cmd,
    products_cmd,
    quota_cmd,
    report_cmd,
    safety_cmd,
    sandbox_cmd,
    seo_cmd,
    sync_cmd,
)
from syncstore_cli.errors import SyncStoreError, scrub

if TYPE_CHECKING:
    from syncstore_cli.app.config import ErrorFacts

EXIT_CODES_HELP = """
Exit codes: 0 success; 1 the operation ran but failed (or found failures);
2 bad input or usage (unknown id, malformed file, broken configuration).
"""

# `syncstore --help` in the order of the seller's work; a command missing here is listed under "Other".
HELP_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Catalog", ("import", "catalog", "products", "pricing", "seo", "categories", "attributes")),
    ("Marketplaces", ("auth", "preflight", "sandbox")),
    ("Sync", ("sync", "worker", "dlq", "logs", "quota")),
    ("Safety", ("rollout", "approve", "rollback", "backup")),
    ("Reports", ("validate", "spot-check", "drift", "report")),
    ("Administration", ("config", "db", "demo")),
)
# Commands that price listings with the seller's rules: they warn about a negative markup first.
PRICING_COMMANDS = {("import",), ("pricing", "explain"), ("sync", "plan"), ("sync", "batch"), ("sync", "manual"),
                    ("sync", "changed")}

# Library errors recognised by class name, so that the CLI imports none of these libraries to map them.
# (A bad URL is refused where the engine is made, store/engine.py, before anything connects.)
_DATABASE_ERRORS = {"sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError", "psycopg.OperationalError",
                    "psycopg.InterfaceError", "sqlite3.OperationalError"}
# Exactly these, not their subclasses (an IntegrityError is a bug, not a broken database): "file is not a database".
_DATABASE_EXACT = {"sqlite3.DatabaseError", "sqlalchemy.exc.DatabaseError"}
_QUEUE_ERRORS = {"redis.exceptions.ConnectionError", "redis.exceptions.TimeoutError",
                 "redis.exceptions.AuthenticationError"}
_NETWORK_ERRORS = {"httpx.HTTPError", "httpx.InvalidURL"}


def _class_names(exc: BaseException) -> set[str]:
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__}


def _raised_in(exc: BaseException) -> str:
    """The innermost SyncStore module the error passed through: says whose file or connection failed."""
    module = ""
    tb = exc.__traceback__
    while tb is not None:
        name = str(tb.tb_frame.f_globals.get("__name__", ""))
        if name.startswith("syncstore_cli."):
            module = name
        tb = tb.tb_next
    return module


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _one_line(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _rejected_value(exc: BadParameter) -> str:
    """The value Typer refused, quoted, when its (Pydantic) validation error carries it."""
    errors = getattr(exc.__cause__, "errors", None)
    try:
        value = errors()[0]["input"] if callable(errors) else None
    except (IndexError, KeyError, TypeError):
        value = None
    return "" if value is None else f"'{value}': "


def _usage_line(exc: UsageError) -> str:
    """`no such option: --bogus (try `syncstore sync batch --help`)`, instead of Click's usage block."""
    if isinstance(exc, MissingParameter):
        text = exc.format_message()
    elif isinstance(exc, BadParameter) and (exc.param is not None or exc.param_hint is not None):
        param = exc.param
        if param is not None and param.param_type_name == "argument":  # named as `--help` shows it: JOB_ID
            hint: Any = str(param.metavar or param.name or "").upper()
        else:
            hint = exc.param_hint if exc.param_hint is not None else param.get_error_hint() if param else ""
        hint = (hint if isinstance(hint, str) else " / ".join(hint)).replace("'", "")
        message = exc.message[:1].lower() + exc.message[1:]
        text = f"{hint}: {_rejected_value(exc)}{message}"
    else:
        text = exc.format_message()
    text = text.rstrip(".")
    text = text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
    command = exc.ctx.command_path if exc.ctx is not None else "syncstore"
    return f"{text} (try `{command} --help`)"


def error_line(exc: BaseException, facts: ErrorFacts | None = None) -> tuple[str, int]:
    """The one line (without `error: `) and the exit code for any error.
    `facts` words a database or queue error with the setting it came from."""
    if isinstance(exc, SyncStoreError):  # a marketplace error says its own words, code and request id
        return str(exc), exc.exit_code
    if isinstance(exc, UsageError):
        return _usage_line(exc), 2
    if isinstance(exc, ClickException):  # e.g. a file option Click could not open
        return exc.format_message(), 2
    names = _class_names(exc)
    if facts is None:
        from syncstore_cli.app.config import ErrorFacts

        facts = ErrorFacts("database_url", "queue_url", [])
    if names & _QUEUE_ERRORS:
        return f"{facts.queue}: cannot reach the queue: {_first_line(exc)}", 2
    if names & _DATABASE_ERRORS or f"{type(exc).__module__}.{type(exc).__qualname__}" in _DATABASE_EXACT:
        origin = _raised_in(exc)
        cause = _first_line(getattr(exc, "orig", None) or exc)
        if ".queue." in f"{origin}.":
            return f"{facts.queue}: the queue cannot be used: {cause}", 2
        if ".sandbox." in f"{origin}." or origin.endswith("app.sandbox"):
            return f"sandbox state: cannot be used: {cause}", 2
        return f"{facts.database}: the database cannot be used: {cause}", 2
    if names & _NETWORK_ERRORS:
        host = ""
        try:
            url = exc.request.url  # type: ignore[attr-defined]
            host = f" talking to {url.host}" + (f":{url.port}" if url.port else "")
        except (AttributeError, RuntimeError):  # an error raised before any request was made
            pass
        return f"network error{host}: {type(exc).__name__}: {_first_line(exc)}", 1
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return f"network error: {type(exc).__name__}: {exc.strerror or _first_line(exc)}", 1
    if isinstance(exc, OSError):
        # A path that is missing, a file, or not writable is the user's to fix (2); a full or failing disk is not.
        code = 1 if exc.errno in (errno.ENOSPC, errno.EIO) else 2
        if exc.filename is not None:
            return f"{exc.filename}: {exc.strerror or _first_line(exc)}", code
        return f"{exc.strerror or _first_line(exc)}", 1
    return f"internal error: {type(exc).__name__}: {_first_line(exc)} (please report)", 1


def report_error(exc: BaseException) -> int:
    """Prints `error: ...` on stderr (the traceback first with SYNCSTORE_DEBUG=1); returns the exit code."""
    if os.environ.get("SYNCSTORE_DEBUG") == "1" and not isinstance(exc, ClickException):
        traceback.print_exception(exc, file=sys.stderr)
    facts = None
    try:
        if not isinstance(exc, (SyncStoreError, ClickException)):  # ours are worded without secrets already
            from syncstore_cli.app.config import error_facts

            facts = error_facts()
        described = error_line(exc, facts)
    except Exception as inner:  # wording the error must never replace it with a traceback of its own
        described = f"internal error: {type(exc).__name__} ({type(inner).__name__} while reporting it)", 1
    text, code = described
    typer.echo(f"error: {_one_line(scrub(text, facts.secrets if facts else ()))}", err=True)
    return code


def _passes_through(exc: BaseException) -> bool:
    """Click's own exits (`--help`, Ctrl-C, a group called without its command, which prints its help), and
    a reader that closed the pipe (`syncstore products list | head`), which Click silences itself."""
    return isinstance(exc, (typer.Exit, typer.Abort, NoArgsIsHelpError)) or (
        isinstance(exc, OSError) and exc.errno == errno.EPIPE)


class ErrorMappingGroup(TyperGroup):
    """The root command: maps every error to one line and its exit code, and lists commands in sections."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except Exception as exc:
            if _passes_through(exc):
                raise
            raise typer.Exit(report_error(exc)) from None

    def invoke(self, ctx: Any) -> Any:
        args = [*ctx._protected_args, *ctx.args]
        try:
            _warn_about_pricing(args)
            return super().invoke(ctx)
        except Exception as exc:
            if _passes_through(exc):
                raise
            raise typer.Exit(report_error(exc)) from None

    def list_commands(self, ctx: Any) -> list[str]:
        ordered = [name for _, names in HELP_SECTIONS for name in names if name in self.commands]
        return ordered + [name for name in self.commands if name not in ordered]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Commands under headings in workflow order; plain text, so `--help | less` reads the same."""
        visible = {name: cmd for name in self.list_commands(ctx)
                   if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden}
        if not visible:
            return
        limit = formatter.width - 6 - max(len(name) for name in visible)
        placed = {name for _, names in HELP_SECTIONS for name in names}
        sections = [*HELP_SECTIONS, ("Other", tuple(name for name in visible if name not in placed))]
        for title, names in sections:
            rows = [(name, visible[name].get_short_help_str(limit)) for name in names if name in visible]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _warn_about_pricing(args: Sequence[str]) -> None:
    """A negative markup is allowed but rarely meant: say so once, before a command prices with it."""
    words = [a for a in args[:2] if not a.startswith("-")]
    if "--help" in args or not any(tuple(words[:n]) in PRICING_COMMANDS for n in (1, 2)):
        return
    from syncstore_cli.app.config import pricing_warnings

    for warning in pricing_warnings():
        typer.echo(f"warning: {warning}", err=True)


app = typer.Typer(
    cls=ErrorMappingGroup,
    name="syncstore",
    help="Publish one master catalog to Shopee and TikTok Shop, safely and in batches.\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(products_cmd.app, name="products")
app.add_typer(pricing_cmd.app, name="pricing")
app.add_typer(seo_cmd.app, name="seo")
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(categories_cmd.app, name="categories")
app.add_typer(categories_cmd.attributes_app, name="attributes")
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(backup_cmd.app, name="backup")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(auth_cmd.app, name="auth")
app.command("import", epilog=EXIT_CODES_HELP)(catalog_cmd.import_command)
app.add_typer(sync_cmd.app, name="sync")
app.add_typer(sync_cmd.dlq_app, name="dlq")
app.command("worker", epilog=sync_cmd.WORKER_EXIT_CODES)(sync_cmd.worker_command)
app.command("logs", epilog=EXIT_CODES_HELP)(sync_cmd.logs_command)
app.command("quota", epilog=quota_cmd.QUOTA_EXIT_CODES)(quota_cmd.quota_command)
app.command("approve", epilog=safety_cmd.APPROVE_EXIT_CODES)(safety_cmd.approve_command)
app.command("rollback", epilog=safety_cmd.ROLLBACK_EXIT_CODES)(safety_cmd.rollback_command)
app.command("rollout", epilog=EXIT_CODES_HELP)(safety_cmd.rollout_command)
app.command("demo", epilog=demo_cmd.DEMO_EXIT_CODES)(demo_cmd.demo_command)
app.command("validate", epilog=check_cmd.VALIDATE_EXIT_CODES)(check_cmd.validate_command)
app.command("spot-check", epilog=check_cmd.SPOT_CHECK_EXIT_CODES)(check_cmd.spot_check_command)
app.command("report", epilog=report_cmd.REPORT_EXIT_CODES)(report_cmd.report_command)
app.command("preflight", epilog=check_cmd.PREFLIGHT_EXIT_CODES)(check_cmd.preflight_command)
app.command("drift", epilog=drift_cmd.DRIFT_EXIT_CODES)(drift_cmd.drift_command)


def main() -> None:
    app(prog_name="syncstore")
