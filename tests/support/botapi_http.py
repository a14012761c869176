"""The fake Bot API over HTTP on 127.0.0.1, for tests that run the real ``wheelbot`` process.

It answers ``/bot<token>/<method>`` as Telegram does: 401 for any other token, updates pushed by
the test through ``getUpdates`` (long polling; asking for an offset confirms, and forgets for
good, every update before it), button presses answered once and only in time, and
everything else through ``bot.offline.fake_api.FakeBotApi``, which refuses what Telegram refuses. Every
call but ``getUpdates`` is kept in ``journal`` with how it ended. ``api.answer_badly`` makes a call
done and its answer late (after PTB's read timeout) or cut off; ``on_call`` lets a test act the
moment a call is done (fill the disk, say).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from bot.offline.fake_api import FakeBotApi, Fault, Sent, garbled

#: Long polls are cut short so that stopping the server never waits long.
MAX_POLL_SECONDS = 1.0
CONFLICT = {
    "ok": False,
    "error_code": 409,
    "description": "Conflict: terminated by other getUpdates request; make sure that only one "
    "bot instance is running",
}
WEBHOOK_CONFLICT = {
    "ok": False,
    "error_code": 409,
    "description": "Conflict: can't use getUpdates method while webhook is active; use "
    "deleteWebhook to delete the webhook first",
}
#: Telegram stops waiting for the answer to a button press after some seconds (undocumented;
#: about 15 in practice). It refuses a late answer, a second one, and one to an unknown query.
QUERY_ANSWER_SECONDS = 15.0
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
#: How late a late answer comes: after PTB's read timeout (5 s) has given up on it.
LATE_BY = 6.0


@dataclass(frozen=True)
class Exchange:
    """One call the bot made (getUpdates aside) and Telegram's answer."""

    method: str
    params: dict[str, Any]
    status: int
    answer: dict[str, Any]
    took: float = 0.0  # seconds from the request's arrival to the answer
    at: float = 0.0  # when it was answered (time.time())
    fault: Fault | None = None  # how the answer went wrong (``FakeBotApi.answer_badly``)

    @property
    def ok(self) -> bool:
        return self.status == 200


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: Thirty groups' deliveries connect at once after a restart; Telegram takes them all.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A bot stopped in the middle of a long poll hangs up before its answer: expected here.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class BotApiServer:
    """A Bot API on a free local port; ``base_url`` is what TELEGRAM_BASE_URL should be."""

    def __init__(
        self,
        token: str,
        api: FakeBotApi | None = None,
        latency: float = 0.0,
        poll_seconds: float = MAX_POLL_SECONDS,
        late_by: float = LATE_BY,
    ) -> None:
        self.token = token
        #: The longest a getUpdates waits (Telegram: the bot's timeout, 10 s in PTB).
        self.poll_seconds = poll_seconds
        self.api = api or FakeBotApi()
        #: Seconds every call but getUpdates takes, as a real Bot API round trip does.
        self.latency = latency
        #: Seconds a late answer (``api.answer_badly(method, "late")``) is held back.
        self.late_by = late_by
        #: Called with each call's method and parameters (getUpdates aside) once Telegram has
        #: done it, before it answers: a test's way to act at that moment.
        self.on_call: Callable[[str, dict[str, Any]], None] | None = None
        self.updates: list[dict[str, Any]] = []
        self.methods: list[str] = []
        self.confirmed = 0  # the highest offset the bot sent: everything below it was received
        self.journal: list[Exchange] = []
        #: Button presses handed out: query id -> (when it was pushed, whether it was answered).
        self.queries: dict[str, tuple[float, bool]] = {}
        self._next_update_id = 1
        self._pollers = 0  # getUpdates calls so far: only the latest may wait
        self.conflicts = 0  # getUpdates answered 409: ended by a later one
        self._query_ids = itertools.count(1)
        self._changed = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> BotApiServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._changed:
            self._changed.notify_all()

    # -- the test's side -----------------------------------------------------------------------
    def push(self, payload: dict[str, Any]) -> int:
        """Queue an update for the bot's next getUpdates; return its update_id."""
        with self._changed:
            update_id = self._next_update_id
            self._next_update_id += 1
            self.updates.append({"update_id": update_id, **payload})
            if "callback_query" in payload:
                self.queries[payload["callback_query"]["id"]] = (time.monotonic(), False)
            self._changed.notify_all()
        return update_id

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Wait until ``condition()`` holds (checked whenever the bot calls the API)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.2))
        return True

    def group_message(self, chat_id: int, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """An update with a message in a group, as Telegram sends it (``fields``: text, ...)."""
        message = {
            "message_id": self.api.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "group", "title": f"Group {chat_id}"},
            "from": user,
            **fields,
        }
        return {"message": message}

    def bot_added(self, chat_id: int, user: dict[str, Any]) -> dict[str, Any]:
        """The update Telegram sends when ``user`` adds the bot to a group."""
        return self.group_message(chat_id, user, new_chat_members=[self.api.bot_user])

    def reply(
        self, chat_id: int, user: dict[str, Any], to: Sent, text: str, **fields: Any
    ) -> dict[str, Any]:
        """An update with ``user``'s reply to the bot's message ``to``, as the chat shows it now."""
        with self._changed:
            original = self.api._message_dict(to)
        return self.group_message(chat_id, user, text=text, reply_to_message=original, **fields)

    def press(self, chat_id: int, user: dict[str, Any], on: Sent, data: str) -> dict[str, Any]:
        """An update with ``user`` pressing the button carrying ``data`` on the bot's message ``on``.

        Only a button the message shows can be pressed, as in a Telegram client.
        """
        with self._changed:
            current = self.api.messages.get((chat_id, on.message_id))
            assert current is not None, f"message {on.message_id} is not in chat {chat_id}"
            rows = (current.reply_markup or {}).get("inline_keyboard", [])
            shown = [button.get("callback_data") for row in rows for button in row]
            assert data in shown, f"no button {data!r} on message {on.message_id}: {shown}"
            message = self.api._message_dict(current)
        query = {
            "id": f"q{next(self._query_ids)}",
            "from": user,
            "chat_instance": str(chat_id),
            "data": data,
            "message": message,
        }
        return {"callback_query": query}

    def snapshot(self) -> dict[int, list[Sent]]:
        """The bot's messages per chat, oldest first, copied as the chats show them now."""
        chats: dict[int, list[Sent]] = defaultdict(list)
        with self._changed:
            for sent in self.api.messages.values():
                chats[sent.chat_id].append(dataclasses.replace(sent))
        for messages in chats.values():
            messages.sort(key=lambda sent: sent.message_id)
        return chats

    def polls(self) -> int:
        return self.methods.count("getUpdates")

    # -- the bot's side ------------------------------------------------------------------------
    def _answer(
        self, path: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], Fault | None]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None
        method = path[len(prefix) :]
        arrived = time.monotonic()
        with self._changed:
            self.methods.append(method)
            self._changed.notify_all()
        if method == "getUpdates":
            return *self._get_updates(params), None
        if self.latency:
            time.sleep(self.latency)  # in this request's own thread: other calls go on
        with self._changed:
            fault = self.api.take_fault(method, params)
            if method == "answerCallbackQuery":
                answer = self._answer_query(params)
            else:
                answer = self.api.respond(method, params)
            took = time.monotonic() - arrived
            exchange = Exchange(
                method, dict(params), *answer, took=took, at=time.time(), fault=fault
            )
            self.journal.append(exchange)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(method, params)
        return *answer, fault

    def _answer_query(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query_id = str(params.get("callback_query_id"))
        pushed, answered = self.queries.get(query_id, (0.0, True))
        if answered or time.monotonic() - pushed > QUERY_ANSWER_SECONDS:
            return 400, {"ok": False, "error_code": 400, "description": QUERY_INVALID}
        status, answer = self.api.respond("answerCallbackQuery", params)
        if status == 200:
            self.queries[query_id] = (pushed, True)
        return status, answer

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wait = min(float(params.get("timeout") or 0), self.poll_seconds)
        deadline = time.monotonic() + wait
        with self._changed:
            if self.api.webhook is not None:
                return 409, WEBHOOK_CONFLICT
            # Telegram's rule for two pollers: a new getUpdates ends the one still waiting.
            self._pollers += 1
            mine = self._pollers
            self._changed.notify_all()
            # Telegram's rule: once a later offset was asked for, the updates before it are
            # gone for good, also for a process that starts again and asks from 0.
            self.confirmed = max(self.confirmed, int(params.get("offset") or 0))
            offset = self.confirmed
            while True:
                if self._pollers != mine:
                    self.conflicts += 1
                    return 409, CONFLICT
                pending = [u for u in self.updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if pending or left <= 0:
                    return 200, {"ok": True, "result": pending}
                self._changed.wait(left)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:
                    return  # the bot died while sending it: Telegram never saw the request
                body = raw.decode("utf-8")
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = {key: _decode(value) for key, value in parse_qsl(body)}
                status, answer, fault = server._answer(self.path, params)
                data = json.dumps(answer).encode()
                if fault == "late":
                    time.sleep(server.late_by)  # done; the client stops waiting meanwhile
                elif fault == "garbage":
                    data = garbled(data)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the URL holds the token."""

        return Handler


def _decode(value: str) -> Any:
    """PTB sends every non-string parameter JSON-encoded in a form field."""
    if value[:1] in "[{" or value in ("true", "false", "null") or value.lstrip("-").isdigit():
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
