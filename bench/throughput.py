"""Figures 1 and 2: answers per second of the full bot and of the minimal PTB bot, measured in the
same run, repetition by repetition in turn, on the same groups.

A repetition puts one topic's answers of every group into the bot's update queue, interleaved
across groups (every group's first partner, then every group's second), one ``put`` after the
other as PTB's updater does, and ends when the fake Bot API has answered the last call they
caused (every answer's reaction arrived and the bot fell quiet).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application

from bench import harness, report
from bench.api import TimedApi
from bench.rig import Rig


@dataclass(frozen=True, slots=True)
class Rates:
    """Answers per second of each bot, one value per repetition."""

    full: list[float]
    minimal: list[float]

    def ratios(self) -> list[float]:
        """Full over minimal, repetition by repetition."""
        return [f / m for f, m in zip(self.full, self.minimal, strict=True)]


async def rate(app: Application, api: TimedApi, updates: list[Update]) -> float:
    """Put ``updates`` into the queue and time them until every message was delivered."""
    reactions = api.counts["setMessageReaction"] + len(updates)
    started = time.perf_counter()
    for count, update in enumerate(updates, start=1):
        await app.update_queue.put(update)
        await harness.polled(app, count)
    await harness.polled(app, harness.POLL_BATCH)
    ended = await api.quiet(lambda: api.counts["setMessageReaction"] >= reactions)
    return len(updates) / (ended - started)


async def measure(rig: Rig, latency: float) -> Rates:
    """Both bots, ``rig.settings.reps`` times each, with this Bot API round trip."""
    rig.set_latency(latency)
    full, minimal = [], []
    try:
        for _ in range(rig.settings.reps):
            full.append(await rate(rig.full, rig.api, await rig.pool.take()))
            minimal.append(await rate(rig.minimal, rig.minimal_api, rig.minimal_pool.take()))
    finally:
        rig.set_latency(0.0)
    return Rates(full, minimal)


def print_instant(rates: Rates, groups: int) -> None:
    """Figure 1."""
    report.title(
        1, f"Throughput, Bot API instant: {groups} groups × 2 partners answer a topic card"
    )
    report.note(f"{2 * groups} answers a repetition, interleaved across groups; rate limiter off")
    report.header("answers/s")
    report.row("full bot (inbox, handlers, outbox)", rates.full)
    report.row("minimal PTB bot (1 commit, same API calls)", rates.minimal)
    report.row("ratio full / minimal (per repetition)", rates.ratios(), 2, "≥ 0.5")


def print_slow(rates: Rates, groups: int, latency: float) -> None:
    """Figure 2."""
    report.title(
        2,
        f"Throughput at a {latency * 1000:.0f} ms Bot API round trip, each group's updates "
        "strictly in order",
    )
    report.note(f"{2 * groups} answers a repetition from {groups} groups; every call waits")
    report.header("answers/s")
    report.row("full bot", rates.full, 0, "≥ 500")
    report.row("minimal PTB bot", rates.minimal, 0)


def ratio(rates: Rates) -> float:
    """The median of the per-repetition ratios (the run's last lines)."""
    return statistics.median(rates.ratios())
