"""Kill a writer with SIGKILL mid-write: every commit it reported survives, the file stays sound."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.db import Store, migration_files

ROOT = Path(__file__).resolve().parent.parent
ROWS = 300
RUNS = 5
CHAT_ID = -1001

# The child: one Store, a chats row, then ROWS answers, each in its own transaction; it prints
# each id only after its transaction has committed.
CHILD = f"""
import asyncio, sys
from bot.db import Store

ANSWER = (
    "INSERT INTO answers"
    " (id, chat_id, topic_id, user_id, slot, text, message_id, created_at, updated_at)"
    " VALUES (?, ?, ?, 1, 1, ?, ?, 't', 't')"
)

async def main(path, first):
    store = await Store.open(path)
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO chats (chat_id, kind, language, timezone, created_at, updated_at)"
            " VALUES ({CHAT_ID}, 'group', 'nl', 'Europe/Amsterdam', 't', 't')"
        )
    print("ready", flush=True)
    for answer_id in range(first, first + {ROWS}):
        async with store.transaction() as conn:
            await conn.execute(
                ANSWER, (answer_id, {CHAT_ID}, f"t{{answer_id}}", "x" * 500, answer_id)
            )
            await conn.execute(
                "UPDATE chats SET updated_at = ? WHERE chat_id = {CHAT_ID}", (str(answer_id),)
            )
        print(answer_id, flush=True)
    await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def write_until_killed(db_path: Path, first: int, kill_after: int) -> list[int]:
    """Run the child; SIGKILL it once it has reported ``kill_after`` commits; return them."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), str(first)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(20, child.kill)  # never hang the test run
    watchdog.start()
    committed: list[int] = []
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n", child.stderr.read() if child.stderr else ""
        while len(committed) < kill_after:
            line = child.stdout.readline()
            assert line, f"child ended early: {child.stderr.read() if child.stderr else ''}"
            committed.append(int(line))
        child.send_signal(signal.SIGKILL)
        # Anything it printed between our last read and the kill was committed too.
        committed.extend(int(line) for line in child.stdout.read().split())
    finally:
        watchdog.cancel()
        child.kill()
        child.wait()
        if child.stdout:
            child.stdout.close()
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return committed


def check_database(db_path: Path) -> list[int]:
    """Check the file as a fresh process would find it after the crash; return the answer ids."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA user_version").fetchone() == (len(migration_files()),)
        return [row[0] for row in conn.execute("SELECT id FROM answers ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_writer_loses_no_reported_commit(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.sqlite"
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    expected: list[int] = []
    for run in range(RUNS):
        first = run * 1000
        kill_after = rng.randrange(1, ROWS - 20)
        reported = write_until_killed(db_path, first, kill_after)
        stored = check_database(db_path)
        this_run = [i for i in stored if first <= i < first + ROWS]
        context = f"seed={seed} run={run} kill_after={kill_after}"
        assert reported == list(range(first, first + len(reported))), context
        assert set(reported) <= set(this_run), context
        # Commits happen in order: what landed is an unbroken prefix, at most one past the report.
        assert this_run == list(range(first, first + len(this_run))), context
        assert len(reported) <= len(this_run) <= len(reported) + 1, context
        expected += this_run
        assert stored == expected, context  # earlier runs' rows are untouched

    async def reopen() -> int:
        store = await Store.open(db_path)
        try:
            return await store.version()
        finally:
            await store.close()

    assert asyncio.run(reopen()) == len(migration_files())
