"""Coming back to a stage months later: a new round beside the old one, in English and in Dutch.

The clock is moved four months ahead between the rounds. What users see is asserted: the return
message with the date of the last round, last time's answers on the card, the side-by-side view
posted anew, the old card closed, and the progress line counting the new round.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db import chats
from bot.db.tx import Tx
from bot.domain.record import GroupRecord, TopicState, read_record
from bot.flows import session
from bot.flows.turn import Actor, Turn, Where
from bot.i18n import load_translators
from bot.offline.fake_api import Sent
from bot.ops.resources import locales_dir
from bot.render.messages import Result
from bot.render.pdf import counts, export_pdf
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA
from tests.support.telegram import Group, User
from tests.test_export import read as read_pdf
from tests.test_reminders import Clock, use_clock
from tests.test_session_scenario import DAVID

ORG_A = "Werkbedrijf De Brug"
ORG_B = "Bakkerij Van Dam"
AMBITION = "value-creation.orientation.ambition"


@dataclass(frozen=True)
class Words:
    """What one language's users type and read."""

    first: User
    second: User
    orientation: str
    stage_command: str
    next_topic: str
    back: str
    last_time: str
    agreed: str
    still_open: str
    closed: str
    side_by_side: str
    waiting_both: str
    everyone: str
    taken_into: str
    refused: str
    round_word: str
    no_answers: str


ENGLISH = Words(
    first=BEN,
    second=DAVID,
    orientation="Orientation",
    stage_command="/stage orientation",
    next_topic="Ready",
    back="Welcome back to Orientation. You were here on 4 September 2026: 9 of 9 topics "
    "discussed (8 of them skipped), 1 agreement and 1 open issue.",
    last_time="Last time",
    agreed="Agreed so far\n✓ We create 12 jobs in 2027",
    still_open="Still open\n• Who pays the travel costs?",
    closed="Round of 4 September 2026 – closed. The current card for this topic is further down.",
    side_by_side="Ambition – the answers side by side",
    waiting_both=f"Still waiting for: {ORG_A}, {ORG_B}",
    everyone="Everyone has answered.",
    taken_into="That card was from an earlier round, so I've added your answer to the current "
    "round of Orientation",
    refused="That card is from an earlier round of Orientation, which is over, so I haven't "
    "recorded this answer.",
    round_word="round",
    no_answers="Last time: no answers on this topic.",
)
DUTCH = Words(
    first=ANNA,
    second=CARLA,
    orientation="Oriëntatie",
    stage_command="/stage oriëntatie",
    next_topic="Klaar",
    back="Welkom terug bij Oriëntatie. Jullie waren hier op 4 september 2026: 9 van de 9 "
    "thema's besproken (waarvan 8 overgeslagen), 1 afspraak en 1 open punt.",
    last_time="Vorige keer",
    agreed="Tot nu toe afgesproken\n✓ We create 12 jobs in 2027",
    still_open="Nog open\n• Who pays the travel costs?",
    closed="Ronde van 4 september 2026 – afgesloten. De actuele kaart van dit thema staat "
    "verderop.",
    side_by_side="Ambitie – de antwoorden naast elkaar",
    waiting_both=f"We wachten nog op: {ORG_A}, {ORG_B}",
    everyone="Iedereen heeft geantwoord.",
    taken_into="Die kaart was van een eerdere ronde, dus ik heb je antwoord bij de huidige "
    "ronde van Oriëntatie gezet",
    refused="Die kaart hoort bij een eerdere ronde van Oriëntatie, en die ronde is voorbij. "
    "Daarom heb ik dit antwoord niet vastgelegd.",
    round_word="ronde",
    no_answers="Vorige keer: geen antwoorden op dit thema.",
)


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2026, 9, 4, 9, 0, tzinfo=dt.UTC))  # 11:00 in Amsterdam
    use_clock(group, found)
    return found


async def set_up(group: Group, w: Words) -> None:
    """Name both partners, take sides, choose Orientation."""
    await group.send(w.first, "/start")
    await group.reply(w.first, ORG_A, to=group.last)
    await group.reply(w.second, ORG_B, to=group.last)
    sides = group.last
    await group.press(w.first, ORG_A, on=sides)
    await group.press(w.second, ORG_B, on=sides)
    await group.press(w.first, w.orientation)


def card(group: Group, topic_words: str) -> Sent:
    return next(m for m in reversed(group.sent) if m.force_reply and topic_words in m.text)


