"""What handlers need, opened once in ``post_init`` and kept in ``bot_data``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes, ExtBot, JobQueue

from bot.db import Store
from bot.domain.wheel import Wheel
from bot.i18n import Translator
from bot.io.admins import AdminCache
from bot.io.outbox import Outbox
from bot.render.files import FileMaker

KEY = "services"

#: The Application ``bot.app.build_app`` builds: PTB's default types, with a job queue. Two are
#: left open. ExtBot's parameter is the type of the ``rate_limit_args`` a request may pass: int
#: with the rate limiter, None without (offline runs), and this bot passes none. The context type,
#: because ``context.application`` has an unsolved one in PTB's types, and handlers pass that on.
App: TypeAlias = Application[
    ExtBot[Any],
    Any,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    translators: dict[str, Translator]
    wheel: Wheel
    timezone: ZoneInfo
    outbox: Outbox
    #: Makes the picture and the export for the outbox; owns the drawing process.
    files: FileMaker
    #: How long a group's data stays after the bot was removed from it.
    retention: dt.timedelta = dt.timedelta(days=180)
    #: Who is an administrator, asked from Telegram and kept for a minute.
    admins: AdminCache = field(default_factory=AdminCache)
    #: The current moment (UTC); tests move it, e.g. across a daylight-saving change.
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))


def services(context: ContextTypes.DEFAULT_TYPE | App) -> Services:
    """Return the services of the running application."""
    value = context.bot_data[KEY]
    assert isinstance(value, Services)
    return value
