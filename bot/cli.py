"""The ``wheelbot`` command: ``wheelbot run`` starts the bot, ``wheelbot --version`` says which."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot import __version__
from bot.config import Config, ConfigError
from bot.logs import setup_logging

log = logging.getLogger("bot")


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="wheelbot", description="Impact through Collaboration wheel bot"
    )
    p.add_argument("--version", action="version", version=f"wheelbot {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run", help="run the bot (long polling; webhook when WHEELBOT_WEBHOOK_URL is set)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console command."""
    args = parser().parse_args(argv)
    if args.command == "run":
        return run()
    return 2


def run() -> int:
    """Run the bot until interrupted."""
    try:
        config = Config.from_env(os.environ)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    setup_logging(config.token)
    # Imported late: a missing token is reported before PTB is loaded.
    from telegram import Update

    from bot.app import build_app
    from bot.db import SchemaError
    from bot.i18n import CatalogError
    from bot.wheel import WheelError

    app = build_app(config)
    log.info("Starting wheelbot %s with database %s", __version__, config.db_path.resolve())
    try:
        if config.webhook_url:
            app.run_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                webhook_url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except (SchemaError, CatalogError, WheelError) as exc:
        # A broken installation or database: say what is wrong without a traceback.
        log.error("Cannot start: %s", exc)
        return 2
    return 0