def latest_card(group: Group) -> Sent:
    """The newest card (what follows it, such as a review of earlier agreements, may vary)."""
    return next(m for m in reversed(group.sent) if m.force_reply)


def position(group: Group, message: Sent) -> int:
    return next(i for i, m in enumerate(group.sent) if m.message_id == message.message_id)


async def first_round(group: Group, w: Words) -> tuple[Sent, Sent]:
    """Round 1: Ambition answered by both, an agreement and an open issue; the rest skipped.
    Returns the round's Ambition card and its side-by-side view."""
    await set_up(group, w)
    first_card = group.last
    await group.reply(w.first, "Ten jobs for people far from work", to=first_card)
    await group.reply(w.second, "A stable team for the bakery", to=first_card)
    view = group.last
    await group.send(w.first, "/agree We create 12 jobs in 2027")
    await group.press(w.second, group.last.buttons[0])  # Confirm
    await group.send(w.second, "/issue Who pays the travel costs?")
    for _ in range(9):
        await group.send(w.first, "/skip")
    return first_card, view


async def the_record(group: Group) -> GroupRecord:
    svc = services(group.app)
    return await svc.store.read(
        lambda conn: read_record(conn, svc.wheel, group.chat_id, svc.clock())
    )


@pytest.mark.parametrize("w", [ENGLISH, DUTCH], ids=["en", "nl"])
async def test_a_finished_stage_revisited_months_later(
    group: Group, clock: Clock, db_path: Path, w: Words
) -> None:
    old_card, old_view = await first_round(group, w)
    old_view_text = old_view.text

    clock.set("2027-01-04 09:00")  # four months later
    before = len(group.sent)
    await group.send(w.first, w.stage_command)
    intro, new_card = group.sent[before], latest_card(group)
    # The return and the first card; a message reviewing earlier agreements may follow it.
    assert position(group, new_card) == before + 1
    assert len(group.sent) - before <= 3
    assert w.back in intro.text
    # The card: last time's answers per organisation, dated; agreements and open issues;
    # the current round's counts (nobody has answered yet in this round).
    assert w.last_time in new_card.text
    assert f"{ORG_A}, 4 {'September' if w is ENGLISH else 'september'} 2026" in new_card.text
    assert "Ten jobs for people far from work" in new_card.text
    assert "A stable team for the bakery" in new_card.text
    assert w.agreed in new_card.text
    assert w.still_open in new_card.text
    assert w.waiting_both in new_card.text
    assert w.everyone not in new_card.text
    assert new_card.force_reply
    assert f"{w.orientation} 0/9" in new_card.text  # the new round starts at nothing
    # The old card is closed: it no longer invites answers.
    assert w.closed in old_card.text

    # New answers are kept beside the old ones; the side-by-side view is a new message.
    topic_start = len(group.sent)
    await group.reply(w.first, "Twelve jobs, and training on the job", to=new_card)
    assert "replaced" not in group.last.text
    assert "vervangen" not in group.last.text
    await group.reply(w.second, "Two apprentices a year", to=new_card)
    new_view = group.last
    assert new_view.message_id not in (old_view.message_id, new_card.message_id)
    assert w.side_by_side in new_view.text
    assert "Twelve jobs, and training on the job" in new_view.text
    assert "Ten jobs" not in new_view.text
    assert old_view.text == old_view_text  # the earlier round's view is left as it was
    assert f"{w.orientation} 1/9" in new_card.text  # the progress line counts the new round
    # Within the round a person still corrects their own answer.
    await group.reply(w.first, "Twelve jobs and two trainers", to=new_card)
    assert "Twelve jobs and two trainers" in new_view.text
    # Budget: a revisited topic costs at most four new group messages.
    # One Ready from each organisation moves on; a Ready is an edit, not a message.
    await group.press(w.second, w.next_topic, on=new_view)
    await group.press(w.first, w.next_topic, on=new_view)
    new_messages = len(group.sent) - topic_start
    assert new_messages <= 4, group.texts_since(topic_start)
    goals_card = latest_card(group)
    assert f"{w.orientation} 1/9" in goals_card.text
    assert w.no_answers in goals_card.text  # Goals was skipped last time
    # A whole revisited topic with an agreement: card, view, proposal; the next card is the
    # next topic's.
    goals_start = position(group, goals_card)
    await group.reply(w.first, "Report twice a year", to=goals_card)
    await group.reply(w.second, "And visit each other", to=goals_card)
    await group.send(w.first, "/agree We report twice a year")
    await group.press(w.second, group.last.buttons[0])  # Confirm
    await group.press(w.second, w.next_topic)
    await group.press(w.first, w.next_topic)
    assert "3/9" in latest_card(group).text
    assert position(group, latest_card(group)) - goals_start <= 4, group.texts_since(goals_start)

    # Both rounds are in the export data, and the document lists the earlier round.
    record = await the_record(group)
    ambition = next(r for r in record.topics if r.topic.id == AMBITION)
    assert [a.text for a in ambition.answers] == [
        "Twelve jobs and two trainers",
        "Two apprentices a year",
    ]
    assert [e.number for e in ambition.earlier] == [1]
    assert [a.text for a in ambition.earlier[0].answers] == [
        "Ten jobs for people far from work",
        "A stable team for the bakery",
    ]
    translator = load_translators(locales_dir())["en" if w is ENGLISH else "nl"]
    pdf = read_pdf(export_pdf(record, translator, None)).flat
    assert f"{w.round_word} 1," in pdf
    assert f"{w.round_word} 2," in pdf
    assert "Ten jobs for people far from work" in pdf
    assert "Two apprentices a year" in pdf

    # The rows: every answer of round 1 intact, round 2 beside it.
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT round, text FROM answers WHERE topic_id = ? ORDER BY round, id", (AMBITION,)
        ).fetchall()
        numbers = conn.execute("SELECT stage, number FROM rounds ORDER BY number").fetchall()
    assert rows == [
        (1, "Ten jobs for people far from work"),
        (1, "A stable team for the bakery"),
        (2, "Twelve jobs and two trainers"),
        (2, "Two apprentices a year"),
    ]
    assert numbers == [("orientation", 1), ("orientation", 2)]


