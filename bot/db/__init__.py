"""The data layer: one aiosqlite connection, migrations by ``PRAGMA user_version``, and
transactions that are each one call into the database's thread.

Only ``bot/db`` holds SQL. The bot reads with ``Store.read`` and writes with ``Store.write``: the
work runs in aiosqlite's thread as a single call (``Tx``), so no other coroutine's read can run in
the middle of a transaction and see rows it has not committed, and a turn costs one hand-off to
the thread instead of one per statement. Writes that wait at the same time share one commit (one
fsync); one that fails is rolled back alone. ``Store.transaction`` (a transaction over many calls) is for
start-up and tests; it holds the store for its whole length.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.db import processed, reminders
from bot.db.tx import Tx, run_now

T = TypeVar("T")
#: Work for one transaction: an async function of the connection that awaits only the database.
Work = Callable[[Tx], Coroutine[Any, Any, T]]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})-[a-z0-9-]+\.sql$")


def now_text(moment: dt.datetime | None = None) -> str:
    """The current moment (or ``moment``) in UTC, as every table stores it."""
    return (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")


def is_storage_fault(error: BaseException | None) -> bool:
    """True for a database that cannot write now (disk full, read-only, locked too long, an I/O
    error), as opposed to a bug in a query."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    reason = str(error).lower()
    return any(
        word in reason for word in ("full", "readonly", "read-only", "locked", "busy", "disk i/o")
    )


class SchemaError(RuntimeError):
    """The database is newer than this code, or a migration failed."""


class DatabaseError(RuntimeError):
    """The database file cannot be opened, read or written; the message names the file."""


