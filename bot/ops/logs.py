"""Output that never shows the bot token: a redacting log filter, quiet HTTP loggers, and
stdout and stderr wrapped so that nothing else (a traceback, a library's print) shows it either.

Log lines carry their time with its zone (ISO 8601), as text or, with ``WHEELBOT_LOG_FORMAT=json``,
as one JSON object a line. A webhook request's body is never logged, only its size.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import sys
from collections.abc import Callable
from typing import TextIO

# Bot tokens look like 123456789:AAE... (rules-bot uses the same pattern).
TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
MASK = "<token>"


def redactor(*secrets: str | None) -> Callable[[str], str]:
    """A function that masks the given secrets and anything that looks like a bot token."""
    known = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in known:
            text = text.replace(secret, MASK)
        return TOKEN_PATTERN.sub(MASK, text)

    return redact


class RedactTokens(logging.Filter):
    """Replace anything that looks like a bot token (and the configured token) in log records."""

    def __init__(self, token: str | None = None, *secrets: str | None) -> None:
        super().__init__()
        self.token = token
        self.redact = redactor(token, *secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            malformed = False
        except Exception:
            # Arguments that do not fit the format: a filter that raised here would make the
            # logging call itself raise, in the middle of handling an update.
            message = f"{record.msg!s} (arguments: {record.args!r})"
            malformed = True
        clean = self.redact(message)
        if clean != message or malformed:
            record.msg = clean
            record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: PTB's messages about network and polling failures, which it logs with a full traceback.
_PTB_NETWORK = ("Network Retry Loop", "Exception happened while polling for updates")


class ShortNetworkErrors(logging.Filter):
    """PTB logs every network or polling failure with a full traceback; the exception's type and
    message say all an operator can act on, on the same line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.name.startswith("telegram")
            and record.exc_info
            and record.exc_info[1] is not None
            and any(marker in record.getMessage() for marker in _PTB_NETWORK)
        ):
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


#: The logger of PTB's webhook server, which logs what Telegram posted.
_WEBHOOK = "telegram.ext._utils.webhookhandler"


class WebhookBodies(logging.Filter):
    """PTB's webhook server logs a body it cannot make an update of in full (CRITICAL, with a
    traceback), and every body at DEBUG: people's names and words. Only the size is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != _WEBHOOK:
            return True
        text = str(record.msg)
        if text.startswith("Something went wrong processing the data"):
            # logging keeps a lone mapping argument as the args themselves.
            data = record.args[0] if isinstance(record.args, tuple) else record.args
            size = len(json.dumps(data, default=str))
            error = record.exc_info[1] if record.exc_info else None
            record.msg = "Refused a webhook request whose body is no update (%d bytes%s)"
            record.args = (size, f"; {type(error).__name__}" if error is not None else "")
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        elif text.startswith("Webhook received data"):
            body = record.args[0] if isinstance(record.args, tuple) else ""
            record.msg, record.args = "Webhook received %d bytes", (len(str(body).encode()),)
        elif text.startswith("Request had the wrong secret token"):
            record.msg, record.args = "Refused a webhook request with the wrong secret token", None
        return True


class ZonedFormatter(logging.Formatter):
    """Text lines whose time says its zone: ``2026-12-05T09:30:00.123+01:00 INFO bot: ...``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return zoned_time(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (with its zone), ``level``, ``logger``, ``message``, and
    ``error`` (the exception and its traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": zoned_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        error = record.exc_text or (
            self.formatException(record.exc_info) if record.exc_info else ""
        )
        if error:
            line["error"] = error
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


def zoned_time(record: logging.LogRecord) -> str:
    """When a record was made, in local time with its offset, to the millisecond."""
    moment = dt.datetime.fromtimestamp(record.created).astimezone()
    return moment.isoformat(timespec="milliseconds")


class RedactingStream(io.TextIOBase):
    """A text stream that masks secrets in everything written through it.

    Tracebacks, warnings and libraries' prints reach stderr line by line, so a token is always
    whole within one write.
    """

    def __init__(self, stream: TextIO, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.stream = stream
        self._redact = redact

    def write(self, text: str) -> int:
        self.stream.write(self._redact(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def writable(self) -> bool:
        return True

    # typeshed declares a writable attribute; at run time TextIOBase.encoding is read-only (None).
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding


def protect_output(*secrets: str | None) -> None:
    """Mask the secrets in everything this process writes to stdout and stderr."""
    redact = redactor(*secrets)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, RedactingStream):
            stream = stream.stream
        setattr(sys, name, RedactingStream(stream, redact))


def setup_logging(
    token: str | None,
    *secrets: str | None,
    level: int = logging.INFO,
    json_lines: bool = False,
) -> None:
    """Log to stderr with tokens masked (as text lines, or JSON objects with ``json_lines``);
    keep httpx and httpcore (which log URLs) at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else ZonedFormatter())
    # Shorten first, so the redaction also sees the exception's text on the line.
    handler.addFilter(ShortNetworkErrors())
    handler.addFilter(WebhookBodies())
    handler.addFilter(RedactTokens(token, *secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
