"""Start-up in the order that makes failures cheap: settings, the wheel, the catalogs and the
database first, the Bot API last. Every failure becomes a StartupError of one or two plain lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from pathlib import Path
from typing import IO

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Config
from bot.db import DatabaseError, SchemaError, Store
from bot.domain.wheel import WheelError, load_wheel
from bot.i18n import CatalogError, load_translators
from bot.io import conflict
from bot.io.outbox import Outbox
from bot.ops.resources import locales_dir, wheel_file
from bot.render.files import FileMaker
from bot.services import App, Services

#: Exit status for a failure someone has to fix (a setting, the installation, the database, the
#: token); a supervisor should not restart the bot for it. Other failures exit with 1.
MUST_FIX = 2


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do, without a traceback."""

    def __init__(self, message: str, status: int = MUST_FIX) -> None:
        super().__init__(message)
        self.status = status


async def open_services(config: Config, *, verify: bool = False) -> Services:
    """Load the wheel and the catalogs and open the database, contacting nobody."""
    try:
        wheel = load_wheel(wheel_file())
        translators = load_translators(locales_dir())
    except (WheelError, CatalogError) as exc:
        raise StartupError(f"The installation is broken: {exc}") from exc
    except OSError as exc:
        raise StartupError(f"The installation is broken: cannot read {exc.filename}") from exc
    try:
        store = await Store.open(config.db_path, verify=verify)
    except (DatabaseError, SchemaError) as exc:
        raise StartupError(str(exc)) from exc
    files = FileMaker(store, wheel, translators)
    return Services(
        store,
        translators,
        wheel,
        config.timezone,
        Outbox(store, files),
        files,
        retention=dt.timedelta(days=config.retention_days),
    )


async def connect(app: App, config: Config) -> None:
    """Ask the Bot API who we are (``getMe``); say in plain words why that fails."""
    try:
        await app.initialize()
    except InvalidToken as exc:
        raise StartupError(
            "Telegram refused the token: check TELEGRAM_BOT_TOKEN, see BotFather "
            "(/mybots shows the token of each of your bots)."
        ) from exc
    except NetworkError as exc:
        # Not MUST_FIX: the network may come back, so a supervisor may try again.
        raise StartupError(
            f"Cannot reach the Bot API at {config.api_host}: {exc.message}. "
            "Check the network connection (or TELEGRAM_BASE_URL).",
            status=1,
        ) from exc
    except TelegramError as exc:
        raise StartupError(
            f"The Bot API at {config.api_host} answered unexpectedly: {exc.message}", status=1
        ) from exc


async def only_one(app: App, config: Config) -> None:
    """Before anything is taken or sent: stop if another process receives this token's updates
    (``bot.io.conflict``), whatever database it uses."""
    try:
        rival = await conflict.probe(app.bot)
    except NetworkError as exc:
        raise StartupError(
            f"Cannot reach the Bot API at {config.api_host}: {exc.message}. "
            "Check the network connection (or TELEGRAM_BASE_URL).",
            status=1,
        ) from exc
    except TelegramError as exc:
        raise StartupError(
            f"The Bot API at {config.api_host} answered unexpectedly: {exc.message}", status=1
        ) from exc
    if rival is not None:
        raise StartupError(rival)


class Heartbeat:
    """``<database>.heartbeat``: locked while a bot runs on that database, touched while it works.

    The lock keeps a second process off the same database (two writers would interleave their
    conversations); the file's age tells ``wheelbot health`` that the bot is still working.
    """

    INTERVAL = dt.timedelta(seconds=30)
    STALE_AFTER = dt.timedelta(minutes=2)

    def __init__(self, db_path: Path) -> None:
        self.path = heartbeat_path(db_path)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock and write our process id; raise StartupError if another bot has it."""
        database, folder = self.path.with_suffix(""), self.path.resolve().parent
        try:
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            if not folder.is_dir():
                reason = f"the folder {folder} does not exist"
            else:
                reason = f"cannot write {self.path.name} there ({exc.strerror}); check that this user may write to {folder}"
            raise StartupError(f"Cannot open the database {database}: {reason}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise StartupError(
                f"Another wheelbot (process {holder}) is already running with the database "
                f"{database}; stop it first, or set WHEELBOT_DB to another file."
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def beat(self) -> None:
        """Mark the bot as working now."""
        os.utime(self.path)

    def release(self) -> None:
        """Let go of the lock (the file stays, with its last beat)."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def heartbeat_path(db_path: Path) -> Path:
    """Where the heartbeat of a bot on ``db_path`` lives."""
    return db_path.with_name(db_path.name + ".heartbeat")
