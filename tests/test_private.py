"""Answering privately (a blind round), played through the real application in English and Dutch:
``/private on|off`` told to the group, the card's *Answer privately* start deep link opened by
people who never talked to the bot, answers taken in the private chat (a reply, or the next text
message) and confirmed there, the card showing that an organisation has answered and never what,
the answers side by side in the group once both organisations have answered; refusals (an
outsider, a forged link, a link while switched off, a topic the group has left, a round that is
over); answers kept per round; the suggestion on the sensitive topics; and the message budget with
two organisations of three people answering privately."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.wheel import SENSITIVE_TOPICS, load_wheel
from bot.offline.fake_api import FakeBotApi, Sent
from bot.ops.resources import wheel_file
from bot.services import services
from tests.conftest import BEN, DAAN
from tests.support.telegram import Group, User
from tests.test_export import read
from tests.test_position import payload_of, private
from tests.test_session_scenario import set_up

AMY = User(1011, "Amy", "en")
DAVID = User(1005, "David", "en")
ORG_A, ORG_B = "Werkbedrijf <De Brug> & Co", "Bakkerij *Van Dam*"
RESPONSIBILITY = "resources.integration.responsibility"
TRANSPARENCY = "partnership-processes.orientation.transparency"
AMBITION = "value-creation.orientation.ambition"


def group_sends(api: FakeBotApi, chat_id: int) -> int:
    """New messages the bot sent into one chat (edits and reactions are not new messages)."""
    return sum(
        1
        for c in api.calls
        if c.method == "sendMessage" and not c.error and c.params.get("chat_id") == chat_id
    )


def answers_in(db_path: Path, topic: str) -> list[tuple[int, int, str, int, int]]:
    """(round, slot, text, private, message id) of every answer on a topic, as stored."""
    with sqlite3.connect(db_path) as conn:
        return [
            tuple(row)
            for row in conn.execute(
                "SELECT round, slot, text, private, message_id FROM answers WHERE topic_id = ?"
                " ORDER BY round, slot, id",
                (topic,),
            )
        ]


def the_card(group: Group, words: str) -> Sent:
    """The newest topic card whose text has ``words``."""
    return next(m for m in reversed(group.sent) if "topic " in m.text and words in m.text)


def test_the_sensitive_topics_are_in_the_wheel() -> None:
    wheel = load_wheel(wheel_file())
    names = sorted(wheel.topic(topic).name for topic in SENSITIVE_TOPICS)
    assert names == ["Responsibility", "Risk", "Transparency", "Trust"]


async def test_a_private_round_in_english(group: Group, db_path: Path, api: FakeBotApi) -> None:
    await set_up(group, BEN, DAVID, extra=AMY)
    await group.send(BEN, "/stage integration")
    for _ in range(5):
        await group.send(BEN, "/skip")
    card = group.last
    assert "Responsibility" in card.text
    assert "topic 6/9" in card.text
    # A sensitive topic suggests answering privately, in one line of its card.
    assert "A sensitive topic: it may help to answer privately first. /private on" in card.text
    assert card.force_reply
    assert card.buttons == []

    # Anyone may ask; only a representative switches it; the group is told, the card changes.
    await group.send(DAAN, "/private")
    assert "Answering privately is off: you answer by replying to the card." in group.last.text
    await group.send(DAAN, "/private on")
    assert group.last.text.startswith("Only the representatives of")
    before = len(group.sent)
    await group.send(DAVID, "/private on")
    assert len(group.sent) == before + 1  # the news; the card is edited, not sent again
    assert "David switched on answering privately." in group.last.text
    assert "The group sees who has answered, not what, until both organisations have" in (
        group.last.text
    )
    assert card.buttons == ["Answer privately"]
    assert "Or tap Answer privately: then the group sees that you have answered, not what" in (
        card.text
    )
    assert "A sensitive topic" not in card.text  # switched on: no need to suggest it
    await group.send(AMY, "/private on")
    assert group.last.text == "Answering privately is already on."
    payload = payload_of(card)

    # Ben has never talked to the bot: the link starts his private chat with the question.
    ben = private(group, BEN)
    assert ben.sent == []
    sent_before = len(group.sent)
    await ben.send(BEN, f"/start {payload}")
    prompt = ben.last
    assert prompt.text.startswith(f"Answer privately for {ORG_A}")
    assert "Integration · Resources · topic 6/9" in prompt.text
    assert "Responsibility\nTo what extent" in prompt.text
    assert "Reply to this message with your answer, or simply send it here." in prompt.text
    assert f"not what, until {ORG_B} has answered too" in prompt.text
    assert prompt.force_reply
    # His next text message (not a reply) is his answer, confirmed in his chat.
    await ben.send(BEN, "We train & coach; <b>you</b> supervise")
    assert ben.last.text == (
        f"Thank you, your answer on Responsibility is in, for {ORG_A}.\n\n"
        f"It stays hidden until {ORG_B} has answered too; the group only sees that you have "
        "answered. To change it, send a new answer here."
    )
    # The group sees that De Brug has answered, never what: the card is edited, nothing new.
    assert len(group.sent) == sent_before
    assert f"Answered: {ORG_A} – Ben · {ORG_B} – nobody yet" in card.text
    assert f"Still waiting for: {ORG_B}" in card.text
    assert not any("We train" in m.text for m in group.sent)
    # Not in the export either.
    await group.send(DAAN, "/export")
    document = group.last
    assert document.file is not None
    assert "We train" not in read(document.file[1]).flat
    sent_before = len(group.sent)

    # Amy replies to her prompt; Ben changes his answer.
    amy = private(group, AMY)
    await amy.send(AMY, f"/start {payload}")
    await amy.reply(AMY, "Our coaches stay responsible for the people", to=amy.last)
    assert f"your answer on Responsibility is in, for {ORG_A}" in amy.last.text
    await ben.send(BEN, "We train and coach; you supervise on the floor")
    assert ben.last.text.startswith(
        "Thank you, I've replaced your earlier answer on Responsibility."
    )
    await ben.send(BEN, f"/start {payload}")
    assert "Your answer so far: “We train and coach; you supervise on the floor”." in (
        ben.last.text
    )
    assert f"Answered: {ORG_A} – Ben, Amy · {ORG_B} – nobody yet" in card.text

    # Refused: an outsider (with why), a forged link; what the outsider then types is not taken.
    daan = private(group, DAAN)
    await daan.send(DAAN, f"/start {payload}")
    assert daan.last.text == (
        f"Only the representatives of {ORG_A} and {ORG_B} can answer here. If you work for one "
        "of them, send /partners in the group and tap your organisation, then open the link again."
    )
    await daan.send(DAAN, "/start " + "A" * 22)
    assert "This link does not work (any more)" in daan.last.text
    await daan.send(DAAN, "/start " + payload[:-1] + ("A" if payload[-1] != "A" else "B"))
    assert "This link does not work (any more)" in daan.last.text
    said = len(daan.sent)
    await daan.send(DAAN, "Van Dam is never on time")
    assert len(daan.sent) == said
    assert len(group.sent) == sent_before
    assert [a[1] for a in answers_in(db_path, RESPONSIBILITY)] == [1, 1]

    # David answers: both organisations have, and both answers appear together in the group.
    david = private(group, DAVID)
    await david.send(DAVID, f"/start {payload}")
    assert f"{ORG_A} has answered already: as soon as you answer" in david.last.text
    await david.reply(DAVID, "We supervise, you coach", to=david.last)
    assert "Both organisations have answered: the answers are side by side in the group now." in (
        david.last.text
    )
    assert len(group.sent) == sent_before + 1
    view = group.last
    assert "Responsibility – the answers side by side" in view.text
    assert f"{ORG_A}\n— Ben: We train and coach; you supervise on the floor" in view.text
    assert "— Amy: Our coaches stay responsible for the people" in view.text
    assert f"{ORG_B}\n— David: We supervise, you coach" in view.text
    assert view.buttons == ["Propose an agreement", "Note an open issue", "Ready"]
    assert "Everyone has answered." in card.text
    # Stored in the group's round, marked private, with no message id of the private chat.
    assert answers_in(db_path, RESPONSIBILITY) == [
        (1, 1, "We train and coach; you supervise on the floor", 1, 0),
        (1, 1, "Our coaches stay responsible for the people", 1, 0),
        (1, 2, "We supervise, you coach", 1, 0),
    ]

    # The group moves on: a late private answer is refused kindly, and so is the old link.
    await group.press(BEN, "Ready", on=view)
    risk = group.last
    assert "Risk" in risk.text
    assert risk.buttons == ["Answer privately"]
    assert payload_of(risk) != payload
    await amy.send(AMY, "And the paperwork is ours")
    assert amy.last.text == (
        "Thank you. The group has moved on from Responsibility since, so I haven't recorded this "
        "answer; you can still bring it up in the group.\n\n"
        "To answer the current topic, Risk, tap Answer privately on its card in the group."
    )
    await david.send(DAVID, f"/start {payload}")
    assert "The group has moved on from Responsibility since this card" in david.last.text
    assert len(answers_in(db_path, RESPONSIBILITY)) == 3


async def test_a_private_round_in_dutch_keeps_its_rounds(
    group: Group, db_path: Path, api: FakeBotApi
) -> None:
    anna, bram, eva = User(2001, "Anna", "nl"), User(2002, "Bram", "nl"), User(2003, "Eva", "nl")
    await group.send(anna, "/start")
    await group.reply(anna, "Werkbedrijf De Brug", to=group.last)
    await group.reply(bram, "Bakkerij Van Dam", to=group.last)
    sides = group.last
    await group.press(anna, "Werkbedrijf De Brug", on=sides)
    await group.press(bram, "Bakkerij Van Dam", on=sides)
    await group.send(bram, "/private aan")
    assert "Bram heeft privé antwoorden aangezet." in group.last.text
    await group.send(anna, "/stage oriëntatie")
    ambition = group.last
    assert "Ambitie" in ambition.text
    assert ambition.buttons == ["Privé antwoorden"]
    assert "Of tik op Privé antwoorden: dan ziet de groep wel dát je hebt geantwoord" in (
        ambition.text
    )

    # Anna answers Ambitie privately; Van Dam never does, and the group skips on.
    chat_anna = private(group, anna)
    first_link = payload_of(ambition)
    await chat_anna.send(anna, f"/start {first_link}")
    assert chat_anna.last.text.startswith("Privé antwoorden namens Werkbedrijf De Brug")
    await chat_anna.send(anna, "Twaalf banen, maar dat zeggen we nog niet hardop")
    assert "Het blijft verborgen tot ook Bakkerij Van Dam heeft geantwoord" in chat_anna.last.text
    for _ in range(8):
        await group.send(anna, "/skip")
    transparency = group.last
    assert "Openheid" in transparency.text
    assert "thema 9/9" in transparency.text
    payload = payload_of(transparency)

    # Switched off: the card loses its button and suggests it (a sensitive topic); the link is
    # refused meanwhile. Switched on again, the same link works.
    await group.send(anna, "/private uit")
    assert "Anna heeft privé antwoorden uitgezet" in group.last.text
    assert transparency.buttons == []
    assert "Een gevoelig thema: misschien helpt het om eerst privé te antwoorden." in (
        transparency.text
    )
    chat_bram = private(group, bram)
    await chat_bram.send(bram, f"/start {payload}")
    assert chat_bram.last.text.startswith("In je groep is privé antwoorden uitgezet.")
    await group.send(anna, "/private")
    assert group.last.text.startswith("Privé antwoorden staat uit")
    await group.send(anna, "/private aan")
    assert payload_of(transparency) == payload
    # Eva is not a representative; a link typed by hand does not work.
    chat_eva = private(group, eva)
    await chat_eva.send(eva, f"/start {payload}")
    assert chat_eva.last.text.startswith(
        "Alleen de vertegenwoordigers van Werkbedrijf De Brug en Bakkerij Van Dam kunnen hier "
        "antwoorden."
    )
    await chat_eva.send(eva, "/start nep_link_123")
    assert chat_eva.last.text.startswith("Deze link werkt niet (meer)")

    # Both answer Openheid privately; the answers appear side by side only then.
    at_card = group_sends(api, group.chat_id)
    await chat_bram.send(bram, f"/start {payload}")
    assert "Openheid" in chat_bram.last.text
    await chat_bram.reply(bram, "We delen onze cijfers per kwartaal", to=chat_bram.last)
    assert "Het blijft verborgen tot ook Werkbedrijf De Brug heeft geantwoord" in (
        chat_bram.last.text
    )
    assert "Bakkerij Van Dam – Bram" in transparency.text
    assert not any("cijfers" in m.text for m in group.sent)
    await chat_anna.send(anna, f"/start {payload}")
    assert "Bakkerij Van Dam heeft al geantwoord: zodra jij antwoordt" in chat_anna.last.text
    await chat_anna.send(anna, "Wij delen wat we weten, ook als het tegenzit")
    assert "de antwoorden staan nu naast elkaar in de groep" in chat_anna.last.text
    view = group.last
    assert "Openheid – de antwoorden naast elkaar" in view.text
    assert "— Bram: We delen onze cijfers per kwartaal" in view.text
    assert "— Anna: Wij delen wat we weten, ook als het tegenzit" in view.text
    assert group_sends(api, group.chat_id) == at_card + 1  # the answers view, nothing else

    # The stage ends; coming back starts round 2 with new cards and new links.
    await group.press(anna, "Klaar", on=view)
    assert "Dat was het laatste thema van" in group.last.text
    await group.send(bram, "/stage oriëntatie")
    assert any("Welkom terug bij" in m.text for m in group.sent[-3:])
    again = group.last
    assert "Ambitie" in again.text
    # The private answer nobody matched in round 1 stays unseen on the new card.
    assert "Vorige keer</b>: geen antwoorden op dit thema." in again.html
    assert "Twaalf banen" not in again.text
    assert again.buttons == ["Privé antwoorden"]
    assert payload_of(again) != first_link
    assert ambition.buttons == []  # round 1's card is closed, its button gone
    # A link of round 1 takes no answers in round 2.
    await chat_bram.send(bram, f"/start {first_link}")
    assert chat_bram.last.text.startswith(
        "Deze kaart van Ambitie is van een eerdere ronde, dus hier kun je niet meer antwoorden."
    )
    # His next message still goes to the newest question in his chat: Openheid, left since.
    await chat_bram.send(bram, "Een vast team")
    assert chat_bram.last.text == (
        "Dank je. De groep is intussen al verder dan Openheid, dus dit antwoord heb ik niet "
        "vastgelegd; je kunt het nog wel in de groep inbrengen.\n\n"
        "Voor het huidige thema, Ambitie, tik je in de groep op Privé antwoorden bij die kaart."
    )
    # Anna replies to her question of round 1: refused, the round is over.
    await chat_anna.reply(anna, "Toch twaalf banen", to=chat_anna.sent[0])
    assert chat_anna.last.text.startswith(
        "Dank je. Die vraag over Ambitie was van een eerdere ronde, dus dit antwoord heb ik niet "
        "vastgelegd."
    )
    await chat_bram.send(bram, f"/start {payload_of(again)}")
    await chat_bram.send(bram, "Een vast team, nu echt")
    assert "Het blijft verborgen tot ook Werkbedrijf De Brug heeft geantwoord" in (
        chat_bram.last.text
    )
    assert answers_in(db_path, AMBITION) == [
        (1, 1, "Twaalf banen, maar dat zeggen we nog niet hardop", 1, 0),
        (2, 2, "Een vast team, nu echt", 1, 0),
    ]
    assert [a[:3] for a in answers_in(db_path, TRANSPARENCY)] == [
        (1, 1, "Wij delen wat we weten, ook als het tegenzit"),
        (1, 2, "We delen onze cijfers per kwartaal"),
    ]
    # The record (summary, picture, export) shows the revealed round, never a hidden answer.
    record = await services(group.app).files.record(group.chat_id)
    by_topic = {t.topic.id: t for t in record.topics}
    assert by_topic[AMBITION].answers == ()
    assert [r.answers for r in by_topic[AMBITION].earlier] in ([], [()])
    assert [a.text for r in by_topic[TRANSPARENCY].earlier for a in r.answers] == [
        "Wij delen wat we weten, ook als het tegenzit",
        "We delen onze cijfers per kwartaal",
    ]


WORDS = {
    "en": {
        "stage": "Integration", "next": "Ready", "confirm": "Confirm",
        "button": "Answer privately", "on": "/private on",
    },
    "nl": {
        "stage": "Integratie", "next": "Klaar", "confirm": "Bevestigen",
        "button": "Privé antwoorden", "on": "/private aan",
    },
}  # fmt: skip
#: New group messages allowed from one topic card to the next one (that card included).
PER_TOPIC = 4


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_private_answers_keep_the_message_budget(
    group: Group, api: FakeBotApi, language: str
) -> None:
    """Two organisations of three people answer every topic of Integration privately (half by
    replying to the question, half by simply sending it); an agreement is proposed and
    confirmed and an open issue noted per topic. The group gets at most four new messages a
    topic, as without answering privately."""
    words = WORDS[language]
    first = [User(4001 + n, name, language) for n, name in enumerate(["Anna", "Ahmed", "Amira"])]
    second = [User(4101 + n, name, language) for n, name in enumerate(["Bram", "Bo", "Britt"])]
    await group.send(first[0], "/start")
    await group.reply(first[0], "Werkbedrijf De Brug", to=group.last)
    await group.reply(second[0], "Bakkerij Van Dam", to=group.last)
    sides = group.last
    for person in first:
        await group.press(person, "Werkbedrijf De Brug", on=sides)
    for person in second:
        await group.press(person, "Bakkerij Van Dam", on=sides)
    await group.send(second[1], words["on"])
    await group.press(first[0], words["stage"])
    chats = {person.id: private(group, person) for person in (*first, *second)}

    per_topic: list[int] = []
    for number in range(1, 10):
        card = group.last
        assert f"{number}/9" in card.text
        assert card.buttons == [words["button"]]
        payload = payload_of(card)
        at_card = group_sends(api, group.chat_id)
        for index, person in enumerate(
            [p for pair in zip(first, second, strict=True) for p in pair]
        ):
            chat = chats[person.id]
            await chat.send(person, f"/start {payload}")
            text = f"{person.first_name} on topic {number}"
            if index % 2:
                await chat.reply(person, text, to=chat.last)
            else:
                await chat.send(person, text)
            if person is second[0]:
                # Anna and Bram have answered: the answers are side by side, and no sooner.
                assert sum(1 for m in group.sent if f"on topic {number}" in m.text) == 1
        view = group.last
        assert all(f"{p.first_name} on topic {number}" in view.text for p in (*first, *second))
        await group.send(first[1], f"/agree We agree on topic {number}")
        await group.press(second[2], words["confirm"], on=group.last)
        await group.send(second[1], f"/issue Still open on topic {number}")
        # One Ready from each organisation moves on (Anna, who set the group up, does not press).
        await group.press(first[2], words["next"], on=view)
        await group.press(second[2], words["next"], on=view)
        per_topic.append(group_sends(api, group.chat_id) - at_card)

    print(f"{language}: new group messages per topic {per_topic}")
    assert max(per_topic) <= PER_TOPIC, per_topic
    # Each answer was confirmed in its private chat, once.
    confirmations = Counter(
        c.params["chat_id"]
        for c in api.calls
        if c.method == "sendMessage" and c.params.get("chat_id", 0) > 0
    )
    assert set(confirmations.values()) == {9 * 2}  # a question and a confirmation per topic
