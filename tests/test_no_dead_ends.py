"""Every message that ends something says what can happen next; a reaction the group does not
allow leaves the card's update as the acknowledgement."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import BEN, CARLA
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, card, count, ready


async def test_reset_asks_yes_or_no_and_no_keeps_everything(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/reset")
    question = group.last
    assert question.buttons == ["Yes, start again", "No, keep it"]
    await group.press(BEN, "No, keep it", on=question)
    assert question.buttons == []
    assert "The set-up stays as it is. Send /status" in question.text
    assert count(db_path, "partners") == 2


async def test_reset_yes_closes_the_question(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/reset")
    question = group.last
    await group.press(BEN, "Yes, start again", on=question)
    assert question.buttons == []
    assert "Ben started the set-up again." in question.text
    assert "What is the name of the first partner organisation?" in group.last.text
    assert group.last.force_reply


async def test_a_stale_button_says_what_to_do(group: Group) -> None:
    await ready(group)
    with_buttons = next(m for m in reversed(group.sent) if m.buttons)
    press = await group.press_data(BEN, "next:no-such-topic", on=with_buttons)
    assert group.answers_to(press)[0]["text"] == (
        "This button no longer works. Send /status to see where you are."
    )


async def test_a_group_without_reactions_still_sees_the_answer_counted(group: Group) -> None:
    await ready(group)
    group.api.no_reactions.add(group.chat_id)
    topic = card(group)
    answer = await group.reply(BEN, "Ten jobs", to=topic)
    assert group.reacted(answer) == []  # Telegram refused it
    assert "Answered: De Brug – Ben" in topic.text
    await group.reply(DAVID, "A stable team", to=topic)
    assert "the answers side by side" in group.last.text
    group.api.calls[:] = [c for c in group.api.calls if c.error is None]


async def test_an_open_issue_before_both_answered_is_confirmed_in_words(group: Group) -> None:
    await ready(group)
    noted = await group.send(BEN, "/issue Who pays?")
    assert group.reacted(noted) == ["✍"]
    assert "Open issue noted on Ambition" in group.last.text


async def test_someone_who_is_not_a_partner_gets_no_reaction(group: Group) -> None:
    await ready(group)
    answer = await group.reply(CARLA, "My view", to=card(group))
    assert group.reacted(answer) == []
    assert "Only the representatives" in group.last.text


async def test_recap_and_status_list_proposals_still_waiting(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    await group.send(DAVID, "/status")
    assert "0 agreements · 0 open issues · 1 proposal waiting for confirmation" in group.last.text
    for _ in range(9):
        await group.send(BEN, "/skip")
    recap = group.last.text
    assert "1 proposal still waits for confirmation\n… Ambition: We meet monthly" in recap


async def test_an_old_stage_button_does_not_post_the_card_again(group: Group) -> None:
    await ready(group)  # Orientation, from the stage menu
    menu = next(m for m in group.sent if "Orientation" in m.buttons)
    before = len(group.sent)
    press = await group.press(DAVID, "Orientation", on=menu)
    assert len(group.sent) == before
    assert "working on Orientation already, at Ambition" in group.answers_to(press)[0]["text"]
    await group.press(DAVID, "Integration", on=menu)  # another stage still goes there
    assert "Integration · Value creation · topic 1/9" in group.last.text