def migration_files(folder: Path = MIGRATIONS) -> list[Path]:
    """Return the migration files in order, checking they are numbered 1, 2, 3, ..."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".sql")
    for expected, path in enumerate(files, start=1):
        match = _NAME.match(path.name)
        if not match or int(match.group(1)) != expected:
            raise SchemaError(
                f"migration {path.name} is out of sequence (expected {expected:04d})"
            )
    return files


class Store:
    """One SQLite connection shared by all chats."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        #: Held for each call into the thread, and for the whole of a ``transaction()``.
        self._write_lock = asyncio.Lock()
        self._waiting: list[_Job] = []
        self._writer: asyncio.Task[None] | None = None
        #: Commits made by ``write`` (each is an fsync; tests count them).
        self.commits = 0

    @classmethod
    async def open(
        cls, path: Path | str, migrations: Path = MIGRATIONS, *, verify: bool = False
    ) -> Store:
        """Open (and create or upgrade) the database at ``path``.

        Everything that only reads comes first: a file that is not SQLite, is damaged (with
        ``verify``, by ``PRAGMA quick_check``) or has a newer schema is refused before anything
        writes to it. Raises DatabaseError or SchemaError, each naming the file.
        """
        path = Path(path)
        try:
            # aiosqlite leaves its worker thread finishing in the background when connecting
            # fails, and that thread then calls into an event loop that may be gone; a plain
            # connection fails the same way (a folder, a missing folder) and cleans up at once.
            await asyncio.to_thread(_probe, path)
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a transaction that
            # reads and then writes never hits SQLITE_BUSY without waiting for the busy timeout.
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(describe_failure(path, exc)) from exc
        conn.row_factory = aiosqlite.Row
        store = cls(conn)
        try:
            await conn.execute("PRAGMA busy_timeout=5000")
            await store._check_readable(migrations, verify=verify)
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            # FULL: an agreement confirmed in the chat must survive a power loss, not only a crash.
            await conn.execute("PRAGMA synchronous=FULL")
            await reminders.register_functions(conn)
            await processed.register_functions(conn)
            await store._migrate(migrations)
            if verify:
                await store._check_writable()
        except sqlite3.Error as exc:
            await conn.close()
            raise DatabaseError(describe_failure(path, exc)) from exc
        except BaseException:
            await conn.close()
            raise
        return store

    async def _check_writable(self) -> None:
        # A read-only file opens and reads fine; without a write now, the first answer a group
        # gives would be the first to fail. The rollback leaves the file as it was.
        version = await self.version()
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                await self.conn.execute(f"PRAGMA user_version = {version}")
            finally:
                await self._rollback()

    async def _check_readable(self, migrations: Path, *, verify: bool) -> None:
        async with self.conn.execute("SELECT count(*) FROM sqlite_master") as cursor:
            await cursor.fetchone()  # "file is not a database" shows here, before any write
        if verify:
            async with self.conn.execute("PRAGMA quick_check") as cursor:
                problems = integrity_problems([str(row[0]) for row in await cursor.fetchall()])
            if problems:
                raise sqlite3.DatabaseError(f"database disk image is malformed: {problems[0]}")
        known = len(migration_files(migrations))
        current = await self.version()
        if current > known:
            raise SchemaError(
                f"the database is at schema version {current}, newer than this version of "
                f"wheelbot knows ({known}); upgrade wheelbot, or use a backup made before "
                "the upgrade"
            )

    async def close(self) -> None:
        """Close the connection (after the writes already asked for)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        await self.conn.close()

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` in one call to the database thread; it sees only committed rows."""
        async with self._write_lock:
            return await self._in_thread(_read, work)

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction: all of it commits, or none of it does.

        ``work`` runs in the database thread and awaits nothing but the database (``Tx``): a
        Bot API call or a sleep in it raises. Writes that wait at the same time share one
        commit; one that fails is rolled back alone (``_commit``). The result
        comes back once its commit is durable.
        """
        return await asyncio.shield(self.submit(work))

    def submit(self, work: Work[T]) -> asyncio.Future[T]:
        """Queue ``work`` for the next commit without waiting for it; the future tells how it
        went. Work is committed in the order it was submitted."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Job(work, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="store-writer")
        return future

    async def _in_thread(self, function: Callable[..., T], *args: object) -> T:
        """Call ``function(connection, *args)`` in aiosqlite's thread, with its ``sqlite3``
        connection: aiosqlite's own ``_execute``, the one private part of it we use (checked by
        tests/test_db.py on every run)."""
        result = await self.conn._execute(function, self.conn._conn, *args)  # type: ignore[no-untyped-call]
        return cast(T, result)

    async def _write_waiting(self) -> None:
        """Commit what waits, batch after batch, until nothing does."""
        while self._waiting:
            jobs, self._waiting = self._waiting, []
            try:
                async with self._write_lock:
                    outcomes = await self._in_thread(_commit, [job.work for job in jobs])
            except BaseException as exc:
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            self.commits += 1
            for job, (value, error) in zip(jobs, outcomes, strict=True):
                if job.future.done():
                    continue
                if error is not None:
                    job.future.set_exception(error)
                else:
                    job.future.set_result(value)

    async def version(self) -> int:
        """Return the schema version (``PRAGMA user_version``)."""
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self, folder: Path = MIGRATIONS) -> None:
        """Apply each pending migration and its version bump in one transaction.

        ``open`` has refused a database newer than these migrations before it comes here.
        """
        files = migration_files(folder)
        current = await self.version()
        for number, path in enumerate(files[current:], start=current + 1):
            script = path.read_text(encoding="utf-8")
            statements = [s for s in _split_sql(script) if s.strip()]
            try:
                async with self.transaction() as conn:
                    for statement in statements:
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {number}")
            except sqlite3.Error as exc:
                raise SchemaError(
                    f"migration {path.name} failed and was rolled back; the database stays at "
                    f"schema version {number - 1}: {exc}"
                ) from exc
            log.info("Database migrated to schema version %d (%s)", number, path.name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a write transaction over many calls (start-up and tests; the bot uses ``write``).

        Nothing else reads or writes until it ends: all of it commits, or none of it does."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                # Inside the try: a COMMIT that fails (a deferred foreign key, a full disk) leaves
                # the transaction open, and it must not stay open for the next caller.
                await self.conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already done so."""
        if not self.conn.in_transaction:
            return  # e.g. SQLITE_FULL or an interrupt rolled it back already
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            # Never hide the error that made us roll back.
            log.exception("ROLLBACK failed")


class _Job:
    __slots__ = ("future", "work")

    def __init__(self, work: Work[Any], future: asyncio.Future[Any]) -> None:
        self.work = work
        self.future = future


def _read(conn: sqlite3.Connection, work: Work[T]) -> T:
    """In the database thread: run read-only work (outside any transaction)."""
    return run_now(work(Tx(conn)))


class _OneFailed(Exception):
    """A work of a batch run without savepoints raised: the batch is run again with them."""


def _commit(
    conn: sqlite3.Connection, works: list[Work[object]]
) -> list[tuple[object, Exception | None]]:
    """In the database thread: run each work in one transaction and commit once.

    A batch first runs without savepoints (two statements a work fewer). If one of its works
    raises, the whole transaction is rolled back and the batch runs again with a savepoint
    around each work: the one that raises is rolled back to its savepoint and gets its error, the
    others commit. A work decides from the database alone, so its second run decides as its first
    did. If SQLite rolled back the whole transaction (a full disk, an interrupt), or the commit
    fails, all of them fail with that error.
    """
    if len(works) > 1:
        try:
            return _run(conn, works, savepoints=False)
        except _OneFailed:
            return _run(conn, works, savepoints=True)
    return _run(conn, works, savepoints=False)


def _run(
    conn: sqlite3.Connection, works: list[Work[object]], *, savepoints: bool
) -> list[tuple[object, Exception | None]]:
    outcomes: list[tuple[object, Exception | None]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            if savepoints:
                conn.execute("SAVEPOINT work")
            try:
                value: object = run_now(work(Tx(conn)))
            except Exception as exc:
                if not savepoints and len(works) > 1 and conn.in_transaction:
                    raise _OneFailed from exc
                if not savepoints or not conn.in_transaction:
                    raise
                conn.execute("ROLLBACK TO work")
                conn.execute("RELEASE work")
                outcomes.append((None, exc))
                continue
            if savepoints:
                conn.execute("RELEASE work")
            outcomes.append((value, None))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("ROLLBACK failed")  # never hide the error that made us roll back
        raise
    return outcomes


def _probe(path: Path) -> None:
    sqlite3.connect(path).close()


def integrity_problems(rows: list[str]) -> list[str]:
    """The problems ``integrity_check`` or ``quick_check`` reported, one line each; [] when ok."""
    if rows == ["ok"]:
        return []
    lines = (line.strip() for row in rows for line in row.splitlines())
    return [line for line in lines if line and not line.startswith("*** in database")]


def describe_failure(path: Path, exc: sqlite3.Error) -> str:
    """Say in one line why the database at ``path`` cannot be used, and what to do."""
    reason = str(exc)
    folder = path.resolve().parent
    if "file is not a database" in reason:
        return f"{path} is not a wheelbot database (not an SQLite file); it was left untouched"
    if "malformed" in reason or "corrupt" in reason:
        return f"{path} is damaged ({reason}); it was left untouched: restore a backup"
    if "readonly" in reason or "read-only" in reason:
        return f"Cannot write to the database {path}: check that this user may write to it and to {folder}"
    if "unable to open" in reason:
        if not folder.is_dir():
            return f"Cannot open the database {path}: the folder {folder} does not exist"
        if path.is_dir():
            return f"Cannot open the database {path}: it is a folder, not a file"
        return f"Cannot open the database {path}: check that this user may write to {folder}"
    if "locked" in reason or "busy" in reason:
        return f"The database {path} is locked by another process; is wheelbot already running?"
    if "full" in reason:
        return f"Cannot write to the database {path}: the disk is full"
    return f"Cannot use the database {path}: {reason}"


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements at the semicolons that end one.

    ``sqlite3.complete_statement`` knows SQLite's tokens, so a semicolon inside a string, a
    quoted name, a comment or a ``CREATE TRIGGER ... BEGIN ...; END`` body does not split.
    """
    statements: list[str] = []
    start = 0
    for index, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : index + 1]):
            statements.append(script[start : index + 1])
            start = index + 1
    statements.append(script[start:])  # a comment, or a last statement without a semicolon
    return statements
