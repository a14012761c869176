"""The transactional outbox: what the bot owes a group is stored with the change it reports, and
delivered from there, so a crash or a Bot API failure after the commit loses no announcement.

``owe`` renders replies into outbox entries inside the caller's transaction. ``deliver`` sends a
chat's entries in order, one at a time under a per-chat lock, retrying timeouts, 5xx answers and
``RetryAfter`` with backoff; an entry and the purpose of the message it became are marked in one
transaction. What still fails stays pending for ``deliver_owed`` (at start-up) and ``retry_owed``
(every few seconds).

Two faults get their own handling:

- A new message whose request went out without an answer (a timeout, a lost connection) may be
  in the chat or not; Telegram keeps no key to tell. It is sent once more, and if that is unclear
  too, taken as delivered ('unsure'). One whose answer came and could not be read is in the chat:
  taken as delivered at once. Edits and reactions are simply made again (twice is once). Each is
  one warning in the log (``bot/io/requests.py`` sorts the failures).
- A database that cannot write (a full disk) pauses the chat's delivery: nothing goes out that
  cannot be marked, and a message that went out keeps its mark in memory until it is written.
  Delivery goes on by itself when writes succeed again; the log has one warning per pause.

A stop (``begin_stop`` at SIGTERM, ``drain`` in ``post_stop``) lets deliveries go on until its
deadline, then lets no request leave any more: waits (the rate limiter's, a flood wait, a
backoff) are cut at once, and a request on its way gets ``ANSWER_GRACE`` to come back and be
marked. What is not delivered stays owed for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from telegram import Bot, ForceReply, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.db import (
    Store,
    Work,
    actions,
    bot_messages,
    chats,
    checkups,
    is_storage_fault,
    now_text,
    reminders,
)
from bot.db import outbox as sql
from bot.db.tx import Tx
from bot.i18n import Translator
from bot.io.ratelimit import ApiAnswer, GroupMessageRateLimiter
from bot.io.requests import Outcome, Reachability, outcome
from bot.render import html
from bot.render.messages import Reply

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The stored markup of an entry that is a reaction on the message ``reply_to``, not a message.
REACTION = json.dumps({"kind": "reaction"})


class FileMaker(Protocol):
    """Makes the file an entry stands for (``bot.render.files.FileMaker``)."""

    async def __call__(self, chat_id: int, what: str) -> tuple[str, bytes]:
        """(file name, content) for ``what``: ``wheel`` (a PNG, sent as a photo) or ``export``
        (a document)."""
        ...

    async def no_files_here(self, chat_id: int) -> str:
        """What to say instead where the group allows no photos or files (HTML)."""
        ...


#: Telegram's limit for the caption of a photo or document.
CAPTION_LIMIT = 1024
#: How long a reply to a message still being delivered waits for it to be marked.
SETTLE_WAIT = 10.0
#: How long a stop waits for deliveries under way (from the moment it began): well under the
#: 10 s ``docker stop`` gives before it kills (``WHEELBOT_STOP_SECONDS``).
STOP_WITHIN = 5.0
#: At the stop's deadline: how long a request already on its way may take to come back, so
#: that what it delivered is marked (cut off, it would be settled as after a crash).
ANSWER_GRACE = 1.0
#: Waits between tries of one entry before it is left for the next round.
BACKOFF = (0.5, 2.0, 5.0)
#: Waits of a chat's delivery while the database cannot write, between tries of the write; the
#: last is repeated until a write succeeds.
PAUSE_STEPS = (1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass
class _Request:
    """An entry's request, as the rate limiter lets it go: ``going_out`` the moment it leaves
    (marks the entry 'sending'), ``refused`` when Telegram's flood limit refused it (so it is
    owed again while the rate limiter waits to try once more), ``back`` when its answer (or
    failure) is in."""

    going_out: Callable[[], Awaitable[None]]
    refused: Callable[[], Awaitable[None]]
    back: Callable[[], None]


#: While the outbox sends an entry: what to do when its request goes out and comes back.
_GOING_OUT: ContextVar[_Request | None] = ContextVar("going_out", default=None)


class StopBegan(Exception):
    """The bot is stopping: a turn that would wait for a delivery is left for the next start,
    and no new request leaves."""


class NothingToSend(Exception):
    """An entry's file can no longer be made (the group was erased or its set-up cleared)."""


