"""A newcomer: someone who taps an organisation after the group has started is confirmed by a
colleague of that organisation, then reads a briefing in a private chat through a start deep
link. Played through the real application, in English and in Dutch: the other side's press, the
newcomer's own, a forged link and someone else's opening of the link are refused; two newcomers
at once, one who leaves, one who taps the other organisation, one who asks to be forgotten, and
a group that becomes a supergroup."""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.domain.buttons import AdmitNewcomer
from bot.offline.fake_api import Sent
from tests.support.telegram import Group, User
from tests.test_button_binding import STALE
from tests.test_erasure import person, private_chat_row, search
from tests.test_position import payload_of, private, rate
from tests.test_reminders import Clock, use_clock
from tests.test_two_groups import migrate_notices

ORG_A, ORG_B = "De Brug", "Van Dam"


@dataclass(frozen=True)
class Words:
    lang: str
    orientation: str
    confirm: str
    not_colleague: str
    briefing_button: str
    request: str
    confirmed: str
    other_side: str
    own_press: str
    not_representative: str
    waiting: str
    forged: str
    outsider: str
    briefing: tuple[str, ...]
    declined: str
    withdrawn: str
    left: str


ENGLISH = Words(
    lang="en",
    orientation="Orientation",
    confirm="Confirm",
    not_colleague="Not a colleague",
    briefing_button="Read the briefing",
    request=(
        "Eva would like to join De Brug. A colleague from De Brug confirms, so that nobody "
        "speaks for an organisation alone; until then Eva follows along."
    ),
    confirmed=(
        "✅ Eva represents De Brug from now on, confirmed by Anna. Eva: the briefing catches "
        "you up, privately."
    ),
    other_side="Only a colleague from De Brug can confirm Eva: someone who represents De Brug "
    "already.",
    own_press="A colleague from De Brug confirms you: you can't confirm yourself.",
    not_representative="Only the representatives of De Brug and Van Dam",
    waiting="A colleague from De Brug still has to confirm you; until then you follow along.",
    forged="This link does not work (any more): it may be old, or typed in by hand.",
    outsider="This briefing is for Eva, who joined De Brug.",
    briefing=(
        "Briefing for Eva: welcome! You represent De Brug in the group of De Brug and Van Dam.",
        "De Brug: Anna, Eva",
        "Van Dam: Bram",
        "Now: Orientation, topic Ambition.",
        "Orientation: 1/9 answered, 0 skipped",
        "✅ “We share one <coordinator> & a desk”",
        "check-up by",
        "❓ Who pays the coach?",
        "→ Action item: Van Dam, by",
        "Last position check",
        "The largest differences, to talk about:",
        "How it works",
        "reply to the card with your answer",
    ),
    declined="Bram did not confirm Eva as a colleague, so Eva does not represent Van Dam.",
    withdrawn="Eva no longer asks to join De Brug.",
    left="Eva no longer asks to join De Brug.",
)
DUTCH = Words(
    lang="nl",
    orientation="Oriëntatie",
    confirm="Bevestigen",
    not_colleague="Geen collega",
    briefing_button="Briefing lezen",
    request=(
        "Eva wil graag aansluiten bij De Brug. Een collega van De Brug bevestigt dat, zodat "
        "niemand in z’n eentje namens een organisatie spreekt; tot dan kijkt Eva mee."
    ),
    confirmed=(
        "✅ Eva vertegenwoordigt vanaf nu De Brug, bevestigd door Anna. Eva: in de briefing "
        "lees je privé wat je hebt gemist."
    ),
    other_side="Alleen een collega van De Brug kan Eva bevestigen: iemand die De Brug al "
    "vertegenwoordigt.",
    own_press="Een collega van De Brug bevestigt jou: jezelf bevestigen kan niet.",
    not_representative="Alleen de vertegenwoordigers van De Brug en Van Dam",
    waiting="Een collega van De Brug moet je nog bevestigen; tot dan kijk je mee.",
    forged="Deze link werkt niet (meer)",
    outsider="Deze briefing is voor Eva, die bij De Brug is gekomen.",
    briefing=(
        "Briefing voor Eva: welkom! Je vertegenwoordigt De Brug in de groep van De Brug en "
        "Van Dam.",
        "De Brug: Anna, Eva",
        "Van Dam: Bram",
        "Nu: Oriëntatie, thema Ambitie.",
        "Oriëntatie: 1/9 beantwoord, 0 overgeslagen",
        "✅ ‘We share one <coordinator> & a desk’",
        "volgende check-up op",
        "❓ Who pays the coach?",
        "→ Actiepunt: Van Dam, uiterlijk",
        "Laatste peiling",
        "De grootste verschillen, om samen te bespreken:",
        "Zo werkt het",
        "reageer op de kaart met je antwoord",
    ),
    declined="Bram heeft Eva niet als collega bevestigd, dus Eva vertegenwoordigt Van Dam niet.",
    withdrawn="Eva vraagt niet langer om aan te sluiten bij De Brug.",
    left="Eva vraagt niet langer om aan te sluiten bij De Brug.",
)
LANGUAGES = pytest.mark.parametrize("w", [ENGLISH, DUTCH], ids=["en", "nl"])


