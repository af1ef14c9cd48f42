"""The rate budgets' state in the database, for worker processes that share it but no Redis.

One row per budget key (platform + shop) with its theoretical arrival time (GCRA, see
`marketplaces.ratelimit`). A reservation is one statement, `INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`, the same text on SQLite (3.35 and later) and PostgreSQL: atomic on both (SQLite runs it
under the write lock; PostgreSQL's row lock makes a concurrent one re-evaluate on the new row), so no
read-then-write race and no retry loop. Times are this machine's wall clock: workers on several
machines sharing one PostgreSQL need synchronized clocks (NTP; the error is the clocks' skew).

A budget with no row (its first use, or a database restored from a backup without it) starts EMPTY:
other processes may just have spent the marketplace's burst, and a missing row cannot tell; rows are
never deleted, so an idle shop keeps its burst.

The table comes with the schema (migration 0007), so opening a budget writes nothing; it holds
coordination state that is worthless after a restart, so its writes do not wait for the disk (SQLite
`synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`, on connections of its own): losing the last
reservations in a power cut costs nothing.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, text

from syncstore_cli.store.engine import make_engine, writer

_RESERVE = text("""
INSERT INTO rate_budgets (budget_key, tat, blocked_until, penalties)
VALUES (:key, :now + :tolerance + :interval, 0, 0)
ON CONFLICT (budget_key) DO UPDATE
SET tat = CASE WHEN rate_budgets.tat > :now THEN rate_budgets.tat ELSE :now END + :interval
RETURNING tat, penalties
""")
_PENALIZE = text("""
INSERT INTO rate_budgets (budget_key, tat, blocked_until, penalties) VALUES (:key, :until + :tolerance, :until, 1)
ON CONFLICT (budget_key) DO UPDATE
SET blocked_until = :until, penalties = rate_budgets.penalties + 1,
    tat = CASE WHEN rate_budgets.tat > :until + :tolerance THEN rate_budgets.tat ELSE :until + :tolerance END
WHERE rate_budgets.blocked_until < :until
""")
_PEEK = text("SELECT penalties, blocked_until FROM rate_budgets WHERE budget_key = :key")


def _sqlite_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; only durability is given up


def _postgresql_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    dbapi_connection.commit()


def _as_is(_dbapi_connection: Any, _record: Any) -> None:
    pass


_WITHOUT_FSYNC = {"sqlite": _sqlite_without_fsync, "postgresql": _postgresql_without_fsync}


class DatabaseLedger:
    """Budgets in `engine`'s database, shared by every process that opens it."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        # Connections of their own that commit without waiting for the disk (an fsync per request cost
        # 5-7 ms, on SQLite and PostgreSQL alike); a setting neither database lets a transaction change.
        dialect = engine.dialect.name
        engine = make_engine(engine.url.render_as_string(hide_password=False))
        event.listen(engine, "connect", _WITHOUT_FSYNC.get(dialect, _as_is))
        self._engine = engine
        # Nobody has to remember to close it: the pool goes with the last budget that used it.
        self.close = weakref.finalize(self, engine.dispose)
        self._writer = writer(engine)
        self._clock = clock

    def reserve(self, key: str, interval: float, tolerance: float) -> tuple[float, int]:
        """(seconds until the reserved slot, the key's penalty count): a `marketplaces.ratelimit.Slot`."""
        with self._writer.begin() as connection:
            now = self._clock()
            tat, penalties = connection.execute(_RESERVE, {"key": key, "now": now, "interval": interval,
                                                           "tolerance": tolerance}).one()
        return float(tat) - interval - tolerance - now, int(penalties)

    def penalize(self, key: str, seconds: float, tolerance: float) -> None:
        with self._writer.begin() as connection:
            connection.execute(_PENALIZE, {"key": key, "until": self._clock() + seconds, "tolerance": tolerance})

    def penalty(self, key: str) -> tuple[int, float]:
        """(the key's penalty count, seconds left of its penalty): a `marketplaces.ratelimit.Penalty`."""
        with self._engine.connect() as connection:
            row = connection.execute(_PEEK, {"key": key}).first()
        if row is None:
            return 0, 0.0
        return int(row.penalties), max(0.0, float(row.blocked_until) - self._clock())
