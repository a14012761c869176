"""What a failed Bot API call tells about whether Telegram did it, and the HTTP request the bot
sends its calls with.

Telegram keeps no key to recognise a message sent twice, so a call whose answer never came is a
question: did the message arrive? ``outcome`` sorts a failure into three kinds:

- ``NOT_SENT``: Telegram cannot have done it. The request never left (no connection, the pool
  full, the upload cut off), or Telegram answered with an error (a 5xx).
- ``UNKNOWN``: the request left and no answer came (the read timed out, the connection broke
  while waiting). Telegram did it more often than not.
- ``DONE``: Telegram answered 200, but the answer could not be read (``UnreadableAnswer``): it
  did it, and what it answered (a new message's id) is lost.

PTB's own reader logs an unreadable answer with a traceback and the whole answer, which holds the
text of the message (people's names and answers). ``read_answer`` raises ``UnreadableAnswer``
instead and logs nothing: the caller says what it means in one line.

While the Bot API cannot be reached (no connection, timeouts, 5xx answers), ``Reachability``
writes one WARNING when it starts, one a minute while it lasts, and one line when it is over;
the failures themselves (a poll every few seconds, each chat's delivery) say nothing more.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

#: PTB's size of the bot's connection pool when it builds the request itself.
POOL_SIZE = 256
#: How often the log says that the Bot API still cannot be reached.
UNREACHABLE_EVERY = 60.0


class UnreadableAnswer(TelegramError):
    """Telegram answered, but not with JSON (a proxy's page, an answer cut off)."""

    def __init__(self) -> None:
        super().__init__("Telegram's answer could not be read (not JSON)")


class Outcome(Enum):
    """Whether Telegram did what a failed call asked."""

    NOT_SENT = "not sent"
    UNKNOWN = "unknown"
    DONE = "done"


#: httpx's errors raised before the whole request reached the server.
_BEFORE_SENDING = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


def outcome(error: BaseException) -> Outcome | None:
    """What a failed Bot API call did; None for an error that is no network fault (a refusal
    such as ``BadRequest``, or a bug)."""
    if isinstance(error, UnreadableAnswer):
        return Outcome.DONE
    if type(error) is TelegramError and isinstance(error.__cause__, ValueError):
        return Outcome.DONE  # PTB's own reader (a transport that does not use read_answer)
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return None  # BadRequest is a NetworkError in PTB, but a refusal
    cause = error.__cause__
    if isinstance(cause, _BEFORE_SENDING) or error.message.startswith("Pool timeout"):
        return Outcome.NOT_SENT
    if isinstance(error, TimedOut) or isinstance(cause, (httpx.HTTPError, OSError)):
        return Outcome.UNKNOWN  # sent, and the answer never came
    if cause is not None and not isinstance(cause, TelegramError):
        return Outcome.UNKNOWN  # "Unknown error in HTTP implementation"
    # Telegram answered with an error status (a 5xx): it did not do it.
    return Outcome.NOT_SENT


def read_answer(payload: bytes) -> Any:
    """Parse Telegram's answer; raise ``UnreadableAnswer`` (and log nothing) when it is not JSON."""
    try:
        return json.loads(payload.decode("utf-8", "replace"))
    except ValueError:
        # Not chained: the JSON error quotes the answer, which holds people's words.
        raise UnreadableAnswer() from None


class Reachability:
    """Whether the Bot API answers, told to the operator once a minute while it does not."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._since: float | None = None  # when the first failure of this outage came
        self._warned = 0.0
        self._failures = 0

    @property
    def down(self) -> bool:
        """Whether the last request failed to reach the Bot API."""
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        """A request did not reach the Bot API, or it answered with a 5xx."""
        now = self._clock()
        why = f"{type(error).__name__}: {error}"
        self._failures += 1
        if self._since is None:
            self._since = self._warned = now
            log.warning("The Bot API cannot be reached (%s); trying again", why)
        elif now - self._warned >= UNREACHABLE_EVERY:
            self._warned = now
            log.warning(
                "The Bot API still cannot be reached after %.0f s (%d failed requests; the last: "
                "%s); trying again",
                now - self._since,
                self._failures,
                why,
            )

    def reached(self) -> None:
        """A request got Telegram's answer."""
        if self._since is not None:
            log.info(
                "The Bot API can be reached again, after %.0f s (%d failed requests)",
                self._clock() - self._since,
                self._failures,
            )
            self._since, self._failures = None, 0


async def watched(
    reach: Reachability | None, request: Awaitable[tuple[int, bytes]]
) -> tuple[int, bytes]:
    """Make an HTTP request to the Bot API, telling ``reach`` whether it got there."""
    if reach is None:
        return await request
    try:
        status, payload = await request
    except NetworkError as exc:
        reach.failed(exc)
        raise
    if status >= 500:
        reach.failed(NetworkError(f"HTTP {status}"))
    else:
        reach.reached()
    return status, payload


class BotRequest(HTTPXRequest):
    """PTB's request for every call but ``getUpdates``, reading answers with ``read_answer``."""

    def __init__(self, reach: Reachability | None = None, **kwargs: Any) -> None:
        super().__init__(**{"connection_pool_size": POOL_SIZE, **kwargs})
        self.reach = reach

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        return await watched(self.reach, super().do_request(url, method, *args, **kwargs))

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer as a dict; ``UnreadableAnswer`` when it is not JSON."""
        return read_answer(payload)  # type: ignore[no-any-return]