@pytest.mark.parametrize("w", [ENGLISH, DUTCH], ids=["en", "nl"])
async def test_a_late_reply_to_an_old_card(group: Group, clock: Clock, w: Words) -> None:
    old_card, _ = await first_round(group, w)
    clock.set("2027-01-04 09:00")
    await group.send(w.first, w.stage_command)
    new_card = latest_card(group)
    # While the new round is open, a reply to the old card goes into it, and says so.
    await group.reply(w.second, "Still a stable team", to=old_card)
    assert w.taken_into in group.last.text
    assert ORG_B not in new_card.text.split("\n")[-1]  # no longer waited for
    record = await the_record(group)
    ambition = next(r for r in record.topics if r.topic.id == AMBITION)
    assert [a.text for a in ambition.answers] == ["Still a stable team"]
    assert [a.text for a in ambition.earlier[0].answers][1] == "A stable team for the bakery"

    # Once that round is over too (every topic skipped), a reply to a round-1 card is
    # kindly refused and changes nothing.
    for _ in range(9):
        await group.send(w.first, "/skip")
    before = await the_record(group)
    await group.reply(w.first, "One more thought", to=old_card)
    assert w.refused in group.last.text
    assert await the_record(group) == before


async def test_a_round_left_for_a_month_is_over_and_an_open_one_continues(
    group: Group, clock: Clock
) -> None:
    await set_up(group, ENGLISH)
    menu = next(
        m for m in group.sent if m.buttons == ["Orientation", "Integration", "Transformation"]
    )
    await group.reply(BEN, "Jobs", to=group.last)
    await group.reply(DAVID, "Bread", to=group.last)
    await group.press(BEN, "Ready")  # at topic 2 of round 1
    clock.set("2026-09-20 09:00")  # two weeks later: the same round goes on
    await group.send(BEN, "/stage orientation")
    assert "topic 2/9" in group.last.text
    assert "Welcome back" not in group.sent[-2].text
    before = len(group.sent)
    query = await group.press(DAVID, "Orientation", on=menu)  # the old menu: no second card
    assert len(group.sent) == before
    assert "You are working on Orientation already" in group.answers_to(query)[0]["text"]
    clock.set("2026-11-04 09:00")  # six weeks after the last activity: a new round
    await group.press(DAVID, "Orientation", on=menu)
    new_card = latest_card(group)
    intro = group.sent[position(group, new_card) - 1].text
    assert "You were here on 4 September 2026: 1 of 9 topics discussed" in intro
    assert "This is round 2" in intro
    assert "topic 1/9" in new_card.text
    assert "Last time" in new_card.text
    assert "Jobs" in new_card.text


