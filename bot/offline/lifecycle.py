"""Start and stop an Application the way ``run_polling`` does, for the demo, tests and bench/.

PTB runs its hooks in a fixed order: ``initialize``, ``post_init``, ``start`` … then ``stop``,
``post_stop``, ``shutdown`` (which closes the bot's HTTP client), ``post_shutdown``. The bot
drains its outbox in ``post_stop``, while the client still works; code that drives the
application by hand must keep that order, or it tests a stop that never happens in production.
"""

from __future__ import annotations

from telegram.ext import Application


async def open_app(app: Application, *, start: bool = False) -> None:  # type: ignore[type-arg]
    """``initialize`` and ``post_init``; with ``start``, also ``start`` (jobs and processing)."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    if start:
        await app.start()


async def close_app(app: Application) -> None:  # type: ignore[type-arg]
    """``stop`` (if started), ``post_stop``, ``shutdown``, ``post_shutdown``: PTB's order."""
    if app.running:
        await app.stop()
    if app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
