"""Webhook mode, offline: the real ``wheelbot run`` listens on a free local port, registers its
webhook with the (fake) Bot API, handles updates that carry the secret and refuses the rest."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, run_wheelbot, start_wheelbot

PUBLIC_URL = "https://bot.example.org/telegram"
SECRET = "s3cret-Webhook_token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Webhook:
    server: BotApiServer
    process: subprocess.Popen[str]
    port: int

    def post(self, update: dict[str, Any], secret: str | None, path: str = "/telegram") -> int:
        """POST an update as Telegram does; return the HTTP status."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(update).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as refused:
            return refused.code


def bot_added(server: BotApiServer, chat_id: int, update_id: int) -> dict[str, Any]:
    user = {"id": 42, "is_bot": False, "first_name": "Anna", "language_code": "nl"}
    return {"update_id": update_id, **server.bot_added(chat_id, user)}


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def run_webhook(tmp_path: Path, **env: str) -> Iterator[Webhook]:
    port = free_port()
    with BotApiServer(TOKEN) as server:
        settings = bot_env(
            server.base_url,
            tmp_path / "wheel.sqlite",
            WHEELBOT_WEBHOOK_URL=PUBLIC_URL,
            WHEELBOT_WEBHOOK_PORT=str(port),
            **env,
        )
        process = start_wheelbot(tmp_path, settings)
        try:
            up = server.wait_until(
                lambda: (
                    process.poll() is not None
                    or (server.api.webhook is not None and listening(port))
                ),
                timeout=30,
            )
            assert process.poll() is None, process.communicate(timeout=10)
            assert up, "the webhook server did not start listening"
            yield Webhook(server, process, port)
        finally:
            process.terminate()
            out, err = process.communicate(timeout=30)
            assert "Traceback" not in err, err
            assert TOKEN not in out + err
            assert SECRET not in out + err


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[Webhook]:
    with run_webhook(tmp_path, WHEELBOT_WEBHOOK_SECRET=SECRET) as running:
        yield running


def test_the_webhook_is_registered_with_its_secret(webhook: Webhook) -> None:
    assert webhook.server.api.webhook == {"url": PUBLIC_URL, "secret_token": SECRET}
    # No polling beside the webhook: getUpdates only as the look for another process at the
    # start, before the webhook is set.
    methods = webhook.server.methods
    assert "getUpdates" not in methods[methods.index("setWebhook") :]


def test_only_updates_with_the_secret_are_handled(webhook: Webhook) -> None:
    api = webhook.server.api
    assert webhook.post(bot_added(webhook.server, -1001, 1), secret=None) == 403
    assert webhook.post(bot_added(webhook.server, -1002, 2), secret="wrong") == 403
    assert webhook.post(bot_added(webhook.server, -1003, 3), secret=SECRET.upper()) == 403
    assert webhook.post(bot_added(webhook.server, -1004, 4), SECRET, path="/other") == 404
    assert webhook.post(bot_added(webhook.server, -1005, 5), secret=SECRET) == 200
    assert webhook.server.wait_until(lambda: bool(api.sent_to(-1005)))
    assert api.sent_to(-1005)[0].text.startswith("Hallo allemaal")
    # The refused ones came first and were never queued: nothing reached their chats.
    for refused in (-1001, -1002, -1003, -1004):
        assert api.sent_to(refused) == []


def test_without_a_configured_secret_a_random_one_is_used(tmp_path: Path) -> None:
    with run_webhook(tmp_path) as hook:
        registered = hook.server.api.webhook
        assert registered is not None
        secret = registered["secret_token"]
        assert isinstance(secret, str)
        assert len(secret) >= 32
        assert hook.post(bot_added(hook.server, -1006, 1), secret=None) == 403
        assert hook.post(bot_added(hook.server, -1007, 2), secret=secret) == 200
        assert hook.server.wait_until(lambda: bool(hook.server.api.sent_to(-1007)))


def run_failing(
    tmp_path: Path, server: BotApiServer, port: int
) -> subprocess.CompletedProcess[str]:
    settings = bot_env(
        server.base_url,
        tmp_path / "wheel.sqlite",
        WHEELBOT_WEBHOOK_URL=PUBLIC_URL,
        WHEELBOT_WEBHOOK_PORT=str(port),
        WHEELBOT_WEBHOOK_SECRET=SECRET,
    )
    return run_wheelbot(tmp_path, settings, "run")


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with BotApiServer(TOKEN) as server, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_failing(tmp_path, server, port)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"wheelbot: Cannot listen on 127.0.0.1:{port} for the webhook")
    assert "WHEELBOT_WEBHOOK_PORT" in last


def test_a_webhook_telegram_refuses_is_one_line(tmp_path: Path) -> None:
    with BotApiServer(TOKEN) as server:
        server.api.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host")
        result = run_failing(tmp_path, server, free_port())
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr
    assert SECRET not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"wheelbot: Telegram refused the webhook {PUBLIC_URL}: Bad webhook")
    assert last.lower().endswith("failed to resolve host")  # PTB adjusts the capitals


def test_webhook_mode_without_its_extra_says_how_to_fix_it_and_exits_2(tmp_path: Path) -> None:
    """As after ``pip install .`` without ``[webhooks]``: PTB's webhook server (tornado) missing."""
    hide = "import sys; sys.modules['tornado'] = None; from bot.cli import main; sys.exit(main())"
    with BotApiServer(TOKEN) as server:
        result = subprocess.run(
            [sys.executable, "-c", hide, "run"],
            cwd=tmp_path,
            env=bot_env(
                server.base_url, tmp_path / "wheel.sqlite", WHEELBOT_WEBHOOK_URL=PUBLIC_URL
            ),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert server.methods == []  # told before anything is contacted
    assert result.returncode == 2  # which the systemd unit does not restart
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "pip install '.[webhooks]'" in line
    assert "Docker image" in line
    assert list(tmp_path.iterdir()) == []  # no database, no heartbeat
