"""Do other groups keep getting answers while one group's exports are drawn? Measured, not
asserted.

Runs the application in-process against the fake Bot API. Group A asks for ``--exports``
exports and pictures at once; meanwhile group B sends ``/status`` now and then. Prints how long
B waited for its answers, with and without A's files on their way, and how long the files took.

    .venv/bin/python bench/takeaway.py [--exports 4] [--pings 20]
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
from bot.offline.fake_api import FakeBotApi  # noqa: E402
from bot.offline.people import Group, User  # noqa: E402
from bot.services import services  # noqa: E402

ANNA, BEN = User(1, "Anna", "en"), User(2, "Ben", "en")


async def set_up(group: Group) -> None:
    await group.send(ANNA, "/start")
    await group.reply(ANNA, "Works", to=group.last)
    await group.reply(BEN, "Bakery", to=group.last)
    await group.press(ANNA, "Works")
    await group.press(BEN, "Bakery", on=next(m for m in group.sent if "Bakery" in m.buttons))
    await group.press(ANNA, "Orientation")
    await group.send(ANNA, "/agree Ten jobs a year 🤝")
    await group.press(BEN, "Confirm")


async def pings(group: Group, count: int) -> list[float]:
    """Seconds from each /status to its answer in the chat."""
    waits = []
    for _ in range(count):
        before = len(group.sent)
        started = time.perf_counter()
        await group.send(BEN, "/status", settle=False)
        while len(group.sent) == before:  # noqa: ASYNC110 - polling the fake API is the point
            await asyncio.sleep(0.001)
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return waits


async def measure(exports: int, count: int) -> None:
    api = FakeBotApi()
    with tempfile.TemporaryDirectory() as folder:
        config = Config("1:bench", Path(folder) / "b.sqlite", ZoneInfo("Europe/Amsterdam"))
        app = build_app(config, request=api, rate_limit=False)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        busy, other = Group(app, api, chat_id=-1001), Group(app, api, chat_id=-1002)
        await set_up(busy)
        await set_up(other)
        quiet = await pings(other, count)
        started = time.perf_counter()
        for n in range(exports):
            await busy.send(ANNA, "/export" if n % 2 == 0 else "/wheel", settle=False)
        during = await pings(other, count)
        await services(app).outbox.idle()
        files = time.perf_counter() - started
        made = sum(1 for m in busy.sent if m.file is not None)
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"

    print(f"group B's /status, quiet:                 {ms(quiet)}")
    print(f"group B's /status, while A's files drawn: {ms(during)}")
    print(f"ratio of medians: {statistics.median(during) / statistics.median(quiet):.2f}")
    print(f"group A: {made} files in {files:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=4)
    parser.add_argument("--pings", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(measure(args.exports, args.pings))


if __name__ == "__main__":
    main()
