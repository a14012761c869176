"""The operator's commands beside the running bot: ``check`` and ``backup`` (``health`` is in
``bot.ops.heartbeat``, which imports nothing of the application).

Each returns an exit status and prints one line; none needs the token, and none creates or
changes the database it looks at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
import sys
from pathlib import Path

from bot.db import describe_failure, migration_files
from bot.db.maintenance import backup as copy_database
from bot.db.maintenance import connect_existing, integrity_of, summary

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


#: The names ``backup`` gives in a folder: ``wheelbot-YYYYMMDD-HHMMSS.sqlite`` (UTC), with
#: ``-2``, ``-3``... for a second one in the same second; and ``wheelbot-YYYYMMDD.sqlite``, the
#: daily name of the systemd unit before 0.2.0, so that ``--keep`` prunes those as well.
OWN_NAME = re.compile(r"^wheelbot-(\d{8})(?:-(\d{6})(?:-(\d+))?)?\.sqlite$")


def backup(
    db_path: Path,
    target: Path,
    now: dt.datetime | None = None,
    keep: int | None = None,
    *,
    into: bool = False,
) -> int:
    """Write a consistent copy of the database to ``target``: a file, or a folder to put a
    timestamped copy in (``into``: a folder even if it does not exist yet, made then). With
    ``keep``, ``target`` is such a folder, and only the newest ``keep`` timestamped copies stay
    in it; no other file is touched."""
    if not db_path.is_file():
        return _fail(f"No database at {db_path} (WHEELBOT_DB); nothing to back up", MUST_FIX)
    folder: Path | None = None
    if keep is not None and target.exists() and not target.is_dir():
        return _fail(f"--keep needs a folder to keep backups in; {target} is a file", MUST_FIX)
    if into or keep is not None or target.is_dir():
        folder = target
        try:
            # Only the last level: a mistyped parent is an error, not a new tree of folders.
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            return _fail(f"Cannot make the folder {folder}: {exc.strerror or exc}")
        target = _new_name(folder, now or dt.datetime.now(dt.UTC))
    if target.exists():
        return _fail(f"{target} exists already; choose a new name (a backup never overwrites)")
    if not target.parent.is_dir():
        return _fail(f"Cannot write {target}: the folder {target.parent} does not exist")
    if target.resolve() == db_path.resolve():
        return _fail("The backup must not be the database itself")
    # Written under a temporary name and then named: a copy cut short never carries the final
    # name. The process id keeps two backups started in the same second apart.
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with contextlib.closing(connect_existing(db_path)) as source:
            copy_database(source, partial)
        problems = integrity_of(partial)
        if problems:
            raise sqlite3.DatabaseError(f"the copy fails integrity_check: {problems[0]}")
        for _ in range(100):
            try:
                _publish(partial, target)
                break
            except FileExistsError:
                # Another backup took the name meanwhile (the nightly timer and one by hand):
                # in a folder, the next free name; a name the operator chose is never replaced.
                if folder is None:
                    raise
                target = _new_name(folder, now or dt.datetime.now(dt.UTC))
        else:
            raise FileExistsError(target)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        if isinstance(exc, FileExistsError):
            return _fail(f"{target} exists already; choose a new name (a backup never overwrites)")
        reason = describe_failure(db_path, exc) if isinstance(exc, sqlite3.Error) else exc
        return _fail(f"Backup failed, nothing written: {reason}")
    line = f"Backup written to {target.resolve()} ({_size(target)}, integrity ok)"
    if folder is not None and keep is not None:
        removed = prune_backups(folder, keep)
        if removed:
            line += f"; removed {_count(len(removed), 'older backup')}, kept the newest {keep}"
    print(line)
    return OK


def _publish(partial: Path, target: Path) -> None:
    """Give the finished copy its name; FileExistsError when the name is taken, never replacing."""
    try:
        # A hard link fails when the name exists, where a rename would replace it.
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (two backups in the same
        # second could still meet here; the file systems a server uses have hard links).
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(partial, target)
        return
    partial.unlink()


def _new_name(folder: Path, now: dt.datetime) -> Path:
    """A name in ``folder`` no backup has yet: the moment in UTC, then -2, -3... if taken."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    target = folder / f"wheelbot-{stamp}.sqlite"
    number = 1
    while target.exists():
        number += 1
        target = folder / f"wheelbot-{stamp}-{number}.sqlite"
    return target


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups named as ``backup`` names them in ``folder``;
    return what was deleted. Other files, and folders, are never touched."""
    own: list[tuple[tuple[str, str, int], Path]] = []
    for path in folder.iterdir():
        match = OWN_NAME.match(path.name)
        if match and path.is_file() and not path.is_symlink():
            day, time, number = match.groups()
            own.append(((day, time or "000000", int(number or 1)), path))
    own.sort()
    removed: list[Path] = []
    for _, path in own[: max(len(own) - keep, 0)]:
        with contextlib.suppress(FileNotFoundError):  # another prune got there first
            path.unlink()
            removed.append(path)
    return removed


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def _fail(line: str, status: int = FAILED) -> int:
    print(line, file=sys.stderr)
    return status
