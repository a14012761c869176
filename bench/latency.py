"""Figure 3: latency at a steady rate of answers, with confirmations of agreements and
``/summary`` of a whole wheel among them.

Open loop: each update is put into the update queue at its planned moment, whether or not the
bot has finished the ones before (a closed loop would slow down with the bot and hide its delays).
A window is one topic of the pool: every group's first partner answers, then every group's
second, spaced 1/rate apart (200 groups at 100 answers/s: a 4 s window, a group's two answers 2 s
apart); the confirm groups' presses and the whole-wheel groups' ``/summary`` (one each) are
spread over the same window. A chat's calls belong to its answer until the reaction on its next
answer (both bots deliver a chat's messages in order); the other chats get one update a window.

Latency: from the call of ``app.update_queue.put(update)`` until the fake Bot API has answered the
last call the update caused, in that chat. Its turn has committed by then: the bot delivers only
what it committed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application

from bench import harness, report
from bench.api import Delivery, TimedApi
from bench.rig import Rig

ANSWERS, CONFIRMATIONS, SUMMARIES, MINIMAL = (
    "answers", "confirmations of agreements", "/summary of a whole wheel",
    "minimal PTB bot, answers",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Planned:
    """An update and when, from the window's start, it goes into the queue."""

    at: float
    kind: str
    update: Update

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        assert chat is not None
        return chat.id

    @property
    def answer(self) -> int | None:
        """The message id of an answer (the bot reacts on it), None for other updates."""
        if self.kind not in (ANSWERS, MINIMAL):
            return None
        message = self.update.effective_message
        return message.message_id if message else None


@dataclass
class Window:
    """What one window measured: latencies in seconds by kind, and how fast answers went."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    #: Answers a second from the window's start to the last answer's delivery.
    achieved: float = 0.0


async def play(app: Application, api: TimedApi, plan: list[Planned]) -> Window:
    """Put each update at its moment; once all is delivered, work out each one's latency."""
    seen = len(api.deliveries)
    reactions = api.counts["setMessageReaction"] + sum(1 for p in plan if p.answer)
    put_at: list[float] = []
    puts = []
    start = time.perf_counter()
    for item in plan:
        delay = start + item.at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        put_at.append(time.perf_counter())
        # A task per put: the durable inbox commits in ``put``, and a slow commit must not
        # hold back the next update's moment.
        puts.append(asyncio.create_task(app.update_queue.put(item.update)))
        if len(puts) % harness.POLL_BATCH == 0:
            puts.append(asyncio.create_task(harness.polled(app, len(puts))))
    await asyncio.gather(*puts)
    await harness.polled(app, harness.POLL_BATCH)
    last_put = {item.chat_id: at for item, at in zip(plan, put_at, strict=True)}

    def all_heard() -> bool:
        return api.counts["setMessageReaction"] >= reactions and all(
            api.last_at.get(chat, 0.0) >= at for chat, at in last_put.items()
        )

    await api.quiet(all_heard, calm=0.2)
    return _window(plan, put_at, api.deliveries[seen:], start)


def _window(
    plan: list[Planned], put_at: list[float], deliveries: list[Delivery], start: float
) -> Window:
    """Each update's latency: its chat's calls up to the reaction that starts the next answer's
    (the bot delivers a chat's messages in order)."""
    calls: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        if delivery.chat_id is not None:
            calls.setdefault(delivery.chat_id, []).append(delivery)
    in_chat: dict[int, list[tuple[Planned, float]]] = {}
    for item, at in zip(plan, put_at, strict=True):
        in_chat.setdefault(item.chat_id, []).append((item, at))
    window = Window()
    last_answer = start
    for chat, items in in_chat.items():
        chat_calls = calls.get(chat, [])
        cuts = [0]
        for item, _ in items[1:]:
            anchor = next(
                (n for n, d in enumerate(chat_calls) if d.reacted_to == item.answer), None
            )
            cuts.append(anchor if anchor is not None and anchor > cuts[-1] else cuts[-1])
        cuts.append(len(chat_calls))
        for (item, at), end in zip(items, cuts[1:], strict=True):
            if end == 0:
                continue  # nothing was sent for it: left out (the figure notes n)
            delivered = chat_calls[end - 1].at
            window.latencies.setdefault(item.kind, []).append(delivered - at)
            if item.answer:
                last_answer = max(last_answer, delivered)
    answers = sum(1 for item in plan if item.answer)
    window.achieved = answers / (last_answer - start)
    return window


def spread(updates: list[Update], kind: str, span: float, offset: float) -> list[Planned]:
    """``updates`` evenly over ``span`` seconds, the first at ``offset`` of a step."""
    step = span / max(1, len(updates))
    return [Planned((n + offset) * step, kind, u) for n, u in enumerate(updates)]


async def measure(rig: Rig) -> list[Window]:
    """``reps`` windows of the full bot, each followed by one of the minimal bot."""
    rate = rig.settings.steady_rate
    windows = []
    for _ in range(rig.settings.reps):
        answers = await rig.pool.take()
        span = len(answers) / rate
        plan = [
            *spread(answers, ANSWERS, span, 0.0),
            *spread([rig.confirmation(p) for p in rig.confirms], CONFIRMATIONS, span, 0.5),
            *spread([rig.command(p, "/summary") for p in rig.wheels], SUMMARIES, span, 0.25),
        ]
        plan.sort(key=lambda item: item.at)
        window = await play(rig.full, rig.api, plan)
        minimal = await play(
            rig.minimal, rig.minimal_api, spread(rig.minimal_pool.take(), MINIMAL, span, 0.0)
        )
        window.latencies.update(minimal.latencies)
        windows.append(window)
        await rig.propose()  # new proposals for the next window's confirmations
    return windows


def print_figure(windows: list[Window], rate: float) -> None:
    """Figure 3."""
    report.title(3, f"Latency at a steady {rate:.0f} answers/s (open loop)")
    report.note(
        "latency: from update_queue.put(update) until the fake Bot API answered the last call"
    )
    report.note("the update caused (its turn committed before); windows of one topic of the pool")
    first = windows[0].latencies
    sizes = ", ".join(f"{len(first[kind])} {kind}" for kind in (ANSWERS, CONFIRMATIONS, SUMMARIES))
    report.note(f"a window: {sizes}; then the minimal bot's answers alone")
    report.header("ms")
    for kind, goal in ((ANSWERS, "≤ 10"), (CONFIRMATIONS, ""), (SUMMARIES, ""), (MINIMAL, "")):
        p50 = [report.percentile(w.latencies[kind], 50) * 1000 for w in windows]
        p99 = [report.percentile(w.latencies[kind], 99) * 1000 for w in windows]
        report.row(f"{kind}, p50", p50)
        report.row(f"{kind}, p99", p99, goal=goal)
    report.row(f"answers handled a second (offered {rate:.0f})", [w.achieved for w in windows], 0)
