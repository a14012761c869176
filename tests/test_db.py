"""The Store: migrations by ``PRAGMA user_version``, the PRAGMAs in force, and transactions."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from bot.db import MIGRATIONS, DatabaseError, SchemaError, Store, migration_files
from bot.db import outbox as outbox_sql
from bot.db.tx import NotDatabaseWork, Tx

TABLES = {
    "chats",
    "partners",
    "members",
    "topic_states",
    "answers",
    "rounds",
    "open_issues",
    "agreements",
    "reminders",
    "bot_messages",
    "processed_updates",
    "inbox",
    "outbox",
}
#: How many migrations ship, and the number a migration appended by a test gets.
SHIPPED = len(migration_files())
NEXT = SHIPPED + 1

CHAT = (
    "INSERT INTO chats (chat_id, kind, language, timezone, created_at, updated_at)"
    " VALUES (?, 'group', 'en', 'Europe/Amsterdam', 't', 't')"
)
ANSWER = (
    "INSERT INTO answers"
    " (id, chat_id, topic_id, user_id, slot, text, message_id, created_at, updated_at)"
    " VALUES (?, ?, ?, 1, 1, 'an answer', ?, 't', 't')"
)


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A private copy of the real migrations, to append to."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in migration_files():
        shutil.copy(path, folder / path.name)
    return folder


def raw(db_path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to look at the file without the Store."""
    return sqlite3.connect(db_path)


def tables(db_path: Path) -> set[str]:
    with raw(db_path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def files_beside(db_path: Path) -> list[str]:
    """The database's own files (the file itself, -wal, -shm) in its folder."""
    return sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(db_path.name))


