"""Figure 6: the wheel picture (``/wheel``) and the export (``/export``) of a whole wheel, warm,
and how much they delay other groups' answers meanwhile.

A repetition has three phases, each ending when the bot is quiet: answers alone (the baseline),
answers while a whole-wheel group's ``/wheel`` is drawn and sent, and answers while its
``/export`` is made and sent. The answers come from the pool's groups one after the other, each
from a group not used before in the phase, a few milliseconds after the previous one's reaction,
for as long as the file is on its way. A file's time runs from ``update_queue.put`` until the
fake Bot API answered its ``sendPhoto`` or ``sendDocument``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

from telegram import Update

from bench import report
from bench.rig import Rig

#: Answers of the baseline phase.
QUIET_ANSWERS = 15
#: The most answers while one file is made (a file that never comes must not use up the pool).
MOST = 150
#: The pause after an answer's reaction before the next answer.
PAUSE = 0.01
PHASES = ("quiet", "/wheel", "/export")


@dataclass
class Repetition:
    """One repetition's file times and answer latencies (seconds), by phase."""

    files: dict[str, float] = field(default_factory=dict)
    answers: dict[str, list[float]] = field(default_factory=dict)


class Feed:
    """The pool's answers, handed out one at a time, a new topic when they run low."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.updates: list[Update] = []

    async def ensure(self, count: int) -> None:
        """At least ``count`` answers left (moving the groups on is untimed: call between phases)."""
        if len(self.updates) < count:
            self.updates = await self.rig.pool.take()

    def __next__(self) -> Update:
        return self.updates.pop(0)


async def answers_until(rig: Rig, feed: Feed, stop: asyncio.Event, most: int) -> list[float]:
    """Answers one after the other until ``stop`` is set or ``most`` went out; their latencies."""
    api = rig.api
    sent: list[tuple[int, float]] = []
    while not stop.is_set() and len(sent) < most:
        update = next(feed)
        assert update.effective_chat is not None
        reactions = api.counts["setMessageReaction"] + 1
        put_at = time.perf_counter()
        await rig.full.update_queue.put(update)
        sent.append((update.effective_chat.id, put_at))
        while api.counts["setMessageReaction"] < reactions:  # noqa: ASYNC110 - polls the fake API
            await asyncio.sleep(0.001)
        await asyncio.sleep(PAUSE)
    await api.quiet(lambda: True, calm=0.1)
    # A group answers at most once a phase: its chat's last call ends its answer.
    return [api.last_at[chat] - put_at for chat, put_at in sent]


async def file_while_answering(
    rig: Rig, feed: Feed, command: str, most: int
) -> tuple[float, list[float]]:
    """``command`` in a whole-wheel group, answers from other groups until its file arrived."""
    method = "sendPhoto" if command == "/wheel" else "sendDocument"
    chat = rig.wheels[0].group.chat_id
    stop = asyncio.Event()

    async def file() -> float:
        files = rig.api.counts[method] + 1
        put_at = time.perf_counter()
        await rig.full.update_queue.put(rig.command(rig.wheels[0], command))
        while rig.api.counts[method] < files:  # noqa: ASYNC110 - polls the fake API
            await asyncio.sleep(0.001)
        stop.set()
        return rig.api.last_at[chat] - put_at

    took, latencies = await asyncio.gather(file(), answers_until(rig, feed, stop, most))
    return took, latencies


async def measure(rig: Rig) -> list[Repetition]:
    """Warm up once, then ``reps`` repetitions of the three phases."""
    for command in ("/wheel", "/export"):
        await rig.full.update_queue.put(rig.command(rig.wheels[0], command))
    await rig.api.quiet(lambda: rig.api.counts["sendDocument"] > 0, calm=0.2)
    feed = Feed(rig)
    # Any run of at most ``groups`` consecutive answers of the feed comes from distinct groups.
    most, quiet = min(MOST, rig.settings.groups), min(QUIET_ANSWERS, rig.settings.groups)
    repetitions = []
    for _ in range(rig.settings.reps):
        rep = Repetition()
        await feed.ensure(quiet)
        rep.answers["quiet"] = await answers_until(rig, feed, asyncio.Event(), quiet)
        for command in ("/wheel", "/export"):
            await feed.ensure(most)
            rep.files[command], rep.answers[command] = await file_while_answering(
                rig, feed, command, most
            )
        repetitions.append(rep)
    return repetitions


def print_figure(reps: list[Repetition]) -> None:
    """Figure 6."""
    report.title(6, "/wheel and /export of a whole wheel, warm, and another group's answer")
    report.note("answers from other groups one after another while the file is made and sent;")
    report.note(
        "file: from update_queue.put until the fake Bot API answered sendPhoto/sendDocument"
    )
    report.header("ms")
    report.row("/wheel: picture delivered", [r.files["/wheel"] * 1000 for r in reps], 0)
    report.row("/export: PDF delivered", [r.files["/export"] * 1000 for r in reps], 0)
    for name, label in (("quiet", "no file on its way"), ("/wheel", "during /wheel"),
                        ("/export", "during /export")):  # fmt: skip
        latencies = [r.answers[name] for r in reps]
        goal = ("≤ 20", "≤ 50") if name != "quiet" else ("", "")
        report.row(
            f"answer, {label}: median", [statistics.median(x) * 1000 for x in latencies],
            goal=goal[0],
        )  # fmt: skip
        report.row(f"answer, {label}: max", [max(x) * 1000 for x in latencies], goal=goal[1])
    counts = ", ".join(f"{len(reps[0].answers[n])} {n}" for n in PHASES)
    report.note(f"answers in the first repetition: {counts}")
