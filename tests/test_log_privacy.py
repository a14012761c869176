"""Logs are not a copy of the conversation: at INFO no names or text people typed appear."""

from __future__ import annotations

import logging

import pytest
from telegram import Update

from tests.conftest import BEN
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ORG_A, ORG_B, card, ready


async def test_info_logs_hold_no_user_text(group: Group, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        await ready(group)
        await group.reply(BEN, "Confidential answer 7781", to=card(group))
        await group.reply(DAVID, "Secret plan 4412", to=card(group))
        await group.send(BEN, "/agree Private promise 9930")
        await group.press(DAVID, "Confirm")
        await group.send(DAVID, "/issue Sensitive worry 5521")
        await group.send(BEN, "/remind blauwe banaan 3317")
        await group.send(BEN, "/nonsense 6614")
        # Telegram delivers an answer twice: the bot logs that it skipped it, by ids only.
        twice = Update.de_json(group.updates[-4] | {"update_id": 990}, group.app.bot)
        await group.app.process_update(twice)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Skipping an update delivered twice" in logged
    for typed in ("7781", "4412", "9930", "5521", "3317", "6614", ORG_A, ORG_B, "Ben", "David"):
        assert typed not in logged, typed
