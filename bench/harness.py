"""Running an application offline as ``wheelbot run`` does (minus polling), and building the
updates Telegram would deliver to it.

Timed updates enter where Telegram's enter: ``app.update_queue.put(update)``. Their update ids
come from a counter far above ``bot.offline.people``'s, so the durable inbox never mistakes one
for a duplicate of a set-up step.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application

from bot.app import build_app
from bot.config import Config
from bot.io.inbox import DurableUpdateQueue
from bot.offline.fake_api import FakeBotApi
from bot.offline.lifecycle import close_app, open_app
from bot.offline.people import Group, User

TOKEN = "123456789:AAEbenchTokenNotRealAtAll_abcdefghijk"
ZONE = ZoneInfo("Europe/Amsterdam")

_update_ids = itertools.count(1_000_000_000)
_query_ids = itertools.count(1)


#: Updates a getUpdates hands out at most (Telegram's default limit, PTB's too).
POLL_BATCH = 100


def full_app(db_path: Path, api: FakeBotApi) -> Application:
    """The whole bot on ``db_path``, talking to ``api``, Telegram's rate limits off, its inbox
    set up for long polling as ``wheelbot run`` does (rows commit before the next poll)."""
    app = build_app(Config(TOKEN, db_path, ZONE), request=api, rate_limit=False)
    if isinstance(app.update_queue, DurableUpdateQueue):
        app.update_queue.confirm_at_next_poll = True
    return app


async def polled(app: Application, count: int) -> None:
    """After the ``count``-th update put: every ``POLL_BATCH`` updates the next getUpdates
    would go out, and it waits until the inbox holds what it confirms (as in ``wheelbot run``)."""
    queue = app.update_queue
    if count % POLL_BATCH == 0 and isinstance(queue, DurableUpdateQueue):
        await queue.stored()


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Start ``app`` and stop it afterwards, each step in the order PTB's ``run_polling`` uses."""
    await open_app(app, start=True)
    try:
        yield app
    finally:
        await close_app(app)


def update(app: Application, payload: dict[str, Any]) -> Update:
    """An update as Telegram delivers it, with a fresh update id."""
    return Update.de_json({"update_id": next(_update_ids), **payload}, app.bot)


def reply(group: Group, user: User, text: str, card_id: int, card_text: str) -> dict[str, Any]:
    """A member's text reply to the bot's message ``card_id`` (as ``Group.reply`` builds it)."""
    original = {
        "message_id": card_id,
        "date": int(time.time()),
        "chat": group.chat_dict(),
        "from": group.api.bot_user,
        "text": card_text,
    }
    return {"message": group.message_dict(user, text, reply_to_message=original)}


def command(group: Group, user: User, text: str) -> dict[str, Any]:
    """A member sends a command such as ``/summary``."""
    return {"message": group.message_dict(user, text)}


def press(
    group: Group, user: User, data: str, message_id: int, text: str, markup: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    """A member presses a button with ``data`` on the bot's message; returns (query id, payload)."""
    query_id = f"bench{next(_query_ids)}"
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": group.chat_dict(),
        "from": group.api.bot_user,
        "text": text,
    }
    if markup:
        message["reply_markup"] = markup
    payload = {
        "callback_query": {
            "id": query_id,
            "from": user.to_dict(),
            "chat_instance": str(group.chat_id),
            "data": data,
            "message": message,
        }
    }
    return query_id, payload
