"""Another process receiving updates for the same bot token, told apart from a network fault.

Telegram hands each update to one ``getUpdates`` caller: a second poller ends the first one's
long poll with ``409 Conflict``, and the first one's retry ends the second's. Both processes
would then see only some of the updates and keep separate records. The newcomer is the one whose
``getUpdates`` was never answered before its first conflict: it stops with one plain line (exit
status 2: something to fix). The one that was running keeps going and warns the operator every
few minutes, because stopping it would leave the groups to the newcomer's database. (Two processes
started within one long poll of each other may both stop; each says why.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.error import Conflict
from telegram.request import HTTPXRequest

from bot.services import App

log = logging.getLogger(__name__)

KEY = "polling_watch"

#: How often the process that keeps running repeats its warning.
WARN_EVERY_SECONDS = 300.0

STOP_MESSAGE = (
    "Another process is already receiving updates for this bot token (Telegram answered "
    "'Conflict'). Stop the other one first, or give this one its own token from @BotFather."
)


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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._watch = watch
        self._before_poll = before_poll

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if self._before_poll is not None and url.endswith("/getUpdates"):
            await self._before_poll()
        status, payload = await super().do_request(url, method, *args, **kwargs)
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
        watch.stopped_because = STOP_MESSAGE
        log.error("%s Stopping.", STOP_MESSAGE)
        app.stop_running()
        return
    now = watch.clock()
    if watch.last_warning is None or now - watch.last_warning >= WARN_EVERY_SECONDS:
        watch.last_warning = now
        log.warning(
            "Another process started receiving updates for this bot token (Telegram answered "
            "'Conflict'): each gets only some of the updates. Stop the other one."
        )
