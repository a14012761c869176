"""The two bots the figures drive, running side by side in one process and one event loop: the
full bot with its groups, and the minimal PTB bot with the same groups and people.

The full bot's groups: a ``Pool`` answering topic cards, a few groups that played the whole wheel
(for ``/summary``, ``/wheel`` and ``/export``), and a few with an agreement waiting to be
confirmed. Each bot has its own database in the run's temporary folder and its own fake Bot API.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from bench import harness
from bench.api import TimedApi
from bench.groups import Pair, Pool, full_wheel, pairs, ready, topic_card
from bench.minimal_bot import MinimalPool, build_minimal_app
from bot.offline.fake_api import Sent

POOL_CHATS, WHEEL_CHATS, CONFIRM_CHATS = -4_100_000_000, -4_200_000_000, -4_300_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    """How big and how often: ``python -m bench``'s options."""

    groups: int = 200
    reps: int = 5
    wheel_groups: int = 4
    confirm_groups: int = 20
    #: Groups the per-answer counts run on in the traced subprocess (figure 4).
    traced_groups: int = 40
    startup_groups: int = 1000
    startup_reminders: int = 10_000
    #: Answers a second in figure 3.
    steady_rate: float = 100.0


@dataclass
class Rig:
    """Both bots, running, with their groups set up."""

    settings: Settings
    full: Application
    api: TimedApi
    pool: Pool
    minimal: Application
    minimal_api: TimedApi
    minimal_pool: MinimalPool
    wheels: list[Pair] = field(default_factory=list)
    confirms: list[Pair] = field(default_factory=list)
    #: The proposal waiting in each confirm group, by chat id.
    proposals: dict[int, Sent] = field(default_factory=dict)

    def set_latency(self, seconds: float) -> None:
        """Give both fake Bot APIs this round-trip time."""
        self.api.latency = self.minimal_api.latency = seconds

    async def propose(self) -> None:
        """In every confirm group, the first partner proposes an agreement (untimed)."""

        async def one(pair: Pair) -> None:
            await pair.group.send(pair.first, "/agree We meet every month")
            self.proposals[pair.group.chat_id] = pair.group.last

        await asyncio.gather(*(one(p) for p in self.confirms))

    def command(self, pair: Pair, text: str) -> Update:
        """The first partner sends a command such as ``/summary``."""
        return harness.update(self.full, harness.command(pair.group, pair.first, text))

    def confirmation(self, pair: Pair) -> Update:
        """The second partner presses Confirm on the group's waiting proposal."""
        proposal = self.proposals[pair.group.chat_id]
        query_id, payload = harness.press(
            pair.group, pair.second, proposal.button_data("Confirm"), proposal.message_id,
            proposal.text, proposal.reply_markup,
        )  # fmt: skip
        self.api.query_chats[query_id] = pair.group.chat_id
        return harness.update(self.full, payload)


def progress(text: str) -> None:
    """Say what the benchmark is doing (on stderr, so stdout holds only the figures)."""
    print(f"· {text}", file=sys.stderr, flush=True)


async def _set_up_confirm_group(pair: Pair) -> None:
    await ready(pair.group, pair.first, pair.second)
    card = topic_card(pair.group)
    await pair.group.reply(pair.first, "Ten jobs a year", to=card)
    await pair.group.reply(pair.second, "Five jobs a year", to=card)


async def _set_up_sessions(made: Rig) -> None:
    """Play the whole-wheel groups and ready the confirm groups' proposals."""
    settings, full, api = made.settings, made.full, made.api
    started = time.perf_counter()
    made.wheels = pairs(full, api, settings.wheel_groups, WHEEL_CHATS)
    made.confirms = pairs(full, api, settings.confirm_groups, CONFIRM_CHATS)
    await asyncio.gather(
        *(full_wheel(p.group, p.first, p.second) for p in made.wheels),
        *(_set_up_confirm_group(p) for p in made.confirms),
    )
    await made.propose()
    progress(
        f"played {settings.wheel_groups} whole wheels and readied {settings.confirm_groups} "
        f"proposals ({time.perf_counter() - started:.1f} s)"
    )


@asynccontextmanager
async def rig(folder: Path, settings: Settings) -> AsyncIterator[Rig]:
    """Start both bots on databases in ``folder`` and set their groups up."""
    api, minimal_api = TimedApi(), TimedApi()
    full = harness.full_app(folder / "full.sqlite", api)
    minimal = build_minimal_app(folder / "minimal.sqlite", minimal_api)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(harness.running(full))
        await stack.enter_async_context(harness.running(minimal))
        made = Rig(
            settings, full, api, Pool(full, api, settings.groups, POOL_CHATS),
            minimal, minimal_api, MinimalPool(minimal, minimal_api, settings.groups, POOL_CHATS),
        )  # fmt: skip
        started = time.perf_counter()
        await made.pool.set_up()
        await made.minimal_pool.set_up()
        progress(
            f"set up {settings.groups} groups through /start, names, sides and stage "
            f"({time.perf_counter() - started:.1f} s)"
        )
        if settings.wheel_groups + settings.confirm_groups:
            await _set_up_sessions(made)
        yield made
