"""How many updates a second the bot handles when every Bot API call takes a while.

Feeds ``/help`` from many groups through the real Application and update queue, with a fake Bot
API that answers after ``--latency`` seconds, once with the per-chat processor (groups in
parallel, each group in order) and once processing one update at a time. It times until every
answer was sent. Prints the figures and the ratio; it asserts nothing about speed.

Since delivery left the group's turn (the outbox), an update holds its turn only for the decision
and its commits, and sends of different groups overlap either way: both modes end up near the
same figure, bounded by SQLite commits (synchronous=FULL), no longer by the Bot API.

    .venv/bin/python bench/throughput.py --groups 20 --per-group 5 --latency 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import SimpleUpdateProcessor

from bot.app import build_app
from bot.config import Config
from bot.offline.fake_api import FakeBotApi

TOKEN = "123456789:AAEbenchTokenNotRealAtAll_abcdefghijk"


class SlowBotApi(FakeBotApi):
    """The fake Bot API with a fixed round-trip time for sending."""

    latency: float = 0.05

    async def do_request(
        self, url: str, method: str, request_data: Any = None, **kw: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            await asyncio.sleep(self.latency)
        return await super().do_request(url, method, request_data, **kw)


async def run(groups: int, per_group: int, latency: float, per_chat: bool) -> float:
    api = SlowBotApi()
    api.latency = latency
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(TOKEN, Path(tmp) / "bench.sqlite", ZoneInfo("Europe/Amsterdam"))
        baseline = None if per_chat else SimpleUpdateProcessor(1)
        app = build_app(config, request=api, rate_limit=False, update_processor=baseline)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        total = groups * per_group
        started = time.perf_counter()
        update_id = 0
        for _ in range(per_group):
            for g in range(groups):
                update_id += 1
                chat = {"id": -4000000000 - g, "type": "group", "title": f"g{g}"}
                message = {
                    "message_id": 10_000 + update_id, "date": 0, "chat": chat,
                    "from": {"id": 5000 + g, "is_bot": False, "first_name": "P", "language_code": "en"},
                    "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                }  # fmt: skip
                await app.update_queue.put(
                    Update.de_json({"update_id": update_id, "message": message}, app.bot)
                )
        while sum(1 for c in api.calls if c.method == "sendMessage") < total:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
        await app.stop()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()
    return total / elapsed


def main() -> None:
    """Parse the options, run both modes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--per-group", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    sequential = asyncio.run(run(args.groups, args.per_group, args.latency, per_chat=False))
    parallel = asyncio.run(run(args.groups, args.per_group, args.latency, per_chat=True))
    print(
        f"{args.groups} groups x {args.per_group} updates, Bot API round trip {args.latency * 1000:.0f} ms"
    )
    print(f"one update at a time : {sequential:8.1f} updates/s")
    print(f"per-chat processor   : {parallel:8.1f} updates/s")
    print(f"ratio                : {parallel / sequential:8.1f}x")


if __name__ == "__main__":
    main()