def user_version(db_path: Path) -> int:
    with raw(db_path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    async with store.conn.execute(sql) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def test_fresh_database_lands_at_latest_version_with_the_tables(db_path: Path) -> None:
    store = await Store.open(db_path)
    try:
        latest = len(migration_files())
        assert latest >= 1
        assert await store.version() == latest
    finally:
        await store.close()
    assert user_version(db_path) == latest
    assert tables(db_path) >= TABLES


async def test_reopen_is_a_no_op(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = await Store.open(db_path)
    async with store.transaction() as conn:
        await conn.execute(CHAT, (-1,))
    await store.close()

    caplog.set_level(logging.INFO, logger="bot.db")
    store = await Store.open(db_path)
    try:
        assert await store.version() == len(migration_files())
        assert await rows(store, "SELECT chat_id FROM chats") == [(-1,)]
    finally:
        await store.close()
    assert not [r for r in caplog.records if "migrated" in r.getMessage()]


async def test_appended_migration_is_applied(db_path: Path, migrations: Path) -> None:
    store = await Store.open(db_path, migrations)
    async with store.transaction() as conn:
        await conn.execute(CHAT, (-1,))
    await store.close()
    assert user_version(db_path) == SHIPPED

    (migrations / f"{NEXT:04d}-add-chat-notes.sql").write_text(
        "-- Notes per chat.\n"
        "ALTER TABLE chats ADD COLUMN note TEXT NOT NULL DEFAULT '';\n"
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n",
        encoding="utf-8",
    )
    store = await Store.open(db_path, migrations)
    try:
        assert await store.version() == NEXT
        assert await rows(store, "SELECT chat_id, note FROM chats") == [(-1, "")]
    finally:
        await store.close()
    assert "notes" in tables(db_path)


async def test_migration_with_semicolons_in_comments_strings_and_a_trigger(
    db_path: Path, migrations: Path
) -> None:
    (migrations / f"{NEXT:04d}-touch-trigger.sql").write_text(
        "CREATE TABLE log (text TEXT NOT NULL); -- one; two\n"
        "-- a comment line; with a semicolon\n"
        "CREATE TRIGGER chats_logged AFTER INSERT ON chats BEGIN\n"
        "    INSERT INTO log (text) VALUES ('added; a chat');\n"
        "    INSERT INTO log (text) VALUES ('second; statement');\n"
        "END;\n"
        "-- trailing comment\n",
        encoding="utf-8",
    )
    store = await Store.open(db_path, migrations)
    try:
        assert await store.version() == NEXT
        async with store.transaction() as conn:
            await conn.execute(CHAT, (-1,))
        assert await rows(store, "SELECT text FROM log ORDER BY rowid") == [
            ("added; a chat",),
            ("second; statement",),
        ]
    finally:
        await store.close()


async def test_failing_migration_stops_at_last_good_version(
    db_path: Path, migrations: Path
) -> None:
    (migrations / f"{NEXT:04d}-good.sql").write_text(
        "CREATE TABLE good (id INTEGER PRIMARY KEY);\n", encoding="utf-8"
    )
    (migrations / f"{NEXT + 1:04d}-bad.sql").write_text(
        "CREATE TABLE half (id INTEGER PRIMARY KEY);\n"
        "ALTER TABLE chats ADD COLUMN half_done TEXT;\n"
        "INSERT INTO no_such_table VALUES (1);\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match=rf"{NEXT + 1:04d}-bad\.sql.*schema version {NEXT}"):
        await Store.open(db_path, migrations)

    assert user_version(db_path) == NEXT
    names = tables(db_path)
    assert "good" in names
    assert "half" not in names
    with raw(db_path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(chats)")}
    assert "half_done" not in columns


async def test_database_newer_than_the_code_is_refused(db_path: Path) -> None:
    with raw(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = db_path.read_bytes()
    with pytest.raises(SchemaError, match="newer than this version of wheelbot knows"):
        await Store.open(db_path)
    assert user_version(db_path) == 99
    assert tables(db_path) == set()
    assert db_path.read_bytes() == before  # not even switched to WAL


async def damaged_copy(db_path: Path) -> Path:
    """A database whose index root page is overwritten: SQLite opens it, quick_check fails."""
    store = await Store.open(db_path)
    try:
        async with store.transaction() as conn:
            await conn.execute(CHAT, (1,))
            for i in range(2000):
                await conn.execute(ANSWER, (i, 1, f"topic-{i}-{'x' * 200}", i))
    finally:
        await store.close()
    with raw(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'answers_by_topic'"
        ).fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db_path.read_bytes())
    start = (root - 1) * page_size  # the b-tree page header: its type and cell count
    data[start : start + 12] = b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    db_path.write_bytes(bytes(data))
    return db_path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"name,answer\nAnna,yes\n" * 200, "is not a wheelbot database"),
        (b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 600, "not a wheelbot database"),
    ],
)
async def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(
    db_path: Path, content: bytes, expected: str
) -> None:
    db_path.write_bytes(content)
    with pytest.raises(DatabaseError, match=expected) as info:
        await Store.open(db_path, verify=True)
    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == content
    assert not db_path.with_name(db_path.name + "-wal").exists()


async def test_a_damaged_database_is_refused_and_left_alone(db_path: Path) -> None:
    damaged = await damaged_copy(db_path)
    before = damaged.read_bytes()
    with pytest.raises(DatabaseError, match="is damaged") as info:
        await Store.open(damaged, verify=True)
    assert "restore a backup" in str(info.value)
    assert damaged.read_bytes() == before


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("missing-folder/wheel.sqlite", "does not exist"),
        ("a-folder", "it is a folder"),
    ],
)
async def test_a_database_that_cannot_be_opened_is_named(
    tmp_path: Path, where: str, expected: str
) -> None:
    (tmp_path / "a-folder").mkdir()
    path = tmp_path / where
    with pytest.raises(DatabaseError, match=expected) as info:
        await Store.open(path)
    assert str(path) in str(info.value)
    assert not (tmp_path / "missing-folder").exists()


