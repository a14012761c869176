"""Under systemd: the units pass ``systemd-analyze verify``, and the real ``wheelbot run`` tells
systemd it is ready, alive (the watchdog) and stopping over ``NOTIFY_SOCKET``."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.systemd import Notifier
from tests.conftest import TOKEN
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, start_wheelbot

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> dict[str, str]:
    """The ``Key=value`` lines of a unit file (the last one of a key wins, as in systemd)."""
    settings: dict[str, str] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings[key] = value
    return settings


def test_the_bot_unit_waits_for_ready_watches_and_never_restarts_what_needs_fixing() -> None:
    bot = unit("wheelbot.service")
    assert bot["Type"] == "notify"
    assert bot["WatchdogSec"] == "2min"  # two heartbeats of 30 s may be missed, not four
    assert bot["Restart"] == "on-failure"  # a watchdog timeout counts as a failure
    assert bot["RestartPreventExitStatus"] == "2"
    assert bot["ExecStart"] == "/opt/wheelbot/venv/bin/wheelbot run"


def test_the_backup_unit_names_each_copy_and_keeps_fourteen() -> None:
    backup = unit("wheelbot-backup.service")
    assert backup["ExecStart"] == (
        "/opt/wheelbot/venv/bin/wheelbot backup --keep 14 /var/lib/wheelbot/backups"
    )
    assert "ExecStartPost" not in backup  # the pruning is --keep's, of its own names only


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # The installed command instead of /opt/wheelbot/..., which verify requires to exist.
    wheelbot = shutil.which("wheelbot") or "/bin/true"
    names = ["wheelbot.service", "wheelbot-backup.service", "wheelbot-backup.timer"]
    for name in names:
        text = (DEPLOY / name).read_text().replace("/opt/wheelbot/venv/bin/wheelbot", wheelbot)
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_watchdog_is_told_twice_within_its_time_and_only_by_the_bot() -> None:
    environ = {"NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "40000000", "WATCHDOG_PID": "7"}
    notifier = Notifier.from_env(environ, pid=7)
    assert notifier.watchdog == dt.timedelta(seconds=40)
    assert notifier.every(dt.timedelta(seconds=30)) == dt.timedelta(seconds=20)
    assert Notifier.from_env(environ, pid=8).watchdog is None  # a child that inherited it
    assert Notifier.from_env({}).every(dt.timedelta(seconds=30)) == dt.timedelta(seconds=30)
    assert Notifier.from_env({}).send("READY=1") is False  # outside systemd: nothing


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's; abstract, as systemd's own is not."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listening:
        name = f"wheelbot-test-{os.getpid()}-{time.monotonic_ns()}"
        listening.bind("\0" + name)
        listening.settimeout(30)
        yield listening, "@" + name


def test_run_says_ready_alive_and_stopping(
    tmp_path: Path, notify_socket: tuple[socket.socket, str]
) -> None:
    listening, address = notify_socket
    received: list[str] = []

    def until(state: str) -> None:
        while not any(state in message for message in received):
            received.append(listening.recv(4096).decode())

    with BotApiServer(TOKEN) as server:
        env = bot_env(
            server.base_url,
            tmp_path / "wheel.sqlite",
            NOTIFY_SOCKET=address,
            WATCHDOG_USEC="1000000",  # one second: told every half second
        )
        bot = start_wheelbot(tmp_path, env)
        try:
            until("READY=1")
            assert "READY=1\nSTATUS=Receiving updates by long polling" in received
            # Ready once polling began (PTB removes any webhook first), not before.
            assert "deleteWebhook" in server.methods
            until("WATCHDOG=1")
            started = time.monotonic()
            received.clear()
            while received.count("WATCHDOG=1") < 3:
                received.append(listening.recv(4096).decode())
            assert time.monotonic() - started < 2.5
            bot.send_signal(signal.SIGTERM)
            until("STOPPING=1")
        finally:
            if bot.poll() is None:
                bot.terminate()
            _, err = bot.communicate(timeout=30)
    assert bot.returncode == 0, err
    assert "Cannot notify systemd" not in err
