"""Jobs the running bot does in the background: a heartbeat for ``wheelbot health``, retrying
what the outbox could not deliver, and a daily pruning of the tables that only grow."""

from __future__ import annotations

import datetime as dt
import logging

from telegram.ext import ContextTypes

from bot.db.maintenance import forget_removed_groups, prune
from bot.db.tx import Tx
from bot.ops.heartbeat import Heartbeat
from bot.ops.systemd import Notifier
from bot.services import App, services

log = logging.getLogger(__name__)

PRUNE_EVERY = dt.timedelta(days=1)
#: How often entries the Bot API did not take (a 5xx, a timeout) are tried again.
RETRY_OWED_EVERY = dt.timedelta(seconds=15)


def schedule(
    app: App, heartbeat: Heartbeat, systemd: Notifier | None = None, receiving: str = ""
) -> None:
    """Start the heartbeat at once and the first pruning a minute after start-up.

    PTB starts the job queue once polling or the webhook runs: the first run of these jobs is
    when the bot receives updates, which is when systemd is told it is ready (``receiving`` says
    how). The heartbeat tells systemd's watchdog too, at least twice within its time.
    """
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    systemd = systemd or Notifier()

    async def ready(context: ContextTypes.DEFAULT_TYPE) -> None:
        systemd.ready(receiving)

    async def beat(context: ContextTypes.DEFAULT_TYPE) -> None:
        heartbeat.beat()
        systemd.alive()

    app.job_queue.run_once(ready, when=0, name="ready")
    app.job_queue.run_repeating(
        beat, interval=systemd.every(Heartbeat.INTERVAL), first=0, name="heartbeat"
    )
    app.job_queue.run_repeating(
        prune_now, interval=PRUNE_EVERY, first=dt.timedelta(minutes=1), name="prune"
    )
    app.job_queue.run_repeating(deliver_owed, interval=RETRY_OWED_EVERY, name="outbox")


async def deliver_owed(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deliver what earlier attempts left in the outbox (in the background: a chat whose delivery
    waits for Telegram or for the database does not hold up this job or the others)."""
    await services(context).outbox.retry_owed(context.bot)


async def prune_now(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget old duplicate-detection keys and old prompts, and the groups the bot was removed
    from longer than the retention time ago."""
    svc = services(context)
    now = svc.clock()

    async def tidy(conn: Tx) -> tuple[int, int, int]:
        processed, prompts = await prune(conn, now)
        return processed, prompts, await forget_removed_groups(conn, now, svc.retention)

    processed, prompts, forgotten = await svc.store.write(tidy)
    if processed or prompts:
        log.info("Pruned %d processed update keys and %d old prompts", processed, prompts)
    if forgotten:
        log.info("Erased %d groups the bot was removed from over %s ago", forgotten, svc.retention)
