"""The operator's commands beside the running bot: ``check``, ``backup`` and ``health``.

Each returns an exit status and prints one line; none needs the token, and none creates or
changes the database it looks at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
import sys
from pathlib import Path

from bot.db import describe_failure, migration_files
from bot.db.maintenance import backup as copy_database
from bot.db.maintenance import connect_existing, integrity_of, summary
from bot.ops.startup import Heartbeat, heartbeat_path

OK, FAILED, MUST_FIX = 0, 1, 2


def check(db_path: Path) -> int:
    """Run ``integrity_check`` and print one line: healthy or not, and what the groups hold."""
    if not db_path.is_file():
        return _fail(f"No database at {db_path} (WHEELBOT_DB); nothing to check", MUST_FIX)
    try:
        with contextlib.closing(connect_existing(db_path)) as conn:
            found = summary(conn)
    except sqlite3.Error as exc:
        return _fail(describe_failure(db_path, exc), FAILED)
    known = len(migration_files())
    counts = ", ".join(
        (
            _count(found.groups, "group"),
            _count(found.agreements, "agreement"),
            _count(found.open_issues, "open issue"),
            _count(found.pending_reminders, "pending reminder"),
            _count(found.messages_owed, "message") + " still to send",
            f"schema {found.schema}",
            _size(db_path),
        )
    )
    if not found.healthy:
        shown = "; ".join(found.problems[:3])
        return _fail(f"DAMAGED {db_path}: {shown}. Restore a backup. ({counts})", FAILED)
    if found.schema > known:
        return _fail(
            f"ok but newer {db_path}: schema {found.schema} needs a newer wheelbot ({counts})",
            FAILED,
        )
    print(f"ok {db_path}: {counts}")
    return OK


def backup(db_path: Path, target: Path, now: dt.datetime | None = None) -> int:
    """Write a consistent copy of the database to ``target`` (a file, or a folder to put it in)."""
    if not db_path.is_file():
        return _fail(f"No database at {db_path} (WHEELBOT_DB); nothing to back up", MUST_FIX)
    if target.is_dir():
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
        target = target / f"wheelbot-{stamp}.sqlite"
    if target.exists():
        return _fail(f"{target} exists already; choose a new name (a backup never overwrites)")
    if not target.parent.is_dir():
        return _fail(f"Cannot write {target}: the folder {target.parent} does not exist")
    if target.resolve() == db_path.resolve():
        return _fail("The backup must not be the database itself")
    # Written under a temporary name and renamed: a copy cut short never carries the final name.
    partial = target.with_name(f".{target.name}.partial")
    try:
        with contextlib.closing(connect_existing(db_path)) as source:
            copy_database(source, partial)
        problems = integrity_of(partial)
        if problems:
            raise sqlite3.DatabaseError(f"the copy fails integrity_check: {problems[0]}")
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        reason = describe_failure(db_path, exc) if isinstance(exc, sqlite3.Error) else exc
        return _fail(f"Backup failed, nothing written: {reason}")
    print(f"Backup written to {target.resolve()} ({_size(target)}, integrity ok)")
    return OK


def health(db_path: Path, now: dt.datetime | None = None) -> int:
    """Exit 0 when a bot runs on this database and its heartbeat is recent (for HEALTHCHECK)."""
    beat = heartbeat_path(db_path)
    try:
        modified = dt.datetime.fromtimestamp(beat.stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return _fail(f"No heartbeat at {beat}: wheelbot has not run with this database", FAILED)
    if not _locked(beat):
        return _fail(f"wheelbot is not running with {db_path} (no process holds {beat})", FAILED)
    age = ((now or dt.datetime.now(dt.UTC)) - modified).total_seconds()
    if age > Heartbeat.STALE_AFTER.total_seconds():
        return _fail(f"wheelbot is stuck: its last heartbeat was {age:.0f} s ago", FAILED)
    print(f"ok: wheelbot is running, last heartbeat {max(age, 0):.0f} s ago")
    return OK


def _locked(path: Path) -> bool:
    """True when another process holds the heartbeat's lock, as a running bot does."""
    with path.open("a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def _fail(line: str, status: int = FAILED) -> int:
    print(line, file=sys.stderr)
    return status
