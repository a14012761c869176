"""What the figures were measured on, printed first: they mean little without it.

Besides cores, CPU and versions it times an fsync in the run's temporary folder, since every
write transaction of the bot waits for one (``synchronous=FULL``).
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from importlib import metadata
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name, where the system says it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def usable_cores() -> int:
    """Cores this process may run on (a container may get fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def filesystem(folder: Path) -> str:
    """The type of the filesystem ``folder`` is on (Linux), else an empty string."""
    best, kind = "", ""
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if str(folder.resolve()).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        return ""
    return kind


def fsync_ms(folder: Path, count: int = 50) -> float:
    """Median milliseconds of ``fsync`` after a 4 KiB append, in ``folder``."""
    path = folder / "fsync.probe"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for _ in range(count):
            os.write(fd, b"\0" * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    return statistics.median(times) * 1000


def describe(folder: Path) -> list[str]:
    """The lines that open the run's output."""
    cores = os.cpu_count() or 1
    usable = usable_cores()
    fs = filesystem(folder)
    return [
        f"machine: {cores} cores ({usable} usable), {cpu_model()}, "
        f"{platform.system()} {platform.release()} {platform.machine()}",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"python-telegram-bot {metadata.version('python-telegram-bot')}, "
        f"aiosqlite {metadata.version('aiosqlite')}, SQLite {sqlite3.sqlite_version}",
        f"temporary files in {folder.parent}{f' ({fs})' if fs else ''}: "
        f"fsync of a 4 KiB append {fsync_ms(folder):.2f} ms (median of 50)",
    ]
