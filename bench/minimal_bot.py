"""The yardstick: the least a PTB bot must do for an answer with the same durability as ours.

For each reply to its card it commits the update and its reply to SQLite in one transaction
(aiosqlite; the project's pragmas: WAL, synchronous=FULL, busy_timeout, foreign_keys), then makes
the calls the full bot makes for an answer: a reaction, an edit of the card, and every second
answer a new message. Each chat's updates run in order under a per-chat lock; chats run
concurrently. It has no inbox before the queue, no outbox and no rendering: what the full bot
spends beyond this is the price of its features and of its layering.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import ForceReply, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bench import harness
from bench.api import TimedApi
from bench.groups import pairs
from bench.harness import TOKEN

KEY = "minimal_store"
SCHEMA = """
CREATE TABLE IF NOT EXISTS updates (
    update_id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, update_id INTEGER NOT NULL REFERENCES updates (update_id),
    chat_id INTEGER NOT NULL, card_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS answers_by_card ON answers (chat_id, card_id);
CREATE TABLE IF NOT EXISTS replies (
    answer_id INTEGER PRIMARY KEY REFERENCES answers (id), card_text TEXT NOT NULL,
    message TEXT);
"""


class MinimalStore:
    """One aiosqlite connection; one write transaction at a time (as the bot's ``Store``)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> MinimalStore:
        """Open the database with the project's pragmas and create the tables."""
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        for pragma in ("busy_timeout=5000", "journal_mode=WAL", "foreign_keys=ON"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.executescript(SCHEMA)
        return cls(conn)

    async def record(
        self, update: Update, chat_id: int, card_id: int, user_id: int, text: str
    ) -> tuple[str, str | None]:
        """Commit the update, the answer and the reply; return (card text, new message or None)."""
        async with self.lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                await self.conn.execute(
                    "INSERT INTO updates (update_id, chat_id, payload) VALUES (?, ?, ?)",
                    (update.update_id, chat_id, json.dumps(update.to_dict())),
                )
                cursor = await self.conn.execute(
                    "INSERT INTO answers (update_id, chat_id, card_id, user_id, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (update.update_id, chat_id, card_id, user_id, text),
                )
                answer_id = cursor.lastrowid
                async with self.conn.execute(
                    "SELECT count(*) FROM answers WHERE chat_id = ? AND card_id = ?",
                    (chat_id, card_id),
                ) as rows:
                    row = await rows.fetchone()
                answers = int(row[0]) if row else 1
                card = f"Topic card: {answers} answers so far"
                message = "Everyone has answered." if answers % 2 == 0 else None
                await self.conn.execute(
                    "INSERT INTO replies (answer_id, card_text, message) VALUES (?, ?, ?)",
                    (answer_id, card, message),
                )
                await self.conn.execute("COMMIT")
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
        return card, message


class PerChatLock(BaseUpdateProcessor):
    """Updates of one chat strictly in order, different chats concurrently."""

    def __init__(self) -> None:
        # Enough slots that a chat waiting for its lock never keeps another chat waiting.
        super().__init__(max_concurrent_updates=4096)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update under its chat's lock."""
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat else 0
        async with self._locks.setdefault(key, asyncio.Lock()):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the answer and its reply, then react, edit the card and maybe say more."""
    message = update.effective_message
    assert message is not None
    assert message.reply_to_message is not None
    assert message.from_user is not None
    assert message.text is not None
    card_id, chat_id = message.reply_to_message.message_id, message.chat_id
    store: MinimalStore = context.bot_data[KEY]
    card, more = await store.record(update, chat_id, card_id, message.from_user.id, message.text)
    await context.bot.set_message_reaction(chat_id, message.message_id, "👍")
    await context.bot.edit_message_text(card, chat_id=chat_id, message_id=card_id)
    if more is not None:
        await context.bot.send_message(chat_id, more)


def build_minimal_app(db_path: Path, request: BaseRequest) -> Application:
    """The minimal bot on ``db_path``, talking to ``request``; no rate limiter."""

    async def open_store(app: Application) -> None:
        app.bot_data[KEY] = await MinimalStore.open(db_path)

    async def close_store(app: Application) -> None:
        await app.bot_data.pop(KEY).conn.close()

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(request)
        .get_updates_request(request)
        .concurrent_updates(PerChatLock())
        .post_init(open_store)
        .post_shutdown(close_store)
        .build()
    )
    app.add_handler(MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND, on_answer))
    return app


async def send_card(app: Application, chat_id: int) -> tuple[int, str]:
    """The bot's card in a chat, for people to reply to; returns (message id, text)."""
    text = "Topic card: reply to answer"
    sent = await app.bot.send_message(chat_id, text, reply_markup=ForceReply())
    return sent.message_id, text


class MinimalPool:
    """The same groups and people for the minimal bot, each with one card to reply to."""

    def __init__(self, app: Application, api: TimedApi, count: int, first_chat: int) -> None:
        self.app = app
        self.pairs = pairs(app, api, count, first_chat)
        self.cards: list[tuple[int, str]] = []
        self._answers = 0

    async def set_up(self) -> None:
        """Send every group its card."""
        self.cards = [await send_card(self.app, p.group.chat_id) for p in self.pairs]

    def take(self, who: tuple[int, ...] = (0, 1)) -> list[Update]:
        """Replies to the cards: every group's first partner (0), then every group's second (1)."""
        updates = []
        for index in who:
            for pair, (card_id, card_text) in zip(self.pairs, self.cards, strict=True):
                user = pair.second if index else pair.first
                self._answers += 1
                payload = harness.reply(
                    pair.group, user, f"answer {self._answers}", card_id, card_text
                )
                updates.append(harness.update(self.app, payload))
        return updates
