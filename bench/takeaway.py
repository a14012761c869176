"""Do other groups keep getting answers while one group's exports are drawn? Measured, not
asserted.

Runs the application in-process against the fake Bot API. ``--groups`` busy groups have a full
record: every topic of the wheel answered by both partners at length, with an agreement and an
open issue (``--small``: one agreement). Each asks for ``--exports`` exports and pictures at
once; meanwhile another group sends ``/status`` now and then, at least ``--pings`` times and until
every file has arrived. Prints how long that group waited for its answers, quiet and while the
files were drawn (median and max), and how long the files took.

    .venv/bin/python bench/takeaway.py [--groups 2] [--exports 4] [--pings 20] [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_app  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.db import now_text, progress, records  # noqa: E402
from bot.offline.fake_api import FakeBotApi  # noqa: E402
from bot.offline.people import Group, User  # noqa: E402
from bot.services import services  # noqa: E402

ANNA, BEN = User(1, "Anna", "en"), User(2, "Ben", "en")
#: About 800 characters: an answer of a partner who took the question seriously.
ANSWER = (
    "We want to help people who are far from the labour market into lasting work, with a "
    "learning path and a coach on the floor 👍 "
) * 6


async def set_up(group: Group) -> None:
    await group.send(ANNA, "/start")
    await group.reply(ANNA, "Works", to=group.last)
    await group.reply(BEN, "Bakery", to=group.last)
    await group.press(ANNA, "Works")
    await group.press(BEN, "Bakery", on=next(m for m in group.sent if "Bakery" in m.buttons))
    await group.press(ANNA, "Orientation")
    await group.send(ANNA, "/agree Ten jobs a year 🤝")
    await group.press(BEN, "Confirm")


async def fill(group: Group) -> None:
    """Every topic answered by both partners, with a confirmed agreement and an open issue:
    the record of a group that went round the whole wheel (straight into the database)."""
    svc = services(group.app)
    async with svc.store.transaction() as conn:
        now = now_text()
        for n, topic in enumerate(svc.wheel.topics):
            for user, slot in ((ANNA, 1), (BEN, 2)):
                await progress.save_answer(
                    conn,
                    group.chat_id,
                    topic.id,
                    user.id,
                    slot,
                    ANSWER,
                    10_000 + 2 * n + slot,
                    now,
                )
            await progress.set_topic_status(conn, group.chat_id, topic.id, "answered", now)
            agreement = await records.propose(
                conn, group.chat_id, topic.id, ANSWER[:300], ANNA.id, 1, now
            )
            await records.confirm(conn, agreement, BEN.id, now)
            await records.raise_issue(
                conn, group.chat_id, topic.id, "Who pays for the coach?", BEN.id, now
            )


async def ping(group: Group) -> float:
    """Seconds from a /status to its answer in the chat."""
    before = len(group.sent)
    started = time.perf_counter()
    await group.send(BEN, "/status", settle=False)
    while len(group.sent) == before:  # noqa: ASYNC110 - polling the fake API is the point
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


async def pings(group: Group, count: int, until: asyncio.Task[None] | None = None) -> list[float]:
    """At least ``count`` pings, and more until ``until`` is done."""
    waits: list[float] = []
    while len(waits) < count or (until is not None and not until.done()):
        waits.append(await ping(group))
        await asyncio.sleep(0.02)
    return waits


async def measure(exports: int, count: int, small: bool, groups: int) -> None:
    api = FakeBotApi()
    with tempfile.TemporaryDirectory() as folder:
        config = Config("1:bench", Path(folder) / "b.sqlite", ZoneInfo("Europe/Amsterdam"))
        app = build_app(config, request=api, rate_limit=False)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        busy = [Group(app, api, chat_id=-1001 - n) for n in range(groups)]
        other = Group(app, api, chat_id=-2001)
        for group in busy:
            await set_up(group)
            if not small:
                await fill(group)
        await set_up(other)
        quiet = await pings(other, count)
        started = time.perf_counter()
        for n in range(exports):
            for group in busy:
                await group.send(ANNA, "/export" if n % 2 == 0 else "/wheel", settle=False)
        drawn = asyncio.create_task(services(app).outbox.idle())
        during = await pings(other, count, until=drawn)
        await drawn
        files = time.perf_counter() - started
        made = sum(1 for group in busy for m in group.sent if m.file is not None)
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()

    def ms(values: list[float]) -> str:
        p95 = statistics.quantiles(values, n=20)[-1]
        return (
            f"median {statistics.median(values) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, "
            f"max {max(values) * 1000:6.1f} ms ({len(values)} pings)"
        )

    print(f"group B's /status, quiet:                 {ms(quiet)}")
    print(f"group B's /status, while A's files drawn: {ms(during)}")
    print(f"ratio of medians: {statistics.median(during) / statistics.median(quiet):.2f}")
    record = "one agreement" if small else "the whole wheel"
    print(f"{groups} busy group(s): {made} files in {files:.2f} s (records: {record})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=4)
    parser.add_argument("--pings", type=int, default=20)
    parser.add_argument("--groups", type=int, default=2, help="busy groups, each asking --exports")
    parser.add_argument("--small", action="store_true", help="busy records: one agreement")
    args = parser.parse_args()
    asyncio.run(measure(args.exports, args.pings, args.small, args.groups))


if __name__ == "__main__":
    main()
