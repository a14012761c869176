"""Start-up as an operator meets it: ``wheelbot run`` checks everything local before it contacts
Telegram, and each failure is one plain line, without a traceback and without the token."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.ops.startup import StartupError, open_services
from tests.conftest import TOKEN, make_config
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, run_wheelbot, start_wheelbot

OTHER_TOKEN = "987654321:AAEsomebodyElsesTokenNotOursAtAll_xyz"


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(TOKEN) as running:
        yield running


def start(tmp_path: Path, server: BotApiServer, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``wheelbot run`` until it exits by itself."""
    return run_wheelbot(
        tmp_path, bot_env(server.base_url, tmp_path / "wheel.sqlite", **env), "run"
    )


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The failure is the last line of stderr, alone, with no traceback and no secret."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert OTHER_TOKEN not in output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("wheelbot: "), result.stderr
    for fragment in fragments:
        assert fragment in last, last
    return last


def test_a_token_telegram_refuses(tmp_path: Path, server: BotApiServer) -> None:
    result = start(tmp_path, server, TELEGRAM_BOT_TOKEN=OTHER_TOKEN)
    assert result.returncode == 2
    assert_one_clean_line(result, "Telegram refused the token", "TELEGRAM_BOT_TOKEN", "BotFather")
    assert (tmp_path / "wheel.sqlite").is_file()  # the database was checked before Telegram


def test_a_bot_api_that_cannot_be_reached_is_named_by_host(tmp_path: Path) -> None:
    with BotApiServer(TOKEN) as gone:
        base_url = gone.base_url
    result = run_wheelbot(tmp_path, bot_env(base_url, tmp_path / "wheel.sqlite"), "run")
    assert result.returncode == 1  # the network may come back: a supervisor may retry
    host = base_url.split("/")[2]
    assert_one_clean_line(result, "Cannot reach the Bot API at", host)