def people(w: Words) -> tuple[User, User, User, User, User]:
    """Anna (De Brug) and Bram (Van Dam) set the group up; Eva joins De Brug later; Carla is in
    the group and represents nobody; Femke joins later too."""
    return (
        User(2001, "Anna", w.lang),
        User(2002, "Bram", w.lang),
        User(2003, "Eva", w.lang),
        User(2004, "Carla", w.lang),
        User(2005, "Femke", w.lang),
    )


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))  # Monday 12:00 in Amsterdam
    use_clock(group, found)
    return found


def sides(group: Group) -> Sent:
    return next(m for m in reversed(group.sent) if ORG_A in m.buttons and ORG_B in m.buttons)


def card(group: Group) -> Sent:
    return next(m for m in reversed(group.sent) if m.force_reply)


def alert(group: Group, query: str) -> str:
    [answer] = group.answers_to(query)
    assert answer.get("show_alert") is True, answer
    return str(answer["text"])


def notice(group: Group, query: str) -> str:
    return str(group.answers_to(query)[0].get("text"))


async def started(group: Group, w: Words) -> tuple[User, User, User, User, User]:
    """Anna and Bram set the group up and work on Ambition: an agreement, an open issue that is
    Van Dam's action item, and a position check both organisations rated."""
    anna, bram, eva, carla, femke = people(w)
    await group.send(anna, "/start")
    await group.reply(anna, ORG_A, to=group.last)
    await group.reply(bram, ORG_B, to=group.last)
    await group.press(anna, ORG_A, on=sides(group))
    await group.press(bram, ORG_B, on=sides(group))
    await group.press(anna, w.orientation)
    await group.reply(anna, "Ten jobs", to=card(group))
    await group.reply(bram, "A stable team", to=card(group))
    await group.send(anna, "/agree We share one <coordinator> & a desk")
    await group.press(bram, w.confirm, on=group.last)
    await group.send(bram, "/issue Who pays the coach?")
    await group.send(anna, "/action 1 Van Dam in 2 weeks")
    await group.send(anna, "/position")
    offer = group.last
    await rate(group, anna, payload_of(offer), "111144441111")
    await rate(group, bram, payload_of(offer), "444411114444")
    return anna, bram, eva, carla, femke


async def ask_to_join(group: Group, who: User, org: str) -> Sent:
    await group.send(who, "/partners")
    await group.press(who, org, on=sides(group))
    return group.last


