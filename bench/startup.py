"""Figure 5: start-up time and peak memory of a ``wheelbot run``-equivalent start on a database
holding many groups and pending reminders, each start a fresh subprocess (so imports count).

The database is written through the project's own ``bot.db`` functions (what the set-up flows
leave: the chat, both partners, a representative of each, the stage, the topic card), and ten
pending reminders a group, due over the next months: playing a thousand groups through the real
flows would take longer than the rest of the benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import harness, report
from bench.api import TimedApi
from bot.db import bot_messages, chats, partners, progress, reminders
from bot.services import services

ROOT = Path(__file__).resolve().parents[1]
FIRST_CHAT = -4_500_000_000


@dataclass(frozen=True, slots=True)
class Start:
    """One start: seconds from spawning the process to ready, its steps, its peak RSS."""

    seconds: float
    steps: dict[str, float]
    peak_rss_mib: float


async def build_database(path: Path, groups: int, pending: int) -> None:
    """A database with ``groups`` groups at their first topic and ``pending`` reminders."""
    api = TimedApi()
    app = harness.full_app(path, api)
    async with harness.running(app):
        svc = services(app)
        conn, wheel = svc.store.conn, svc.wheel
        topic = wheel.topics[0]
        stages = [s.id for s in wheel.stages]
        now = dt.datetime.now(dt.UTC)
        text = now.isoformat(timespec="seconds")
        zone = harness.ZONE
        await conn.execute("BEGIN IMMEDIATE")
        for n in range(groups):
            chat, first, second = FIRST_CHAT - n, 2 * n + 1, 2 * n + 2
            await chats.create(conn, chat, "group", f"Partners {n}", "en", zone.key, text)
            await partners.set_name(conn, chat, 1, f"Works {n}")
            await partners.set_name(conn, chat, 2, f"Bakery {n}")
            await partners.join(conn, chat, first, "Ben", 1, text)
            await partners.join(conn, chat, second, "David", 2, text)
            await partners.set_setup(conn, chat, "done", text, setup_by=first)
            await progress.set_position(conn, chat, topic.stage, topic.id, text)
            await progress.set_topic_status(conn, chat, topic.id, "open", text)
            await bot_messages.remember(conn, chat, 1000 + n, "card", topic.id, text)
        for n in range(pending):
            chat = FIRST_CHAT - n % groups
            day = (now + dt.timedelta(days=1 + n % 180)).astimezone(zone)
            local = day.replace(hour=10, minute=0, second=0, microsecond=0)
            stage = stages[n % len(stages)]
            await reminders.add(conn, chat, stage, local, zone.key, 2 * (n % groups) + 1, text)
        await conn.execute("COMMIT")


def start_once(db_path: Path) -> Start:
    """Spawn a start and wait for its report line."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "bench.start_child", str(db_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline()
        ready = time.perf_counter()
        child.stdout.read()
        if child.wait() != 0 or not line:
            raise RuntimeError(f"the start-up subprocess failed ({child.returncode})")
    steps = json.loads(line)
    peak = steps.pop("peak_rss_mib")
    return Start(ready - started, steps, peak)


def print_figure(starts: list[Start], groups: int, pending: int, size_mib: float) -> None:
    """Figure 5."""
    report.title(
        5,
        f"Start-up with {groups:,} groups and {pending:,} pending reminders "
        f"(database {size_mib:.1f} MiB)",
    )
    report.note(
        "a fresh process: imports, build_app, initialize, post_init (database, catalogs, warm-ups)"
    )
    report.header()
    report.row("start-up, spawn to ready (s)", [s.seconds for s in starts], 2, "≤ 1")
    report.row("peak RSS (MiB)", [s.peak_rss_mib for s in starts], 1, "≤ 64")
    for step in starts[0].steps:
        median = statistics.median(s.steps[step] for s in starts)
        report.note(f"  {step}: median {median:.2f} s")
