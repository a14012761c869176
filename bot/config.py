"""Settings from the environment, read once into a frozen Config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DB = "wheelbot.sqlite"
DEFAULT_TIMEZONE = "Europe/Amsterdam"

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set.

To get a token, open Telegram, talk to @BotFather, send /newbot and follow its questions.
It answers with a token like 123456789:AAE...; then run:

    export TELEGRAM_BOT_TOKEN='<your token>'
    make run
"""


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read the configuration; raise ConfigError with a helpful message when it is wrong."""
        token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(NO_TOKEN_HELP)
        zone_name = environ.get("WHEELBOT_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"WHEELBOT_TIMEZONE={zone_name!r} is not an IANA timezone (e.g. Europe/Amsterdam)"
            ) from exc
        port = environ.get("WHEELBOT_WEBHOOK_PORT", "").strip() or "8443"
        # isascii(): "²".isdigit() is true, but int("²") fails.
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise ConfigError(f"WHEELBOT_WEBHOOK_PORT={port!r} is not a port number (1–65535)")
        return cls(
            token=token,
            db_path=Path(environ.get("WHEELBOT_DB", "").strip() or DEFAULT_DB),
            timezone=zone,
            base_url=environ.get("TELEGRAM_BASE_URL", "").strip() or None,
            base_file_url=environ.get("TELEGRAM_BASE_FILE_URL", "").strip() or None,
            webhook_url=environ.get("WHEELBOT_WEBHOOK_URL", "").strip() or None,
            webhook_listen=environ.get("WHEELBOT_WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=int(port),
            webhook_secret=environ.get("WHEELBOT_WEBHOOK_SECRET", "").strip() or None,
        )

    def __repr__(self) -> str:
        return f"Config(db_path={str(self.db_path)!r}, timezone={self.timezone.key!r}, token=<hidden>)"
