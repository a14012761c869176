"""The connection as queries and flows see it inside one call to the database thread.

Queries and flows are written against aiosqlite's shape (``await conn.execute(...)``, ``async with
conn.execute(...) as cursor``, ``await cursor.fetchall()``), so they read like the rest of the
async code and run unchanged on a plain aiosqlite connection (``Store.transaction``, tests). In
the bot they run on a ``Tx``: the same calls over the ``sqlite3`` connection of aiosqlite's own
thread, each finished the moment it is awaited. ``run_now`` drives such a coroutine to its end in
that thread without an event loop, so a whole turn is one hand-off to the thread, not one per
statement. A coroutine that awaits anything else (a Bot API call, a sleep, a lock) would need the
event loop: ``run_now`` refuses it loudly instead of hanging.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class NotDatabaseWork(RuntimeError):
    """Work given to the store awaited something other than the database."""


def run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that awaits only ``Tx`` calls to its end, here and now."""
    try:
        waiting_for = coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise NotDatabaseWork(
        f"{getattr(coroutine, '__qualname__', coroutine)} awaited {waiting_for!r}, which needs "
        "the event loop; work "
        "run by the store may await only the database"
    )


class Cursor:
    """A cursor whose fetches are awaitable and finish at once."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class Executed:
    """What ``Tx.execute`` returns: awaited, the cursor; or used as ``async with``."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Cursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._cursor
        yield  # a generator that finishes without ever yielding to an event loop

    async def __aenter__(self) -> Cursor:
        return self._cursor

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._cursor.close()


class Tx:
    """aiosqlite's connection methods that queries use, over a ``sqlite3`` connection."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Any = ()) -> Executed:
        return Executed(Cursor(self._conn.execute(sql, parameters)))
