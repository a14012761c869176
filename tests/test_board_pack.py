"""The picture and the export as partners hand them to their boards (issue #27): the first page
of the export says what was agreed, what is open and who picks it up, what was resolved and when,
when the partners look again and where they stand; the wheel follows without its title; the
picture's names read on a phone and its legend says what each colour means; soft hyphens in
the catalog break long names on the picture and nowhere else."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from bot.domain.record import GroupRecord, ReminderEntry, TopicState, read_record
from bot.domain.wheel import load_wheel
from bot.i18n import load_translators
from bot.ops.resources import locales_dir, wheel_file
from bot.render import worker
from bot.render.picture import STATE_COLOURS, wheel_layout
from bot.render.picture.layout import RING_GAP, RING_OUTER, strip_radii, topic_radii
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA
from tests.support.records import board_record
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ready
from tests.test_export import Pdf, read
from tests.test_reminders import Clock, use_clock
from tests.test_rounds import DUTCH, set_up

WHEEL = load_wheel(wheel_file())
T = load_translators(locales_dir())


def exported(language: str, record: GroupRecord | None = None) -> Pdf:
    record = record or board_record(language)
    return read(worker.make("export", dataclasses.replace(record, language=language), WHEEL))


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


# The export's first page ------------------------------------------------------------------


def test_the_first_page_is_what_a_board_reads() -> None:
    first = flat(exported("en").pages[0])
    order = [
        "Werkplaats Zuid and Bakkerij De Zon",
        "Prepared on 20 March 2027",
        "Topics discussed: Orientation 7/9 · Integration 2/9 · Transformation 0/3",
        "Agreements (3)",
        "1. Ambition Werkplaats Zuid plaatst elk jaar tien deelnemers",
        "Confirmed on 5 March 2026; next check-up by 2 June 2027.",
        "Open issues and proposals (4)",
        "1. Goals Wie betaalt de werkbegeleider in de nachtploeg?",
        "→ Action item: Bakkerij De Zon, by 15 April 2027.",
        "2. Motivation We spreken elk kwartaal met de deelnemers zelf.",
        "Proposal of 1 March 2027, waiting for confirmation by Bakkerij De Zon.",
        "3. Equality Wie beslist als we het oneens zijn?",
        "Noted on 6 March 2027; no one has picked it up yet.",
        "4. Visibility Willen we samen naar buiten treden",
        "→ Who picks it up: Werkplaats Zuid and Bakkerij De Zon; the date is still to be chosen.",
        "Resolved (1)",
        "Goals Hoe meten we doorstroom precies? Resolved on 11 April 2026.",
        "Next review",
        "4 May 2027: Integration again (your reminder).",
        "Where we stand",
        "Position check of 3 March 2027, from 1 (transactional) to 4 (transformational):",
        "Value creation: Werkplaats Zuid 2.4 · Bakkerij De Zon 3",
    ]
    places = [first.index(part) for part in order]
    assert places == sorted(places)
    # The dropped agreement is history, not an agreement of the board page.
    assert "bestelbus" not in first


def test_the_first_page_in_dutch() -> None:
    first = flat(exported("nl").pages[0])
    for part in (
        "Opgesteld op 20 maart 2027",
        "Besproken thema's: Oriëntatie 7/9 · Integratie 2/9 · Transformatie 0/3",
        "Afspraken (3)",
        "Bevestigd op 5 maart 2026; volgende check-up uiterlijk 2 juni 2027.",
        "Open punten en voorstellen (4)",
        "→ Actiepunt: Bakkerij De Zon, uiterlijk 15 april 2027.",
        "Voorstel van 1 maart 2027; wacht op bevestiging door Bakkerij De Zon.",
        "Opgelost (1)",
        "Opgelost op 11 april 2026.",
        "Volgende bespreking",
        "4 mei 2027: opnieuw Integratie (jullie herinnering).",
        "Peiling van 3 maart 2027, van 1 (transactioneel) tot 4 (transformationeel):",
        "Waardecreatie: Werkplaats Zuid 2,4 · Bakkerij De Zon 3",
        "Gebaseerd op het wiel Impact through Collaboration, de Bell & Bakker 2024, "
        "Hogeschool Utrecht",
    ):
        assert part in first, part


def test_the_wheel_follows_without_a_second_title_then_the_record() -> None:
    pdf = exported("en")
    assert pdf.pages[1].startswith("The wheel")
    # The picture comes without its own title: the partners' names are the first page's
    # title and each footer, and nowhere in the image's place.
    assert flat(pdf.pages[1]).count("Werkplaats Zuid and Bakkerij De Zon") == 1  # the footer
    assert pdf.pages[2].startswith("Orientation")
    body = flat(" ".join(pdf.pages[2:]))
    # Resolved issues stay in the record with their day; agreements keep their history.
    assert (
        "Resolved issue Hoe meten we doorstroom precies? Noted by Sanne Bakker (Bakkerij De Zon) "
        "on 5 March 2026. Resolved by Joost de Wit (Werkplaats Zuid) on 11 April 2026."
    ) in body
    assert "Changed on 2 March 2027; was: “Werkplaats Zuid plaatst elk jaar acht" in body
    assert "Dropped agreement De bakkerij stelt een bestelbus beschikbaar." in body
    assert "Check-up of 2 September 2026:" in body
    assert "round 1, 2 March 2026" in body


def test_a_date_once_per_round_not_on_every_answer() -> None:
    body = flat(" ".join(exported("en").pages[2:]))
    ambition = body[body.index("Ambition · Value creation") : body.index("Goals · Value creation")]
    # Round 2's two answers came on one day: the date is beside the first only.
    assert ambition.count("round 2, 1 March 2027") == 1
    assert ambition.count("round 1, 2 March 2026") == 1


def test_headings_stay_with_their_content() -> None:
    for language in ("nl", "en"):
        pdf = exported(language)
        stages = [T[language].gettext(s.name) for s in WHEEL.stages]
        for page in pdf.pages[2:]:
            lines = [line for line in page.splitlines() if line.strip()][:-1]  # no footer
            # No page ends with a stage's heading (and its subtitle) or a topic's heading.
            tail = lines[-2:]
            assert not any(line in stages for line in tail), (language, tail)
            assert not lines[-1].startswith("  ·  "), (language, lines[-1])


def test_the_bars_have_the_colours_of_the_picture() -> None:
    data = exported("en").data
    drawn = set()
    for body in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            import zlib

            content = zlib.decompress(body)
        except Exception:
            continue
        drawn |= set(re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) RG", content))
    colours = {tuple(round(float(c) * 255) for c in rgb) for rgb in drawn}
    assert STATE_COLOURS[TopicState.AGREED] in colours
    assert STATE_COLOURS[TopicState.OPEN_ISSUE] in colours


def test_no_soft_hyphen_or_stray_hyphen_in_the_export() -> None:
    for language in ("nl", "en"):
        text = exported(language).text
        assert "\u00ad" not in text
        assert not re.search(r"\w-\w", flat(text).replace("Check-up", "").replace("check-up", ""))
    assert "Verantwoordelijkheid" in exported("nl").text  # named whole among the not yet


# The next review --------------------------------------------------------------------------


def test_the_next_review_is_the_reminder_or_the_check_up_whichever_comes_first() -> None:
    record = board_record("en")
    found = record.next_review()
    assert found is not None
    assert (found.day, found.stage, found.checkups) == (dt.date(2027, 5, 4), "integration", 0)
    later = dataclasses.replace(
        record,
        reminders=(ReminderEntry("integration", dt.datetime(2027, 7, 1, 10, tzinfo=dt.UTC)),),
    )
    found = later.next_review()
    assert found is not None
    assert (found.day, found.stage, found.checkups) == (dt.date(2027, 6, 2), None, 2)
    assert "2 June 2027: the check-up of 2 agreements." in flat(exported("en", later).pages[0])
    none = dataclasses.replace(
        record,
        reminders=(),
        topics=tuple(dataclasses.replace(r, agreements=()) for r in record.topics),
    )
    assert none.next_review() is None


# The picture --------------------------------------------------------------------------------


def test_stage_names_head_their_own_ring() -> None:
    for ring in range(len(RING_OUTER)):
        strip_inner, strip_outer = strip_radii(ring)
        # The strip touches its own topics ...
        assert strip_inner == topic_radii(ring)[1]
        # ... and white space parts it from the ring outside it.
        if ring:
            assert topic_radii(ring - 1)[0] - strip_outer == RING_GAP > 0


@pytest.mark.parametrize("language", ["nl", "en"])
def test_names_read_on_a_phone(language: str) -> None:
    """Telegram shows a photo about 360 px wide: the smallest topic name stays at 9 px or
    more there (30 px on the 1200 px picture), the Dutch Integration ring included."""
    record = board_record(language)
    layout = wheel_layout(record, worker.labels(record, WHEEL, T[language]))
    sizes = {s.label.size for s in layout.segments.values()}
    assert min(sizes) * 360 / 1200 >= 9, sizes


def test_the_legend_says_what_each_colour_means_and_the_source_is_credited() -> None:
    record = board_record("nl")
    labels = worker.labels(record, WHEEL, T["nl"])
    assert labels.states[TopicState.ANSWERED] == "Door beide beantwoord, nog niets vastgelegd"
    assert labels.states[TopicState.OPEN_ISSUE] == "Open punt of voorstel"
    assert "één organisatie" in labels.states[TopicState.NOT_YET]
    layout = wheel_layout(record, labels)
    assert layout.source.lines == (
        "Gebaseerd op het wiel Impact through Collaboration, de Bell & Bakker 2024, "
        "Hogeschool Utrecht",
    )
    english = worker.labels(record, WHEEL, T["en"])
    assert english.states[TopicState.ANSWERED] == "Answered by both, nothing recorded yet"


# Through the bot ----------------------------------------------------------------------------


async def test_no_message_shows_a_soft_hyphen(group: Group) -> None:
    await set_up(group, DUTCH)
    await group.send(ANNA, "/topics")
    topics = group.last
    label = next(b for b in topics.buttons if "Verantwoordelijkheid" in b)
    await group.press(ANNA, label, on=topics)
    assert "Verantwoordelijkheid" in group.last.text
    await group.send(CARLA, "/issue Wie tekent het contract?")
    await group.send(ANNA, "/summary")
    await group.send(ANNA, "/status")
    for sent in group.sent:
        assert "\u00ad" not in sent.text
        assert not any("\u00ad" in button for button in sent.buttons)


async def test_resolved_issues_and_the_reminder_reach_the_export(group: Group) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    use_clock(group, clock)
    await ready(group)
    await group.send(BEN, "/issue Who pays the training?")
    await group.send(BEN, "/issues")
    clock.set("2027-03-03 12:00")
    await group.press(DAVID, "1 · Mark resolved", on=group.last)
    await group.send(BEN, "/remind 4 May 2027 integration")
    svc = services(group.app)
    record = await svc.store.read(
        lambda conn: read_record(conn, svc.wheel, group.chat_id, svc.clock())
    )
    ambition = record.topics[0]
    assert ambition.issues == ()
    (resolved,) = ambition.resolved
    assert resolved.text == "Who pays the training?"
    assert resolved.resolved_at is not None
    assert resolved.resolved_at.date() == dt.date(2027, 3, 3)
    assert resolved.resolved_by is not None
    assert resolved.resolved_by.name == "David"
    found = record.next_review()
    assert found is not None
    assert (found.day, found.stage) == (dt.date(2027, 5, 4), "integration")
    await group.send(BEN, "/export")
    document = group.last
    assert document.file is not None
    pdf = read(document.file[1])
    first = flat(pdf.pages[0])
    assert "Resolved (1) Ambition Who pays the training? Resolved on 3 March 2027." in first
    assert "4 May 2027: Integration again (your reminder)." in first
    assert "Resolved by David (Van Dam) on 3 March 2027." in flat(pdf.text)
