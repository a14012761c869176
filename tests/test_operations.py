"""The operator's commands: ``wheelbot backup`` while the bot writes, ``wheelbot check``,
``wheelbot health`` against a running bot, and the pruning of tables that only grow."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import Store
from bot.db.maintenance import KEEP_PROCESSED, KEEP_PROMPTS, prune
from bot.ops import operations
from tests.conftest import TOKEN
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, run_wheelbot, source_env, start_wheelbot
from tests.test_startup import damaged

ROOT = Path(__file__).resolve().parents[1]

# Each transaction adds an agreement and the open issue it came from: a consistent copy holds
# both of a pair or neither, never one alone.
WRITER = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA busy_timeout=5000")
    print("ready", flush=True)
    for i in range(int(sys.argv[2])):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO open_issues (chat_id, topic_id, text, raised_by, raised_at)"
            " VALUES (-1, 't', ?, 1, 'now')", (f"issue {i}",))
        conn.execute(
            "INSERT INTO agreements (chat_id, topic_id, text, status, proposed_by,"
            " proposer_slot, proposed_at, from_issue) VALUES (-1, 't', ?, 'confirmed', 1, 1,"
            " 'now', last_insert_rowid())", (f"agreement {i}",))
        conn.execute("COMMIT")
    """
)


def make_database(path: Path) -> None:
    """A wheelbot database with one group, as the bot leaves it."""
    asyncio.run(_make_database(path))


async def _make_database(path: Path) -> None:
    store = await Store.open(path)
    try:
        async with store.transaction() as conn:
            await conn.execute(
                "INSERT INTO chats (chat_id, kind, language, timezone, created_at, updated_at)"
                " VALUES (-1, 'group', 'nl', 'Europe/Amsterdam', 'now', 'now')"
            )
    finally:
        await store.close()


def run_cli(monkeypatch: pytest.MonkeyPatch, db: Path, *argv: str) -> int:
    monkeypatch.setenv("WHEELBOT_DB", str(db))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)  # none of these needs it
    return main(list(argv))


def test_backup_while_the_bot_writes_is_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), "3000"], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    copies = []
    try:
        for number in range(6):
            target = tmp_path / f"copy-{number}.sqlite"
            assert run_cli(monkeypatch, db, "backup", str(target)) == 0
            copies.append(target)
    finally:
        writer.communicate(timeout=60)
    assert writer.returncode == 0
    out = capsys.readouterr().out
    assert out.count("Backup written to") == 6
    counts = []
    for copy in copies:
        assert f"Backup written to {copy.resolve()}" in out
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
            issues = conn.execute("SELECT count(*) FROM open_issues").fetchone()[0]
            agreements = conn.execute("SELECT count(*) FROM agreements").fetchone()[0]
        assert issues == agreements
        counts.append(issues)
    assert counts == sorted(counts)
    assert counts[0] < 3000  # taken while the writer was still going: it proves something
    assert not list(tmp_path.glob(".*.partial"))


def test_backup_never_overwrites_and_names_a_file_in_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"precious")
    assert run_cli(monkeypatch, db, "backup", str(existing)) == 1
    assert existing.read_bytes() == b"precious"
    assert "exists already" in capsys.readouterr().err

    folder = tmp_path / "backups"
    folder.mkdir()
    assert run_cli(monkeypatch, db, "backup", str(folder)) == 0
    (made,) = folder.glob("wheelbot-*.sqlite")
    assert f"Backup written to {made.resolve()}" in capsys.readouterr().out

    assert run_cli(monkeypatch, db, "backup", str(tmp_path / "no" / "such.sqlite")) == 1
    assert "does not exist" in capsys.readouterr().err


def test_two_backups_in_the_same_second_both_succeed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guide's first backup by hand and the nightly timer on the same day, or even at once."""
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    folder = tmp_path / "backups"
    folder.mkdir()
    now = dt.datetime(2026, 12, 5, 9, 12, 30, tzinfo=dt.UTC)
    assert operations.backup(db, folder, now=now) == 0
    assert operations.backup(db, folder, now=now) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "wheelbot-20261205-091230-2.sqlite",
        "wheelbot-20261205-091230.sqlite",
    ]


def test_two_backup_processes_in_the_same_minute_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    folder = tmp_path / "backups"  # the systemd unit's command; the folder is made at first
    env = source_env(WHEELBOT_DB=str(db))
    command = ["backup", "--keep", "14", f"{folder}/"]
    first, second = run_wheelbot(tmp_path, env, *command), run_wheelbot(tmp_path, env, *command)
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert len(list(folder.glob("wheelbot-*.sqlite"))) == 2
    assert not list(folder.glob(".*"))  # no copy left half-written


def test_keep_prunes_the_oldest_of_its_own_backups_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    folder = tmp_path / "backups"
    folder.mkdir()
    others = ["before-upgrade.sqlite", "wheelbot-manual.sqlite", "notes.txt", "wheelbot.sqlite"]
    for name in others:
        (folder / name).write_text("not ours to delete")
    (folder / "wheelbot-20260101-000000.sqlite").mkdir()  # a folder: never touched
    (folder / "wheelbot-20261101.sqlite").write_text("the daily name before 0.2.0")
    start = dt.datetime(2026, 12, 1, 3, 30, tzinfo=dt.UTC)
    for day in range(5):
        assert operations.backup(db, folder, now=start + dt.timedelta(days=day), keep=3) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].endswith("integrity ok)")  # three in all: nothing to prune yet
    assert out[2].endswith("; removed 1 older backup, kept the newest 3")  # the old name first
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            *others,
            "wheelbot-20260101-000000.sqlite",
            "wheelbot-20261203-033000.sqlite",
            "wheelbot-20261204-033000.sqlite",
            "wheelbot-20261205-033000.sqlite",
        ]
    )
    for name in others:
        assert (folder / name).read_text() == "not ours to delete"