@pytest.mark.parametrize(
    "names",
    [
        ["0001-a.sql", "0003-c.sql"],  # a gap
        ["0001-a.sql", "0001-b.sql"],  # the same number twice
        ["0002-b.sql"],  # not starting at 1
        ["0001-a.sql", "2-b.sql"],  # not four digits
        ["0001-a.sql", "0002-Upper_Case.sql"],  # not a lower-case slug
    ],
)
async def test_out_of_sequence_migration_names_are_refused(
    db_path: Path, tmp_path: Path, names: list[str]
) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    for name in names:
        (folder / name).write_text("CREATE TABLE t (id INTEGER);\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="out of sequence"):
        migration_files(folder)
    with pytest.raises(SchemaError, match="out of sequence"):
        await Store.open(db_path, folder)
    assert user_version(db_path) == 0
    assert tables(db_path) == set()


def test_shipped_migrations_are_in_sequence() -> None:
    files = migration_files(MIGRATIONS)
    assert files[0].name == "0001-create-schema.sql"


async def test_pragmas_in_force(db_path: Path) -> None:
    store = await Store.open(db_path)
    try:
        assert await rows(store, "PRAGMA journal_mode") == [("wal",)]
        assert await rows(store, "PRAGMA foreign_keys") == [(1,)]
        assert await rows(store, "PRAGMA busy_timeout") == [(5000,)]
        assert await rows(store, "PRAGMA synchronous") == [(2,)]  # FULL
    finally:
        await store.close()


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(db_path)
    yield store
    await store.close()


async def test_transaction_that_raises_rolls_back_completely(store: Store) -> None:
    async with store.transaction() as conn:
        await conn.execute(CHAT, (-1,))

    async def change_then_fail() -> None:
        async with store.transaction() as conn:
            await conn.execute(CHAT, (-2,))
            await conn.execute(ANSWER, (1, -2, "t1", 10))
            await conn.execute("UPDATE chats SET title = 'changed' WHERE chat_id = -1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await change_then_fail()

    assert not store.conn.in_transaction
    assert await rows(store, "SELECT chat_id, title FROM chats") == [(-1, None)]
    assert await rows(store, "SELECT id FROM answers") == []
    async with store.transaction() as conn:  # the store is usable afterwards
        await conn.execute(CHAT, (-3,))
    assert await rows(store, "SELECT chat_id FROM chats ORDER BY chat_id") == [(-3,), (-1,)]


async def test_sql_error_inside_transaction_rolls_back_earlier_statements(store: Store) -> None:
    async def insert_orphan() -> None:
        async with store.transaction() as conn:
            await conn.execute(CHAT, (-1,))
            await conn.execute(ANSWER, (1, -999, "t1", 10))  # no such chat: foreign key

    with pytest.raises(sqlite3.IntegrityError):
        await insert_orphan()
    assert await rows(store, "SELECT chat_id FROM chats") == []
    assert not store.conn.in_transaction


async def test_failed_commit_is_rolled_back_and_store_stays_usable(store: Store) -> None:
    # A deferred foreign key is checked at COMMIT; a COMMIT that fails keeps the transaction
    # open in SQLite, so the Store has to roll it back itself.
    async def insert_orphan_checked_at_commit() -> None:
        async with store.transaction() as conn:
            await conn.execute("PRAGMA defer_foreign_keys = ON")
            await conn.execute(ANSWER, (1, -999, "t1", 10))

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await insert_orphan_checked_at_commit()
    assert not store.conn.in_transaction
    async with store.transaction() as conn:
        await conn.execute(CHAT, (-1,))
    assert await rows(store, "SELECT id FROM answers") == []
    assert await rows(store, "SELECT chat_id FROM chats") == [(-1,)]


async def test_concurrent_transactions_never_interleave(store: Store) -> None:
    trace: list[str] = []
    async with store.transaction() as conn:
        await conn.execute(CHAT, (-1,))

    async def write(name: str, first_id: int) -> None:
        async with store.transaction() as conn:
            trace.append(f"{name} begin")
            await conn.execute(ANSWER, (first_id, -1, f"t{first_id}", first_id))
            await asyncio.sleep(0)
            await conn.execute(ANSWER, (first_id + 1, -1, f"t{first_id + 1}", first_id + 1))
            await asyncio.sleep(0)
            trace.append(f"{name} end")

    await asyncio.gather(write("a", 1), write("b", 3), write("c", 5))
    assert trace == ["a begin", "a end", "b begin", "b end", "c begin", "c end"]
    assert await rows(store, "SELECT id FROM answers ORDER BY id") == [(i,) for i in range(1, 7)]


async def test_rollback_of_one_transaction_does_not_undo_another(store: Store) -> None:
    async with store.transaction() as conn:
        await conn.execute(CHAT, (-1,))
    a_inside = asyncio.Event()

    async def failing() -> None:
        async with store.transaction() as conn:
            await conn.execute(ANSWER, (1, -1, "t1", 1))
            a_inside.set()
            for _ in range(5):
                await asyncio.sleep(0)  # let the other coroutine try to write meanwhile
            await conn.execute(ANSWER, (2, -1, "t2", 2))
            raise ValueError("partner changed their mind")

    async def succeeding() -> None:
        await a_inside.wait()
        async with store.transaction() as conn:
            await conn.execute(ANSWER, (3, -1, "t3", 3))
            await asyncio.sleep(0)
            await conn.execute(ANSWER, (4, -1, "t4", 4))

    results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
    assert isinstance(results[0], ValueError)
    assert results[1] is None
    assert await rows(store, "SELECT id FROM answers ORDER BY id") == [(3,), (4,)]


async def test_open_failure_closes_the_connection(db_path: Path, migrations: Path) -> None:
    (migrations / f"{NEXT:04d}-bad.sql").write_text("NOT SQL AT ALL;\n", encoding="utf-8")
    with pytest.raises(SchemaError):
        await Store.open(db_path, migrations)
    # The last connection to a WAL database removes the -wal file when it closes.
    assert files_beside(db_path) == [db_path.name]


async def test_verify_refuses_a_database_that_cannot_be_written(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root every file is writable, so the read-only file is simulated where SQLite would
    # report it: the first write of the verified open.
    store = await Store.open(db_path)
    await store.close()
    before = db_path.read_bytes()

    async def read_only(self: Store) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Store, "_check_writable", read_only)
    with pytest.raises(DatabaseError, match="Cannot write to the database") as info:
        await Store.open(db_path, verify=True)
    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == before


async def test_the_write_probe_leaves_the_database_as_it_was(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.close()
    before = user_version(db_path)
    store = await Store.open(db_path, verify=True)
    try:
        assert not store.conn.in_transaction
        async with store.transaction() as conn:  # the write lock was given back
            await conn.execute("CREATE TABLE probe_after (x)")
    finally:
        await store.close()
    assert user_version(db_path) == before


# -- Store.read and Store.write: one call into the database thread each ------------------------


async def test_writes_waiting_together_share_one_commit_each_with_its_own_result(
    store: Store,
) -> None:
    async def add_chat(chat_id: int, conn: Tx) -> int:
        await conn.execute(CHAT, (chat_id,))
        return chat_id

    commits = store.commits
    results = await asyncio.gather(*(store.write(partial(add_chat, -n)) for n in range(1, 6)))
    assert results == [-1, -2, -3, -4, -5]
    assert store.commits == commits + 1  # one fsync for the five
    assert await rows(store, "SELECT count(*) FROM chats") == [(5,)]


async def test_a_write_that_fails_is_rolled_back_alone(store: Store) -> None:
    async def add_chat(chat_id: int, conn: Tx) -> None:
        await conn.execute(CHAT, (chat_id,))

    async def half_then_fail(conn: Tx) -> None:
        await conn.execute(CHAT, (-50,))
        raise RuntimeError("a bug in a flow")

    outcomes = await asyncio.gather(
        store.write(partial(add_chat, -1)),
        store.write(half_then_fail),
        store.write(partial(add_chat, -2)),
        return_exceptions=True,
    )
    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], RuntimeError)
    # Its first statement went with it; the others' work stayed.
    assert await rows(store, "SELECT chat_id FROM chats ORDER BY chat_id") == [(-2,), (-1,)]


async def test_a_commit_that_fails_fails_every_write_that_shared_it(store: Store) -> None:
    async def add_chat(chat_id: int, conn: Tx) -> None:
        await conn.execute(CHAT, (chat_id,))

    async def orphan_checked_at_commit(conn: Tx) -> None:
        await conn.execute("PRAGMA defer_foreign_keys = ON")
        await conn.execute(ANSWER, (1, -999, "t1", 10))

    outcomes = await asyncio.gather(
        store.write(partial(add_chat, -1)),
        store.write(orphan_checked_at_commit),
        return_exceptions=True,
    )
    assert all(isinstance(o, sqlite3.IntegrityError) for o in outcomes), outcomes
    assert await rows(store, "SELECT count(*) FROM chats") == [(0,)]
    await store.write(partial(add_chat, -3))  # the store is usable afterwards
    assert await rows(store, "SELECT chat_id FROM chats") == [(-3,)]


async def test_work_that_awaits_anything_but_the_database_is_refused(store: Store) -> None:
    async def waits_for_telegram(conn: Tx) -> None:
        await conn.execute(CHAT, (-1,))
        await asyncio.sleep(0)  # as a Bot API call would

    with pytest.raises(NotDatabaseWork, match="waits_for_telegram"):
        await store.write(waits_for_telegram)
    assert await rows(store, "SELECT count(*) FROM chats") == [(0,)]


async def test_a_read_never_sees_what_another_transaction_has_not_committed(
    store: Store,
) -> None:
    """The review's probe: a read of the outbox while another coroutine's transaction has added a
    row and then rolls it back. On one shared connection it used to see that row."""
    inserted, release = asyncio.Event(), asyncio.Event()

    async def turn_that_rolls_back() -> None:
        async with store.transaction() as conn:
            await conn.execute(CHAT, (-42,))
            await conn.execute(
                "INSERT INTO outbox (chat_id, text, created_at) VALUES (-42, 'x', 't')"
            )
            inserted.set()
            await release.wait()
            raise RuntimeError("the turn fails at the end")

    turn = asyncio.create_task(turn_that_rolls_back())
    await inserted.wait()
    reading = asyncio.create_task(store.read(outbox_sql.chats_owed))
    await asyncio.sleep(0.05)
    assert not reading.done()  # it waits for the transaction instead of looking inside it
    release.set()
    with pytest.raises(RuntimeError):
        await turn
    assert await reading == []
