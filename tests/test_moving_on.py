"""Who moves on, cards that close, nudges and small celebrations (issue #26, points 2, 3 and 8),
played through the real application in English and in Dutch, as the group sees them.

The group: Sanne set it up and represents De Brug with Ahmed (who has a username); Bram (no
username) and Britt (a username) represent Van Dam; Carla is in the group without a side.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.jobs import nudging
from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import services
from tests.support.telegram import Group, User
from tests.test_reminders import Clock, running_at, use_clock

ORG_A, ORG_B = "Werkbedrijf De Brug", "Bakkerij Van Dam"
START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)  # 10:00 in Amsterdam


@dataclass(frozen=True)
class People:
    sanne: User  # set up the group; De Brug
    ahmed: User  # De Brug, @ahmed_db
    bram: User  # Van Dam, no username
    britt: User  # Van Dam, @britt_vd
    carla: User  # no side


def people(language: str) -> People:
    return People(
        User(5001, "Sanne", language),
        User(5002, "Ahmed", language, username="ahmed_db"),
        User(5003, "Bram", language),
        User(5004, "Britt", language, username="britt_vd"),
        User(5005, "Carla", language),
    )


@dataclass(frozen=True)
class Words:
    orientation: str
    transformation: str
    ready: str
    view: str
    who_moves_on: str
    noted: str
    already_ready: str
    ready_line: str
    moved_on: str
    discussed: str
    discussed_plain: str
    late: str
    nudge: str
    reply_card: str
    everyone: str
    reminder: str
    switched_on: str
    invitation: str
    halfway: str
    first_agreement: str
    confirm: str
    recap_lines: tuple[str, ...]
    export: str
    rate: str


ENGLISH = Words(
    orientation="Orientation",
    transformation="Transformation",
    ready="Ready",
    view="Ambition – the answers side by side",
    who_moves_on="Talked it through? Once someone from each organisation has pressed Ready, you "
    "go on to the next topic. Sanne, who set up this group, can move you on with one press.",
    noted=f"Noted: {ORG_B} is ready. Waiting for a Ready from {ORG_A}.",
    already_ready=f"{ORG_B} is ready already; waiting for a Ready from {ORG_A}.",
    ready_line=f"Ready: {ORG_B} (Bram) · waiting for {ORG_A}",
    moved_on="You have already moved on from this topic.",
    discussed="Discussed on 4 December 2026: 1 agreement, 1 open issue; reply to this message to "
    "add something.",
    discussed_plain="Discussed on 4 December 2026; reply to this message to add something.",
    late="Thank you, Britt! Your answer is with Ambition, even though you have moved on since.",
    nudge="Bram would like to hear from you on <b>Ambition</b>:",
    reply_card="Reply to the card with your answer, or to this message.",
    everyone="Everyone has answered Ambition already.",
    reminder="No answers on Ambition yet. Just so you know: an answer has to be a reply to the "
    "card (on a phone, swipe left on it). Messages that are not replies don't reach me. Replying "
    "to this message works too.",
    switched_on="Britt switched on invitations of the quieter organisation",
    invitation=f"<b>{ORG_A}</b>: so far only Sanne has answered Ambition for you. "
    "@ahmed_db, how do you see it? Reply to the card with your "
    "answer.",
    halfway="Halfway through Transformation – well done so far!",
    first_agreement="🎉 Your first agreement – a good start!",
    confirm="Confirm",
    recap_lines=(
        "That was the last topic of Transformation. Here is your recap.",
        "Discussed: Synergy, Ecosystem",
        "1 agreement\n✓ Synergy: We meet every quarter",
        "1 open issue\n• Ecosystem: Who pays for the training?",
        "Skipped: Embeddedness",
        "Share what you recorded with your boards: /export makes a PDF of it, with the answers of "
        "both organisations.",
        "Thank you all for talking this through so openly.",
    ),
    export="Export as PDF",
    rate="Rate privately",
)
DUTCH = Words(
    orientation="Oriëntatie",
    transformation="Transformatie",
    ready="Klaar",
    view="Ambitie – de antwoorden naast elkaar",
    who_moves_on="Alles besproken? Zodra iemand van elke organisatie op Klaar heeft gedrukt, gaan "
    "jullie verder met het volgende thema. Sanne, die deze groep heeft ingesteld, kan dat ook met "
    "één druk op de knop.",
    noted=f"Genoteerd: {ORG_B} is klaar. Nu wachten op {ORG_A}.",
    already_ready=f"{ORG_B} had al op Klaar gedrukt; nu wachten op {ORG_A}.",
    ready_line=f"Klaar: {ORG_B} (Bram) · wachten op {ORG_A}",
    moved_on="Dit thema ligt al achter jullie.",
    discussed="Besproken op 4 december 2026: 1 afspraak, 1 open punt; reageer op dit bericht om "
    "nog iets toe te voegen.",
    discussed_plain="Besproken op 4 december 2026; reageer op dit bericht om nog iets toe te "
    "voegen.",
    late="Dank je, Britt! Je antwoord staat bij Ambitie, ook al is de groep inmiddels verder.",
    nudge="Bram hoort graag nog iets over <b>Ambitie</b> van:",
    reply_card="Reageer op de kaart met je antwoord, of op dit bericht.",
    everyone="Iedereen heeft al op Ambitie geantwoord.",
    reminder="Nog geen antwoorden op Ambitie. Goed om te weten: een antwoord moet een reactie op "
    "de kaart zijn (op de telefoon: veeg de kaart naar links). Een los bericht in de groep "
    "bereikt mij niet. Reageren op dit bericht kan ook.",
    switched_on="Britt heeft de uitnodigingen aan de stillere organisatie aangezet",
    invitation=f"<b>{ORG_A}</b>: op Ambitie heeft tot nu toe alleen Sanne geantwoord. "
    "@ahmed_db, hoe kijk jij ertegenaan? Reageer op de kaart met je "
    "antwoord.",
    halfway="Halverwege Transformatie – goed bezig!",
    first_agreement="🎉 Jullie eerste afspraak – een mooi begin!",
    confirm="Bevestigen",
    recap_lines=(
        "Dat was het laatste thema van Transformatie. Hier is jullie overzicht.",
        "Besproken: Synergie, Ecosysteem",
        "1 afspraak\n✓ Synergie: We meet every quarter",
        "1 open punt\n• Ecosysteem: Who pays for the training?",
        "Overgeslagen: Verankering",
        "Deel wat jullie hebben vastgelegd met jullie bestuur of directie: /pdf zet het in één "
        "document, met de antwoorden van beide organisaties.",
        "Dank jullie wel voor dit open gesprek.",
    ),
    export="Exporteren als pdf",
    rate="Privé invullen",
)
LANGUAGES = pytest.mark.parametrize(
    ("language", "w"), [("en", ENGLISH), ("nl", DUTCH)], ids=["en", "nl"]
)


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(START)
    use_clock(group, found)
    return found


async def set_up(group: Group, p: People, *, setter_takes_a_side: bool = True) -> None:
    """Sanne sends /start and names both partners; the others take their sides."""
    await group.send(p.sanne, "/start")
    await group.reply(p.sanne, ORG_A, to=group.last)
    await group.reply(p.sanne, ORG_B, to=group.last)
    sides = group.last
    for person, org in [(p.ahmed, ORG_A), (p.bram, ORG_B), (p.britt, ORG_B)]:
        await group.press(person, org, on=sides)
    if setter_takes_a_side:
        await group.press(p.sanne, ORG_A, on=sides)


async def orientation(group: Group, p: People, w: Words) -> Sent:
    """Set up and choose Orientation; returns the first card."""
    await set_up(group, p)
    await group.press(p.ahmed, w.orientation)
    return group.last


def cards(group: Group) -> list[Sent]:
    return [m for m in group.sent if m.force_reply]


def sends(api: FakeBotApi) -> int:
    return sum(1 for c in api.calls if c.method == "sendMessage" and not c.error)


async def remind(group: Group, clock: Clock, minutes: float) -> int:
    """Move the clock to ``minutes`` after the start and let the job look, as it does every
    minute; returns how many cards it reminded."""
    clock.now = START + dt.timedelta(minutes=minutes)
    svc = services(group.app)
    count = await nudging.remind_due(group.app.bot, svc, svc.clock())
    await svc.outbox.idle()
    return count


# -- who moves on, and cards that close ---------------------------------------------------------


@LANGUAGES
async def test_one_ready_from_each_organisation_moves_on_and_closes_the_card(
    group: Group, clock: Clock, language: str, w: Words
) -> None:
    p = people(language)
    card = await orientation(group, p, w)
    await group.reply(p.ahmed, "Jobs", to=card)
    await group.reply(p.bram, "Bread", to=card)
    view = group.last
    assert w.view in view.text
    assert view.buttons[-1] == w.ready
    assert w.who_moves_on in view.text  # the view says who may move on
    await group.send(p.bram, "/agree We meet every quarter")
    await group.press(p.ahmed, w.confirm)
    await group.send(p.ahmed, "/issue Who pays?")

    # Van Dam is ready: the card and the view say so; no new message, and still topic 1.
    before = sends(group.api)
    query = await group.press(p.bram, w.ready, on=view)
    assert group.answers_to(query)[0]["text"] == w.noted
    assert w.ready_line in view.text
    assert w.ready_line in card.text
    # Britt, also of Van Dam: her organisation is ready already; nothing changes.
    query = await group.press(p.britt, w.ready, on=view)
    assert group.answers_to(query)[0]["text"] == w.already_ready
    assert sends(group.api) == before
    assert cards(group)[-1] is card

    # De Brug is ready too: the next card, and the first one closed.
    await group.press(p.ahmed, w.ready, on=view)
    assert cards(group)[-1] is not card
    assert "2/9" in cards(group)[-1].text
    assert w.discussed in card.text
    assert w.ready_line not in card.text
    assert group.api.messages[(group.chat_id, card.message_id)].edits > 0

    # A late reply to the closed card is still taken, and the card stays closed.
    closed = card.text
    late = await group.reply(p.britt, "Also bread", to=card)
    assert group.reacted(late) == ["👍"]
    assert group.last.text == w.late
    assert card.text == closed
    assert "Also bread" in view.text
    # A Ready on the old view changes nothing.
    query = await group.press(p.ahmed, w.ready, on=view)
    assert group.answers_to(query)[0]["text"] == w.moved_on
    assert "2/9" in cards(group)[-1].text


async def test_the_person_who_set_up_the_group_moves_on_with_one_press(
    group: Group, clock: Clock
) -> None:
    """Sanne set the group up and took no side: she does not answer, but one press of hers
    moves on. Carla, without a side, is refused."""
    p = people("en")
    await set_up(group, p, setter_takes_a_side=False)
    await group.press(p.ahmed, "Orientation")
    card = group.last
    await group.reply(p.ahmed, "Jobs", to=card)
    await group.reply(p.bram, "Bread", to=card)
    view = group.last
    assert (
        "Talked it through? Once someone from each organisation has pressed Ready, you go on to "
        "the next topic. The person who set up this group can move you on with one press."
        in view.text
    )
    refused = await group.press(p.carla, "Ready", on=view)
    answer = group.answers_to(refused)[0]
    assert answer["show_alert"] is True
    assert answer["text"].startswith("Only the representatives of")
    assert cards(group)[-1] is card
    await group.press(p.sanne, "Ready", on=view)
    assert "topic 2/9" in cards(group)[-1].text
    assert ENGLISH.discussed_plain in card.text
    # Going back closes a card too; this one had an answer of De Brug only.
    second = cards(group)[-1]
    await group.reply(p.ahmed, "Goals", to=second)
    await group.send(p.ahmed, "/back")
    assert "topic 1/9" in cards(group)[-1].text
    assert (
        "Left on 4 December 2026 before both organisations had answered; reply to this message to "
        "answer after all." in second.text
    )


async def test_ready_marks_are_forgotten_when_the_group_leaves_a_topic(group: Group) -> None:
    """Van Dam was ready on topic 1, the group skipped on and came back with /back: topic 1
    asks for both organisations again."""
    p = people("en")
    card = await orientation(group, p, ENGLISH)
    await group.reply(p.ahmed, "Jobs", to=card)
    await group.reply(p.bram, "Bread", to=card)
    await group.press(p.bram, "Ready", on=group.last)
    await group.send(p.ahmed, "/skip")
    await group.send(p.ahmed, "/back")
    again = cards(group)[-1]
    assert "topic 1/9" in again.text
    assert "Ready:" not in again.text
    view = next(m for m in reversed(group.sent) if "Ready" in m.buttons)
    await group.press(p.ahmed, "Ready", on=view)
    assert cards(group)[-1] is again  # only De Brug is ready now


# -- nudges -------------------------------------------------------------------------------------


@LANGUAGES
async def test_nudge_names_who_has_not_answered(group: Group, language: str, w: Words) -> None:
    p = people(language)
    card = await orientation(group, p, w)
    await group.reply(p.sanne, "Jobs", to=card)
    await group.send(p.bram, "/nudge")
    nudge = group.last
    # Ahmed by his username, Britt by her username... and nobody who answered or nudged.
    assert nudge.html == (f"{w.nudge}\n\n{ORG_A}: @ahmed_db\n{ORG_B}: @britt_vd\n\n{w.reply_card}")
    assert nudge.reply_to == card.message_id
    # Britt answers by replying to the nudge: that is an answer on the card.
    answer = await group.reply(p.britt, "Bread", to=nudge)
    assert group.reacted(answer) == ["👍"]
    assert "Britt" in card.text.split("\n")[-2]
    # Sanne nudges: Bram, who has no username, is named by a link to his id.
    await group.send(p.sanne, "/nudge")
    assert group.last.html == (
        f"{w.nudge.replace('Bram', 'Sanne')}\n\n{ORG_A}: @ahmed_db\n"
        f'{ORG_B}: <a href="tg://user?id=5003">Bram</a>\n\n{w.reply_card}'
    )
    await group.reply(p.ahmed, "More jobs", to=card)
    await group.reply(p.bram, "More bread", to=card)
    await group.send(p.bram, "/nudge")
    assert group.last.text == w.everyone


async def test_nudge_before_a_stage_and_by_someone_without_a_side(group: Group) -> None:
    p = people("en")
    await set_up(group, p)
    await group.send(p.bram, "/nudge")
    assert group.last.text == "There is no topic to answer yet: choose a stage with /stage."
    await group.send(p.carla, "/nudge")
    assert group.last.text.startswith("Only the representatives of")
    await group.send(p.bram, "/nudge everyone")
    assert group.last.text.startswith("Send /nudge to name the people")


@LANGUAGES
async def test_a_card_without_an_answer_gets_one_reminder_after_ten_minutes(
    group: Group, clock: Clock, language: str, w: Words
) -> None:
    p = people(language)
    card = await orientation(group, p, w)
    before = len(group.sent)
    assert await remind(group, clock, 9) == 0
    assert len(group.sent) == before
    assert await remind(group, clock, 10) == 1
    reminder = group.last
    assert reminder.text == w.reminder
    assert reminder.reply_to == card.message_id
    assert await remind(group, clock, 30) == 0  # once
    assert len(group.sent) == before + 1
    # A reply to the reminder is an answer on the card.
    answer = await group.reply(p.bram, "Bread", to=reminder)
    assert group.reacted(answer) == ["👍"]
    # The next card is answered within ten minutes: no reminder there.
    await group.reply(p.ahmed, "Jobs", to=card)
    await group.press(p.sanne, w.ready, on=group.last)
    second = cards(group)[-1]
    await group.reply(p.ahmed, "Goals", to=second)
    assert await remind(group, clock, 60) == 0
    assert len(group.sent) == before + 3  # the reminder, the answers view and the second card


async def test_the_reminder_is_decided_by_the_database_across_a_restart(tmp_path: Path) -> None:
    """The job only wakes up: a restart neither loses a due reminder nor sends it twice, and a
    card the group has left, or a group that removed the bot, gets none."""
    api, db = FakeBotApi(), tmp_path / "wheel.sqlite"
    p = people("en")
    clock = Clock(START)
    async with running_at(db, api, clock) as group:
        await orientation(group, p, ENGLISH)
    # The bot was down while the ten minutes passed.
    async with running_at(db, api, clock) as group:
        assert await remind(group, clock, 25) == 1
        assert group.last.text == ENGLISH.reminder
    async with running_at(db, api, clock) as group:
        assert await remind(group, clock, 40) == 0
        await group.send(p.ahmed, "/skip")  # topic 2 opens at minute 40
        assert await remind(group, clock, 49) == 0
        await group.send(p.ahmed, "/skip")  # topic 2 left without answers: no reminder
        await group.remove_bot(p.ahmed)  # and topic 3 is in a group the bot left
        assert await remind(group, clock, 90) == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT topic_id, reminded_at IS NOT NULL, closed_at IS NOT NULL FROM card_watch"
            " ORDER BY opened_at"
        ).fetchall()
    assert [(reminded, closed) for _, reminded, closed in rows] == [
        (1, 1),
        (0, 1),
        (0, 0),
    ]


@LANGUAGES
async def test_the_quieter_organisation_is_invited_once_when_asked_for(
    group: Group, language: str, w: Words
) -> None:
    p = people(language)
    card = await orientation(group, p, w)
    # Off by default: two voices of Van Dam, one of De Brug, and no invitation.
    await group.reply(p.sanne, "Jobs", to=card)
    await group.reply(p.bram, "Bread", to=card)
    await group.reply(p.britt, "Cake", to=card)
    assert not any("@ahmed_db" in m.html for m in group.sent)
    await group.press(p.sanne, w.ready, on=group.last)

    await group.send(p.britt, "/nudge auto on")
    assert group.last.text.startswith(w.switched_on)
    card = cards(group)[-1]
    await group.reply(p.sanne, "Jobs", to=card)
    await group.reply(p.bram, "Bread", to=card)
    before = len(group.sent)
    await group.reply(p.britt, "Cake", to=card)
    # The view, edited; and De Brug invited by name, in reply to the card.
    assert len(group.sent) == before + 1
    invitation = group.last
    assert invitation.html == w.invitation.replace("Ambition", "Goals").replace(
        "Ambitie", "Doelen"
    )
    assert invitation.reply_to == card.message_id
    # Once per topic: another answer of Van Dam does not invite again.
    await group.reply(p.britt, "Cake, and coffee", to=card)
    await group.reply(p.bram, "Rye bread", to=card)
    assert len(group.sent) == before + 3  # two "replaced your answer" replies
    assert sum(1 for m in group.sent if "@ahmed_db" in m.html) == 1

    await group.send(p.britt, "/nudge auto off")
    await group.press(p.sanne, w.ready)
    card = cards(group)[-1]
    for person in (p.sanne, p.bram, p.britt):
        await group.reply(person, "Yes", to=card)
    assert sum(1 for m in group.sent if "@ahmed_db" in m.html) == 1


# -- stage endings and small celebrations -------------------------------------------------------


@LANGUAGES
async def test_a_stage_ends_with_topic_names_the_export_and_thanks(
    group: Group, clock: Clock, language: str, w: Words
) -> None:
    p = people(language)
    await set_up(group, p)
    await group.send(p.ahmed, "/stage transformation")
    first = group.last
    assert w.halfway not in first.text
    await group.reply(p.ahmed, "Once a quarter", to=first)
    await group.reply(p.bram, "Every month", to=first)
    await group.send(p.bram, "/agree We meet every quarter")
    proposal = group.last
    await group.press(p.ahmed, w.confirm, on=proposal)
    # The first agreement is marked in the message that records it.
    assert proposal.text.endswith(w.first_agreement)
    await group.press(p.sanne, w.ready)
    # The middle topic's card marks the halfway point, in a line of its own.
    middle = cards(group)[-1]
    assert "2/3" in middle.text
    assert w.halfway in middle.text.split("\n\n")
    await group.reply(p.ahmed, "We adapt", to=middle)
    await group.reply(p.bram, "We adapt too", to=middle)
    await group.send(p.bram, "/issue Who pays for the training?")
    await group.send(p.sanne, "/skip")  # past Ecosystem (answered), onto the last topic
    await group.send(p.sanne, "/skip")  # the last topic skipped: the recap, then the owners
    recap, walk = group.sent[-2:]
    assert "Who pays for the training?" in walk.text  # who picks it up: bot/flows/actions.py
    assert w.halfway not in cards(group)[-1].text  # marked once
    for line in w.recap_lines:
        assert line in recap.text, line
    assert recap.buttons[-2:] == [w.export, w.rate]
    # A second agreement is not the first.
    await group.send(p.bram, "/agree We keep it simple")
    await group.press(p.ahmed, w.confirm)
    assert w.first_agreement not in group.last.text


async def test_what_is_kept_about_a_username_and_a_ready_is_shown_and_forgotten(
    group: Group, db_path: Path
) -> None:
    """The username a nudge mentions is among what /mydata shows, and /forgetme erases it; the
    organisation's Ready stays, without the id of who pressed it."""
    p = people("en")
    card = await orientation(group, p, ENGLISH)
    await group.reply(p.ahmed, "Jobs", to=card)
    await group.send(p.ahmed, "/nudge")  # names Britt by her username
    assert "@britt_vd" in group.last.text
    await group.reply(p.britt, "Bread", to=card)
    await group.press(p.britt, "Ready", on=group.last)
    britt = Group(group.app, group.api, chat_id=p.britt.id, kind="private", title="")
    await britt.send(p.britt, "/mydata")
    assert "• Pilot partners: Britt (@britt_vd), for Bakkerij Van Dam" in britt.last.text
    await britt.send(p.britt, "/forgetme")
    await britt.press(p.britt, "Yes, forget me")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM members WHERE username = 'britt_vd'"
        ).fetchone() == (0,)
        assert conn.execute("SELECT slot, user_id FROM ready_marks").fetchall() == [(2, None)]
        # The nudge that went out is kept a while in the outbox: without her username or id.
        texts = [str(r[0]) for r in conn.execute("SELECT text FROM outbox")]
        assert any("would like to hear from you" in t for t in texts)
        assert not any("britt_vd" in t or str(p.britt.id) in t for t in texts)
