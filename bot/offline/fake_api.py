"""A fake Bot API transport that answers like Telegram, records what the bot sends and refuses
what Telegram refuses. Used by the tests and by anyone who wants to run the bot offline.

Plug it in with ``build_app(config, request=FakeBotApi())``.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.io.requests import read_answer

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Impact Wheel",
    "username": "ImpactWheelBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

MAX_TEXT = 4096
#: Telegram's limits for bots: a caption, a photo and a document upload.
MAX_CAPTION = 1024
MAX_PHOTO = 10 * 1024 * 1024
MAX_DOCUMENT = 50 * 1024 * 1024
#: The emoji Telegram lets a bot react with (Bot API, ReactionTypeEmoji).
_REACTIONS = (
    "👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 "
    "🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 "
    "💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡"
)
ALLOWED_REACTIONS = frozenset(_REACTIONS.split())
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")

#: How an answer can go wrong after Telegram did what was asked: it comes after the client
#: stopped waiting ("late"), or it cannot be read ("garbage": cut off in the middle).
Fault = Literal["late", "garbage"]


def garbled(body: bytes) -> bytes:
    """An answer cut off halfway: not JSON any more."""
    return body[: max(1, len(body) // 2)]


class ApiRefusal(Exception):
    """What Telegram answers with an error: an HTTP status and a description."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports positions in UTF-8 bytes, not characters."""
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> str:
    """Check HTML as Telegram does and return the plain text users see; raise ApiRefusal."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if not match or match.group(2).lower() not in _ALLOWED_TAGS:
                raise ApiRefusal(
                    400,
                    f"Bad Request: can't parse entities: unsupported start tag at byte offset {_byte_offset(text, i)}",
                )
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiRefusal(
                        400,
                        f"Bad Request: can't parse entities: unmatched end tag at byte offset {_byte_offset(text, i)}",
                    )
                stack.pop()
            else:
                stack.append(name)
            i = match.end()
        elif char == "&":
            match = _ENTITY.match(text, i)
            if not match:
                raise ApiRefusal(
                    400,
                    f"Bad Request: can't parse entities: unsupported entity at byte offset {_byte_offset(text, i)}",
                )
            out.append(html.unescape(match.group(0)))
            i = match.end()
        elif char == ">":
            raise ApiRefusal(
                400,
                f"Bad Request: can't parse entities: unexpected '>' at byte offset {_byte_offset(text, i)}",
            )
        else:
            out.append(char)
            i += 1
    if stack:
        raise ApiRefusal(
            400,
            f"Bad Request: can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\"",
        )
    return "".join(out)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """A message as the bot left it in a chat."""

    chat_id: int
    message_id: int
    text: str
    html: str
    reply_markup: dict[str, Any] | None
    reply_to: int | None
    edits: int = 0
    thread_id: int | None = None
    #: A photo or document: its file name and content (``text`` is then the caption).
    file: tuple[str, bytes] | None = None

    @property
    def buttons(self) -> list[str]:
        """The labels of the inline buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def button_data(self, label: str) -> str:
        """Return the callback data of the button with this label."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if button["text"] == label:
                    return str(button["callback_data"])
        raise KeyError(f"no button {label!r} in {self.buttons}")

    @property
    def force_reply(self) -> bool:
        """Whether the message asks for a reply."""
        return bool((self.reply_markup or {}).get("force_reply"))


@dataclass
class Call:
    """One Bot API call and how it ended."""

    method: str
    params: dict[str, Any]
    error: str | None = None
    #: What Telegram answered (a message, for the methods that send one).
    result: Any = None


@dataclass
class FakeBotApi(BaseRequest):
    """An in-memory Bot API: records calls, keeps the chats' messages, enforces Telegram's rules."""

    bot_user: dict[str, Any] = field(default_factory=lambda: dict(BOT_USER))
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    administrators: dict[int, list[int]] = field(default_factory=dict)
    failures: list[tuple[str, ApiRefusal]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    #: Groups that became supergroups: old id -> new id. Telegram refuses the old one.
    migrated: dict[int, int] = field(default_factory=dict)
    #: Groups the bot was removed from: Telegram answers 403 there.
    removed: set[int] = field(default_factory=set)
    #: Reactions the bot set: (chat id, message id, emoji or None for none).
    reactions: list[tuple[int, int, str | None]] = field(default_factory=list)
    #: Groups whose administrators allow no reactions.
    no_reactions: set[int] = field(default_factory=set)
    #: Forum supergroups and their topic threads; a thread elsewhere is refused.
    forums: dict[int, set[int]] = field(default_factory=dict)
    #: Scripted faults of the answer to the next call of a method (``answer_badly``).
    faults: list[tuple[str, Fault, str]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    # -- BaseRequest -------------------------------------------------------------------------
    #: Answers are read as the bot's own request reads them (``bot.io.requests.BotRequest``).
    parse_json_payload = staticmethod(read_answer)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            # Uploads arrive as multipart parts: (file name, content, MIME type) by part name.
            params["_files"] = {
                part: (name, content if isinstance(content, bytes) else content.read())
                for part, (name, content, *_rest) in request_data.multipart_data.items()
            }
        fault = self.take_fault(api_method, params)
        status, body = self.respond(api_method, params)
        if fault == "late":
            # Done, but the answer comes after the client stopped waiting: what HTTPXRequest
            # raises then.
            raise TimedOut() from httpx.ReadTimeout("The read operation timed out")
        if fault == "garbage":
            return 200, garbled(json.dumps(body).encode())
        return status, json.dumps(body).encode()

    def respond(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one call as Telegram would, as (HTTP status, JSON body); record it."""
        call = Call(method, dict(params))
        self.calls.append(call)
        try:
            result = self._answer(method, call.params)
        except ApiRefusal as refusal:
            call.error = refusal.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": refusal.status,
                "description": refusal.description,
            }
            if refusal.parameters:
                body["parameters"] = refusal.parameters
            return refusal.status, body
        call.result = result
        return 200, {"ok": True, "result": result}

    # -- scripting -----------------------------------------------------------------------------
    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Make the next call of ``method`` fail as Telegram would."""
        self.failures.append((method, ApiRefusal(status, description, parameters or None)))

    def answer_badly(self, method: str, fault: Fault, *, text: str = "") -> None:
        """Do the next call of ``method`` (whose text holds ``text``) as asked, and then answer
        it late or unreadably."""
        self.faults.append((method, fault, text))

    def take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The fault scripted for this call, if any (used up by this call)."""
        for i, (failing, fault, text) in enumerate(self.faults):
            if failing == method and text in str(params.get("text", "")):
                del self.faults[i]
                return fault
        return None

    def sent_to(self, chat_id: int) -> list[Sent]:
        """The bot's messages in a chat, oldest first, as they look now."""
        return sorted(
            (m for m in self.messages.values() if m.chat_id == chat_id), key=lambda m: m.message_id
        )

    def refusals(self) -> list[Call]:
        """Calls that Telegram would have refused (scripted failures included)."""
        return [c for c in self.calls if c.error]

    def next_message_id(self) -> int:
        """Reserve a message id (users' messages and the bot's share one sequence)."""
        return next(self._ids)

    # -- the API ---------------------------------------------------------------------------------
    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        for i, (failing, refusal) in enumerate(self.failures):
            if failing == method:
                del self.failures[i]
                raise refusal
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.migrated:
            raise ApiRefusal(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[int(chat_id)]},
            )
        if chat_id is not None and int(chat_id) in self.removed:
            raise ApiRefusal(403, "Forbidden: bot was kicked from the group chat")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiRefusal(404, f"Not Found: method {method} is not implemented by FakeBotApi")
        return handler(params)

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands", [])
        if isinstance(commands, str):
            commands = json.loads(commands)
        self.commands[str(params.get("language_code", ""))] = commands
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url", ""))
        if not url.startswith("https://"):
            raise ApiRefusal(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiRefusal(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        return []

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if len(str(params.get("text", ""))) > 200:
            raise ApiRefusal(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        if user_id in self.administrators.get(chat_id, []):
            return _administrator(user_id)
        return {"status": "member", "user": _person(user_id)}

    def _api_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        return [_administrator(uid) for uid in self.administrators.get(int(params["chat_id"]), [])]

    def _check_text(self, params: dict[str, Any]) -> tuple[str, str]:
        raw = str(params.get("text", ""))
        plain = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        if not plain.strip():
            raise ApiRefusal(400, "Bad Request: message text is empty")
        if _utf16_len(plain) > MAX_TEXT:
            raise ApiRefusal(400, "Bad Request: message is too long")
        self._check_markup(params.get("reply_markup"))
        return raw, plain

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard")
        if rows is None:
            return
        if sum(len(r) for r in rows) > 100:
            raise ApiRefusal(400, "Bad Request: reply markup is too long")
        for row in rows:
            if len(row) > 8:
                raise ApiRefusal(400, "Bad Request: too many buttons in a row")
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiRefusal(400, "Bad Request: BUTTON_DATA_INVALID")
                if not str(button.get("text", "")).strip():
                    raise ApiRefusal(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )

    def _message_dict(self, sent: Sent) -> dict[str, Any]:
        chat_type = (
            "private"
            if sent.chat_id > 0
            else ("supergroup" if str(sent.chat_id).startswith("-100") else "group")
        )
        result: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {
                "id": sent.chat_id,
                "type": chat_type,
                **({"title": "Group"} if sent.chat_id < 0 else {"first_name": "User"}),
            },
            "from": self.bot_user,
            "text": sent.text,
        }
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            result["reply_markup"] = sent.reply_markup
        if sent.edits:
            result["edit_date"] = int(time.time())
        if sent.thread_id is not None:
            result["message_thread_id"] = sent.thread_id
            result["is_topic_message"] = True
        return result

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        raw, plain = self._check_text(params)
        chat_id = int(params["chat_id"])
        reply_to = None
        if "reply_parameters" in params:
            reply = params["reply_parameters"]
            reply = json.loads(reply) if isinstance(reply, str) else reply
            reply_to = int(reply["message_id"])
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        thread = params.get("message_thread_id")
        if thread is not None and int(thread) not in self.forums.get(chat_id, set()):
            raise ApiRefusal(400, "Bad Request: message thread not found")
        sent = Sent(chat_id, self.next_message_id(), plain, raw, markup, reply_to)
        sent.thread_id = int(thread) if thread is not None else None
        self.messages[(chat_id, sent.message_id)] = sent
        return self._message_dict(sent)

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "photo", MAX_PHOTO)

    def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "document", MAX_DOCUMENT)

    def _send_file(self, params: dict[str, Any], field_name: str, limit: int) -> Any:
        """A photo or document upload, refused as Telegram refuses: too big, a caption over
        1024 characters, a photo whose sides are too long together."""
        files = params.get("_files", {})
        # A file uploaded with the request travels as the multipart part of its field's name;
        # only files inside other objects (media groups) are named by "attach://".
        part = str(params.get(field_name) or field_name).removeprefix("attach://")
        if part not in files:
            raise ApiRefusal(400, f"Bad Request: there is no {field_name} in the request")
        name, content = files[part]
        if not content:
            raise ApiRefusal(400, "Bad Request: file must be non-empty")
        if len(content) > limit:
            raise ApiRefusal(413, "Request Entity Too Large")
        if field_name == "photo":
            width, height = _png_size(content)
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise ApiRefusal(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        raw = str(params.get("caption", ""))
        plain = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        if _utf16_len(plain) > MAX_CAPTION:
            raise ApiRefusal(400, "Bad Request: message caption is too long")
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        self._check_markup(markup)
        sent = Sent(chat_id, self.next_message_id(), plain, raw, markup, None)
        sent.file = (name, content)
        thread = params.get("message_thread_id")
        sent.thread_id = int(thread) if thread is not None else None
        self.messages[(chat_id, sent.message_id)] = sent
        result = self._message_dict(sent)
        del result["text"]
        result["caption"] = plain
        if field_name == "photo":
            result["photo"] = [
                {"file_id": f"photo{sent.message_id}", "file_unique_id": f"p{sent.message_id}",
                 "width": width, "height": height}
            ]  # fmt: skip
        else:
            result["document"] = {
                "file_id": f"doc{sent.message_id}",
                "file_unique_id": f"d{sent.message_id}",
                "file_name": name,
            }
        return result

    def _existing(self, params: dict[str, Any]) -> Sent:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ApiRefusal(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        sent = self._existing(params)
        raw, plain = self._check_text(params)
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        if raw == sent.html and (markup or None) == (
            sent.reply_markup
            if sent.reply_markup and "inline_keyboard" in sent.reply_markup
            else None
        ):
            raise ApiRefusal(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            )
        if markup is None and sent.force_reply:
            markup = sent.reply_markup  # people go on replying to a card that was edited
        sent.html, sent.text, sent.reply_markup = raw, plain, markup
        sent.edits += 1
        return self._message_dict(sent)

    def _api_setMessageReaction(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        reaction = params.get("reaction") or []
        reaction = json.loads(reaction) if isinstance(reaction, str) else reaction
        if chat_id in self.no_reactions:
            raise ApiRefusal(400, "Bad Request: REACTION_INVALID")
        for item in reaction:
            if item.get("type") != "emoji" or item.get("emoji") not in ALLOWED_REACTIONS:
                raise ApiRefusal(400, "Bad Request: REACTION_INVALID")
        if len(reaction) > 1:
            raise ApiRefusal(400, "Bad Request: REACTIONS_TOO_MANY")
        emoji = reaction[0]["emoji"] if reaction else None
        self.reactions.append((chat_id, int(params["message_id"]), emoji))
        return True

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        sent = self._existing(params)
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        self._check_markup(markup)
        if (markup or None) == (sent.reply_markup or None):
            raise ApiRefusal(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            )
        sent.reply_markup = markup
        sent.edits += 1
        return self._message_dict(sent)

    def _api_deleteMessage(self, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ApiRefusal(400, "Bad Request: message to delete not found")
        del self.messages[key]
        return True


def _png_size(content: bytes) -> tuple[int, int]:
    """The width and height of a PNG (Telegram refuses a photo it cannot read)."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        raise ApiRefusal(400, "Bad Request: IMAGE_PROCESS_FAILED")
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def _person(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"Admin {user_id}"}


def _administrator(user_id: int) -> dict[str, Any]:
    """A ChatMemberAdministrator as the Bot API sends it."""
    return {
        "status": "administrator",
        "user": _person(user_id),
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
    }
