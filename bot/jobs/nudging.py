"""The gentle reminder on a card that got no answer: the database decides, the job queue only
wakes us, as for reminders (``bot/jobs/reminding.py``) and check-ups (``checking.py``).

A repeating job looks every ``CHECK_EVERY`` (the first look a few seconds after start-up) for the
current cards of active groups that were opened ``nudges.REMIND_AFTER`` ago or more, have no
answer in their round and had no reminder yet. One transaction marks each one's reminder given
(``card_watch.reminded_at``) and writes its message to the outbox: a crash before the commit
leaves it to the next look, a crash after it leaves the message owed, which the outbox delivers
after the restart. A card gets one reminder, however often it is shown again.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Bot
from telegram.ext import ContextTypes

from bot.flows import nudges
from bot.jobs.owing import owe_and_deliver
from bot.services import App, Services, services

log = logging.getLogger(__name__)

#: Ten minutes and a minute at most: on time enough for a gentle word.
CHECK_EVERY = dt.timedelta(minutes=1)
#: The first look after start-up (``first=0`` would come only after the first interval; see
#: ``bot/jobs/checking.py``).
FIRST_LOOK = dt.timedelta(seconds=5)


def schedule(app: App) -> None:
    """Look for cards that wait for their first answer now and every ``CHECK_EVERY``."""
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(
        _remind_due_job, interval=CHECK_EVERY, first=FIRST_LOOK, name="card-reminders"
    )


async def _remind_due_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await remind_due(context.bot, svc, svc.clock())


async def remind_due(bot: Bot, svc: Services, now: dt.datetime) -> int:
    """Give the reminders due by ``now``, owing their messages in the same transaction, then
    deliver; returns how many cards got one."""
    chat_ids = await owe_and_deliver(
        bot, svc, lambda conn: nudges.remind_due(conn, svc.wheel, now)
    )
    if chat_ids:
        log.info("Reminded %d cards without an answer", len(chat_ids))
    return len(chat_ids)
