"""Logging never shows a bot token: the RedactTokens filter, setup_logging, and a real run."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import NetworkError, TimedOut

from bot.io.requests import Reachability
from bot.offline.fake_api import FakeBotApi
from bot.ops.logs import MASK, RedactTokens, setup_logging
from tests.conftest import ANNA, TOKEN, running

# Shaped like a bot token, but not the configured one.
OTHER = "987654321:ZZxYwVuTsRqPoNmLkJiHgFeDcBa_0123456"
URL = f"https://api.telegram.org/bot{TOKEN}/getMe"


class Lines(logging.Handler):
    """Keeps each formatted record (message, exception and stack)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def out() -> Iterator[Lines]:
    handler = Lines()
    handler.addFilter(RedactTokens(TOKEN))
    logger = logging.getLogger("tests.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield handler
    logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


log = logging.getLogger("tests.redact")


def test_token_in_message_is_masked(out: Lines) -> None:
    log.info(f"calling {URL}")
    assert out.lines == [f"INFO calling https://api.telegram.org/bot{MASK}/getMe"]


def test_token_in_args_is_masked(out: Lines) -> None:
    log.warning("request to %s failed after %d tries", URL, 3)
    assert TOKEN not in out.text
    assert out.lines == [
        f"WARNING request to https://api.telegram.org/bot{MASK}/getMe failed after 3 tries"
    ]
    assert out.records[0].getMessage() == out.lines[0].removeprefix("WARNING ")


def test_any_token_shaped_string_is_masked(out: Lines) -> None:
    log.info("other bot %s and %r", OTHER, {"token": OTHER})
    assert OTHER not in out.text
    assert out.text.count(MASK) == 2


def test_configured_token_of_any_shape_is_masked() -> None:
    odd = "not-shaped-like-a-token"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token is %s", (odd,), None)
    assert RedactTokens(odd).filter(record) is True
    assert record.getMessage() == f"token is {MASK}"


def test_without_a_token_nothing_is_changed(out: Lines) -> None:
    log.info("%s partners answered %d of %d topics", "Both", 3, 21)
    record = out.records[0]
    assert record.msg == "%s partners answered %d of %d topics"
    assert record.args == ("Both", 3, 21)
    assert out.lines == ["INFO Both partners answered 3 of 21 topics"]


def test_token_in_exception_text_is_masked(out: Lines) -> None:
    try:
        try:
            raise ConnectionError(f"cannot reach {URL}")
        except ConnectionError as inner:
            raise RuntimeError(f"gave up on {OTHER}") from inner
    except RuntimeError:
        log.exception("polling failed")
    assert TOKEN not in out.text
    assert OTHER not in out.text
    assert f"ConnectionError: cannot reach https://api.telegram.org/bot{MASK}/getMe" in out.text
    assert f"RuntimeError: gave up on {MASK}" in out.text
    assert "Traceback (most recent call last)" in out.text


def test_exception_passed_as_exc_info_is_masked(out: Lines) -> None:
    error = ValueError(f"bad token {TOKEN}")
    log.error("handler failed", exc_info=error)
    assert TOKEN not in out.text
    assert f"ValueError: bad token {MASK}" in out.text


def test_token_in_stack_info_is_masked() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "here", None, None)
    record.stack_info = f'Stack (most recent call last):\n  url = "{URL}"'
    RedactTokens(TOKEN).filter(record)
    assert record.stack_info is not None
    assert TOKEN not in record.stack_info
    assert MASK in record.stack_info


