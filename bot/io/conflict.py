"""Another process receiving updates for the same bot token, told apart from a network fault.

Telegram hands each update to one ``getUpdates`` caller and keeps no lock per token: a second
poller ends the first one's long poll with ``409 Conflict``, and the first one's retry ends the
second's. Two processes would each get some of the updates and keep them in separate databases.

So a process watches before it takes any update (``probe``, run by ``wheelbot run`` before
PTB's polling or webhook starts): for a few seconds it asks for updates without confirming any
(no ``offset``). A process already polling shows itself in one of two ways: its next poll ends
the probe's long poll with ``409``, or it confirms the updates the probe saw pending. The
newcomer then stops with one line (exit status 2: something to fix) and has stored nothing. The
process that was there first loses one long poll to each probe (PTB asks again after a second)
and never an update: the probe confirms nothing. It keeps going and warns the operator now and
then, in case the other one is not a wheelbot and does not stop. (Two processes started within
one probe of each other may both stop; each says why.) The newcomer of an older design, whose
first poll was never answered before its first conflict, also stops (``on_conflict``).

A ``409`` because a webhook is set says nothing about another process (the last run may have
used one); the probe then lets the start go on, as before.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.error import Conflict
from telegram.request import HTTPXRequest

from bot.io.requests import Reachability, watched
from bot.services import App

log = logging.getLogger(__name__)

KEY = "polling_watch"

#: How often the process that keeps running repeats its warning.
WARN_EVERY_SECONDS = 300.0

#: How long a starting process watches for another poller. The one polling asks again a second
#: after the probe ended its long poll (PTB's first wait after an error), plus a round trip.
PROBE_SECONDS = 2.5
#: The pause between two looks while updates are pending (they come back at once).
PROBE_PAUSE = 0.2

STOP_MESSAGE = (
    "Another process is already receiving updates for this bot token ({how}). Stop the other "
    "one first, or give this one its own token from @BotFather."
)
ANSWERED_CONFLICT = "Telegram answered 'Conflict'"
TOOK_UPDATES = "it took updates while this one watched"


@dataclass
class PollingWatch:
    """How many polls Telegram answered, and why this process stopped, if a rival made it."""

    clock: Callable[[], float] = time.monotonic
    answered_polls: int = 0
    stopped_because: str | None = None
    last_warning: float | None = None


class WatchedPollRequest(HTTPXRequest):
    """PTB's own request for ``getUpdates``, counting the polls Telegram answered.

    ``before_poll`` runs before each ``getUpdates``: that request confirms the updates of the
    last one to Telegram, so the inbox makes sure they are stored first.
    """

    def __init__(
        self,
        watch: PollingWatch,
        *,
        before_poll: Callable[[], Awaitable[None]] | None = None,
        reach: Reachability | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._watch = watch
        self._before_poll = before_poll
        self._reach = reach

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if self._before_poll is not None and url.endswith("/getUpdates"):
            await self._before_poll()
        status, payload = await watched(
            self._reach, super().do_request(url, method, *args, **kwargs)
        )
        if status == 200 and url.endswith("/getUpdates"):
            self._watch.answered_polls += 1
        return status, payload


def is_rival(error: BaseException | None, update: object) -> bool:
    """True for the polling loop's ``Conflict``: another poller, not a failed request."""
    return update is None and isinstance(error, Conflict)


def on_conflict(app: App) -> None:
    """Stop this process if it is the newcomer; otherwise warn, now and then."""
    watch = app.bot_data.get(KEY)
    if not isinstance(watch, PollingWatch) or watch.stopped_because:
        return
    if watch.answered_polls == 0:
        watch.stopped_because = STOP_MESSAGE.format(how=ANSWERED_CONFLICT)
        log.error("%s Stopping.", watch.stopped_because)
        app.stop_running()
        return
    now = watch.clock()
    if watch.last_warning is None or now - watch.last_warning >= WARN_EVERY_SECONDS:
        watch.last_warning = now
        log.warning(
            "Another process asked for this bot token's updates (Telegram answered 'Conflict'). "
            "This one keeps receiving them; a wheelbot started after it stops by itself, "
            "anything else has to be stopped."
        )


async def probe(
    bot: Bot,
    seconds: float = PROBE_SECONDS,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str | None:
    """Watch for another process polling this token before taking any update; return why this
    one has to stop, or None when nobody else polled.

    No ``offset`` is sent: the probe confirms nothing, so every update stays for whoever
    receives it, the process already running or this one after the probe.
    """
    deadline = clock() + seconds
    pending: int | None = None  # the oldest update the probe saw waiting
    while (left := deadline - clock()) > 0:
        try:
            updates = await bot.get_updates(timeout=math.ceil(left), limit=1)
        except Conflict as exc:
            if "webhook" in exc.message.lower():
                return None  # a webhook is set: no poller to find (the start removes it)
            return STOP_MESSAGE.format(how=ANSWERED_CONFLICT)
        oldest = updates[0].update_id if updates else None
        if pending is not None and (oldest is None or oldest > pending):
            return STOP_MESSAGE.format(how=TOOK_UPDATES)  # someone confirmed what we saw
        if oldest is not None:
            pending = oldest
            await sleep(PROBE_PAUSE)  # they come back at once until somebody takes them
    return None
