"""What handlers need, opened once in ``post_init`` and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes

from bot.db import Store
from bot.i18n import Translator
from bot.outbox import Outbox
from bot.wheel import Wheel

KEY = "services"


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    translators: dict[str, Translator]
    wheel: Wheel
    timezone: ZoneInfo
    outbox: Outbox


def services(context: ContextTypes.DEFAULT_TYPE | Application) -> Services:  # type: ignore[type-arg]
    """Return the services of the running application."""
    value = context.bot_data[KEY]
    assert isinstance(value, Services)
    return value
