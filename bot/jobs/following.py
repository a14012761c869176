"""Reminding the owners of action items on their day: the database decides, the job queue only
wakes us, as for reminders and check-ups (``bot/jobs/reminding.py``, ``bot/jobs/checking.py``).

A repeating job looks every ``CHECK_EVERY`` (the first look a few seconds after start-up, which
sends what fell due while the bot was down, once, saying it comes late). One transaction marks the
action items due as reminded and writes their messages to the outbox: a crash before the commit
leaves them to the next look, and after it the outbox owns the delivery. An action item is
reminded once per date; *Remind us in a week* gives it a new one.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Bot
from telegram.ext import ContextTypes

from bot.db.tx import Tx
from bot.flows import actions
from bot.jobs.owing import owe_and_deliver
from bot.render.messages import Reply
from bot.services import App, Services, services

log = logging.getLogger(__name__)

#: An action item falls due at a time of day (10:00, unless one was given): a look a minute is
#: on time enough.
CHECK_EVERY = dt.timedelta(minutes=1)
#: The first look after start-up (not at once: see ``checking.schedule``).
FIRST_LOOK = dt.timedelta(seconds=3)


def schedule(app: App) -> None:
    """Look for action items due now and every ``CHECK_EVERY``."""
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(
        _remind_due_job, interval=CHECK_EVERY, first=FIRST_LOOK, name="action-items"
    )


async def _remind_due_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await remind_due(context.bot, svc, svc.clock())


async def remind_due(bot: Bot, svc: Services, now: dt.datetime) -> int:
    """Remind the owners of the action items due by ``now``, owing the messages in the same
    transaction, then deliver; returns how many reminders went out."""

    async def find(conn: Tx) -> list[tuple[int, list[Reply]]]:
        return [
            (chat_id, [message])
            for chat_id, message in await actions.due_replies(conn, svc.wheel, now)
        ]

    chat_ids = await owe_and_deliver(bot, svc, find)
    if chat_ids:
        log.info("Reminded %d action items in %d groups", len(chat_ids), len(set(chat_ids)))
    return len(chat_ids)
