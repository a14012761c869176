"""Erasing a group's data on request (``/forgetgroup``): the person who set the group up or an
administrator asks, confirms with a button, and everything the bot stored about the group goes."""

from __future__ import annotations

import aiosqlite

from bot.callbacks import make
from bot.db import chats
from bot.db.maintenance import erase_chat
from bot.flows.common import refuse
from bot.flows.setup import manager_only, may_manage
from bot.flows.welcome import Where
from bot.messages import Actor, Button, Result, msg, reply


async def ask_forget_group(conn: aiosqlite.Connection, where: Where, actor: Actor) -> Result:
    """``/forgetgroup``: ask to confirm erasing everything about the group."""
    chat = await chats.get(conn, where.chat_id)
    if chat is None:
        return Result(replies=(reply(msg("I keep nothing about this group.")),))
    if not may_manage(chat, actor):
        return refuse(manager_only(), button=False)
    return Result(
        replies=(
            reply(
                msg(
                    "Erase everything I keep about this group? The partner names, who represents "
                    "whom, every answer, agreement, open issue and reminder are deleted, and "
                    "cannot be brought back."
                ),
                buttons=(
                    (
                        Button(msg("Yes, erase everything"), make("forget", "yes")),
                        Button(msg("No, keep it"), make("forget", "no")),
                    ),
                ),
            ),
        )
    )


async def forget_group(
    conn: aiosqlite.Connection, where: Where, actor: Actor, erase: bool, message_id: int
) -> Result:
    """The answer to the question of ``/forgetgroup``."""
    chat = await chats.get(conn, where.chat_id)
    if chat is None:
        return Result(notice=msg("Nothing is kept about this group any more."))
    if not may_manage(chat, actor):
        return refuse(manager_only(), button=True)
    if not erase:
        kept = reply(msg("Nothing was erased."), edit=message_id)
        return Result(replies=(kept,), notice=msg("Nothing changed."))
    await erase_chat(conn, where.chat_id)
    # A bare row, so the last word comes in the group's own language.
    await chats.create(
        conn, where.chat_id, chat.kind, None, chat.language, chat.timezone, where.now
    )
    done = reply(
        msg(
            "Everything I kept about this group is erased. To start again, send /start; to be "
            "rid of me, remove me from the group."
        ),
        edit=message_id,
    )
    return Result(replies=(done,), notice=msg("Erased."))
