"""Start-up in the order that makes failures cheap: settings, the wheel, the catalogs and the
database first, the Bot API last. Every failure becomes a StartupError of one or two plain lines.
"""

from __future__ import annotations

import datetime as dt

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Config
from bot.db import DatabaseError, SchemaError, Store
from bot.domain.wheel import WheelError, load_wheel
from bot.i18n import CatalogError, load_translators
from bot.io import conflict
from bot.io.outbox import Outbox
from bot.ops.errors import MUST_FIX, StartupError
from bot.ops.resources import locales_dir, wheel_file
from bot.render.files import FileMaker
from bot.services import App, Services

__all__ = ["MUST_FIX", "StartupError", "connect", "only_one", "open_services"]


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
    except TelegramError as exc:
        raise _unreachable(config, exc) from exc


def _unreachable(config: Config, exc: TelegramError) -> StartupError:
    """The Bot API could not be reached (``NetworkError``) or answered unexpectedly."""
    if isinstance(exc, NetworkError):
        # Not MUST_FIX: the network may come back, so a supervisor may try again.
        return StartupError(
            f"Cannot reach the Bot API at {config.api_host}: {exc.message}. "
            "Check the network connection (or TELEGRAM_BASE_URL).",
            status=1,
        )
    return StartupError(
        f"The Bot API at {config.api_host} answered unexpectedly: {exc.message}", status=1
    )


async def only_one(app: App, config: Config) -> None:
    """Before anything is taken or sent: stop if another process receives this token's updates
    (``bot.io.conflict``), whatever database it uses."""
    try:
        rival = await conflict.probe(app.bot)
    except TelegramError as exc:
        raise _unreachable(config, exc) from exc
    if rival is not None:
        raise StartupError(rival)
