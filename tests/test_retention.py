"""A group's data is erased a set time after the bot was removed from it, unless it came back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.config import Config, ConfigError
from bot.db.processed import message_key
from bot.jobs import housekeeping
from bot.services import KEY, services
from tests.conftest import BEN, CARLA, TOKEN
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, card, ready

PERSONAL = ("chats", "partners", "members", "answers", "agreements", "open_issues", "reminders")


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in PERSONAL}


async def sweep(group: Group, at: dt.datetime) -> None:
    """The daily housekeeping job, run at ``at``."""
    svc = services(group.app)
    group.app.bot_data[KEY] = dataclasses.replace(svc, clock=lambda: at)
    context = SimpleNamespace(bot_data=group.app.bot_data)
    await housekeeping.prune_now(context)  # type: ignore[arg-type]
    group.app.bot_data[KEY] = svc


async def a_group_with_a_history(group: Group) -> None:
    await ready(group)
    await group.reply(BEN, "Ten jobs", to=card(group))
    await group.reply(DAVID, "A stable team", to=card(group))
    await group.send(BEN, "/agree We meet monthly")
    await group.press(DAVID, "Confirm")
    await group.send(DAVID, "/issue Who pays?")
    await group.send(BEN, "/remind in 3 months integration")


async def test_a_removed_group_is_erased_after_the_retention_time(
    group: Group, db_path: Path
) -> None:
    await a_group_with_a_history(group)
    await group.remove_bot(BEN)
    keys = f"{message_key(group.chat_id, 0)[:-1]}%"  # the keys of the group's messages
    assert keys_like(db_path, keys) > 0
    now = dt.datetime.now(dt.UTC)
    await sweep(group, now + dt.timedelta(days=179))
    assert all(counts(db_path).values())  # still kept
    await sweep(group, now + dt.timedelta(days=181))
    assert counts(db_path) == dict.fromkeys(PERSONAL, 0)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM outbox WHERE chat_id = ?", (group.chat_id,)
        ).fetchone() == (0,)
    assert keys_like(db_path, keys) == 0


def keys_like(db_path: Path, pattern: str) -> int:
    with sqlite3.connect(db_path) as conn:
        found = conn.execute(
            "SELECT count(*) FROM processed_updates WHERE key LIKE ?", (pattern,)
        ).fetchone()
    return int(found[0])


async def test_a_group_that_added_the_bot_again_is_kept(group: Group, db_path: Path) -> None:
    await a_group_with_a_history(group)
    await group.remove_bot(BEN)
    await group.add_bot(BEN)
    await sweep(group, dt.datetime.now(dt.UTC) + dt.timedelta(days=400))
    assert all(counts(db_path).values())


async def test_an_active_group_is_never_erased(group: Group, db_path: Path) -> None:
    await a_group_with_a_history(group)
    await sweep(group, dt.datetime.now(dt.UTC) + dt.timedelta(days=4000))
    assert all(counts(db_path).values())


@pytest.mark.parametrize("value", ["0", "-5", "abc", "²"])
def test_a_retention_that_is_not_a_number_of_days_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="WHEELBOT_RETENTION_DAYS"):
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_RETENTION_DAYS": value})


def test_the_retention_defaults_to_180_days() -> None:
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).retention_days == 180
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_RETENTION_DAYS": "30"}
    assert Config.from_env(env).retention_days == 30


async def test_forgetgroup_erases_everything_after_a_yes(group: Group, db_path: Path) -> None:
    await a_group_with_a_history(group)
    await group.send(DAVID, "/forgetgroup")
    assert "Only the person who set up this group, or an administrator" in group.last.text
    await group.send(BEN, "/forgetgroup")
    question = group.last
    assert question.buttons == ["Yes, erase everything", "No, keep it"]
    press = await group.press(DAVID, "Yes, erase everything", on=question)
    assert "Only the person who set up" in group.answers_to(press)[0]["text"]
    await group.press(BEN, "No, keep it", on=question)
    assert "Nothing was erased." in question.text
    assert all(counts(db_path).values())
    await group.send(BEN, "/forgetgroup")
    question = group.last
    await group.press(BEN, "Yes, erase everything", on=question)
    assert "Everything I kept about this group is erased" in question.text
    assert counts(db_path) == dict.fromkeys(PERSONAL, 0) | {"chats": 1}  # a bare row
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT title, setup_step FROM chats").fetchone() == (None, "none")


async def test_mydata_answers_in_private_only(group: Group, db_path: Path, api) -> None:  # type: ignore[no-untyped-def]
    await a_group_with_a_history(group)
    await group.send(BEN, "/mydata")
    assert "open a private chat with me" in group.last.text
    assert "Ten jobs" not in group.last.text
    private = Group(group.app, api, chat_id=BEN.id, kind="private")
    await private.send(BEN, "/mydata")
    shown = private.last.text
    assert "What I keep about you" in shown
    assert "Pilot partners: Ben, for De Brug" in shown
    assert "Ambition: Ten jobs" in shown
    assert "We meet monthly" in shown
    assert "1 reminder you set." in shown
    assert "A stable team" not in shown  # David's answer is David's
    nobody = Group(group.app, api, chat_id=CARLA.id, kind="private")
    await nobody.send(CARLA, "/mydata")
    assert nobody.last.text == "Over jou bewaar ik niets."  # Carla writes Dutch


async def test_forgetme_erases_the_person_and_keeps_what_they_said(
    group: Group,
    db_path: Path,
    api,  # type: ignore[no-untyped-def]
) -> None:
    await a_group_with_a_history(group)
    with sqlite3.connect(db_path) as conn:  # as the inbox keeps what Telegram delivered
        for number, user in enumerate((BEN, DAVID)):
            payload = {"update_id": 9000 + number, "message": {"from": user.to_dict()}}
            conn.execute(
                "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, 'x')",
                (9000 + number, json.dumps(payload)),
            )
    await group.send(BEN, "/forgetme")
    question = group.last
    assert question.buttons == ["Yes, forget me", "No, keep it"]
    press = await group.press(DAVID, "Yes, forget me", on=question)
    assert "This question is for the person who asked" in group.answers_to(press)[0]["text"]
    await group.press(BEN, "Yes, forget me", on=question)
    assert "your name and ID are erased from 1 group" in question.text
    with sqlite3.connect(db_path) as conn:
        q = conn.execute
        assert q("SELECT count(*) FROM members WHERE user_id = ?", (BEN.id,)).fetchone() == (0,)
        assert q("SELECT count(*) FROM members WHERE name = 'Ben'").fetchone() == (0,)
        assert q("SELECT count(*) FROM answers WHERE user_id = ?", (BEN.id,)).fetchone() == (0,)
        assert q("SELECT text FROM answers ORDER BY id").fetchall() == [
            ("Ten jobs",),
            ("A stable team",),
        ]
        assert q("SELECT text, status FROM agreements").fetchall() == [
            ("We meet monthly", "confirmed")
        ]
        assert q("SELECT proposed_by FROM agreements").fetchone()[0] != BEN.id
        inbox = [row[0] for row in q("SELECT payload FROM inbox")]
    assert not any('"first_name": "Ben"' in payload for payload in inbox)
    assert any('"first_name": "David"' in payload for payload in inbox)
    # The answers view, shown again, says who without naming them.
    await group.reply(DAVID, "A stable team, and more", to=card(group))
    view = next(m for m in reversed(group.sent) if "side by side" in m.text)
    assert "— a representative: Ten jobs" in view.text
    private = Group(group.app, api, chat_id=BEN.id, kind="private")
    await private.send(BEN, "/mydata")
    assert private.last.text == "I keep nothing about you."
