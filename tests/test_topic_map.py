"""``/topics``: the wheel as a map, each topic with its state, to go to any topic, and the topics
of a stage taken in any order (issue #26, point 4), in English and Dutch as the group sees it."""

from __future__ import annotations

import pytest

from tests.support.telegram import Group
from tests.test_moving_on import cards, people, set_up

WORDS = {
    "en": {
        "orientation": "Orientation",
        "head": "The wheel: tap a topic to go to it. You can take the topics of a stage in any "
        "order; Ready then takes you to the next topic not discussed yet.",
        "legend": "✅ agreed · ❓ open issue · 💬 answered by both · ◐ answered by one organisation "
        "· ⏭ skipped · ⚪ not discussed yet · 📍 where you are",
        "stage line": "Orientation · {n} of 9 discussed",
        "anchoring": "Transparency",
        "ambition": "Ambition",
        "motivation": "Motivation",
        "goals": "Goals",
        "ready": "Ready",
        "confirm": "Confirm",
        "already": "You are at Transparency already: its card is the latest one.",
        "refused": "Only the representatives of",
        "recap": "That was the last topic of Orientation",
        "integration": "Integration",
        "welcome": "Let's start Integration",
    },
    "nl": {
        "orientation": "Oriëntatie",
        "head": "Het wiel: tik op een thema om ernaartoe te gaan. Jullie kunnen de thema's van "
        "een fase in elke volgorde nemen; Klaar brengt jullie dan naar het volgende thema dat nog "
        "niet besproken is.",
        "legend": "✅ afgesproken · ❓ open punt · 💬 door beide beantwoord · ◐ door één "
        "organisatie beantwoord · ⏭ overgeslagen · ⚪ nog niet besproken · 📍 waar jullie staan",
        "stage line": "Oriëntatie · {n} van 9 besproken",
        "anchoring": "Openheid",
        "ambition": "Ambitie",
        "motivation": "Motivatie",
        "goals": "Doelen",
        "ready": "Klaar",
        "confirm": "Bevestigen",
        "already": "Jullie zijn al bij Openheid: de kaart daarvan is de laatste.",
        "refused": "Alleen de vertegenwoordigers van",
        "recap": "Dat was het laatste thema van Oriëntatie",
        "integration": "Integratie",
        "welcome": "Aan de slag met Integratie",
    },
}


def topic_button(message_buttons: list[str], name: str) -> str:
    """The map's button of a topic, whatever its symbol."""
    return next(b for b in message_buttons if b.endswith(f" {name}"))


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_the_map_jumps_to_any_topic_and_ready_goes_on_in_any_order(
    group: Group, language: str
) -> None:
    w = WORDS[language]
    p = people(language)
    await set_up(group, p)
    await group.press(p.ahmed, w["orientation"])
    first = group.last
    await group.reply(p.ahmed, "Jobs", to=first)
    await group.reply(p.bram, "Bread", to=first)
    await group.send(p.bram, "/agree We meet every quarter")
    await group.press(p.ahmed, w["confirm"])

    # Carla (no side) may look at the map.
    await group.send(p.carla, "/topics")
    shown = group.last
    assert w["head"] in shown.text
    assert w["legend"] in shown.text
    assert w["stage line"].format(n=1) in shown.text
    assert f"📍 {w['ambition']}" in shown.text  # where the group is (it has an agreement too)
    assert len(shown.buttons) == 21
    assert f"⚪ {w['anchoring']}" in shown.buttons
    # ... but not steer: her press is refused, and nothing moves.
    before = len(group.sent)
    query = await group.press(p.carla, topic_button(shown.buttons, w["anchoring"]), on=shown)
    assert len(group.sent) == before
    assert group.answers_to(query)[0]["text"].startswith(w["refused"])
    assert cards(group)[-1] is first

    # Bram jumps to the last topic of Orientation: its card, the map edited to show it.
    await group.press(p.bram, topic_button(shown.buttons, w["anchoring"]), on=shown)
    anchoring = cards(group)[-1]
    assert w["anchoring"] in anchoring.text
    assert "9/9" in anchoring.text
    assert f"📍 {w['anchoring']}" in shown.text
    assert f"✅ {w['ambition']}" in shown.text  # left behind: agreed
    # Pressing it again: already there, no second card.
    query = await group.press(p.bram, topic_button(shown.buttons, w["anchoring"]), on=shown)
    assert cards(group)[-1] is anchoring
    assert group.answers_to(query)[0]["text"] == w["already"]

    await group.reply(p.ahmed, "We share our figures", to=anchoring)
    # Ready on the last topic goes on to the first topic this round has not opened yet,
    # not to the recap.
    await group.reply(p.britt, "We do too", to=anchoring)
    await group.press(p.ahmed, w["ready"], on=group.last)
    await group.press(p.britt, w["ready"], on=group.last)
    following = cards(group)[-1]
    assert "2/9" in following.text
    assert w["recap"] not in group.last.text

    # Goals answered by one organisation only, and left for Motivation: the map says so, and
    # Goals does not count as discussed.
    await group.reply(p.ahmed, "More jobs", to=following)
    await group.send(p.sanne, "/topics")
    half = group.last
    assert w["stage line"].format(n=2) in half.text
    await group.press(p.sanne, topic_button(half.buttons, w["motivation"]), on=half)
    assert f"◐ {w['goals']}" in half.buttons
    assert f"📍 {w['motivation']}" in half.buttons

    # The rest skipped: the stage ends once no topic is left that the round has not opened.
    for _ in range(9):
        await group.send(p.sanne, "/skip")
        if any(w["recap"] in m.text for m in group.sent[-3:]):
            break
    assert any(w["recap"] in m.text for m in group.sent[-3:])

    # A topic of a stage never started starts that stage's round, at that topic.
    await group.send(p.sanne, "/topics")
    again = group.last
    assert w["stage line"].format(n=8) in again.text  # Goals, answered by one side, is not
    assert f"◐ {w['goals']}" in again.buttons
    integration = again.buttons[9:18]
    await group.press(p.sanne, integration[4], on=again)
    assert any(m.text.startswith(w["welcome"]) for m in group.sent[-3:])
    assert "5/9" in cards(group)[-1].text


async def test_the_map_needs_a_set_up_group(group: Group) -> None:
    p = people("en")
    await group.send(p.sanne, "/topics")
    assert "/start" in group.last.text
    assert group.last.buttons == []


async def test_a_forged_topic_on_the_map_changes_nothing(group: Group) -> None:
    p = people("en")
    await set_up(group, p)
    await group.press(p.ahmed, "Orientation")
    await group.send(p.ahmed, "/topics")
    shown = group.last
    card = cards(group)[-1]
    before = len(group.sent)
    query = await group.press_data(p.ahmed, "go:no.such.topic", shown)
    assert len(group.sent) == before
    assert "no longer works" in group.answers_to(query)[0]["text"]
    assert cards(group)[-1] is card
    assert "1/9" in card.text
