"""Figure 4: what one answer costs the database: SQL statements, write transactions, fsyncs and
awaited aiosqlite calls (each a hop into aiosqlite's thread and back).

Statements and transactions come from SQLite's trace of every statement while one topic's answers
of the pool go through the full path (inbox, handler, outbox, delivery); hops from counting calls
of the connection's ``_execute``. Fsyncs are counted by ``strace -f -c -e trace=fsync,fdatasync``
around two runs of this module as a subprocess that differ only in the answers (the set-up's
fsyncs cancel out); without strace they are derived from the commits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bench import harness, report
from bench.api import TimedApi
from bench.groups import Pool
from bench.rig import POOL_CHATS, Rig
from bench.throughput import rate
from bot.services import services

ROOT = Path(__file__).resolve().parents[1]
#: What differs between two statements of one shape: literals and numbers.
_LITERALS = re.compile(r"'(?:[^']|'')*'|-?\b\d+\b")


@dataclass(frozen=True, slots=True)
class Trace:
    """What answering cost, in total."""

    answers: int
    statements: list[str]
    hops: int

    def per_answer(self, count: int) -> float:
        return count / self.answers

    def starting(self, word: str) -> int:
        return sum(1 for s in self.statements if s.lstrip().upper().startswith(word))


async def traced(app: Application, run: Callable[[], Awaitable[Any]], answers: int) -> Trace:
    """Run ``run()`` with every statement traced and every aiosqlite call counted."""
    conn = services(app).store.conn
    statements: list[str] = []
    hops = 0
    original = conn._execute

    async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal hops
        hops += 1
        return await original(fn, *args, **kwargs)

    # Called from aiosqlite's thread; list.append is atomic.
    await conn.set_trace_callback(statements.append)
    conn._execute = counting  # type: ignore[method-assign]
    try:
        await run()
    finally:
        del conn._execute  # the class's method again
        await conn.set_trace_callback(None)
    return Trace(answers, statements, hops)


async def measure(rig: Rig) -> Trace:
    """One topic's answers of the whole pool through the full path, traced."""
    updates = await rig.pool.take()
    return await traced(rig.full, lambda: rate(rig.full, rig.api, updates), len(updates))


def shapes(trace: Trace, top: int) -> list[tuple[float, str]]:
    """The most frequent statements per answer, literals replaced by ``?``."""
    counts = Counter(_LITERALS.sub("?", " ".join(s.split())) for s in trace.statements)
    return [(n / trace.answers, shape) for shape, n in counts.most_common(top)]


# -- fsyncs: this module as a subprocess under strace -------------------------------------------


async def _child(folder: Path, groups: int, answer: bool) -> None:
    api = TimedApi()
    app = harness.full_app(folder / "traced.sqlite", api)
    async with harness.running(app):
        pool = Pool(app, api, groups, POOL_CHATS)
        await pool.set_up()
        if answer:
            updates: list[Update] = await pool.take()
            trace = await traced(app, lambda: rate(app, api, updates), len(updates))
            commits = trace.starting("COMMIT")
            result = {"answers": len(updates), "commits": commits}
            (folder / "child.json").write_text(json.dumps(result))


def strace_fsyncs(command: list[str], folder: Path) -> int | None:
    """Fsync and fdatasync calls of ``command`` and its threads; None when strace fails."""
    out = folder / "strace.txt"
    base = ["strace", "-f", "-qq", "-c", "-o", str(out), "-e", "trace=fsync,fdatasync"]
    # seccomp-bpf stops the process only at the traced calls, so strace barely slows it.
    for extra in (["--seccomp-bpf"], []):
        done = subprocess.run(
            [*base, *extra, *command], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode == 0 and out.exists():
            break
    else:
        return None
    calls = 0
    for line in out.read_text().splitlines():
        words = line.split()
        if words and words[-1] in ("fsync", "fdatasync"):
            calls += int(words[3])
    return calls


def fsyncs_per_answer(groups: int) -> tuple[float, float] | None:
    """(fsyncs, commits) per answer from two traced subprocess runs; None without strace."""
    if shutil.which("strace") is None:
        return None
    counts = []
    answers = commits = 0
    with tempfile.TemporaryDirectory(prefix="wheelbench-") as tmp:
        for answer in (False, True):
            folder = Path(tmp) / ("answers" if answer else "set-up")
            folder.mkdir()
            command = [sys.executable, "-m", "bench.per_answer", "--child", str(folder)]
            command += ["--groups", str(groups), *(["--answer"] if answer else [])]
            calls = strace_fsyncs(command, folder)
            if calls is None:
                return None
            counts.append(calls)
            if answer:
                result = json.loads((folder / "child.json").read_text())
                answers, commits = result["answers"], result["commits"]
    return (counts[1] - counts[0]) / answers, commits / answers


def print_figure(trace: Trace, fsyncs: tuple[float, float] | None, groups: int) -> None:
    """Figure 4."""
    report.title(4, "Per answer (counts, not timings: one topic's answers, the full path)")
    report.note(f"{trace.answers} answers through update_queue.put, handler, outbox and delivery")
    per = trace.per_answer
    report.value("SQL statements", f"{per(len(trace.statements)):.1f}", "≤ 15")
    report.value(
        "  of which SELECT / INSERT / UPDATE",
        " / ".join(f"{per(trace.starting(w)):.1f}" for w in ("SELECT", "INSERT", "UPDATE")),
    )
    report.value(
        "write transactions (BEGIN / COMMIT)",
        f"{per(trace.starting('BEGIN')):.1f} / {per(trace.starting('COMMIT')):.1f}",
        "1",
    )
    if fsyncs is None:
        report.value(
            "fsyncs (derived: 1 per commit in WAL, FULL)",
            f"≈ {per(trace.starting('COMMIT')):.1f}",
            "≤ 2",
        )
        report.note("strace not available: fsyncs derived from commits, checkpoints not counted")
    else:
        report.value("fsyncs (strace -f -c, fsync + fdatasync)", f"{fsyncs[0]:.1f}", "≤ 2")
        report.note(
            f"fsyncs: two subprocess runs on {groups} groups, with and without one topic's "
            f"answers ({fsyncs[1]:.1f} commits an answer there)"
        )
    report.value("awaited aiosqlite calls (thread hops)", f"{per(trace.hops):.1f}")
    report.note("most frequent statements, per answer:")
    for count, shape in shapes(trace, 6):
        report.note(f"  {count:4.1f}  {shape[:88]}")


def main() -> None:
    """The traced subprocess of figure 4."""
    parser = argparse.ArgumentParser(description="figure 4's traced subprocess")
    parser.add_argument("--child", type=Path, required=True)
    parser.add_argument("--groups", type=int, required=True)
    parser.add_argument("--answer", action="store_true")
    args = parser.parse_args()
    asyncio.run(_child(args.child, args.groups, args.answer))


if __name__ == "__main__":
    main()
