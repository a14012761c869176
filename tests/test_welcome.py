"""Being added to a group, /start, /help, /language and commands, as the users see them."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import replace

import pytest
from babel.messages.pofile import read_po

from bot.offline.fake_api import FakeBotApi
from bot.render.commands import COMMANDS, DUTCH
from tests.conftest import ANNA, BEN, CARLA, DAAN
from tests.support.telegram import Group
from tests.test_session_scenario import DAVID, set_up


async def test_bot_added_greets_once_in_the_adders_language(group: Group) -> None:
    await group.add_bot(ANNA)  # Telegram sends both a new-members message and my_chat_member
    assert len(group.sent) == 1
    assert "Hallo allemaal" in group.last.text
    assert "/start" in group.last.text


async def test_bot_added_by_english_speaker_greets_in_english(group: Group) -> None:
    await group.add_bot(BEN, both=False)
    await group.feed({"my_chat_member": group.member_change(BEN, "left", "member")})
    assert [m.text.split("\n")[0] for m in group.sent] == ["Hello everyone! Thanks for adding me."]


async def test_removed_and_added_again_greets_again(group: Group) -> None:
    await group.add_bot(BEN)
    await group.remove_bot(BEN)
    await group.add_bot(BEN)
    assert len(group.sent) == 2


async def test_start_in_group_in_first_users_language(group: Group) -> None:
    await group.send(CARLA, "/start")
    assert "Welkom bij het wiel Impact door samenwerking" in group.sent[0].text
    assert group.last.text.startswith("Hoe heet de eerste partnerorganisatie?")


async def test_start_for_other_language_falls_back_to_english(group: Group) -> None:
    await group.send(DAAN, "/start")
    assert "Welcome to the Impact through Collaboration wheel" in group.sent[0].text


async def test_command_with_bot_username_is_handled(group: Group) -> None:
    await group.send(BEN, "/START@ImpactWheelBot")
    await group.send(BEN, "/help@impactwheelbot extra words")
    assert "Welcome" in group.sent[0].text
    assert "/language" in group.last.text


async def test_command_for_another_bot_is_ignored(group: Group) -> None:
    await group.send(BEN, "/start@OtherBot")
    await group.send(BEN, "/frobnicate@OtherBot")
    assert group.sent == []


async def test_unknown_command_points_to_help(group: Group) -> None:
    await group.send(ANNA, "/start")
    await group.send(ANNA, "/frobnicate")
    assert (
        group.last.text
        == "De opdracht /frobnicate ken ik niet. Stuur /hulp om te zien wat ik kan."
    )


async def test_language_command_switches_and_confirms_in_new_language(group: Group) -> None:
    await group.send(BEN, "/start")
    await group.send(BEN, "/language nl")
    assert group.last.text == "Vanaf nu spreek ik Nederlands in deze chat."
    await group.send(BEN, "/help")
    assert "Wat ik kan" in group.last.text
    await group.send(ANNA, "/language english")
    assert group.last.text == "From now on I'll speak English in this chat."


async def test_language_without_argument_offers_buttons(group: Group) -> None:
    await group.send(ANNA, "/language")
    assert "In deze chat spreek ik Nederlands" in group.last.text
    assert group.last.buttons == ["Nederlands", "English"]
    query = await group.press(BEN, "English")
    assert [a.get("text") for a in group.answers_to(query)] == [None]
    assert group.last.text == "From now on I'll speak English in this chat."


async def test_unknown_language_is_explained(group: Group) -> None:
    await group.send(BEN, "/language <b>klingon</b>")
    assert "I don't know the language “<b>klingon</b>”." in group.last.text


async def test_forged_language_button_is_answered_and_changes_nothing(group: Group) -> None:
    await group.send(BEN, "/language")
    before = len(group.sent)
    query = await group.press_data(ANNA, "lang:xx", group.last)
    assert len(group.answers_to(query)) == 1
    assert len(group.sent) == before


async def test_edited_command_is_not_run_again(group: Group) -> None:
    message = await group.send(BEN, "/help")
    await group.edit(message, "/help again")
    assert len(group.sent) == 1


async def test_same_update_delivered_twice_is_answered_once(group: Group) -> None:
    message = group.message_dict(BEN, "/start", entities=None)
    message["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    await group.feed({"message": message})
    await group.feed({"message": message})
    assert [m.text.split("\n")[0] for m in group.sent] == [
        "Welcome to the Impact through Collaboration wheel!",
        "What is the name of the first partner organisation?",
    ]


async def test_private_start_explains_how_to_add_the_bot(db_path, api: FakeBotApi) -> None:
    from tests.conftest import running

    async with running(db_path, api) as chat:
        private = replace(chat, chat_id=ANNA.id, kind="private")
        await private.send(ANNA, "/start")
        assert "Hoi! Ik werk alleen in een groep met mensen van beide" in private.last.text
        assert "@ImpactWheelBot" in private.last.text
        await private.send(ANNA, "/language en")
        assert private.last.text == "From now on I'll speak English in this chat."


async def test_commands_registered_in_both_languages(group: Group, api: FakeBotApi) -> None:
    english = {c["command"]: c["description"] for c in api.commands[""]}
    dutch = {c["command"]: c["description"] for c in api.commands["nl"]}
    assert list(dutch) == [DUTCH.get(command, command) for command in english]
    assert english.keys() >= {"start", "help", "language", "agree", "issue", "summary"}
    # The Dutch menu shows the Dutch names; both names work in every group.
    assert {"afspraak", "openpunt", "overzicht", "status", "herinner"} <= dutch.keys()
    assert english["language"] == "Choose Dutch or English"
    assert dutch["taal"] == "Nederlands of Engels kiezen"


@pytest.mark.parametrize(
    ("english", "dutch"),
    [("/summary", "/overzicht"), ("/issues", "/openpunten"), ("/help", "/hulp")],
)
async def test_a_dutch_command_does_what_its_english_one_does(
    group: Group, english: str, dutch: str
) -> None:
    await set_up(group, ANNA, DAVID)
    await group.send(ANNA, english)
    by_english = group.last.text
    await group.send(ANNA, dutch)
    assert group.last.text == by_english


def test_the_dutch_texts_name_commands_that_exist() -> None:
    """Every /command the Dutch catalog mentions is a command, and by its Dutch name if it has
    one (an English name inside a Dutch sentence reads as a slip)."""
    known = {name for name, _ in COMMANDS} | set(DUTCH.values()) | {"start"}
    with open("locales/nl/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="nl")
    mentioned: set[str] = set()
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            mentioned |= set(re.findall(r"(?<![\w<])/([a-z]+)\b", text or ""))
    assert mentioned, "no commands found: has the catalog's format changed?"
    assert mentioned <= known, sorted(mentioned - known)
    assert not mentioned & set(DUTCH), sorted(mentioned & set(DUTCH))


async def test_added_back_to_a_group_that_had_begun_says_nothing_was_lost(group: Group) -> None:
    await set_up(group, ANNA, DAVID)
    await group.press(ANNA, "Oriëntatie")
    card = group.last
    await group.remove_bot(ANNA)
    await group.add_bot(ANNA)
    assert group.last.text.startswith("Fijn dat ik er weer bij ben!")
    assert "/status" in group.last.text
    assert "Hallo allemaal" not in group.last.text
    await group.send(DAVID, "/status")
    assert "Nu: Oriëntatie, thema Ambitie." in group.last.text
    await group.reply(DAVID, "Een vast team", to=card)  # the old card still takes answers
    assert "Bakkerij *Van Dam*" in group.last.text


async def test_a_send_after_the_bot_was_removed_marks_the_group_inactive(
    group: Group,
    db_path,
    caplog,  # type: ignore[no-untyped-def]
) -> None:

    await group.send(BEN, "/start")
    group.api.removed.add(group.chat_id)  # removed; the notice has not been handled yet
    with caplog.at_level(logging.INFO):
        await group.send(BEN, "/help")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("marked inactive" in r.getMessage() for r in caplog.records)
    with sqlite3.connect(db_path) as conn:
        (active,) = conn.execute("SELECT active FROM chats").fetchone()
    assert active == 0
    assert [c.error for c in group.api.refusals()] == [
        "Forbidden: bot was kicked from the group chat"
    ]
    group.api.calls.clear()  # the refusal was the point of this test
    group.api.removed.clear()
    await group.add_bot(BEN)  # added back: greeted again, as a group that had begun
    assert group.last.text.startswith("Good to be back!")
