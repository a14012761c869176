"""Telling Telegram the bot's commands (``setMyCommands``), in English and Dutch."""

from __future__ import annotations

from telegram import Bot

from bot.i18n import Translator
from bot.render.commands import command_list


async def register_commands(bot: Bot, translators: dict[str, Translator]) -> None:
    """Register the English list as the default and the Dutch one for Dutch-speaking users."""
    await bot.set_my_commands(command_list(translators["en"]))
    await bot.set_my_commands(command_list(translators["nl"], dutch=True), language_code="nl")