@LANGUAGES
async def test_a_newcomer_confirmed_by_a_colleague_reads_the_briefing_privately(
    group: Group, clock: Clock, w: Words, db_path: Path
) -> None:
    if w.lang == "nl":
        await group.send(User(2001, "Anna", "nl"), "/language nl")
    anna, bram, eva, carla, _ = await started(group, w)

    # A newcomer costs the group one message: the request, edited once confirmed.
    before = len(group.sent)
    await group.press(eva, ORG_A, on=sides(group))
    request = group.last
    assert len(group.sent) == before + 1
    assert request.text == w.request
    assert request.buttons == [w.confirm, w.not_colleague]
    assert "Eva" not in sides(group).text  # not a representative yet
    # Until a colleague confirms her, Eva does not answer for De Brug.
    await group.reply(eva, "Mine", to=card(group))
    assert group.last.text == w.waiting

    # Bram is of the other organisation; Eva cannot confirm herself; Carla is nobody's.
    assert alert(group, await group.press(bram, w.confirm, on=request)) == w.other_side
    assert alert(group, await group.press(eva, w.confirm, on=request)) == w.own_press
    assert alert(group, await group.press(carla, w.not_colleague, on=request)) == w.other_side
    assert request.buttons == [w.confirm, w.not_colleague]

    # Anna, of De Brug, confirms: one line in place of the request, no new message.
    before, as_shown = len(group.sent), copy.deepcopy(request)
    await group.press(anna, w.confirm, on=request)
    assert len(group.sent) == before
    assert request.text == w.confirmed
    assert request.buttons == [w.briefing_button]
    assert "Anna, Eva" in sides(group).text
    # A second press (from a client that still shows the buttons) changes nothing.
    second = await group.press(anna, w.confirm, on=as_shown)
    assert "Eva" in notice(group, second)
    assert request.text == w.confirmed

    link = payload_of(request)
    # A forged payload, someone outside the organisations and someone else of the group: refused.
    mine = private(group, eva)
    await mine.send(eva, "/start " + "x" * 22)
    assert w.forged in mine.last.text
    for other in (carla, bram):
        theirs = private(group, other)
        await theirs.send(other, f"/start {link}")
        assert w.outsider in theirs.last.text
        assert "coordinator" not in theirs.last.text

    # Eva opens her link: the briefing, in her private chat.
    before = len(mine.sent)
    await mine.send(eva, f"/start {link}")
    briefing = "\n\n".join(m.text for m in mine.sent[before:])
    for words in w.briefing:
        assert words in briefing, words
    assert all(len(m.text) <= 4096 for m in mine.sent)

    # Now she answers for De Brug.
    await group.reply(eva, "Twelve jobs", to=card(group))
    assert group.reacted(group.updates[-1]["message"]) == ["👍"]

    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status, decided_by FROM newcomers").fetchall() == [
            ("confirmed", anna.id)
        ]


@LANGUAGES
async def test_not_a_colleague_leaves_the_newcomer_without_a_side(
    group: Group, clock: Clock, w: Words
) -> None:
    if w.lang == "nl":
        await group.send(User(2001, "Anna", "nl"), "/language nl")
    _, bram, eva, _, _ = await started(group, w)
    request = await ask_to_join(group, eva, ORG_B)
    await group.press(bram, w.not_colleague, on=request)
    assert request.text.startswith(w.declined)
    assert request.buttons == []
    assert "Eva" not in sides(group).text
    await group.send(eva, "/agree Something")
    assert w.not_representative in group.last.text


