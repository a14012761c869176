"""Sending reminders when they fall due: the database decides, the job queue only wakes us.

A repeating job looks for due reminders every ``CHECK_EVERY`` (the first look right after
start-up, which sends what fell due while the bot was down, once, saying it comes late). A
reminder set for the next few seconds also gets a one-off wake-up at its moment. Neither job holds
anything that is not in the database: after a restart they are simply made again.

What a crash at each step means:

1. Before the claim commits: the reminder is still pending; the next look (after the restart)
   sends it.
2. The claim and the reminder's message in the outbox commit together: from here the outbox owns
   the delivery (resumed after a restart, retried on 5xx and timeouts).
3. A crash while the message's request is out: the outbox sends a reminder again (like a card, it
   carries buttons people need), so it may arrive twice, never not at all.
4. ``Forbidden`` (the bot was removed): the reminder goes back to pending, and waits, not retried,
   until the bot is added to the group again.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Bot
from telegram.ext import ContextTypes

from bot.db import reminders as sql
from bot.db.reminders import Reminder
from bot.db.tx import Tx
from bot.flows import checkups, reminders
from bot.jobs.owing import owe_in_chat
from bot.render.messages import Reply
from bot.services import App, Services, services

log = logging.getLogger(__name__)

CHECK_EVERY = dt.timedelta(seconds=30)
WAKE_UP = "reminder-due"


def schedule(app: App) -> None:
    """Look for due reminders now and every ``CHECK_EVERY``."""
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(_send_due_job, interval=CHECK_EVERY, first=0, name="reminders")


async def wake_for_next(app: App) -> None:
    """A reminder may now fall due before the next regular look: wake up at its moment."""
    if app.job_queue is None:
        return
    svc = services(app)
    due = await svc.store.read(sql.next_due)
    if due is None:
        return
    delay = (dt.datetime.fromisoformat(due) - svc.clock()).total_seconds()
    if delay < CHECK_EVERY.total_seconds():
        for earlier in app.job_queue.get_jobs_by_name(WAKE_UP):
            earlier.schedule_removal()
        app.job_queue.run_once(_send_due_job, when=max(delay, 0.0), name=WAKE_UP)


async def _send_due_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await send_due(context.bot, svc, svc.clock())
    # A reminder due before the next regular look (after a restart, too) comes on time.
    await wake_for_next(context.application)


async def send_due(bot: Bot, svc: Services, now: dt.datetime) -> int:
    """Claim what is due by ``now``, owe its messages in the same transaction, then deliver."""

    async def claim(conn: Tx) -> list[tuple[Reminder, Reply]]:
        fired = await reminders.fire_due(conn, svc.wheel, now)
        # A reminder falls due at the same moment as the check-up of its stage's agreements
        # (their review date is its day): the check-up comes right after it, one list of them
        # to mark, instead of minutes later beside a reminder that lists them too.
        checks = dict(await checkups.post_due(conn, svc.wheel, now, {r.chat_id for r, _ in fired}))
        for reminder, message in fired:
            owed = [message, *checks.pop(reminder.chat_id, [])]
            await owe_in_chat(conn, svc, reminder.chat_id, owed)
        return fired

    fired = await svc.store.write(claim)
    for chat_id in sorted({reminder.chat_id for reminder, _ in fired}):
        svc.outbox.schedule(bot, chat_id)
    if fired:
        late = sum(1 for reminder, _ in fired if now - reminder.due() > reminders.LATE_AFTER)
        log.info("Sent %d reminders (%d late)", len(fired), late)
    return len(fired)
