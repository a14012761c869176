"""The ``wheelbot`` command: ``run`` the bot; ``check``, ``backup`` and ``health`` beside it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.config import (
    Config,
    ConfigError,
    database_path,
    read_environment,
    report,
    settings_help,
)
from bot.ops.logs import protect_output, setup_logging
from bot.ops.systemd import Notifier

if TYPE_CHECKING:  # PTB is imported late (see run), so only for the type checker here
    from bot.services import App

log = logging.getLogger("bot")


def parser() -> argparse.ArgumentParser:
    """The command-line interface; ``--help`` lists the settings."""
    settings = settings_help()
    p = argparse.ArgumentParser(
        prog="wheelbot",
        description="Impact through Collaboration wheel bot. Settings come from the environment "
        "or a .env file (listed below).",
        epilog=settings,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"wheelbot {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        help="run the bot (long polling; webhook when WHEELBOT_WEBHOOK_URL is set)",
        description="Run the bot until it is stopped (SIGTERM, Ctrl-C). Exit status 2: a "
        "setting, the token, the installation or the database needs fixing; 1: the Bot API "
        "cannot be reached.",
        epilog=settings,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_parser("check", help="check the database (WHEELBOT_DB) and print a health summary")
    backup = sub.add_parser(
        "backup",
        help="write a consistent copy of the database",
        description="Write a consistent copy of the database (WHEELBOT_DB) while the bot runs. "
        "Into a folder, the copy is named wheelbot-YYYYMMDD-HHMMSS.sqlite (UTC), so two "
        "backups never take the same name. Never overwrites a file.",
    )
    backup.add_argument(
        "path",
        help="a folder to put a timestamped copy in (one ending in / is made if missing), "
        "or the new file's name",
    )
    backup.add_argument(
        "--keep",
        type=_at_least_one,
        metavar="N",
        help="PATH is a folder (made if missing); after the copy, delete all but the newest N "
        "timestamped backups in it (no other file)",
    )
    sub.add_parser(
        "health",
        help="exit 0 when the bot runs and its heartbeat is recent (for HEALTHCHECK)",
    )
    demo = sub.add_parser(
        "demo",
        help="play a whole session of two partners offline (no token, no network) and print it",
    )
    demo.add_argument("--lang", choices=("nl", "en"), default="nl", help="the session's language")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("wheelbot-demo"),
        help="the folder for the wheel picture and the export (default: ./wheelbot-demo)",
    )
    return p


def _at_least_one(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of backups (1 or more)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console command."""
    args = parser().parse_args(argv)
    if args.command == "demo":  # needs no settings at all
        from bot.offline import demo

        return demo.main(args.lang, args.out, sys.stdout)
    environ, problems = read_environment(os.environ)
    if args.command == "run":
        return run(environ, problems)
    if problems:
        print(report(problems), file=sys.stderr)
        return 2
    db_path = database_path(environ)
    if args.command == "health":
        # Not bot.ops.operations: health runs every minute and imports nothing of the bot.
        from bot.ops.heartbeat import health

        return health(db_path)
    from bot.ops import operations

    if args.command == "check":
        return operations.check(db_path)
    if args.command == "backup":
        # "backups/" is a folder even before it exists (a Path would drop the slash).
        into = args.path.endswith(("/", os.sep))
        return operations.backup(db_path, Path(args.path), keep=args.keep, into=into)
    return 2


#: What webhook mode needs beyond the bot's own dependencies: PTB's ``webhooks`` extra.
WEBHOOK_MODULE = "tornado"
NO_WEBHOOKS = (
    "WHEELBOT_WEBHOOK_URL is set, but webhook mode needs the webhooks extra: install the bot "
    "with pip install '.[webhooks]' in its clone, or use the Docker image (or unset "
    "WHEELBOT_WEBHOOK_URL for long polling)"
)


def run(environ: Mapping[str, str], problems: Sequence[str] = ()) -> int:
    """Run the bot until interrupted; a start-up failure is one or two lines, never a traceback.

    ``problems``: what is wrong in the settings file, reported with the settings' own.
    """
    # Before anything can fail: whatever reaches stdout or stderr from here has the token masked.
    protect_output(environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None)
    found = list(problems)
    try:
        config = Config.from_env(environ)
    except ConfigError as exc:
        found += exc.problems
    # Checked here, not when PTB opens the webhook: a traceback then, and a supervisor that
    # restarts the bot for ever, where the fix is to install something.
    if environ.get("WHEELBOT_WEBHOOK_URL", "").strip() and not importlib.util.find_spec(
        WEBHOOK_MODULE
    ):
        found.append(NO_WEBHOOKS)
    if found:
        print(report(found), file=sys.stderr)
        return 2
    protect_output(config.token, config.webhook_secret)
    setup_logging(config.token, config.webhook_secret, json_lines=config.log_format == "json")
    # Imported late: a missing token is reported before PTB is loaded.
    from bot.ops.startup import StartupError

    try:
        return _serve(config, Notifier.from_env(environ))
    except StartupError as exc:
        print(f"wheelbot: {exc}", file=sys.stderr)
        return exc.status


