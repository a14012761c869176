"""Two groups use the bot at the same time: nothing of one shows up in the other."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from telegram import Update

from tests.conftest import ANNA, BEN, CARLA
from tests.support.telegram import Group, User

DAVID = User(1005, "David", "en")


async def test_two_groups_interleaved_do_not_leak(group: Group) -> None:
    first = group
    second = replace(group, chat_id=-4009999999, title="Other pilot")
    await first.send(BEN, "/start")
    await second.send(ANNA, "/start")
    await first.reply(BEN, "Alpha Works", to=first.last)
    await second.reply(ANNA, "Gamma Zorg", to=second.last)
    await first.reply(DAVID, "Beta Bakery", to=first.last)
    await second.reply(CARLA, "Delta Bouw", to=second.last)
    await first.press(BEN, "Alpha Works")
    await second.press(ANNA, "Gamma Zorg")
    await first.press(
        DAVID, "Beta Bakery", on=next(m for m in first.sent if "Beta Bakery" in m.buttons)
    )
    await second.press(
        CARLA, "Delta Bouw", on=next(m for m in second.sent if "Delta Bouw" in m.buttons)
    )
    await first.press(BEN, "Orientation")
    await second.press(ANNA, "Transformatie")
    await first.reply(BEN, "alpha answer", to=first.last)
    await second.reply(ANNA, "gamma antwoord", to=second.last)
    await first.send(DAVID, "/agree alpha agreement")
    await second.send(CARLA, "/agree gamma afspraak")
    # A member of the other group cannot confirm here, even though they are a partner there.
    query = await first.press(ANNA, "Confirm")
    assert (
        "Only the representatives of Alpha Works and Beta Bakery"
        in first.answers_to(query)[0]["text"]
    )
    # A button of the first group replayed in the second (same data) changes nothing there.
    first_proposal = first.last
    forged = await second.press_data(ANNA, first_proposal.button_data("Confirm"), second.last)
    assert second.answers_to(forged)[0]["show_alert"] is True
    await second.press(ANNA, "Bevestigen")
    await first.press(BEN, "Confirm")

    await first.send(BEN, "/status")
    await second.send(ANNA, "/status")
    assert "Orientation, topic Ambition" in first.last.text
    assert "Transformatie, thema Synergie" in second.last.text
    first_text = " ".join(m.text for m in first.sent)
    second_text = " ".join(m.text for m in second.sent)
    for word in ["Gamma", "Delta", "gamma", "Anna", "Carla"]:
        assert word not in first_text
    for word in ["Alpha", "Beta", "alpha", "Ben", "David"]:
        assert word not in second_text
    assert "Afspraak vastgelegd" in second_text
    assert "Agreement recorded" in first_text


async def test_updates_of_two_groups_run_concurrently_through_the_update_queue(
    group: Group,
) -> None:
    """Through the Updater's path (update queue + per-chat processor), both groups are served."""
    second = replace(group, chat_id=-4009999999, title="Other pilot")
    app = group.app
    await app.start()
    try:
        for chat, user in ((group, BEN), (second, ANNA)):
            payload = {
                "message": chat.message_dict(
                    user, "/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}]
                )
            }
            await app.update_queue.put(
                Update.de_json({"update_id": 10**6 + chat.chat_id % 1000, **payload}, app.bot)
            )
        for _ in range(100):
            if group.sent and second.sent:
                break
            await asyncio.sleep(0.01)
    finally:
        await app.stop()
    assert "What I can do" in group.last.text
    assert "Wat ik kan" in second.last.text


async def alpha_and_beta(group: Group) -> None:
    """Ben (Alpha Works) and David (Beta Bakery) set the group up."""
    await group.send(BEN, "/start")
    await group.reply(BEN, "Alpha Works", to=group.last)
    await group.reply(DAVID, "Beta Bakery", to=group.last)
    await group.press(BEN, "Alpha Works")
    await group.press(
        DAVID, "Beta Bakery", on=next(m for m in group.sent if "Beta Bakery" in m.buttons)
    )


async def test_group_that_becomes_a_supergroup_keeps_everything(group: Group) -> None:
    await alpha_and_beta(group)
    await group.press(BEN, "Orientation")
    await group.reply(BEN, "alpha answer", to=group.last)
    new_id = -1001234567890
    supergroup = replace(group, chat_id=new_id, kind="supergroup")
    # Telegram sends a notice in the old chat and one in the new chat, in any order.
    await supergroup.feed(
        {
            "message": supergroup.message_dict(
                None, migrate_from_chat_id=group.chat_id, sender_chat=supergroup.chat_dict()
            )
        }
    )
    await group.feed(
        {
            "message": group.message_dict(
                None, migrate_to_chat_id=new_id, sender_chat=group.chat_dict()
            )
        }
    )
    await supergroup.send(DAVID, "/status")
    assert "Alpha Works: Ben" in supergroup.last.text
    assert "Orientation, topic Ambition" in supergroup.last.text
    await supergroup.send(DAVID, "/agree We share the alpha answer")
    await supergroup.press(BEN, "Confirm")
    assert "Agreement recorded on Ambition" in supergroup.last.text


