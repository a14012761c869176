"""Logging set-up that never shows the bot token: quiet HTTP loggers and a redacting filter."""

from __future__ import annotations

import logging
import re

# Bot tokens look like 123456789:AAE... (rules-bot uses the same pattern).
TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
MASK = "<token>"


class RedactTokens(logging.Filter):
    """Replace anything that looks like a bot token (and the configured token) in log records."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token

    def redact(self, text: str) -> str:
        """Return ``text`` with tokens masked."""
        if self.token:
            text = text.replace(self.token, MASK)
        return TOKEN_PATTERN.sub(MASK, text)

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


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    """Log to stderr with tokens masked; keep httpx and httpcore (which log URLs) at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
