"""People in a chat with the bot, offline: updates built as Telegram sends them and fed to the
real Application (used by ``wheelbot demo`` and by the tests).

``Group.send(user, "/start")``, ``Group.reply(user, text, to=message)``, ``Group.press(user, label)``
and ``Group.add_bot(user)`` each build the JSON Telegram would deliver, turn it into an ``Update``
and run it through ``Application.process_update``. What the bot sent is read back from the
``FakeBotApi``: ``group.sent`` (as the chat shows it now) and ``group.last``.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import App

_update_ids = itertools.count(1)
_query_ids = itertools.count(1)
_COMMAND = re.compile(r"^/[\da-zA-Z_]{1,32}(?:@\w{1,32})?")


def _thread(thread_id: int | None) -> dict[str, Any]:
    """What Telegram adds to a message in a forum topic thread."""
    return {"message_thread_id": thread_id, "is_topic_message": True} if thread_id else {}


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    language_code: str | None = "en"
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.last_name:
            data["last_name"] = self.last_name
        return data


@dataclass
class Group:
    """A chat (group, supergroup or private) that people talk in, with the bot."""

    app: App
    api: FakeBotApi
    chat_id: int = -4001234567
    kind: str = "group"
    title: str = "Pilot partners"
    updates: list[dict[str, Any]] = field(default_factory=list)
    #: Store each update in the durable inbox before it is handled, as a running bot does
    #: (otherwise updates are handled directly and the inbox stays empty).
    through_inbox: bool = False

    def chat_dict(self) -> dict[str, Any]:
        if self.kind == "private":
            return {"id": self.chat_id, "type": "private", "first_name": "Someone"}
        return {"id": self.chat_id, "type": self.kind, "title": self.title}

    # -- reading -------------------------------------------------------------------------------
    @property
    def sent(self) -> list[Sent]:
        """The bot's messages in this chat, as they look now."""
        return self.api.sent_to(self.chat_id)

    @property
    def last(self) -> Sent:
        """The bot's newest message in this chat."""
        return self.sent[-1]

    def texts_since(self, count: int) -> list[str]:
        """Texts of the bot's messages after the first ``count``."""
        return [m.text for m in self.sent[count:]]

    # -- acting --------------------------------------------------------------------------------
    async def feed(self, payload: dict[str, Any], *, settle: bool = True) -> Update:
        """Deliver one update dict to the application, as the Updater would.

        ``settle=False`` returns once the update is handled, while its messages may still be on
        their way (for tests that hold a delivery back).
        """
        payload = {"update_id": next(_update_ids), **payload}
        self.updates.append(payload)
        update = Update.de_json(payload, self.app.bot)
        if self.through_inbox:
            # As the application's update fetcher does: from the queue, through the processor
            # (which marks an update that changed nothing handled).
            await self.app.update_queue.put(update)
            queued = self.app.update_queue.get_nowait()
            assert queued is update
            await self.app.update_processor.process_update(update, self.app.process_update(update))
        else:
            await self.app.process_update(update)
        # Delivery runs in the background; a person looks at the chat once it has arrived.
        if settle and "services" in self.app.bot_data:
            await self.app.bot_data["services"].outbox.idle()
        return update

    def message_dict(
        self, user: User | None, text: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.api.next_message_id(),
            "date": int(time.time()),
            "chat": self.chat_dict(),
            **extra,
        }
        if user is not None:
            message["from"] = user.to_dict()
        if text is not None:
            message["text"] = text
            match = _COMMAND.match(text)
            if match:
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        return message

    async def send(
        self, user: User, text: str, *, settle: bool = True, **extra: Any
    ) -> dict[str, Any]:
        """A member sends a text message (a command if it starts with /)."""
        message = self.message_dict(user, text, **extra)
        await self.feed({"message": message}, settle=settle)
        return message

    async def reply(
        self, user: User, text: str | None, to: Sent, *, settle: bool = True, **extra: Any
    ) -> dict[str, Any]:
        """A member replies to one of the bot's messages."""
        original = {
            "message_id": to.message_id,
            "date": int(time.time()),
            "chat": self.chat_dict(),
            "from": self.api.bot_user,
            "text": to.text,
            **_thread(to.thread_id),
        }
        extra = {**_thread(to.thread_id), **extra}  # a reply stays in its topic thread
        message = self.message_dict(user, text, reply_to_message=original, **extra)
        await self.feed({"message": message}, settle=settle)
        return message

    async def edit(self, message: dict[str, Any], text: str) -> None:
        """The sender edits an earlier message."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        await self.feed({"edited_message": edited})

    async def press(
        self, user: User, label: str, on: Sent | None = None, *, settle: bool = True
    ) -> str:
        """A member presses the button with this label (on the newest message with buttons)."""
        message = on or next(m for m in reversed(self.sent) if m.buttons)
        return await self.press_data(user, message.button_data(label), message, settle=settle)

    async def press_data(self, user: User, data: str, on: Sent, *, settle: bool = True) -> str:
        """Send a callback query with arbitrary data, as a (possibly forged) client would."""
        query_id = str(next(_query_ids))
        await self.feed(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "chat_instance": str(self.chat_id),
                    "data": data,
                    "message": {
                        "message_id": on.message_id,
                        "date": int(time.time()),
                        "chat": self.chat_dict(),
                        "from": self.api.bot_user,
                        "text": on.text,
                        # Only an inline keyboard shows on a message (a force reply does not).
                        **(
                            {"reply_markup": on.reply_markup}
                            if on.reply_markup and "inline_keyboard" in on.reply_markup
                            else {}
                        ),
                        **_thread(on.thread_id),
                    },
                }
            },
            settle=settle,
        )
        return query_id

    async def add_bot(self, user: User, *, both: bool = True) -> None:
        """A member adds the bot: Telegram sends a new-members message and a my_chat_member."""
        await self.feed({"message": self.message_dict(user, new_chat_members=[self.api.bot_user])})
        if both:
            await self.feed({"my_chat_member": self.member_change(user, "left", "member")})

    async def remove_bot(self, user: User) -> None:
        """A member removes the bot from the group."""
        await self.feed({"my_chat_member": self.member_change(user, "member", "left")})

    def member_change(self, user: User, old: str, new: str) -> dict[str, Any]:
        return {
            "chat": self.chat_dict(),
            "from": user.to_dict(),
            "date": int(time.time()),
            "old_chat_member": {"user": self.api.bot_user, "status": old},
            "new_chat_member": {"user": self.api.bot_user, "status": new},
        }

    def reacted(self, message: dict[str, Any]) -> list[str | None]:
        """The reactions the bot set on a person's message, in order."""
        return [
            emoji
            for chat_id, message_id, emoji in self.api.reactions
            if chat_id == self.chat_id and message_id == message["message_id"]
        ]

    def answers_to(self, query_id: str) -> list[dict[str, Any]]:
        """The bot's answerCallbackQuery calls for one press."""
        return [
            c.params
            for c in self.api.calls
            if c.method == "answerCallbackQuery"
            and str(c.params.get("callback_query_id")) == query_id
        ]