def test_keep_needs_a_folder_and_makes_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    (tmp_path / "one.sqlite").write_text("a file")
    assert run_cli(monkeypatch, db, "backup", "--keep", "3", str(tmp_path / "one.sqlite")) == 2
    assert "--keep needs a folder to keep backups in; " in capsys.readouterr().err
    assert (tmp_path / "one.sqlite").read_text() == "a file"
    # Without the trailing /, --keep makes the folder too (the unit's folder may be missing).
    assert run_cli(monkeypatch, db, "backup", "--keep", "3", str(tmp_path / "kept")) == 0
    assert len(list((tmp_path / "kept").glob("wheelbot-*.sqlite"))) == 1
    with pytest.raises(SystemExit) as refused:
        run_cli(monkeypatch, db, "backup", "--keep", "0", str(tmp_path))
    assert refused.value.code == 2
    assert "'0' is not a number of backups (1 or more)" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["check"], ["backup", "copy.sqlite"]])
def test_commands_on_a_missing_database_create_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "absent.sqlite"
    assert run_cli(monkeypatch, db, *command) == 2
    assert f"No database at {db}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_check_prints_one_line_with_what_the_groups_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wheel.sqlite"
    make_database(db)
    subprocess.run([sys.executable, "-c", WRITER, str(db), "3"], check=True, timeout=30)
    assert run_cli(monkeypatch, db, "check") == 0
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    assert line.startswith(
        f"ok {db}: 1 group, 3 agreements, 3 open issues, 0 pending reminders, "
        "0 messages still to send, schema"
    )


def test_check_finds_a_damaged_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "wheel.sqlite"
    damaged(db)
    before = db.read_bytes()
    assert run_cli(monkeypatch, db, "check") == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "damaged" in err.lower() or "DAMAGED" in err
    assert "restore a backup" in err.lower()
    assert db.read_bytes() == before


#: ``wheelbot ARGS``, then the modules it loaded (the application's and the libraries' only).
LOADED = textwrap.dedent(
    """
    import sys
    from bot.cli import main
    status = main(sys.argv[1:])
    roots = ("bot", "telegram", "PIL", "fpdf", "aiosqlite", "babel", "httpx")
    print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in roots)))
    sys.exit(status)
    """
)


def test_health_follows_the_running_bot(tmp_path: Path) -> None:
    db = tmp_path / "wheel.sqlite"

    def health() -> subprocess.CompletedProcess[str]:
        return run_wheelbot(tmp_path, source_env(WHEELBOT_DB=str(db)), "health")

    never = health()
    assert never.returncode == 1
    assert "has not run with this database" in never.stderr
    with BotApiServer(TOKEN) as server:
        bot = start_wheelbot(tmp_path, bot_env(server.base_url, db))
        try:
            assert server.wait_until(lambda: server.polls() > 0 or bot.poll() is not None)
            running = health()
            assert running.returncode == 0, running.stderr
            assert running.stdout.startswith("ok: wheelbot is running")
            light = subprocess.run(
                [sys.executable, "-c", LOADED, "health"],
                cwd=tmp_path,
                env=source_env(WHEELBOT_DB=str(db)),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert light.returncode == 0, light.stderr
            loaded = light.stdout.splitlines()[-1].split()
            assert "bot.ops.heartbeat" in loaded  # it did look
            heavy = ("telegram", "PIL", "fpdf", "aiosqlite", "babel", "httpx", "bot.db", "bot.app")
            assert [name for name in loaded if name.startswith(heavy)] == []
        finally:
            bot.terminate()
            bot.communicate(timeout=30)
    stopped = health()
    assert stopped.returncode == 1
    assert "is not running" in stopped.stderr


async def test_prune_forgets_only_what_is_old(tmp_path: Path) -> None:
    db = tmp_path / "wheel.sqlite"
    await _make_database(db)
    now = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)

    def stamp(age: dt.timedelta) -> str:
        return (now - age).isoformat(timespec="seconds")

    day = dt.timedelta(days=1)
    store = await Store.open(db)
    try:
        async with store.transaction() as conn:
            for key, age in (("old", KEEP_PROCESSED + day), ("new", KEEP_PROCESSED - day)):
                await conn.execute(
                    "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)",
                    (key, stamp(age)),
                )
            for message_id, age in ((1, KEEP_PROMPTS + day), (2, KEEP_PROMPTS - day)):
                await conn.execute(
                    "INSERT INTO bot_messages (chat_id, message_id, purpose, created_at)"
                    " VALUES (-1, ?, 'card', ?)",
                    (message_id, stamp(age)),
                )
        async with store.transaction() as conn:
            assert await prune(conn, now) == (1, 1)
        async with store.conn.execute("SELECT key FROM processed_updates") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["new"]
        async with store.conn.execute("SELECT message_id FROM bot_messages") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == [2]
    finally:
        await store.close()