async def test_two_newcomers_a_switch_and_one_who_leaves(group: Group, clock: Clock) -> None:
    anna, bram, eva, carla, femke = await started(group, ENGLISH)
    eva_asks = await ask_to_join(group, eva, ORG_A)
    old_copy = copy.deepcopy(eva_asks)
    femke_asks = await ask_to_join(group, femke, ORG_A)
    # Two requests wait side by side; each is confirmed on its own message.
    await group.press(anna, "Confirm", on=femke_asks)
    assert "Femke represents De Brug from now on" in femke_asks.text
    assert eva_asks.buttons == ["Confirm", "Not a colleague"]
    # Forged: the other request's confirmation pressed on this one's message.
    query = await group.press_data(anna, AdmitNewcomer(99999, admit=True).pack(), eva_asks)
    assert notice(group, query) == STALE
    # Eva taps Van Dam instead: her De Brug request is withdrawn, a Van Dam one waits.
    to_van_dam = await ask_to_join(group, eva, ORG_B)
    assert eva_asks.text == ENGLISH.withdrawn
    assert eva_asks.buttons == []
    assert "Eva would like to join Van Dam" in to_van_dam.text
    query = await group.press(anna, "Confirm", on=to_van_dam)
    assert "Only a colleague from Van Dam" in alert(group, query)
    # Eva leaves the group: her request is withdrawn, and a late press changes nothing.
    await group.feed({"message": group.message_dict(eva, left_chat_member=eva.to_dict())})
    assert to_van_dam.text == "Eva no longer asks to join Van Dam."
    query = await group.press(anna, "Confirm", on=old_copy)
    assert "no longer open" in notice(group, query)

    # Someone who switches sides is a newcomer on the other side: Femke stays De Brug's until
    # Bram confirms her for Van Dam.
    switch = await ask_to_join(group, femke, ORG_B)
    assert "Femke would like to join Van Dam" in switch.text
    assert "De Brug</b>: Anna, Femke" in sides(group).html or "De Brug: Anna, Femke" in (
        sides(group).text
    )
    await group.press(bram, "Confirm", on=switch)
    assert "Van Dam: Bram, Femke" in sides(group).text
    assert "De Brug: Anna\n" in sides(group).text + "\n"
    assert carla.id  # Carla never asked: she stays nobody's


async def test_before_the_first_stage_people_take_their_sides_at_once(group: Group) -> None:
    anna, bram, eva, _, _ = people(ENGLISH)
    await group.send(anna, "/start")
    await group.reply(anna, ORG_A, to=group.last)
    await group.reply(bram, ORG_B, to=group.last)
    for who, org in ((anna, ORG_A), (bram, ORG_B), (eva, ORG_A)):
        await group.press(who, org, on=sides(group))
    assert "De Brug: Anna, Eva" in sides(group).text
    assert not any("would like to join" in m.text for m in group.sent)


async def test_a_pending_newcomer_who_asks_to_be_forgotten_leaves_nothing(
    group: Group, clock: Clock, db_path: Path
) -> None:
    anna, _, _, _, _ = await started(group, ENGLISH)
    zoe = User(733519864, "Zoëlle", "en", last_name="Vreeswijk")
    request = await ask_to_join(group, zoe, ORG_A)
    assert search(db_path, person(zoe)) != []
    chat = private(group, zoe)
    await chat.send(zoe, "/forgetme")
    await chat.press(zoe, "Yes, forget me")
    assert "erased from 1 group" in chat.last.text
    hits = [str(h) for h in search(db_path, person(zoe)) if not private_chat_row(h)]
    assert hits == []
    query = await group.press(anna, "Confirm", on=request)
    assert "no longer open" in alert(group, query)


async def test_a_request_moves_with_the_group_to_a_supergroup(
    group: Group, clock: Clock, db_path: Path
) -> None:
    _, _, eva, _, _ = await started(group, ENGLISH)
    await ask_to_join(group, eva, ORG_A)
    supergroup = replace(group, chat_id=-1001234567890, kind="supergroup")
    await migrate_notices(group, supergroup)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT chat_id, status FROM newcomers").fetchall() == [
            (supergroup.chat_id, "pending")
        ]
    # Eva's tap in the supergroup finds her request still waiting there.
    await supergroup.send(eva, "/partners")
    query = await supergroup.press(eva, ORG_A, on=supergroup.last)
    assert notice(supergroup, query) == (
        "You asked to join De Brug: a colleague from De Brug confirms you."
    )
