"""Who may change a chat's language: in a group that is set up, its representatives; before the
set-up, anyone who writes as themselves; in a private chat, the person."""

from __future__ import annotations

import aiosqlite

from bot.db import chats
from bot.domain.permissions import Action
from bot.flows import gate, welcome
from bot.flows.common import anonymous, refuse
from bot.flows.welcome import Where
from bot.render.messages import Actor, Reply, Result


async def _refusal(
    conn: aiosqlite.Connection, where: Where, actor: Actor, *, button: bool
) -> Result | None:
    if not where.is_group:
        return None
    if actor.user_id is None:
        return refuse(anonymous(), button=button)
    chat = await chats.get(conn, where.chat_id)
    if chat is None or not chat.partners_named:
        return None
    found = await gate.member(conn, where, actor, Action.LANGUAGE, button=button)
    return found if isinstance(found, Result) else None


async def language_command(
    conn: aiosqlite.Connection, where: Where, actor: Actor, argument: str | None
) -> list[Reply] | Result:
    """``/language [nl|en]``: showing the choice is for anyone; changing it is not."""
    if argument:
        refused = await _refusal(conn, where, actor, button=False)
        if refused is not None:
            return refused
    return await welcome.language(conn, where, argument)


async def language_button(
    conn: aiosqlite.Connection, where: Where, actor: Actor, choice: str
) -> list[Reply] | Result:
    """A language button."""
    refused = await _refusal(conn, where, actor, button=True)
    if refused is not None:
        return refused
    return await welcome.set_language(conn, where, choice)