def _serve(config: Config, systemd: Notifier) -> int:
    from telegram import Update
    from telegram.error import TelegramError

    from bot.app import build_app
    from bot.io import conflict
    from bot.jobs import housekeeping
    from bot.ops.heartbeat import Heartbeat
    from bot.ops.startup import StartupError, connect, only_one, open_services
    from bot.services import KEY

    heartbeat = Heartbeat(config.db_path)
    heartbeat.acquire()
    # run_polling and run_webhook use the current event loop: open everything on it first.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = build_app(config)
    try:
        app.bot_data[KEY] = loop.run_until_complete(open_services(config, verify=True))
        log.info("Starting wheelbot %s with database %s", __version__, config.db_path.resolve())
        loop.run_until_complete(connect(app, config))
        if not _unless_stopped(loop, only_one(app, config)):
            # Stopped (docker stop, Ctrl-C) while it watched: nothing was taken yet.
            loop.run_until_complete(_close(app))
            loop.close()
            log.info("Stopped before receiving any update")
            return 0
        receiving = "webhook" if config.webhook_url else "long polling"
        housekeeping.schedule(app, heartbeat, systemd, f"Receiving updates by {receiving}")
        # Our handlers instead of PTB's (stop_signals=None below): the stop's deadline counts
        # from the signal, and turns that would wait for a delivery stop waiting.
        for number in STOP_SIGNALS:
            loop.add_signal_handler(number, _stop, app, systemd)
        if config.webhook_url:
            try:
                app.run_webhook(
                    listen=config.webhook_listen,
                    port=config.webhook_port,
                    url_path=config.webhook_path,
                    webhook_url=config.webhook_url,
                    secret_token=config.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                    stop_signals=None,
                )
            except OSError as exc:
                raise StartupError(
                    f"Cannot listen on {config.webhook_listen}:{config.webhook_port} for the "
                    f"webhook: {exc.strerror or exc} (WHEELBOT_WEBHOOK_LISTEN, WHEELBOT_WEBHOOK_PORT)"
                ) from exc
            except TelegramError as exc:
                raise StartupError(
                    f"Telegram refused the webhook {config.webhook_url}: {exc.message}"
                ) from exc
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=None)
            watch = app.bot_data.get(conflict.KEY)
            if isinstance(watch, conflict.PollingWatch) and watch.stopped_because:
                raise StartupError(watch.stopped_because)
    except BaseException:
        # run_polling shuts the application down itself; anything before it has to be undone here.
        if not loop.is_closed():
            loop.run_until_complete(_close(app))
            loop.close()
        raise
    finally:
        heartbeat.release()
    return 0


#: The signals that stop the bot cleanly: Ctrl-C, systemd and ``docker stop``, ``abort``.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


def _stop(app: App, systemd: Notifier) -> None:
    """A stop signal: note when the stop began, then stop as PTB would.

    While ``post_init`` runs (the start-up), PTB is asked to stop once it returns, and
    ``post_init`` cuts itself short: raising there would leave it running half-way through
    PTB's shutdown. Otherwise ``SystemExit`` ends PTB's loop, and it stops in its order
    (``docs/architecture.md``, "Stopping").
    """
    from bot.app import STARTING
    from bot.services import KEY, services

    systemd.stopping()
    if KEY in app.bot_data:
        outbox = services(app).outbox
        if outbox.stopping:
            # A second signal: the stop under way ends by its deadline anyway, and cutting it
            # here would skip closing the database.
            log.info("Already stopping; done within WHEELBOT_STOP_SECONDS and about a second")
            return
        outbox.begin_stop()
    if app.bot_data.get(STARTING):
        log.info("Stopping once the start-up is done")
        app.stop_running()
        return
    raise SystemExit(0)


def _unless_stopped(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, None]) -> bool:
    """Run ``work`` to its end; False when SIGINT or SIGTERM came first and cut it short.

    PTB handles both signals once it runs; before that, they would end the process outright.
    """
    task = loop.create_task(work)
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, task.cancel)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        return False
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
    return True


async def _close(app: App) -> None:
    with contextlib.suppress(Exception):
        await app.shutdown()
    if app.post_shutdown is not None:  # build_app sets it: deliveries under way, the database
        await app.post_shutdown(app)