async def test_an_edited_answer_is_changed_in_its_own_round(group: Group, clock: Clock) -> None:
    old_card, _ = await first_round(group, ENGLISH)
    first_answer = next(
        u["message"]
        for u in group.updates
        if u.get("message", {}).get("text", "").startswith("Ten")
    )
    clock.set("2027-01-04 09:00")
    await group.send(BEN, "/stage orientation")
    new_card = latest_card(group)
    second_answer = await group.reply(BEN, "Twelve jobs", to=new_card)
    await group.edit(second_answer, "Twelve jobs, two trainers")
    assert "I've updated your answer." in group.last.text
    await group.edit(first_answer, "Ten jobs (edited later)")
    record = await the_record(group)
    ambition = next(r for r in record.topics if r.topic.id == AMBITION)
    assert [a.text for a in ambition.answers] == ["Twelve jobs, two trainers"]
    assert ambition.earlier[0].answers[0].text == "Ten jobs (edited later)"
    assert old_card.message_id != new_card.message_id


async def test_start_round_starts_a_new_round_explicitly(group: Group, clock: Clock) -> None:
    """What a reminder's *Start now* calls: a new round even while the last one is open."""
    await set_up(group, ENGLISH)
    await group.reply(BEN, "Jobs", to=group.last)
    await group.reply(DAVID, "Bread", to=group.last)
    clock.set("2026-09-05 09:00")
    svc = services(group.app)
    where = Where(group.chat_id, "group", group.title, "en", "Europe/Amsterdam")

    async def start(conn: Tx) -> Result:
        turn = Turn(
            conn,
            svc.wheel,
            where,
            Actor(BEN.id, "Ben"),
            clock(),
            await chats.get(conn, group.chat_id),
        )
        return await session.start_round(turn, "orientation")

    result = await svc.store.write(start)
    # The return, round 1's card closed (an edit), and round 2's first card.
    welcome, closed, new_card = result.replies
    assert welcome.parts[0].msgid.startswith("Welcome back")  # type: ignore[union-attr]
    assert closed.edit is not None
    assert closed.remember is None
    assert new_card.remember == ("card", f"{AMBITION}:2")
    record = await the_record(group)
    assert record.progress()["orientation"].discussed == 0
    ambition = next(r for r in record.topics if r.topic.id == AMBITION)
    assert ambition.round == 2
    assert ambition.earlier[0].number == 1
    # Pressed twice: the empty new round is taken, not a third one.
    await svc.store.write(start)
    assert (await the_record(group)).topics[0].round == 2


async def test_progress_is_counted_the_same_in_all_five_places(group: Group, clock: Clock) -> None:
    """The card's progress line, /status, /summary, the picture and the export count the
    latest round of each stage: a topic is discussed when both answered it or it was skipped."""
    await first_round(group, ENGLISH)  # round 1: 1 answered, 8 skipped
    clock.set("2027-01-04 09:00")
    await group.send(BEN, "/stage orientation")
    await group.reply(BEN, "Twelve jobs", to=latest_card(group))
    await group.reply(DAVID, "Apprentices", to=latest_card(group))
    await group.press(DAVID, "Ready", on=group.last)
    await group.press(BEN, "Ready", on=group.last)
    await group.reply(BEN, "Only one side answered", to=latest_card(group))  # not discussed
    await group.send(BEN, "/skip")  # topic 2: skipped
    card3 = latest_card(group)
    # 1. The card.
    assert "Orientation 2/9 · Integration 0/9 · Transformation 0/3" in card3.text
    # 2. /status.
    await group.send(BEN, "/status")
    assert "Orientation: 1/9 answered, 1 skipped" in group.last.text
    # 3. /summary.
    await group.send(BEN, "/summary")
    assert "Discussed: Orientation 2/9 · Integration 0/9 · Transformation 0/3" in group.last.text
    record = await the_record(group)
    # 4. The picture: drawn from the record's states; only the new round's topics count.
    states = {r.topic.id: r.state for r in record.stage("orientation")}
    assert states["value-creation.orientation.goals"] is TopicState.SKIPPED  # round 2
    assert states["value-creation.orientation.motivation"] is TopicState.NOT_YET  # skipped in 1
    assert states[AMBITION] is TopicState.AGREED_AND_OPEN
    assert record.progress()["orientation"].discussed == 2
    # 5. The export's first page, in the card's words.
    assert counts(record).discussed == 2
    pdf = read_pdf(export_pdf(record, load_translators(locales_dir())["en"], None))
    first_page = " ".join(pdf.pages[0].split())
    assert "Topics discussed: Orientation 2/9 · Integration 0/9 · Transformation 0/3" in first_page