def test_malformed_logging_call_does_not_raise(out: Lines) -> None:
    log.info("%d topics for %s", "many", TOKEN, "extra")  # wrong arguments for the format
    assert len(out.lines) == 1
    assert TOKEN not in out.text
    assert "%d topics for %s" in out.text
    assert MASK in out.text


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup_logging replaces the root handlers (pytest's too); put everything back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.usefixtures("restore_logging")
def test_setup_logging(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(TOKEN, level=logging.DEBUG)
    root = logging.getLogger()
    assert root.level == logging.DEBUG
    assert len(root.handlers) == 1
    filters = [f for f in root.handlers[0].filters if isinstance(f, RedactTokens)]
    assert [f.token for f in filters] == [TOKEN]
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    assert logging.getLogger("apscheduler").level == logging.WARNING

    logging.getLogger("httpx").info("HTTP Request: POST %s", URL)
    logging.getLogger("bot.test").warning("Bot API at %s is slow", URL)
    assert root.handlers[0].stream is sys.stderr
    err = capsys.readouterr().err
    assert "HTTP Request" not in err  # below WARNING
    assert f"WARNING bot.test: Bot API at https://api.telegram.org/bot{MASK}/getMe is slow" in err
    assert TOKEN not in err


async def test_running_application_at_debug_never_logs_the_token(
    db_path: Path, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactTokens(TOKEN))
    async with running(db_path, api) as group:
        await group.send(ANNA, "/start")
        # Realistic slips: the Bot API base URL and PTB's own reprs hold the token.
        logging.getLogger("bot.test").debug("Bot API at %s", group.app.bot.base_url)
        logging.getLogger("bot.test").debug("Running %r", group.app)
    assert group.sent, "the bot answered /start"
    records = caplog.records
    assert any(r.name.startswith("telegram") for r in records)  # PTB really logged at DEBUG
    slips = [r.getMessage() for r in records if r.name == "bot.test"]
    assert len(slips) == 2
    assert all(MASK in message for message in slips)
    for record in records:
        assert TOKEN not in record.getMessage(), record.name
        assert TOKEN not in (record.exc_text or ""), record.name
    assert TOKEN not in caplog.text


@pytest.mark.usefixtures("restore_logging")
def test_ptb_network_retry_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(TOKEN)
    try:
        raise NetworkError(f"httpx.ConnectError: {URL} unreachable")
    except NetworkError:
        logging.getLogger("telegram.ext").exception(
            "%s Failed run number %s of %s. Aborting.", "Network Retry Loop (Polling):", 3, 3
        )
    try:
        raise NetworkError("Bad Gateway")
    except NetworkError as exc:
        logging.getLogger("telegram.ext.Updater").exception(
            "Exception happened while polling for updates.", exc_info=exc
        )
    try:
        raise ValueError("a bug of ours")
    except ValueError:
        logging.getLogger("bot.flows").exception("Error while handling Update 7")
    err = capsys.readouterr().err
    first, *rest = err.splitlines()
    assert first.endswith(
        "ERROR telegram.ext: Network Retry Loop (Polling): Failed run number 3 of 3. Aborting. "
        f"(NetworkError: httpx.ConnectError: https://api.telegram.org/bot{MASK}/getMe unreachable)"
    )
    assert rest[0].endswith(
        "Exception happened while polling for updates. (NetworkError: Bad Gateway)"
    )
    assert "Traceback" in rest[2]  # our own errors keep their traceback
    assert TOKEN not in err


ZONED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ")


@pytest.mark.usefixtures("restore_logging")
def test_lines_say_the_time_with_its_zone(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(TOKEN)
    logging.getLogger("bot.test").info("Started")
    line = capsys.readouterr().err.strip()
    assert ZONED.match(line), line
    assert line.endswith("INFO bot.test: Started")


@pytest.mark.usefixtures("restore_logging")
def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(TOKEN, json_lines=True)
    logging.getLogger("bot.test").warning("Bot API at %s is slow", URL)
    try:
        raise ValueError(f"a bug of ours near {URL}")
    except ValueError:
        logging.getLogger("bot.flows").exception("Error while handling Update 7")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2  # a traceback stays inside its line
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert ZONED.match(first["time"] + " ")
    assert first["level"] == "WARNING"
    assert first["logger"] == "bot.test"
    assert first["message"] == f"Bot API at https://api.telegram.org/bot{MASK}/getMe is slow"
    assert second["message"] == "Error while handling Update 7"
    assert second["error"].startswith("Traceback")
    assert f"ValueError: a bug of ours near https://api.telegram.org/bot{MASK}/" in second["error"]
    assert TOKEN not in "\n".join(lines)


@pytest.mark.usefixtures("restore_logging")
def test_a_webhook_body_is_logged_by_its_size_only(capsys: pytest.CaptureFixture[str]) -> None:
    """PTB's webhook server logs a body it cannot make an update of in full, with a traceback,
    and every body at DEBUG: here only their size is left."""
    setup_logging(TOKEN, level=logging.DEBUG)
    webhook = logging.getLogger("telegram.ext._utils.webhookhandler")
    data = {"update_id": 9, "message": {"text": "Secret plan 4412", "from": {"first_name": "Ben"}}}
    try:
        raise TypeError("Message.__init__() missing 3 required positional arguments")
    except TypeError as exc:
        # PTB's own call (telegram/ext/_utils/webhookhandler.py, TelegramHandler.post).
        webhook.critical(
            "Something went wrong processing the data received from Telegram. "
            "Received data was *not* processed! Received data was: %r",
            data,
            exc_info=exc,
        )
    webhook.debug("Webhook received data: %s", json.dumps(data))
    webhook.debug("Request had the wrong secret token: %s", "guessed-secret")
    err = capsys.readouterr().err
    for secret in ("4412", "Ben", "guessed-secret", "Traceback"):
        assert secret not in err, err
    first, second, third = err.splitlines()
    size = len(json.dumps(data))
    assert first.endswith(
        f"WARNING {webhook.name}: Refused a webhook request whose body is no update "
        f"({size} bytes; TypeError)"
    )
    assert second.endswith(f"Webhook received {size} bytes")
    assert third.endswith("Refused a webhook request with the wrong secret token")


def test_an_unreachable_bot_api_is_one_warning_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    reach = Reachability(clock=lambda: now[0])
    caplog.set_level(logging.DEBUG, logger="bot.io.requests")
    for _ in range(3 * 60 // 5):  # three minutes of failed polls and deliveries, every 5 s
        reach.failed(NetworkError("httpx.ConnectError: All connection attempts failed"))
        now[0] += 5
    assert reach.down
    reach.reached()
    assert not reach.down
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings
    assert warnings[0].startswith("The Bot API cannot be reached (NetworkError: httpx.Connect")
    assert warnings[1].startswith("The Bot API still cannot be reached after 60 s (13 failed")
    assert caplog.records[-1].getMessage() == (
        "The Bot API can be reached again, after 180 s (36 failed requests)"
    )
    assert all(record.exc_info is None for record in caplog.records)


async def test_a_failed_poll_is_no_traceback(
    db_path: Path, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """PTB hands every failed poll to the error handler: it writes nothing (the request's
    Reachability said it once); an error of ours in a turn still has its traceback."""
    async with running(db_path, api) as group:
        with caplog.at_level(logging.DEBUG, logger="bot"):
            await group.app.process_error(None, NetworkError("httpx.ConnectError: no route"))
            await group.app.process_error(None, TimedOut())
            await group.app.process_error(None, ValueError("a bug of ours"))
    logged = [r for r in caplog.records if r.name.startswith("bot")]
    assert [r.getMessage() for r in logged] == ["Error while handling NoneType None"]
    assert "ValueError: a bug of ours" in caplog.text  # with its traceback


async def test_each_update_handled_is_one_line(
    db_path: Path, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """One INFO line per update: its id, kind and chat and how long its turn took."""
    async with running(db_path, api) as group:
        group.through_inbox = True  # through the update processor, as PTB's fetcher does
        with caplog.at_level(logging.INFO, logger="bot.io.processor"):
            await group.send(ANNA, "/help")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.io.processor"]
    assert len(lines) == 1, lines
    assert re.fullmatch(
        rf"Update \d+ \(message, command\) in chat {group.chat_id}: \d+ ms", lines[0]
    )
