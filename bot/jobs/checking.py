"""Posting check-ups when review dates fall due: the database decides, the job queue only wakes
us, as for reminders (``bot/jobs/reminding.py``).

A repeating job looks every ``CHECK_EVERY`` (the first look a few seconds after start-up). One
transaction finds the agreements whose review date has come and that no check-up listed for that
date yet, records one check-up per group and writes its message to the outbox; so a crash before
the commit leaves them to the next look, and after it the outbox owns the delivery. An agreement
is posted once per review date: again only once it was marked (its next date is three months on)
or its date was moved.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Bot
from telegram.ext import ContextTypes

from bot.flows import checkups
from bot.jobs.owing import owe_and_deliver
from bot.services import App, Services, services

log = logging.getLogger(__name__)

#: Review dates fall due at a time of day: a look every few minutes is on time enough.
CHECK_EVERY = dt.timedelta(minutes=5)
#: The first look after start-up.
FIRST_LOOK = dt.timedelta(seconds=3)


def schedule(app: App) -> None:
    """Look for check-ups to post now and every ``CHECK_EVERY``."""
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    # Not ``first=0``: the job is added before the scheduler starts, and APScheduler puts a
    # first run already past at the next interval, five minutes on. A few seconds ahead, the
    # first look comes right after start-up.
    app.job_queue.run_repeating(
        _post_due_job, interval=CHECK_EVERY, first=FIRST_LOOK, name="checkups"
    )


async def _post_due_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await post_due(context.bot, svc, svc.clock())


async def post_due(bot: Bot, svc: Services, now: dt.datetime) -> int:
    """Post the check-ups due by ``now``, owing their messages in the same transaction, then
    deliver; returns how many groups got one."""
    chat_ids = await owe_and_deliver(
        bot, svc, lambda conn: checkups.post_due(conn, svc.wheel, now)
    )
    if chat_ids:
        log.info("Posted check-ups in %d groups", len(chat_ids))
    return len(chat_ids)
