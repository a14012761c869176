"""A facilitator who is neither partner, played through the real application in English and
Dutch: named by the person who set the group up (``/facilitator`` in reply to their message, or
the *Facilitate* button), shown on the card, in /status and in the export, allowed to steer and
refused when answering, proposing, confirming or rating."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.offline.fake_api import Sent
from tests.conftest import ANNA, BEN, CARLA
from tests.support.telegram import Group, User
from tests.test_bad_input import ANON_ADMIN, DAVID, ORG_A, ORG_B, card, count, ready
from tests.test_export import read

FLEUR = User(1007, "Fleur", "nl")


async def name(group: Group, by: User, who: User) -> None:
    """``by`` replies with /facilitator to a message of ``who``."""
    await group.send(by, "/facilitator", reply_to_message=group.message_dict(who, "Hallo"))


def alerts(group: Group, query: str) -> list[str]:
    return [str(a["text"]) for a in group.answers_to(query) if a.get("show_alert")]


async def test_a_facilitator_steers_and_never_answers(group: Group, db_path: Path) -> None:
    await ready(group)
    # Only the person who set up the group (or an administrator) names a facilitator.
    await name(group, DAVID, FLEUR)
    assert group.last.text.startswith("Only the person who set up this group")
    await name(group, BEN, FLEUR)
    assert group.last.text.startswith("Fleur facilitates this group from now on.")
    assert "does not answer, propose, confirm or rate" in group.last.text

    # Refused when answering: no answer is stored, and the card still waits for the partners.
    topic = card(group)
    answer = await group.reply(FLEUR, "I think jobs", to=topic)
    assert group.last.text == (
        "You facilitate this group: answering, proposing, confirming and rating are for the "
        "representatives of De Brug and Van Dam."
    )
    assert group.reacted(answer) == []
    assert count(db_path, "answers") == 0
    assert "Still waiting for: De Brug, Van Dam" in topic.text
    assert "Facilitator: Fleur" in topic.text

    # Refused when proposing and confirming an agreement, and noting nothing for a partner.
    await group.send(FLEUR, "/agree We share a coordinator")
    assert group.last.text.startswith("You facilitate this group:")
    await group.send(BEN, "/agree We share a coordinator")
    proposal = group.last
    query = await group.press(FLEUR, "Confirm", on=proposal)
    assert alerts(group, query)[0].startswith("You facilitate this group:")
    assert count(db_path, "agreements") == 1
    await group.press(DAVID, "Confirm", on=proposal)

    # Allowed when steering: next topic, skip, back, stage, check-up, position check.
    await group.reply(BEN, "Ten jobs", to=topic)
    await group.reply(DAVID, "A stable team", to=topic)
    await group.press(FLEUR, "Ready")
    assert "topic 2/9" in group.last.text
    skip = await group.send(FLEUR, "/skip")
    assert group.reacted(skip) == ["👌"]
    assert "topic 3/9" in group.last.text
    await group.send(FLEUR, "/back")
    assert "topic 2/9" in group.last.text
    await group.send(FLEUR, "/checkup")
    assert group.last.text.startswith("Check-up of")
    query = await group.press(FLEUR, "1 · Kept", on=group.last)
    assert alerts(group, query)[0].startswith("You facilitate this group:")  # never rates
    await group.send(FLEUR, "/position")
    assert "Rate privately" in group.last.buttons
    await group.send(FLEUR, "/issue Who pays?")  # an open issue is the partners' to note
    assert group.last.text.startswith("You facilitate this group:")
    await group.send(BEN, "/issue Who pays?")
    await group.send(FLEUR, "/action 1 Van Dam in 2 weeks")
    assert group.last.text.startswith("Action item 1: “Who pays?”. Who picks it up: Van Dam")

    # Shown as such: /status, who represents whom, the export.
    await group.send(CARLA, "/status")
    assert "De Brug: Ben\nVan Dam: David\nFacilitator: Fleur" in group.last.text
    await group.send(CARLA, "/partners")
    assert "Facilitator: Fleur" in group.last.text
    query = await group.press(FLEUR, ORG_A, on=group.last)
    assert alerts(group, query) == [
        "You facilitate this group, so you represent neither partner. The person who set up "
        "the group can end that role with /facilitator."
    ]
    await group.send(CARLA, "/export")
    document = group.last
    assert document.file is not None
    assert "Facilitated by Fleur, independent of both partners." in read(document.file[1]).flat

    # Ending the role: Fleur is a person in the group like any other again.
    await group.send(BEN, "/facilitator")
    listing = group.last
    assert listing.text.startswith("Facilitator: Fleur")
    assert listing.buttons == ["End Fleur's role"]
    query = await group.press(DAVID, "End Fleur's role", on=listing)
    assert alerts(group, query)[0].startswith("Only the person who set up this group")
    await group.press(BEN, "End Fleur's role", on=listing)
    assert listing.text.startswith("Nobody facilitates this group yet.")
    await group.send(FLEUR, "/skip")
    assert group.last.text.startswith("Only the representatives of De Brug and Van Dam")


async def test_who_cannot_be_named_facilitator(group: Group) -> None:
    await ready(group)
    await name(group, BEN, DAVID)
    assert group.last.text == (
        "David represents Van Dam, and a facilitator represents neither partner."
    )
    await name(group, BEN, ANON_ADMIN)
    assert group.last.text.startswith("I can't tell who wrote that message")
    bot_message: Sent = group.last
    await group.send(
        BEN,
        "/facilitator",
        reply_to_message={
            "message_id": bot_message.message_id,
            "date": 0,
            "chat": group.chat_dict(),
            "from": group.api.bot_user,
            "text": bot_message.text,
        },
    )
    assert group.last.text.startswith("Reply with /facilitator to a message of the person")
    await name(group, BEN, CARLA)
    await name(group, BEN, CARLA)
    assert group.last.text == "Carla already facilitates this group."


async def test_the_person_who_sets_up_can_facilitate_with_a_button_in_dutch(
    group: Group,
) -> None:
    await group.send(FLEUR, "/start")
    await group.send(FLEUR, "/language nl")
    await group.reply(FLEUR, ORG_A, to=next(m for m in group.sent if m.force_reply))
    await group.reply(FLEUR, ORG_B, to=group.last)
    sides = group.last
    assert sides.buttons == [ORG_A, ORG_B, "Gesprek leiden (geen partner)"]
    # Someone else may not make themselves facilitator.
    query = await group.press(ANNA, "Gesprek leiden (geen partner)", on=sides)
    assert alerts(group, query)[0].startswith("Alleen degene die deze groep heeft ingesteld")
    await group.press(FLEUR, "Gesprek leiden (geen partner)", on=sides)
    assert "Gespreksleider: Fleur" in sides.text
    await group.press(ANNA, ORG_A, on=sides)
    await group.press(DAVID, ORG_B, on=sides)
    await group.press(FLEUR, "Oriëntatie")
    topic = group.last
    assert "Gespreksleider: Fleur" in topic.text
    await group.reply(FLEUR, "Banen", to=topic)
    assert group.last.text == (
        "Je bent gespreksleider in deze groep: antwoorden, voorstellen, bevestigen en "
        "beoordelen laat je aan de vertegenwoordigers van De Brug en Van Dam."
    )
    await group.reply(ANNA, "Tien banen", to=topic)
    await group.reply(DAVID, "Een vast team", to=topic)
    await group.press(FLEUR, "Klaar")
    assert "thema 2/9" in group.last.text
    await group.send(FLEUR, "/facilitator")
    assert group.last.text.startswith("Gespreksleider: Fleur")
    assert group.last.buttons == ["Rol van Fleur beëindigen"]


async def test_a_facilitator_who_leaves_or_is_forgotten_no_longer_facilitates(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await name(group, BEN, FLEUR)
    await name(group, BEN, CARLA)
    await group.send(BEN, "/facilitator")
    assert group.last.text.startswith("Facilitators: Fleur, Carla")
    # Fleur leaves the group: her role ends with it, also if she comes back.
    await group.feed({"message": group.message_dict(FLEUR, left_chat_member=FLEUR.to_dict())})
    await group.send(FLEUR, "/skip")
    assert group.last.text.startswith("Only the representatives of De Brug and Van Dam")
    # Carla asks to be forgotten: no name, no id, no role is left.
    await group.send(CARLA, "/forgetme")
    await group.press(CARLA, "Yes, forget me", on=group.last)
    await group.send(BEN, "/facilitator")
    assert group.last.text.startswith("Nobody facilitates this group yet.")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM members WHERE facilitator_since IS NOT NULL"
        ).fetchone() == (0,)
