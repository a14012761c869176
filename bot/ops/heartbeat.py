"""The heartbeat file beside the database, and ``wheelbot health``, which reads it.

``<database>.heartbeat`` is locked while a bot runs on that database and touched while it works.
``health`` runs every minute (Docker's HEALTHCHECK, a monitor), so this module and what it
imports use the standard library only: ``health`` never loads the application, PTB or Pillow
(a test holds it to that).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sys
from pathlib import Path
from typing import IO

from bot.ops.errors import StartupError

OK, FAILED = 0, 1


class Heartbeat:
    """``<database>.heartbeat``: locked while a bot runs on that database, touched while it works.

    The lock keeps a second process off the same database (two writers would interleave their
    conversations); the file's age tells ``wheelbot health`` that the bot is still working.
    """

    INTERVAL = dt.timedelta(seconds=30)
    STALE_AFTER = dt.timedelta(minutes=2)

    def __init__(self, db_path: Path) -> None:
        self.path = heartbeat_path(db_path)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock and write our process id; raise StartupError if another bot has it."""
        database, folder = self.path.with_suffix(""), self.path.resolve().parent
        try:
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            if not folder.is_dir():
                reason = f"the folder {folder} does not exist"
            else:
                reason = f"cannot write {self.path.name} there ({exc.strerror}); check that this user may write to {folder}"
            raise StartupError(f"Cannot open the database {database}: {reason}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise StartupError(
                f"Another wheelbot (process {holder}) is already running with the database "
                f"{database}; stop it first, or set WHEELBOT_DB to another file."
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def beat(self) -> None:
        """Mark the bot as working now."""
        os.utime(self.path)

    def release(self) -> None:
        """Let go of the lock (the file stays, with its last beat)."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def heartbeat_path(db_path: Path) -> Path:
    """Where the heartbeat of a bot on ``db_path`` lives."""
    return db_path.with_name(db_path.name + ".heartbeat")


def health(db_path: Path, now: dt.datetime | None = None) -> int:
    """Exit 0 when a bot runs on this database and its heartbeat is recent (for HEALTHCHECK)."""
    beat = heartbeat_path(db_path)
    try:
        modified = dt.datetime.fromtimestamp(beat.stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return _fail(f"No heartbeat at {beat}: wheelbot has not run with this database")
    if not _locked(beat):
        return _fail(f"wheelbot is not running with {db_path} (no process holds {beat})")
    age = ((now or dt.datetime.now(dt.UTC)) - modified).total_seconds()
    if age > Heartbeat.STALE_AFTER.total_seconds():
        return _fail(f"wheelbot is stuck: its last heartbeat was {age:.0f} s ago")
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


def _fail(line: str) -> int:
    print(line, file=sys.stderr)
    return FAILED
