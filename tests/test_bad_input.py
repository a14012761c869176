"""Bad input gets a clear answer and loses nothing; people who may not act are told how to join."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from bot.io.admins import AdminCache
from bot.offline.fake_api import FakeBotApi
from bot.services import KEY, services
from tests.conftest import BEN, CARLA, running
from tests.support.telegram import Group, User

ANON_ADMIN = User(1087968824, "Group", None)
DAVID = User(1005, "David", "en")
ORG_A, ORG_B = "De Brug", "Van Dam"


async def ready(group: Group) -> None:
    """Ben (De Brug) and David (Van Dam) set up an English group at topic 1 of Orientation."""
    await group.send(BEN, "/start")
    await group.reply(BEN, ORG_A, to=group.last)
    await group.reply(DAVID, ORG_B, to=group.last)
    await group.press(BEN, ORG_A)
    await group.press(DAVID, ORG_B, on=next(m for m in group.sent if ORG_B in m.buttons))
    await group.press(BEN, "Orientation")


async def join(group: Group, who: User, org: str, colleague: User) -> None:
    """``who`` taps ``org`` once the group has started, and ``colleague`` (of ``org``) confirms
    them: a newcomer (``bot/flows/newcomers.py``)."""
    sides = next(m for m in reversed(group.sent) if org in m.buttons)
    await group.press(who, org, on=sides)
    request = group.last
    assert who.first_name in request.text
    await group.press(colleague, request.buttons[0], on=request)  # Confirm, in any language


def card(group: Group):  # type: ignore[no-untyped-def]
    return next(m for m in reversed(group.sent) if m.force_reply and "topic" in m.text)


def count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def test_sticker_photo_and_voice_where_text_is_expected(group: Group, db_path: Path) -> None:
    await ready(group)
    topic = card(group)
    await group.reply(
        BEN,
        None,
        to=topic,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
    )
    assert group.last.text == "I can only read text here. Please reply with a written message."
    await group.reply(
        BEN,
        None,
        to=topic,
        photo=[{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}],
    )
    await group.reply(
        BEN, None, to=topic, voice={"file_id": "v", "file_unique_id": "v", "duration": 2}
    )
    assert [m.text for m in group.sent[-2:]] == [group.last.text] * 2
    assert count(db_path, "answers") == 0


async def test_empty_and_overlong_text(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.reply(BEN, "   \n  ", to=card(group))
    assert "That reply is empty" in group.last.text
    await group.reply(BEN, "x" * 4097, to=card(group))
    assert "4,096 characters at most" in group.last.text
    assert count(db_path, "answers") == 0
    at_limit = "ü" * 4096
    answer = await group.reply(BEN, at_limit, to=card(group))
    assert group.reacted(answer) == ["👍"]
    assert "Still waiting for: Van Dam" in card(group).text
    await group.reply(DAVID, "🙂" * 2048, to=card(group))  # 4096 UTF-16 units
    shown = "".join(m.text for m in group.sent)
    assert at_limit in shown
    assert "🙂" * 2048 in shown


async def test_html_and_markdown_in_names_and_answers_are_shown_as_typed(group: Group) -> None:
    nasty = '<b>bold</b> & <a href="javascript:x">*_[x](y)~`|</a> &amp; <<tg-spoiler>'
    await group.send(BEN, "/start")
    await group.reply(BEN, "<i>Brug</i> & Co", to=group.last)
    await group.reply(DAVID, "*Van* _Dam_ [x](y)", to=group.last)
    assert "<i>Brug</i> & Co: nobody yet" in group.last.text
    await group.press(BEN, "<i>Brug</i> & Co")
    await group.press(
        DAVID,
        "*Van* _Dam_ [x](y)",
        on=next(m for m in group.sent if m.buttons and "Who represents" in m.text),
    )
    await group.press(BEN, "Orientation")
    await group.reply(BEN, nasty, to=card(group))
    await group.reply(DAVID, nasty, to=card(group))
    assert f"— Ben: {nasty}" in group.last.text
    await group.send(BEN, f"/agree {nasty}")
    assert nasty in group.last.text


async def test_people_who_are_not_partners_are_told_how_to_join(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    topic = card(group)
    await group.reply(CARLA, "I am not registered", to=topic)
    assert group.last.text == (
        "Only the representatives of De Brug and Van Dam can do this. Send /partners and tap "
        "your organisation to join."
    )
    await group.reply(BEN, "Jobs", to=topic)
    await group.reply(DAVID, "Bread", to=topic)
    before = len(group.sent)
    query = await group.press(CARLA, "Ready")
    answer = group.answers_to(query)
    assert answer[0]["show_alert"] is True
    assert "Only the representatives" in answer[0]["text"]
    assert len(group.sent) == before  # an alert on the button, nothing in the group
    assert count(db_path, "answers") == 2


async def test_anonymous_admin_and_channel_are_asked_to_write_as_themselves(group: Group) -> None:
    await ready(group)
    sender_chat = {"id": group.chat_id, "type": "group", "title": group.title}
    await group.send(ANON_ADMIN, "/agree We do this", sender_chat=sender_chat)
    assert "I can't tell who you are" in group.last.text
    await group.reply(ANON_ADMIN, "an answer", to=card(group), sender_chat=sender_chat)
    assert "Remain anonymous" in group.last.text


async def test_stale_foreign_and_forged_buttons_are_answered_and_change_nothing(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    topic = card(group)
    await group.reply(BEN, "Jobs", to=topic)
    await group.reply(DAVID, "Bread", to=topic)
    view = group.last
    await group.press(BEN, "Ready", on=view)
    before = len(group.sent)
    stale = await group.press(BEN, "Ready", on=view)
    assert "already moved on" in group.answers_to(stale)[0]["text"]
    for data in [
        "conf:999",
        "wdr:x",
        "stage:nowhere",
        "next:",
        "",
        "x" * 64,
        "side:7",
        "ires:1",
        "iagr:-1",
        "reset:no",
        "agree:value-creation.orientation",
    ]:
        query = await group.press_data(BEN, data, view)
        assert len(group.answers_to(query)) == 1, data
    assert len(group.sent) == before
    assert count(db_path, "agreements") == 0


async def test_same_button_pressed_twice_confirms_once(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    confirm = proposal.button_data("Confirm")
    await group.press(DAVID, "Confirm", on=proposal)
    await group.press_data(DAVID, confirm, proposal)  # an old screen, pressed again
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT status, confirmed_by FROM agreements").fetchall()
    assert rows == [("confirmed", DAVID.id)]


async def test_proposer_cannot_confirm_and_can_withdraw_or_reword(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    assert proposal.buttons == ["Confirm", "Not yet", "Withdraw"]
    query = await group.press(BEN, "Confirm", on=proposal)
    assert "someone from Van Dam confirms it" in group.answers_to(query)[0]["text"]
    await group.reply(BEN, "We meet every two weeks", to=proposal)
    assert "“We meet every two weeks”" in proposal.text
    query = await group.press(DAVID, "Withdraw", on=proposal)
    assert "Only Ben can withdraw" in group.answers_to(query)[0]["text"]
    await group.press(BEN, "Withdraw", on=proposal)
    assert "withdrawn by Ben" in proposal.text
    assert proposal.buttons == []


async def test_the_other_partner_answers_with_other_wording(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    read_before = proposal.button_data("Confirm")
    await group.reply(DAVID, "We meet every three weeks, at the bakery", to=proposal)
    assert "David suggested different wording; someone from De Brug can now confirm it" in (
        group.last.text
    )
    assert "now worded by David (Van Dam)" in proposal.text
    assert "“We meet every three weeks, at the bakery”" in proposal.text
    # David cannot confirm his own wording; Ben's old screen confirms nothing.
    query = await group.press(DAVID, "Confirm", on=proposal)
    assert "someone from De Brug confirms it" in group.answers_to(query)[0]["text"]
    query = await group.press_data(BEN, read_before, proposal)
    assert "just worded differently" in group.answers_to(query)[0]["text"]
    assert count(db_path, "agreements WHERE status = 'confirmed'") == 0
    # An empty answer changes nothing.
    await group.reply(DAVID, "   ", to=proposal)
    assert "That reply is empty" in group.last.text
    await group.press(BEN, "Confirm", on=proposal)
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT text, status, proposed_by, confirmed_by FROM agreements")
        assert rows.fetchall() == [
            ("We meet every three weeks, at the bakery", "confirmed", DAVID.id, BEN.id)
        ]


async def test_someone_else_on_the_proposers_side_cannot_reword(group: Group) -> None:
    await ready(group)
    await join(group, CARLA, ORG_A, BEN)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    await group.reply(CARLA, "We meet weekly", to=proposal)
    assert "Only Ben can reword this proposal" in group.last.text
    assert "“We meet monthly”" in proposal.text


async def test_not_yet_notes_what_still_needs_working_out(group: Group, db_path: Path) -> None:
    """Not yet makes an open issue of the question what still needs to be worked out (the
    proposal quoted), not of the proposal's text, which would read as agreed."""
    await ready(group)
    await group.send(BEN, "/agree We share all figures")
    proposal = group.last
    query = await group.press(BEN, "Not yet", on=proposal)
    assert "“Not yet” is for Van Dam" in group.answers_to(query)[0]["text"]
    await group.press(DAVID, "Not yet", on=proposal)
    assert "Not agreed yet – David made it an open issue on Ambition" in proposal.text
    assert "What still needs to be worked out before you can agree?" in proposal.text
    assert proposal.buttons == ["Ready"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT text, status FROM open_issues").fetchall() == [
            ("Not agreed yet: “We share all figures”. What still needs to be worked out?", "open")
        ]
        assert conn.execute("SELECT status FROM agreements").fetchall() == [("withdrawn",)]


