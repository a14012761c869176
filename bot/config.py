"""Settings from the environment, read once into a frozen Config."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DB = "wheelbot.sqlite"
DEFAULT_TIMEZONE = "Europe/Amsterdam"

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set.

To get a token, open Telegram, talk to @BotFather, send /newbot and follow its questions.
It answers with a token like 123456789:AAE...; then start the bot with it:

    export TELEGRAM_BOT_TOKEN='<your token>'
    wheelbot run        (or: make run, in a checkout of the source)
"""


#: What Telegram accepts as a webhook's secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


#: How long a group's data stays after the bot was removed from it, unless it is added again.
DEFAULT_RETENTION_DAYS = 180
#: How long a stop gives the messages still going out (seconds after SIGTERM): well under the
#: 10 s ``docker stop`` waits before it kills (systemd waits 30 s).
DEFAULT_STOP_SECONDS = 5.0
#: The most a stop may be given: beyond it a supervisor has long killed the process.
MOST_STOP_SECONDS = 60.0
#: How log lines are written: ``text`` (one readable line each) or ``json`` (one object each).
LOG_FORMATS = ("text", "json")


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Config:
    token: str
    db_path: Path
    timezone: ZoneInfo
    base_url: str | None = None
    base_file_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    #: Days a group's data is kept after the bot was removed from it.
    retention_days: int = DEFAULT_RETENTION_DAYS
    #: Seconds after SIGTERM for delivering what is still going out (the rest stays owed).
    stop_seconds: float = DEFAULT_STOP_SECONDS
    #: ``text`` or ``json`` log lines.
    log_format: str = "text"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read the configuration; raise ConfigError with a helpful message when it is wrong."""
        token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(NO_TOKEN_HELP)
        zone_name = environ.get("WHEELBOT_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
        try:
            zone = ZoneInfo(zone_name)
        # OSError: with the tzdata package, a folder such as "Europe" fails to open as a file.
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ConfigError(
                f"WHEELBOT_TIMEZONE={zone_name!r} is not an IANA timezone (e.g. Europe/Amsterdam)"
            ) from exc
        port = environ.get("WHEELBOT_WEBHOOK_PORT", "").strip() or "8443"
        # isascii(): "²".isdigit() is true, but int("²") fails.
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise ConfigError(f"WHEELBOT_WEBHOOK_PORT={port!r} is not a port number (1–65535)")
        webhook_url = environ.get("WHEELBOT_WEBHOOK_URL", "").strip() or None
        if webhook_url is not None:
            _check_webhook_url(webhook_url)
        listen = environ.get("WHEELBOT_WEBHOOK_LISTEN", "").strip() or "127.0.0.1"
        try:
            ipaddress.ip_address(listen)
        except ValueError as exc:
            raise ConfigError(
                f"WHEELBOT_WEBHOOK_LISTEN={listen!r} is not an IP address "
                "(127.0.0.1 behind a reverse proxy, 0.0.0.0 in a container)"
            ) from exc
        secret = environ.get("WHEELBOT_WEBHOOK_SECRET", "").strip() or None
        if secret is not None and not _SECRET.match(secret):
            raise ConfigError(
                "WHEELBOT_WEBHOOK_SECRET must be 1–256 characters of A–Z, a–z, 0–9, _ and - "
                "(what Telegram accepts)"
            )
        retention = environ.get("WHEELBOT_RETENTION_DAYS", "").strip() or str(
            DEFAULT_RETENTION_DAYS
        )
        if not (retention.isascii() and retention.isdigit() and int(retention) >= 1):
            raise ConfigError(
                f"WHEELBOT_RETENTION_DAYS={retention!r} is not a number of days (1 or more)"
            )
        stop = environ.get("WHEELBOT_STOP_SECONDS", "").strip() or str(DEFAULT_STOP_SECONDS)
        stop_seconds = _seconds(stop)
        if stop_seconds is None or not 0 <= stop_seconds <= MOST_STOP_SECONDS:
            raise ConfigError(
                f"WHEELBOT_STOP_SECONDS={stop!r} is not a number of seconds from 0 to "
                f"{MOST_STOP_SECONDS:.0f} (how long a stop may take to send what is still "
                "going out; keep it under what docker stop or systemd wait, 10 and 30 s)"
            )
        log_format = environ.get("WHEELBOT_LOG_FORMAT", "").strip().lower() or "text"
        if log_format not in LOG_FORMATS:
            raise ConfigError(
                f"WHEELBOT_LOG_FORMAT={log_format!r} is not a log format: text (the default) "
                "or json (one JSON object a line)"
            )
        if webhook_url is not None and secret is None:
            # Without a secret anyone who finds the URL could post updates; Telegram learns a
            # fresh one from setWebhook at every start, so a random one serves as well.
            secret = secrets.token_urlsafe(32)
        return cls(
            token=token,
            db_path=database_path(environ),
            timezone=zone,
            base_url=environ.get("TELEGRAM_BASE_URL", "").strip() or None,
            base_file_url=environ.get("TELEGRAM_BASE_FILE_URL", "").strip() or None,
            webhook_url=webhook_url,
            webhook_listen=listen,
            webhook_port=int(port),
            webhook_secret=secret,
            retention_days=int(retention),
            stop_seconds=stop_seconds,
            log_format=log_format,
        )

    @property
    def api_host(self) -> str:
        """The host of the Bot API, for messages (never the URL: it may carry the token)."""
        return urlsplit(self.base_url or "https://api.telegram.org").netloc or "api.telegram.org"

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL, which the local server listens on as well.

        A reverse proxy then passes requests on unchanged: ``https://host/telegram`` arrives at
        ``http://127.0.0.1:8443/telegram``.
        """
        return urlsplit(self.webhook_url or "").path.strip("/")

    def __repr__(self) -> str:
        return f"Config(db_path={str(self.db_path)!r}, timezone={self.timezone.key!r}, token=<hidden>)"


def database_path(environ: Mapping[str, str]) -> Path:
    """The database file (``WHEELBOT_DB``); the only setting ``check``, ``backup`` and ``health`` need."""
    return Path(environ.get("WHEELBOT_DB", "").strip() or DEFAULT_DB)


def _seconds(text: str) -> float | None:
    """``text`` as a number of seconds (``5``, ``2.5``), or None when it is none."""
    if not text.isascii() or not text.replace(".", "", 1).isdigit():
        return None  # also rules out "nan", "inf", "-1" and "1e3"
    return float(text)


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # "https://host:abc/": not a port at all
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(
            f"WHEELBOT_WEBHOOK_URL={url!r} must be an https:// URL "
            "(Telegram delivers webhooks only over HTTPS), e.g. https://bot.example.org/telegram"
        )
    if port not in (None, 443, 80, 88, 8443):
        raise ConfigError(
            f"WHEELBOT_WEBHOOK_URL={url!r} has a port Telegram does not deliver to; Telegram delivers only to "
            "ports 443, 80, 88 and 8443"
        )