class EntryChanged(Exception):
    """An entry was rewritten or dropped after delivery read it (an erasure took a name out):
    the request must not go out with what was read."""


class CannotRecord(Exception):
    """The database cannot write an entry's 'sending' mark, so its request does not go out."""

    def __init__(self, error: sqlite3.OperationalError) -> None:
        super().__init__(str(error))
        self.error = error


class MaybeSent(Exception):
    """A new message's request went out, and its answer never came (``Outcome.UNKNOWN``) or
    could not be read (``Outcome.DONE``)."""

    def __init__(self, kind: Outcome, error: TelegramError) -> None:
        super().__init__(error.message)
        self.kind = kind


@dataclass
class _Mark:
    """An entry that became ``message_id``, and the write that marks it so."""

    entry: sql.Entry
    message_id: int
    written: Awaitable[None]


class _Pause:
    """A chat's delivery waiting for the database to take writes again: one warning when it
    starts, one line when it ends."""

    def __init__(self, chat_id: int, sleep: Callable[[float], Awaitable[None]]) -> None:
        self.chat_id = chat_id
        self.sleep = sleep
        self.waits = 0

    async def wait(self, error: BaseException) -> None:
        """A write failed: wait before the next try; not when the delivery is being stopped."""
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # A stop (``drain``) cancelled the delivery: what is not marked is settled at the next
            # start, as after a crash. Waiting for the disk here would hold up the stop.
            raise asyncio.CancelledError
        if self.waits == 0:
            log.warning(
                "Delivery to chat %s paused: the database cannot write (%s); it goes on by "
                "itself when it can",
                self.chat_id,
                error,
            )
        await self.sleep(PAUSE_STEPS[min(self.waits, len(PAUSE_STEPS) - 1)])
        self.waits += 1

    def over(self) -> None:
        """A write succeeded."""
        if self.waits:
            log.info("Delivery to chat %s goes on: the database can write again", self.chat_id)
            self.waits = 0


