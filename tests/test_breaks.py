"""Breaks found by crafted but ordinary sequences of updates: each is closed, and stays closed."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

from tests.conftest import BEN, CARLA
from tests.support.telegram import Group
from tests.test_bad_input import ANON_ADMIN, DAVID, ORG_A, ORG_B, card, count, join, ready


def agreements(db_path: Path) -> list[tuple[str, str, int, int | None]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT text, status, proposed_by, confirmed_by FROM agreements ORDER BY id"
        ).fetchall()


def partner_names(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM partners ORDER BY slot")]


async def test_a_proposer_cannot_confirm_after_switching_sides(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    confirm = proposal.button_data("Confirm")
    # Set up again, and Ben now taps the other organisation.
    await group.send(BEN, "/reset")
    await group.press(BEN, "Yes, start again")
    await group.reply(BEN, ORG_A, to=group.last)
    await group.reply(BEN, ORG_B, to=group.last)
    sides = group.last
    await group.press(BEN, ORG_B, on=sides)
    press = await group.press_data(BEN, confirm, proposal)
    assert "someone from" in group.answers_to(press)[0]["text"]
    assert agreements(db_path)[0][1] == "proposed"


async def test_only_who_represented_the_other_side_when_proposed_confirms(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    await join(group, CARLA, ORG_B, DAVID)  # joins Van Dam after the proposal
    press = await group.press(CARLA, "Confirm", on=proposal)
    assert (
        "already represented Van Dam when this was proposed"
        in (group.answers_to(press)[0]["text"])
    )
    await group.press(DAVID, "Confirm", on=proposal)
    assert agreements(db_path) == [("We meet monthly", "confirmed", BEN.id, DAVID.id)]


async def test_an_old_name_prompt_renames_nothing(group: Group, db_path: Path) -> None:
    await ready(group)
    first_prompt = next(m for m in group.sent if "first" in m.text and m.force_reply)
    await group.reply(CARLA, "Carla's Club", to=first_prompt)
    assert "That question has already been answered" in group.last.text
    assert "/rename" in group.last.text
    assert partner_names(db_path) == [ORG_A, ORG_B]


async def test_a_rename_prompt_is_answered_by_who_asked(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/rename 2")
    prompt = group.last
    await group.reply(DAVID, "Someone else's idea", to=prompt)
    assert "This question is for the person who asked to rename" in group.last.text
    await group.reply(BEN, "Bakkerij Van Dam & Zn", to=prompt)
    assert partner_names(db_path) == [ORG_A, "Bakkerij Van Dam & Zn"]


async def test_two_presses_of_make_it_an_agreement_make_one_proposal(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/issue Where do we meet?")
    await group.send(BEN, "/issues")
    listing = group.last
    await group.press(BEN, "1 · Turn into agreement", on=listing)
    first = group.last
    await group.press(DAVID, "1 · Turn into agreement", on=listing)
    second = group.last
    await group.reply(BEN, "At the bakery", to=first)
    await group.reply(DAVID, "At the works", to=second)
    assert "already waiting for confirmation" in group.last.text
    assert [a[0] for a in agreements(db_path)] == ["At the bakery"]


async def test_unicode_digits_in_button_data_change_nothing(group: Group, db_path: Path) -> None:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    proposal = group.last
    for data in ("conf:²", "conf:1:²", "wdr:١", "ires:𝟙", "side:²"):
        press = await group.press_data(DAVID, data, proposal)
        assert group.answers_to(press)[0]["text"].startswith("This button no longer works."), data
    assert agreements(db_path)[0][1] == "proposed"


async def test_only_representatives_change_the_language_of_a_set_up_group(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await group.send(CARLA, "/language nl")
    assert "Only the representatives" in group.last.text
    await group.send(ANON_ADMIN, "/language nl")
    assert "anonymously" in group.last.text
    await group.send(CARLA, "/language")  # looking is for everyone
    chooser = group.last
    press = await group.press(CARLA, "Nederlands", on=chooser)
    assert "Only the representatives" in group.answers_to(press)[0]["text"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT language FROM chats").fetchone()[0] == "en"
    await group.send(DAVID, "/language nl")
    assert "Nederlands" in group.last.text


async def test_invisible_text_is_empty_text(group: Group, db_path: Path) -> None:
    await group.send(BEN, "/start")
    await group.reply(BEN, "\u200b\u3164 \u200b", to=group.last)
    assert "That reply is empty" in group.sent[-2].text  # and the question again
    assert partner_names(db_path) == []
    await group.reply(BEN, "Van Dam", to=group.last)
    await group.reply(DAVID, "van\u200bdam", to=group.last)
    assert "The two organisations need different names" in group.sent[-2].text
    decomposed = unicodedata.normalize("NFD", "Café Noir")
    await group.reply(DAVID, "CAFÉ NOIR", to=group.last)
    await group.press(BEN, "Van Dam")
    assert partner_names(db_path) == ["Van Dam", "CAFÉ NOIR"]
    await group.press(DAVID, "CAFÉ NOIR")
    await group.send(BEN, "/rename 1")
    await group.reply(BEN, decomposed, to=group.last)
    assert "The two organisations need different names" in group.last.text


async def test_answers_and_agreements_keep_line_breaks_and_one_form(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await group.reply(BEN, "\u200b", to=card(group))
    assert "That reply is empty" in group.last.text
    assert count(db_path, "answers") == 0
    await group.send(BEN, "/agree One\n\nTwo " + unicodedata.normalize("NFD", "café"))
    assert agreements(db_path)[0][0] == "One\n\nTwo café"
    assert agreements(db_path)[0][0] == unicodedata.normalize("NFC", agreements(db_path)[0][0])


async def test_a_long_recorded_agreement_keeps_no_buttons(group: Group, db_path: Path) -> None:
    await ready(group)
    long_text = "We agree. " * 405  # about 4050 characters: the proposal needs two messages
    await group.send(BEN, "/agree " + long_text.strip())
    proposal = next(m for m in reversed(group.sent) if "Confirm" in m.buttons)
    await group.press(DAVID, "Confirm", on=proposal)
    assert "Confirm" not in proposal.buttons
    assert not any("Confirm" in m.buttons for m in group.sent)
    assert agreements(db_path)[0][1] == "confirmed"