async def test_a_send_refused_because_the_group_became_a_supergroup_follows_it(
    group: Group, db_path: Path
) -> None:
    await alpha_and_beta(group)
    new_id = -1009876543210
    # Telegram has moved the group, but the notices have not reached the bot yet.
    group.api.migrated[group.chat_id] = new_id
    await group.send(DAVID, "/status")
    supergroup = replace(group, chat_id=new_id, kind="supergroup")
    assert "Alpha Works: Ben" in supergroup.last.text  # delivered at the new id
    with sqlite3.connect(db_path) as conn:
        ids = [row[0] for row in conn.execute("SELECT chat_id FROM chats")]
        partners = conn.execute("SELECT count(*) FROM partners WHERE chat_id = ?", (new_id,))
        assert ids == [new_id]
        assert partners.fetchone()[0] == 2
    # The one refusal was Telegram's answer to the old id; everything after it went through.
    refusals = group.api.refusals()
    assert [c.params["chat_id"] for c in refusals] == [group.chat_id]
    group.api.calls.clear()
    await supergroup.send(BEN, "/status")
    assert "Beta Bakery: David" in supergroup.last.text
    assert group.api.refusals() == []


async def migrate_notices(group: Group, supergroup: Group) -> None:
    """Telegram's two notices of a group that became a supergroup."""
    await supergroup.feed(
        {
            "message": supergroup.message_dict(
                None, migrate_from_chat_id=group.chat_id, sender_chat=supergroup.chat_dict()
            )
        }
    )
    await group.feed(
        {
            "message": group.message_dict(
                None, migrate_to_chat_id=supergroup.chat_id, sender_chat=group.chat_dict()
            )
        }
    )


def chat_rows(db_path: Path) -> list[tuple[int, int, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT chat_id, active, setup_step FROM chats ORDER BY chat_id"
        ).fetchall()


async def test_notices_that_come_after_a_set_up_begun_in_the_supergroup_merge_the_two(
    group: Group, db_path: Path
) -> None:
    """The notices were late: Carla had already sent /start in the supergroup (a set-up begun
    there, in Dutch). The group's record, further along, takes the supergroup's place."""
    await alpha_and_beta(group)
    await group.press(BEN, "Orientation")
    await group.reply(BEN, "alpha answer", to=group.last)
    supergroup = replace(group, chat_id=-1001234567890, kind="supergroup")
    await supergroup.send(CARLA, "/start")
    stub_prompt = supergroup.last
    assert stub_prompt.force_reply
    await migrate_notices(group, supergroup)
    assert chat_rows(db_path) == [(supergroup.chat_id, 1, "done")]
    await supergroup.send(DAVID, "/status")
    assert "Alpha Works: Ben" in supergroup.last.text
    assert "Orientation, topic Ambition" in supergroup.last.text  # and in the group's English
    # A reply to the prompt of the set-up begun there names no partner any more.
    await supergroup.reply(CARLA, "Gamma Zorg", to=stub_prompt)
    await supergroup.send(CARLA, "/partners")
    assert "Alpha Works" in supergroup.last.text
    assert "Gamma Zorg" not in supergroup.last.text
    await supergroup.send(DAVID, "/agree We share the alpha answer")
    await supergroup.press(BEN, "Confirm")
    assert "Agreement recorded on Ambition" in supergroup.last.text


async def test_a_supergroup_set_up_on_its_own_keeps_its_record_over_a_greeted_group(
    group: Group, db_path: Path
) -> None:
    await group.send(BEN, "/help")  # all the old group ever had: a row
    supergroup = replace(group, chat_id=-1001234567890, kind="supergroup")
    await alpha_and_beta(supergroup)
    await migrate_notices(group, supergroup)
    assert chat_rows(db_path) == [(supergroup.chat_id, 1, "done")]
    await supergroup.send(DAVID, "/status")
    assert "Alpha Works: Ben" in supergroup.last.text


async def test_two_sessions_are_not_merged_the_old_one_is_kept_apart(
    group: Group, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Both the group and the supergroup were set up (the notices were lost, people began
    again): the supergroup keeps its own; the group's is kept apart, to be erased in time."""
    await alpha_and_beta(group)
    supergroup = replace(group, chat_id=-1001234567890, kind="supergroup")
    await supergroup.send(ANNA, "/start")
    await supergroup.reply(ANNA, "Gamma Zorg", to=supergroup.last)
    await supergroup.reply(CARLA, "Delta Bouw", to=supergroup.last)
    await migrate_notices(group, supergroup)
    with sqlite3.connect(db_path) as conn:
        kept = conn.execute(
            "SELECT chat_id, active, removed_at IS NOT NULL FROM chats ORDER BY chat_id"
        ).fetchall()
        partners = conn.execute("SELECT chat_id, name FROM partners ORDER BY chat_id, slot")
        assert partners.fetchall() == [
            (supergroup.chat_id, "Gamma Zorg"),
            (supergroup.chat_id, "Delta Bouw"),
            (group.chat_id, "Alpha Works"),
            (group.chat_id, "Beta Bakery"),
        ]
    assert kept == [(supergroup.chat_id, 1, 0), (group.chat_id, 0, 1)]
    assert any("session of its own" in r.getMessage() for r in caplog.records)
