"""Fixtures: a real Application on a temporary database, talking to the fake Bot API."""

from __future__ import annotations

import os

# PTB 22 warns when RetryAfter carries an int; with warnings as errors that would mask the
# flood-control path in any test that meets it.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_app
from bot.config import Config
from bot.offline.fake_api import FakeBotApi
from bot.offline.lifecycle import close_app
from tests.support.telegram import Group, User

TOKEN = "123456789:AAEfakeTokenForOfflineTestsOnly_abcdefg"

ANNA = User(1001, "Anna", "nl")
BEN = User(1002, "Ben", "en")
CARLA = User(1003, "Carla", "nl-NL")
DAAN = User(1004, "Daan", "de")


def make_config(db_path: Path) -> Config:
    return Config(token=TOKEN, db_path=db_path, timezone=ZoneInfo("Europe/Amsterdam"))


@asynccontextmanager
async def running(db_path: Path, api: FakeBotApi) -> AsyncIterator[Group]:
    """Run an application (initialize + post_init) until the block ends, then shut it down."""
    app = build_app(make_config(db_path), request=api, rate_limit=False)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield Group(app, api)
    finally:
        await close_app(app)  # PTB's order: stop, post_stop, shutdown, post_shutdown


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "wheel.sqlite"


@pytest.fixture
async def group(db_path: Path, api: FakeBotApi) -> AsyncIterator[Group]:
    """A group chat with the bot running; fails the test if Telegram would have refused a call."""
    async with running(db_path, api) as chat:
        yield chat
    assert api.refusals() == [], api.refusals()
