"""``/status`` and ``/summary`` asked again before anything changed: a 👀 on the command, not a
new message (``bot/flows/repeats.py``); anything that changes the answer, another stage, a
minute later, another forum thread or a restart in between still get their message."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.flows.repeats import SEE_ABOVE
from bot.offline.fake_api import FakeBotApi
from tests.conftest import BEN
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ready
from tests.test_forum import IN_SESSION, OTHER, SESSION
from tests.test_reminders import Clock, running_at, use_clock


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    use_clock(group, found)
    return found


async def asked(group: Group, text: str, **extra: Any) -> tuple[int, list[str | None]]:
    """How many new messages ``text`` got from the bot, and the reactions on the command."""
    before = len(group.sent)
    command = await group.send(DAVID, text, **extra)
    return len(group.sent) - before, group.reacted(command)


async def test_the_same_status_within_a_minute_is_a_reaction(group: Group, clock: Clock) -> None:
    await ready(group)
    card = group.last
    assert await asked(group, "/status") == (1, [])
    status = group.last.text
    assert "Orientation" in status

    clock.now += dt.timedelta(seconds=30)
    assert await asked(group, "/status") == (0, [SEE_ABOVE])
    assert await asked(group, "/status") == (0, [SEE_ABOVE])

    # One organisation's answer does not change what /status says; both organisations' do.
    await group.reply(BEN, "Ten jobs in two years", to=card)
    assert await asked(group, "/status") == (0, [SEE_ABOVE])
    await group.reply(DAVID, "A steady night shift", to=card)
    assert await asked(group, "/status") == (1, [])
    assert group.last.text != status

    # A minute after the answer in view, the same answer is posted again.
    clock.now += dt.timedelta(seconds=59)
    assert await asked(group, "/status") == (0, [SEE_ABOVE])
    clock.now += dt.timedelta(seconds=2)
    assert await asked(group, "/status") == (1, [])


async def test_summary_repeats_per_stage_and_across_a_restart(
    db_path: Path, api: FakeBotApi
) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    async with running_at(db_path, api, clock) as group:
        await ready(group)
        await group.send(BEN, "/language nl")
        assert await asked(group, "/overzicht") == (1, [])
        assert await asked(group, "/overzicht") == (0, [SEE_ABOVE])
        # Another stage is another answer; the whole summary after it is posted again too.
        assert await asked(group, "/overzicht integratie") == (1, [])
        assert await asked(group, "/overzicht") == (1, [])
        # /status is its own command: its first answer is posted.
        assert await asked(group, "/status") == (1, [])
    clock.now += dt.timedelta(seconds=20)
    async with running_at(db_path, api, clock) as group:
        assert await asked(group, "/overzicht") == (0, [SEE_ABOVE])


async def test_each_forum_thread_gets_its_own_answer(group: Group) -> None:
    forum = replace(group, chat_id=-1001555000111, kind="supergroup", title="Partners forum")
    forum.api.forums[forum.chat_id] = {SESSION, OTHER}
    await forum.send(BEN, "/start", **IN_SESSION)
    await forum.reply(BEN, "Alpha Works", to=forum.last)
    await forum.reply(DAVID, "Beta Bakery", to=forum.last)
    await forum.press(BEN, "Alpha Works")
    await forum.press(DAVID, "Beta Bakery")
    assert await asked(forum, "/status", **IN_SESSION) == (1, [])
    assert await asked(forum, "/status", **IN_SESSION) == (0, [SEE_ABOVE])
    elsewhere = {"message_thread_id": OTHER, "is_topic_message": True}
    assert await asked(forum, "/status", **elsewhere) == (1, [])
    assert forum.last.thread_id == OTHER
    assert await asked(forum, "/status", **elsewhere) == (0, [SEE_ABOVE])