class RateLimiter(GroupMessageRateLimiter):
    """The rate limiter, telling the outbox when a request it held back goes out.

    A request can wait here for seconds (Telegram allows about 20 messages a minute in a group).
    An entry is marked 'sending' only when its request leaves, so a crash during the wait leaves
    it owed instead of taken as delivered.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiAnswer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiAnswer:
        async def going_out(*a: Any, **kw: Any) -> ApiAnswer:
            request = _GOING_OUT.get()
            if request is None:
                return await callback(*a, **kw)
            await request.going_out()
            try:
                return await callback(*a, **kw)
            except RetryAfter:
                await request.refused()  # the rate limiter waits, then tries again
                raise
            finally:
                request.back()

        return await super().process_request(
            going_out, args, kwargs, endpoint, data, rate_limit_args
        )


async def owe(
    conn: Tx,
    translator: Translator,
    chat_id: int,
    replies: list[Reply],
    threads: list[int | None],
) -> None:
    """Write the replies as outbox entries (in the caller's transaction).

    ``threads`` holds each reply's forum thread. A reply too long for one message becomes
    several entries, the markup on the last; an edit edits with the first.
    """
    for reply, thread in zip(replies, threads, strict=True):
        if reply.react is not None:
            await sql.add(
                conn, chat_id, thread, reply.reply_to, None, reply.react, REACTION, None,
                now_text(),
            )  # fmt: skip
            continue
        if reply.file is not None:
            # A file is made when it is delivered, from the record as it is then; the entry
            # holds its caption and what to make.
            caption = html.split_paragraphs(
                [html.text(translator, part) for part in reply.parts], CAPTION_LIMIT
            )[0]
            await sql.add(
                conn, chat_id, thread, reply.reply_to, None, caption,
                json.dumps({"kind": "file", "what": reply.file}), None, now_text(),
            )  # fmt: skip
            continue
        outgoing = html.render(translator, reply)
        for number, out in enumerate(outgoing):
            # Too long for one message: the first part replaces the old message (and so its
            # buttons), the rest follow as new messages, the buttons and purpose on the last.
            await sql.add(
                conn,
                chat_id,
                thread,
                reply.reply_to if number == 0 else None,
                reply.edit if number == 0 else None,
                out.text,
                _markup_json(out.markup),
                out.remember,
                now_text(),
            )


async def purpose_of_copy(conn: Tx, chat_id: int, text: str | None) -> tuple[str, str] | None:
    """What an unknown bot message is for, when it is an earlier copy of a card or prompt.

    A card or prompt in flight at a crash or a timeout is sent again (``settle``); the first copy
    reached Telegram in most cases, but its id never came back, so only the second one is
    remembered. People reply to either. The copies have the same text: the one Telegram shows us
    is matched with what we sent more than once, or sent without learning its id.
    """
    if not text:
        return None
    for sent, purpose, ref in await sql.copies_without_id(conn, chat_id):
        if html.plain_text(sent) == text:
            return purpose, ref
    return None


class Outbox:
    """Delivers what is owed, one chat at a time, in order."""

    def __init__(self, store: Store, files: FileMaker | None = None) -> None:
        self.store = store
        self.files = files
        self._locks: dict[int, asyncio.Lock] = {}
        #: Groups found to have become supergroups: old id -> new id. Entries already read for
        #: the old id go to the new one without being refused once more each.
        self._moved: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Deliveries whose request is on its way to the Bot API now.
        self._out: set[asyncio.Task[Any]] = set()
        #: How the outbox waits between tries (tests record the waits instead).
        self.sleep = asyncio.sleep
        #: Seconds a stop gives deliveries under way (``WHEELBOT_STOP_SECONDS``).
        self.stop_within = STOP_WITHIN
        #: When the stop began (the event loop's clock), once it has.
        self._stop_began: float | None = None
        self._stopping = asyncio.Event()
        #: Past the stop's deadline: no request may leave any more.
        self._closed = False
        #: Whether the Bot API can be reached: while it cannot, it says so once a minute, and
        #: an entry that waits for it says nothing more.
        self.reach: Reachability | None = None

    @property
    def stopping(self) -> bool:
        """Whether the bot is stopping (``begin_stop``)."""
        return self._stop_began is not None

    def begin_stop(self) -> None:
        """The bot is stopping (SIGTERM): the stop's deadline counts from now, and turns that
        wait for a delivery (``settled``) stop waiting."""
        if self._stop_began is None:
            self._stop_began = asyncio.get_running_loop().time()
            self._stopping.set()

    def schedule(self, bot: Bot, chat_id: int) -> None:
        """Deliver a chat's entries in the background: the group's next update is decided while
        this one's messages are still on their way (or held back by Telegram's rate limit)."""
        task = asyncio.create_task(self._deliver_logged(bot, chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self, chat_id: int, at_most: float = SETTLE_WAIT) -> None:
        """Wait (a while at most) until the chat's delivery under way has marked what it sent.

        Raises ``StopBegan`` when the bot is stopping, before or during the wait: the turn is
        then left in the inbox for the next start, instead of holding up the stop (or deciding
        without what the delivery would have marked).
        """
        lock = self._locks.get(chat_id)
        if lock is None or not lock.locked():
            return
        if self.stopping:
            raise StopBegan
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            async with asyncio.timeout(at_most):
                delivered = asyncio.ensure_future(self._unlocked(lock))
                try:
                    await asyncio.wait((delivered, stop), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    delivered.cancel()
        except TimeoutError:
            log.info("Delivery to chat %s still under way after %s s", chat_id, at_most)
        finally:
            stop.cancel()
        if self.stopping:
            raise StopBegan

    @staticmethod
    async def _unlocked(lock: asyncio.Lock) -> None:
        async with lock:
            pass

    async def idle(self) -> None:
        """Wait until every scheduled delivery has finished (in tests and the demo)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def deliver_owed(self, bot: Bot) -> None:
        """At start-up: deliver what is owed, every chat's entries side by side, until all is
        delivered or tried, or until the bot is stopping (then ``drain`` takes over)."""
        await self.retry_owed(bot)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            while self._tasks and not self.stopping:
                await asyncio.wait((*self._tasks, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()

    async def drain(self, within: float | None = None) -> None:
        """At stop: let deliveries under way go on until ``within`` seconds after the stop
        began (``stop_within`` by default), then stop them. A request on its way then has
        ``ANSWER_GRACE`` to come back; every other delivery is stopped at once, also in the
        middle of a wait (the rate limiter's, a flood wait, a backoff). What is not delivered
        stays owed for the next start; an entry whose request was cut off is settled then
        (``settle``), as after a crash."""
        self.begin_stop()
        assert self._stop_began is not None
        within = self.stop_within if within is None else within
        loop = asyncio.get_running_loop()
        deadline = self._stop_began + within
        while self._tasks and (left := deadline - loop.time()) > 0:
            # asyncio.wait, not gather: at the deadline the deliveries are still there to count.
            await asyncio.wait(list(self._tasks), timeout=left)
        if not self._tasks:
            return
        owed = len(self._tasks)
        # From here no request leaves (``_send_marked``): a delivery whose request comes back
        # stops before its next entry.
        self._closed = True
        waiting = [task for task in self._tasks if task not in self._out]
        for task in waiting:
            task.cancel()
        if self._out:
            await asyncio.wait(list(self._out), timeout=ANSWER_GRACE)
        stopped = list(self._tasks)
        for task in stopped:
            task.cancel()
        await asyncio.gather(*waiting, *stopped, return_exceptions=True)
        log.warning(
            "Stopped delivering %.1f s after the stop began; what is still owed to %d chats "
            "goes out at the next start",
            loop.time() - self._stop_began,
            owed,
        )

    async def _deliver_logged(self, bot: Bot, chat_id: int) -> None:
        try:
            await self.deliver(bot, chat_id)
        except Exception:
            # What is owed stays owed; the next round (or a restart) delivers it.
            log.exception("Delivery to chat %s stopped", chat_id)

    async def deliver(self, bot: Bot, chat_id: int) -> None:
        """Send everything owed to a chat, oldest first; stop at the first entry that fails."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            # An entry's "sent" mark is not waited for before the next entry goes out: it shares
            # a commit with the next one's "sending" mark (one fsync for both, and it is queued
            # first, so the two never look in flight together). All are durable before the lock
            # is let go: a reply waiting for this chat's delivery (settled) then finds them.
            marks: list[_Mark] = []
            pause = _Pause(chat_id, self.sleep)
            try:
                for entry in await self.store.read(lambda conn: sql.pending(conn, chat_id)):
                    if self._closed or not await self._deliver_one(bot, entry, marks, pause):
                        break
            finally:
                await self._record(marks, pause)

    async def settle(self) -> None:
        """At start-up, before delivering: decide about what the last process had in flight."""
        unsure = await self.store.write(lambda conn: sql.settle_interrupted(conn, now_text()))
        if unsure:
            log.warning(
                "%d messages were being sent when the bot stopped; taken as delivered", unsure
            )

    async def deliver_all(self, bot: Bot) -> None:
        """Deliver what is owed to every chat, one chat after the other (at start-up)."""
        for chat_id in await self.store.read(sql.chats_owed):
            await self.deliver(bot, chat_id)

    async def retry_owed(self, bot: Bot) -> None:
        """Start delivering, in the background, what earlier tries left (every few seconds). A
        chat whose delivery is under way, or paused, is left to it: the round itself never waits,
        so it never runs into the next one."""
        for chat_id in await self.store.read(sql.chats_owed):
            lock = self._locks.get(chat_id)
            if lock is None or not lock.locked():
                self.schedule(bot, chat_id)

    async def _deliver_one(
        self, bot: Bot, entry: sql.Entry, marks: list[_Mark], pause: _Pause
    ) -> bool:
        """Deliver one entry; False when the chat's later entries must wait (order is kept)."""
        if entry.chat_id in self._moved:
            entry = dataclasses.replace(entry, chat_id=self._moved[entry.chat_id])
        unknown: str | None = None  # why an earlier request of this entry may have arrived
        for wait in (*BACKOFF, None):
            target = entry.edit_id
            if target is not None and target < 0:
                # An entry before this one, delivered by now (or given up: then send anew).
                earlier = -target
                target = await self.store.read(partial(sql.message_of, entry_id=earlier))
            try:
                message_id = await self._attempt(bot, entry, target, marks, pause)
            except StopBegan:
                if unknown is None:
                    # Not sent (an earlier try of this request, if any, was refused by the flood
                    # limit): owed as before, for the next start.
                    await self._write(pause, partial(_retry_later, entry_id=entry.id))
                return False
            except EntryChanged:
                # Read again: what it says now goes out, or nothing when it is no longer owed.
                fresh = await self.store.read(partial(sql.entry, entry_id=entry.id))
                if fresh is None:
                    return True
                entry = fresh
                continue
            except RetryAfter as exc:
                await self._write(pause, partial(_retry_later, entry_id=entry.id))
                seconds = exc.retry_after
                delay = seconds.total_seconds() if isinstance(seconds, dt.timedelta) else seconds
                await self.sleep(float(delay))
                continue
            except ChatMigrated as moved:
                entry = await self._follow(entry, moved.new_chat_id, pause)
                await self._write(pause, partial(_retry_later, entry_id=entry.id))
                continue
            except Forbidden as exc:
                log.info("Not in chat %s any more (%s); marked inactive", entry.chat_id, exc)
                await self._write(pause, partial(_left, chat_id=entry.chat_id))
                return False
            except BadRequest as exc:
                # Telegram will never take this one; the rest of the chat's entries go on.
                log.error("Telegram refused outbox entry %d: %s", entry.id, exc.message)
                await self._write(pause, partial(_failed, entry_id=entry.id))
                return True
            except NothingToSend as exc:
                # Trying again would not help, and must not hold up the chat's next entries.
                log.info("Outbox entry %d has nothing to send any more: %s", entry.id, exc)
                await self._write(pause, partial(_failed, entry_id=entry.id))
                return True
            except MaybeSent as exc:
                if exc.kind is Outcome.DONE or unknown is not None:
                    # In the chat already (or, after two requests without an answer, most
                    # likely): a third copy would be worse than the small chance of none.
                    await self._write(pause, partial(_unsure, entry_id=entry.id))
                    if exc.kind is Outcome.DONE:
                        why = str(exc)
                    else:
                        why = f"no answer, twice ({unknown}; {exc})"
                    log.warning(
                        "Outbox entry %d for chat %s: %s; taken as delivered",
                        entry.id, entry.chat_id, why,
                    )  # fmt: skip
                    return True
                # Sent once more: the group may see it twice, rather than not at all. The entry
                # stays 'sending' meanwhile, so a crash now is settled as any crash (step 7).
                unknown = str(exc)
                if wait is None:
                    break
                await self.sleep(wait)
                continue
            except NetworkError as exc:  # a timeout, a 5xx, no connection
                await self._write(pause, partial(_retry_later, entry_id=entry.id))
                if wait is None:
                    if unknown is None:
                        log.log(
                            logging.DEBUG if self.reach and self.reach.down else logging.WARNING,
                            "Outbox entry %d not delivered yet: %s",
                            entry.id,
                            exc.message,
                        )
                        return False
                    break
                await self.sleep(wait)
                continue
            except Exception:
                # A bug of ours: the entry stays owed, and the log shows where.
                await self._write(pause, partial(_retry_later, entry_id=entry.id))
                log.exception("Could not deliver outbox entry %d", entry.id)
                return False
            if unknown is not None:
                log.warning(
                    "Outbox entry %d for chat %s: no answer from Telegram (%s); sent once more, "
                    "the group may see it twice",
                    entry.id, entry.chat_id, unknown,
                )  # fmt: skip
            marks.append(_Mark(entry, message_id, self._mark_sent(entry, message_id)))
            return True
        if unknown is None:
            return False  # flood waits used up the tries: the next round goes on
        # The request that may have arrived could not be sent again. A card or prompt stays owed
        # (without it the group is stuck, as after a crash); any other message is taken as
        # delivered.
        owed = entry.remember is not None
        await self._write(pause, partial(_retry_later if owed else _unsure, entry_id=entry.id))
        log.warning(
            "Outbox entry %d for chat %s: no answer from Telegram (%s), and it could not be sent "
            "again; %s",
            entry.id, entry.chat_id, unknown,
            "owed still" if owed else "taken as delivered",
        )  # fmt: skip
        return not owed

    def _mark_sent(self, entry: sql.Entry, message_id: int) -> Awaitable[None]:
        """Queue the entry's "sent" mark for the next commit (at once, so it keeps its place)."""
        return self.store.submit(partial(_sent, entry=entry, message_id=message_id))

    async def _record(self, marks: list[_Mark], pause: _Pause) -> bool:
        """Wait until the marks of the entries delivered are written; write again those that
        failed, pausing while the database cannot write. True if one had to be written again."""
        again = False
        for mark in marks:
            try:
                await mark.written
            except sqlite3.OperationalError as exc:
                if not is_storage_fault(exc):
                    raise
                await self._write(
                    pause, partial(_sent, entry=mark.entry, message_id=mark.message_id), exc
                )
                again = True
        marks.clear()
        return again

    async def _write(self, pause: _Pause, work: Work[T], failed: BaseException | None = None) -> T:
        """Write for the delivery; while the database cannot write, the chat's delivery waits
        (``failed``: the error of a first try made elsewhere)."""
        error = failed
        while True:
            if error is not None:
                await pause.wait(error)
            try:
                result = await self.store.write(work)
            except sqlite3.OperationalError as exc:
                if not is_storage_fault(exc):
                    raise
                error = exc
                continue
            pause.over()
            return result

    async def _attempt(
        self,
        bot: Bot,
        entry: sql.Entry,
        target: int | None,
        marks: list[_Mark],
        pause: _Pause,
    ) -> int:
        """Send an entry once; while its 'sending' mark cannot be written, wait instead."""
        while True:
            try:
                return await self._send_marked(bot, entry, target, pause)
            except CannotRecord as exc:
                # Earlier entries' marks failed in the same commit: written first, in order. If
                # they could be, the database takes writes again: no need to wait.
                if not await self._record(marks, pause):
                    await pause.wait(exc.error)

    async def _send_marked(
        self, bot: Bot, entry: sql.Entry, target: int | None, pause: _Pause
    ) -> int:
        """Send an entry, marked 'sending' from the moment its request goes out: after the rate
        limiter's wait, not before it. If the mark cannot be written, the request does not go
        out (``CannotRecord``): a crash would otherwise leave it owed, and send it twice."""
        marked = False
        task = asyncio.current_task()

        async def going_out() -> None:
            nonlocal marked
            if self._closed:
                # Past the stop's deadline: this request does not leave (``_deliver_one`` puts
                # back an entry marked by a try the flood limit refused).
                raise StopBegan
            if not marked:
                await mark()
            if task is not None:
                self._out.add(task)

        async def mark() -> None:
            nonlocal marked
            try:
                current = await self.store.write(lambda conn: sql.mark_sending(conn, entry))
            except sqlite3.OperationalError as exc:
                if not is_storage_fault(exc):
                    raise
                raise CannotRecord(exc) from exc
            if not current:
                raise EntryChanged(entry.id)
            marked = True
            pause.over()

        async def refused() -> None:
            # Telegram did not take it: owed, not 'sending', while the rate limiter waits (a
            # stop or a crash meanwhile must not take it as delivered); marked again when it
            # goes out again.
            nonlocal marked
            if marked:
                with contextlib.suppress(sqlite3.OperationalError):
                    await self.store.write(partial(_retry_later, entry_id=entry.id))
                    marked = False

        def back() -> None:
            if task is not None:
                self._out.discard(task)

        if not isinstance(getattr(bot, "rate_limiter", None), RateLimiter):
            await going_out()  # nothing holds the request back
        token = _GOING_OUT.set(_Request(going_out, refused, back))
        try:
            if entry.markup is not None and json.loads(entry.markup).get("kind") == "file":
                return await self._send_file(bot, entry)
            return await _send(bot, entry, target)
        finally:
            _GOING_OUT.reset(token)
            back()

    async def _send_file(self, bot: Bot, entry: sql.Entry) -> int:
        """Make the file an entry stands for and send it: a picture as a photo (shown in the
        chat), anything else as a document."""
        if self.files is None:
            raise RuntimeError("this outbox cannot make files")
        assert entry.markup is not None
        what = json.loads(entry.markup)["what"]
        name, content = await self.files(entry.chat_id, what)
        send = bot.send_photo if name.endswith(".png") else bot.send_document
        reply = (
            ReplyParameters(message_id=entry.reply_to, allow_sending_without_reply=True)
            if entry.reply_to
            else None
        )
        try:
            message = await _new(
                send(
                    entry.chat_id,
                    InputFile(content, filename=name),
                    caption=entry.text,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply,
                    message_thread_id=entry.thread_id,
                )
            )
        except BadRequest as exc:
            if "rights" not in exc.message.lower():
                raise
            # The group's administrators allow no photos or files: say so instead of nothing.
            message = await _new(
                bot.send_message(
                    entry.chat_id,
                    await self.files.no_files_here(entry.chat_id),
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply,
                    message_thread_id=entry.thread_id,
                )
            )
        return message.message_id

    async def _follow(self, entry: sql.Entry, new_chat_id: int, pause: _Pause) -> sql.Entry:
        """The group became a supergroup: move its data and what it is owed to the new id."""
        move = await self._write(
            pause, lambda conn: chats.migrate(conn, entry.chat_id, new_chat_id, now_text())
        )
        self._moved[entry.chat_id] = new_chat_id
        level, text = chats.MOVE_LOG.get(
            move, (logging.INFO, "Sending what group %s is owed to its supergroup id %s")
        )
        log.log(level, text + " (found when a send was refused)", entry.chat_id, new_chat_id)
        return dataclasses.replace(entry, chat_id=new_chat_id)


async def _sent(conn: Tx, entry: sql.Entry, message_id: int) -> None:
    """An entry was delivered as ``message_id``: mark it, and remember what that message is for."""
    await sql.mark_sent(conn, entry.id, message_id, now_text())
    if entry.remember:
        await bot_messages.remember(
            conn, entry.chat_id, message_id, entry.remember, entry.remember_ref, now_text()
        )


async def _retry_later(conn: Tx, entry_id: int) -> None:
    await sql.retry_later(conn, entry_id)


async def _failed(conn: Tx, entry_id: int) -> None:
    await sql.mark_failed(conn, entry_id, now_text())


async def _unsure(conn: Tx, entry_id: int) -> None:
    await sql.mark_unsure(conn, entry_id, now_text())


async def _left(conn: Tx, chat_id: int) -> None:
    """The bot may no longer write to a chat: give up what it is owed until it is added again."""
    # Reminders not delivered wait for the bot to be added again.
    await reminders.release_undelivered(conn, chat_id)
    await checkups.release_undelivered(conn, chat_id)  # likewise the check-ups of due dates
    await actions.release_undelivered(conn, chat_id)  # and the reminders of action items
    await sql.drop_chat(conn, chat_id, now_text())
    await chats.set_presence(conn, chat_id, active=False, greeted_at=None, now=now_text())


async def _send(bot: Bot, entry: sql.Entry, target: int | None) -> int:
    """Edit ``target`` (or send, when there is none); return the id of the message it is now."""
    if entry.markup == REACTION:
        assert entry.reply_to is not None
        try:
            await bot.set_message_reaction(entry.chat_id, entry.reply_to, entry.text)
        except BadRequest as exc:
            # Reactions switched off in the group, or the message is gone: the card's update
            # acknowledges the answer as well.
            log.info("No reaction in chat %s: %s", entry.chat_id, exc.message)
        except TelegramError as exc:
            # A reaction made twice is one: a timeout is tried again (NetworkError), but an
            # answer that came and could not be read says it was made.
            if outcome(exc) is not Outcome.DONE:
                raise
        return entry.reply_to
    markup = _markup(entry.markup, bot)
    if target is not None:
        try:
            result = await bot.edit_message_text(
                entry.text,
                chat_id=entry.chat_id,
                message_id=target,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:
                return target
            if "not found" not in reason and "can't be edited" not in reason:
                raise
            # Gone or too old to edit: the text comes as a new message instead.
        except TelegramError as exc:
            # An edit made twice is one: a timeout is tried again (NetworkError), but an answer
            # that came and could not be read says it was made.
            if outcome(exc) is not Outcome.DONE:
                raise
            return target
        else:
            return result.message_id if not isinstance(result, bool) else target
    reply = (
        ReplyParameters(message_id=entry.reply_to, allow_sending_without_reply=True)
        if entry.reply_to
        else None
    )
    message = await _new(
        bot.send_message(
            entry.chat_id,
            entry.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=reply,
            message_thread_id=entry.thread_id,
        )
    )
    return message.message_id


async def _new(request: Awaitable[Message]) -> Message:
    """A request that puts a new message in the chat: ``MaybeSent`` when it may have."""
    try:
        return await request
    except TelegramError as exc:
        kind = outcome(exc)
        if kind is Outcome.UNKNOWN or kind is Outcome.DONE:
            raise MaybeSent(kind, exc) from exc
        raise


def _markup_json(markup: InlineKeyboardMarkup | ForceReply | None) -> str | None:
    if markup is None:
        return None
    kind = "inline" if isinstance(markup, InlineKeyboardMarkup) else "force"
    return json.dumps({"kind": kind, "data": markup.to_dict()})


def _markup(stored: str | None, bot: Bot) -> InlineKeyboardMarkup | ForceReply | None:
    if stored is None:
        return None
    value = json.loads(stored)
    if value["kind"] == "inline":
        # A start deep link names the bot, known only here: fill in its username.
        for row in value["data"].get("inline_keyboard", []):
            for button in row:
                if str(button.get("url", "")).startswith(html.START_LINK):
                    button["url"] = button["url"].replace("{bot}", bot.username, 1)
        return InlineKeyboardMarkup.de_json(value["data"], bot)
    return ForceReply.de_json(value["data"], bot)