async def test_agree_without_text_asks_for_it_with_an_example(group: Group) -> None:
    await ready(group)
    await group.send(DAVID, "/agree")
    assert "For example: By the end of next year, eight people" in group.last.text
    assert group.last.force_reply
    await group.reply(DAVID, "We share our figures", to=group.last)
    assert "Proposed agreement on Ambition, by David (Van Dam)" in group.last.text


async def test_open_issue_listed_resolved_and_turned_into_agreement(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/issue Who pays the training?")
    await group.send(DAVID, "/issue Where do we meet?")
    before = len(group.sent)
    await group.send(BEN, "/issues")
    assert len(group.sent) == before + 1  # one list, not a message per issue
    listing = group.last
    assert listing.text == (
        "Open issues\n\n1. Ambition: Who pays the training?\n2. Ambition: Where do we meet?"
    )
    assert listing.buttons == [
        "1 · Mark resolved",
        "1 · Turn into agreement",
        "1 · Make it an action item",
        "2 · Mark resolved",
        "2 · Turn into agreement",
        "2 · Make it an action item",
    ]
    await group.press(DAVID, "1 · Mark resolved", on=listing)
    listing = group.api.messages[(group.chat_id, listing.message_id)]
    assert "1. Ambition: Who pays the training? – resolved" in listing.text
    assert listing.buttons == [
        "2 · Mark resolved",
        "2 · Turn into agreement",
        "2 · Make it an action item",
    ]
    await group.press(BEN, "2 · Turn into agreement", on=listing)
    prompt = group.last  # the issue is shown, and the wording asked for
    assert "What do you agree to do about this open issue on Ambition?" in prompt.text
    assert "“Where do we meet?”" in prompt.text
    await group.reply(BEN, "We meet at the bakery", to=prompt)
    proposal = group.last
    assert "“We meet at the bakery”" in proposal.text
    await group.press(DAVID, "Confirm", on=proposal)
    await group.send(BEN, "/issues")
    assert group.last.text == "There are no open issues. Well done."


async def test_member_with_pending_proposal_cannot_change_side(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    await group.send(BEN, "/partners")
    query = await group.press(BEN, ORG_B, on=group.last)
    assert "Withdraw it first" in group.answers_to(query)[0]["text"]


async def test_commands_before_set_up_explain_how_to_set_up(group: Group, db_path: Path) -> None:
    for command in ["/skip", "/agree x", "/issue y", "/issues", "/status", "/partners", "/back"]:
        await group.send(BEN, command)
        assert (
            group.last.text
            == "This group is not set up yet. Send /start and I'll ask for the names of both partner organisations."
        ), command
    assert count(db_path, "agreements") + count(db_path, "open_issues") == 0


async def test_only_set_up_runner_or_admin_may_rename_or_reset(
    group: Group, api: FakeBotApi
) -> None:
    await ready(group)
    minute = [0.0]
    admins = AdminCache(clock=lambda: minute[0])
    group.app.bot_data[KEY] = dataclasses.replace(services(group.app), admins=admins)
    await group.send(DAVID, "/rename 1")
    assert "Only the person who set up this group" in group.last.text
    api.administrators[group.chat_id] = [DAVID.id]
    await group.send(DAVID, "/rename 1")  # Telegram's answer is kept for a minute
    assert "Only the person who set up this group" in group.last.text
    asked = sum(1 for c in api.calls if c.method == "getChatMember")
    assert asked == 1
    minute[0] += 61
    await group.send(DAVID, "/rename 2")
    await group.reply(DAVID, "Bakkerij Van Dam", to=group.last)
    assert group.last.text == "Renamed to Bakkerij Van Dam."
    await group.send(BEN, "/reset")
    await group.press(BEN, "Yes, start again")
    assert "first partner organisation" in group.last.text


async def test_reply_to_an_old_card_counts_for_that_topic(group: Group, db_path: Path) -> None:
    await ready(group)
    first_card = card(group)
    await group.send(BEN, "/skip")
    await group.reply(DAVID, "Late thoughts on ambition", to=first_card)
    assert (
        "Thank you, David! Your answer is with Ambition, even though you have moved on since."
        in group.last.text
    )
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT topic_id FROM answers").fetchall() == [
            ("value-creation.orientation.ambition",)
        ]


async def test_edited_answer_updates_the_answer_and_edited_command_does_not_rerun(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    answer = await group.reply(BEN, "First thought", to=card(group))
    await group.edit(answer, "Second thought")
    assert group.last.text == "I've updated your answer."
    skip = await group.send(BEN, "/skip")
    sent = len(group.sent)
    await group.edit(skip, "/skip")
    assert len(group.sent) == sent
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT text FROM answers").fetchall() == [("Second thought",)]


async def test_member_who_leaves_is_no_longer_a_representative(group: Group) -> None:
    await ready(group)
    await group.feed({"message": group.message_dict(DAVID, left_chat_member=DAVID.to_dict())})
    await group.reply(DAVID, "still here?", to=card(group))
    assert "Only the representatives" in group.last.text
    await group.send(BEN, "/status")
    assert "Van Dam: –" in group.last.text


async def test_back_returns_to_the_previous_topic(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/back")
    assert "first topic of the wheel" in group.last.text
    await group.send(BEN, "/skip")
    await group.send(BEN, "/back")
    assert "topic 1/9" in group.last.text


async def test_stage_command_accepts_dutch_and_english_names(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/stage integratie")
    assert "Integration · Value creation · topic 1/9" in group.last.text
    await group.send(BEN, "/stage transformation")
    assert "Transformation · Value creation · topic 1/3" in group.last.text
    await group.send(BEN, "/stage somewhere")
    assert "I don't know the stage “somewhere”" in group.last.text


async def test_remind_later_pressed_twice_keeps_one_reminder(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/stage transformation")
    for _ in range(3):
        await group.reply(BEN, "b", to=card(group))
        await group.reply(DAVID, "d", to=card(group))
        await group.press(BEN, "Ready")
    assert "You have reached the centre of the wheel" in group.last.text
    await group.send(BEN, "/stage integration")
    for _ in range(9):
        await group.send(BEN, "/skip")
    recap = group.last
    await group.press(BEN, "In 3 months", on=recap)
    again = await group.press(DAVID, "In 1 month", on=recap)
    assert "A reminder is already set for" in group.answers_to(again)[0]["text"]
    assert count(db_path, "reminders") == 1


async def test_session_commands_in_a_private_chat_point_to_the_group(
    db_path: Path, api: FakeBotApi
) -> None:
    from dataclasses import replace

    from tests.conftest import running

    async with running(db_path, api) as chat:
        private = replace(chat, chat_id=BEN.id, kind="private")
        await private.send(BEN, "/status")
        assert (
            private.last.text
            == "That only works in the group chat with both partners. Send /start here to see how to set one up."
        )


async def test_thirty_open_issues_are_two_messages_and_resolve_in_place_after_a_restart(
    group: Group, db_path: Path, api: FakeBotApi
) -> None:
    await ready(group)
    for number in range(1, 31):
        await group.send(BEN if number % 2 else DAVID, f"/issue Question {number} " + "x" * 60)
    before = len(group.sent)
    await group.send(DAVID, "/issues")
    lists = group.sent[before:]
    assert len(lists) == 2
    assert lists[0].text.startswith("Open issues\n\n1. Ambition: Question 1 ")
    assert lists[1].text.startswith("26. Ambition: Question 26 ")
    assert len(lists[0].buttons) == 75  # resolve, agreement, action item: three each
    assert len(lists[1].buttons) == 15
    # A new application on the same database: the list still knows which issues it shows.
    async with running(db_path, api) as again:
        await again.press(BEN, "27 · Mark resolved", on=lists[1])
    second = api.messages[(group.chat_id, lists[1].message_id)]
    assert "27. Ambition: Question 27 " + "x" * 60 + " – resolved" in second.text
    assert "28 · Mark resolved" in second.buttons
    assert "27 · Mark resolved" not in second.buttons
    assert len(second.buttons) == 12
    assert len(group.sent) == before + 2  # resolving edited the list, nothing new was posted


async def test_a_resolved_issue_leaves_the_answers_view(group: Group) -> None:
    """The answers view lists what is still open on its topic; resolving an issue from /issues
    takes it off, as confirming and "Not yet" update it."""
    await ready(group)
    await group.reply(BEN, "Ours", to=card(group))
    await group.reply(DAVID, "Theirs", to=card(group))
    view = next(m for m in reversed(group.sent) if "side by side" in m.text)
    await group.send(DAVID, "/issue Who pays the training?")
    assert "Who pays the training?" in group.api.messages[(group.chat_id, view.message_id)].text
    await group.send(BEN, "/issues")
    await group.press(DAVID, "1 · Mark resolved", on=group.last)
    now = group.api.messages[(group.chat_id, view.message_id)].text
    assert "Who pays the training?" not in now
    assert "Still open" not in now