def newer_schema(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")


def not_sqlite(path: Path) -> None:
    path.write_text("agreements;2026\nAnna;yes\n" * 50, encoding="utf-8")


def damaged(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.execute("CREATE INDEX t_x ON t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(f"{i:0>300}",) for i in range(500)])
        root, size = conn.execute(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master"
            " WHERE name = 't_x'"
        ).fetchone()
    data = bytearray(path.read_bytes())
    data[(root - 1) * size : (root - 1) * size + 12] = b"\x0d" + b"\xff" * 11
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("spoil", "fragment"),
    [
        (newer_schema, "newer than this version of wheelbot knows"),
        (not_sqlite, "is not a wheelbot database"),
        (damaged, "is damaged"),
    ],
)
def test_a_database_that_cannot_be_used_is_refused_before_telegram_and_left_as_it_was(
    tmp_path: Path, server: BotApiServer, spoil, fragment: str
) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "wheel.sqlite"
    spoil(db)
    before = db.read_bytes()
    result = start(tmp_path, server)
    assert result.returncode == 2
    assert_one_clean_line(result, fragment)
    assert server.methods == []  # Telegram was never contacted
    assert db.read_bytes() == before
    assert not (tmp_path / "wheel.sqlite-wal").exists()


def test_a_missing_database_folder_is_named(tmp_path: Path, server: BotApiServer) -> None:
    result = start(tmp_path, server, WHEELBOT_DB=str(tmp_path / "nowhere" / "wheel.sqlite"))
    assert result.returncode == 2
    assert_one_clean_line(result, f"the folder {tmp_path / 'nowhere'} does not exist")
    assert server.methods == []


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("WHEELBOT_WEBHOOK_PORT", "eighty"),
        ("WHEELBOT_TIMEZONE", "Amsterdam"),
        ("WHEELBOT_WEBHOOK_URL", "http://bot.example.org/telegram"),
        ("WHEELBOT_WEBHOOK_URL", "https://bot.example.org:8080/telegram"),
        ("WHEELBOT_WEBHOOK_LISTEN", "everywhere"),
        ("WHEELBOT_WEBHOOK_SECRET", "not allowed!"),
    ],
)
def test_a_wrong_setting_names_the_setting(
    tmp_path: Path, server: BotApiServer, setting: str, value: str
) -> None:
    result = start(tmp_path, server, **{setting: value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr
    assert setting in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert server.methods == []
    assert not (tmp_path / "wheel.sqlite").exists()


def test_a_second_bot_on_the_same_database_is_refused(
    tmp_path: Path, server: BotApiServer
) -> None:
    first = start_wheelbot(tmp_path, bot_env(server.base_url, tmp_path / "wheel.sqlite"))
    try:
        assert server.wait_until(lambda: server.polls() > 0 or first.poll() is not None)
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        second = start(tmp_path, server)
        assert second.returncode == 2
        assert_one_clean_line(second, f"process {first.pid}", "already running")
    finally:
        first.terminate()
        first.communicate(timeout=30)
    assert first.returncode == 0


@pytest.mark.parametrize("poll_seconds", [3, pytest.param(10, marks=pytest.mark.slow)])
def test_a_second_process_on_the_same_token_says_so_and_stops(
    tmp_path: Path, poll_seconds: float
) -> None:
    """Another database, the same token, nobody writing: Telegram answers the second one's probe
    'Conflict' when the first one polls again (the fake holds a long poll 3 s, Telegram as long
    as asked: 10 s)."""
    with BotApiServer(TOKEN, poll_seconds=poll_seconds) as server:
        second_process_on_the_same_token(tmp_path, server)


def second_process_on_the_same_token(tmp_path: Path, server: BotApiServer) -> None:
    first = start_wheelbot(tmp_path, bot_env(server.base_url, tmp_path / "wheel.sqlite"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    try:
        # The first one has been answered at least once: it was there first.
        assert server.wait_until(lambda: server.polls() > 1 or first.poll() is not None)
        second = run_wheelbot(
            elsewhere, bot_env(server.base_url, elsewhere / "wheel.sqlite"), "run"
        )
        assert second.returncode == 2
        assert_one_clean_line(
            second, "Another process", "this bot token", "Telegram answered 'Conflict'",
            "Stop the other one",
        )  # fmt: skip
        assert second.stderr.count("Another process") == 1
        with sqlite3.connect(elsewhere / "wheel.sqlite") as conn:
            assert conn.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0
        # The first one goes on receiving updates.
        assert first.poll() is None
        user = {"id": 7, "is_bot": False, "first_name": "Anna", "language_code": "en"}
        entity = {"type": "bot_command", "offset": 0, "length": 5}
        server.push(server.group_message(-1007, user, text="/help", entities=[entity]))
        assert server.wait_until(lambda: len(server.api.sent_to(-1007)) == 1)
    finally:
        first.terminate()
        _out, err = first.communicate(timeout=30)
    assert first.returncode == 0
    assert "Traceback" not in err, err
    assert "Another process asked for this bot token's updates" in err


def test_library_output_never_shows_the_token(tmp_path: Path) -> None:
    # An exception nobody caught, printed by Python itself, with the token in its text.
    script = (
        "from bot.ops.logs import protect_output\n"
        f"protect_output({TOKEN!r})\n"
        "import warnings; warnings.warn('calling https://api.telegram.org/bot' + "
        f"{TOKEN!r} + '/getMe')\n"
        "print('token is', " + repr(TOKEN) + ")\n"
        f"raise RuntimeError('https://api.telegram.org/bot' + {TOKEN!r} + '/getUpdates')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" in result.stderr  # the traceback itself still shows, masked
    assert "RuntimeError: https://api.telegram.org/bot<token>/getUpdates" in result.stderr
    assert "bot<token>/getMe" in result.stderr
    assert result.stdout == "token is <token>\n"
    assert TOKEN not in result.stdout + result.stderr


async def test_a_broken_installation_stops_before_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.ops.startup.locales_dir", lambda: tmp_path / "locales")
    config: Config = make_config(tmp_path / "wheel.sqlite")
    with pytest.raises(StartupError, match="The installation is broken: No catalog for 'en'"):
        await open_services(config)
    assert not (tmp_path / "wheel.sqlite").exists()
