"""Agreement check-ups, played through the real application with the clock moved months ahead:
review dates set at confirmation, the check-up the job posts when they fall due, marks hidden
until both organisations have marked, a Partly that opens an open issue, /checkup on demand, and
/summary showing the latest check-up; in English and in Dutch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.db import Store, maintenance, migration_files
from bot.domain.buttons import MarkCheckup
from bot.domain.record import CheckupEntry
from bot.flows import checkups
from bot.i18n import load_translators
from bot.jobs import checking
from bot.offline.fake_api import Sent
from bot.ops.resources import locales_dir
from bot.render.pdf import export_pdf
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA
from tests.support.records import FIRST, SECOND, sample_record
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ORG_A, join, ready
from tests.test_export import read, replace_topic
from tests.test_reminders import Clock, use_clock


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))  # Monday 12:00 in Amsterdam
    use_clock(group, found)
    return found


async def post_due(group: Group) -> int:
    """What the check-up job does when it looks; waits for the delivery."""
    svc = services(group.app)
    count = await checking.post_due(group.app.bot, svc, svc.clock())
    await svc.outbox.idle()
    return count


async def agree(group: Group, text: str) -> None:
    """Ben proposes ``text`` on the current topic and David confirms it."""
    await group.send(BEN, f"/agree {text}")
    await group.press(DAVID, group.last.buttons[0])  # Confirm / Bevestigen


async def with_colleague(group: Group) -> None:
    """Ben (De Brug) and David (Van Dam) at topic 1; Anna joins De Brug as Ben's colleague."""
    await ready(group)
    await join(group, ANNA, ORG_A, BEN)


def sends(group: Group) -> int:
    return sum(1 for c in group.api.calls if c.method == "sendMessage" and not c.error)


def notice(group: Group, query: str) -> str:
    return str(group.answers_to(query)[0]["text"])


def review_dates(db_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT text, review_due FROM agreements WHERE status = 'confirmed' ORDER BY id"
        ).fetchall()


def checkups_in(group: Group) -> list[Sent]:
    return [m for m in group.sent if "Check-up</b>" in m.html or "Check-up" in m.text[:40]]


async def test_review_dates_come_from_the_stage_reminder_or_three_months(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")
    assert review_dates(db_path) == [("We create 12 jobs in 2027", "2027-06-01")]
    # A reminder for Orientation: the next agreement of that stage is checked on its day.
    await group.send(BEN, "/remind 15 April 2027 orientation")
    await group.send(BEN, "/skip")
    await agree(group, "We report our impact twice a year")
    assert review_dates(db_path)[1] == ("We report our impact twice a year", "2027-04-15")
    await group.send(CARLA, "/summary")
    summary = group.last.text
    assert "check-up by 1 June 2027" in summary
    assert "check-up by 15 April 2027" in summary


async def test_the_job_posts_one_check_up_when_review_dates_fall_due(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")
    await group.send(BEN, "/skip")
    await agree(group, "We share one coordinator")
    await group.send(BEN, "/remind 15 April 2027 orientation")
    await group.send(BEN, "/skip")
    await agree(group, "We report our impact twice a year")

    clock.set("2027-04-15 07:59")  # 09:59 in Amsterdam: not yet
    assert await post_due(group) == 0
    clock.set("2027-04-15 08:00")
    before = sends(group)
    assert await post_due(group) == 1
    assert sends(group) == before + 1  # one message
    first = group.last
    assert first.text.startswith(
        "⏰ Check-up of 15 April 2027: 1 agreement has reached its check-up date."
    )
    assert "1. Motivation: “We report our impact twice a year”" in first.text
    assert "12 jobs" not in first.text
    assert first.buttons == ["1 · Kept", "1 · Partly", "1 · Not kept"]
    clock.set("2027-04-16 09:00")
    assert await post_due(group) == 0  # posted once, though nobody marked it

    # Months later the other two fall due together: one check-up lists both, and the first
    # agreement, still unmarked, is not posted again.
    clock.set("2027-06-01 08:00")
    assert await post_due(group) == 1
    second = group.last
    assert "2 agreements have reached their check-up date" in second.text
    assert "1. Ambition: “We create 12 jobs in 2027”" in second.text
    assert "2. Goals: “We share one coordinator”" in second.text
    assert "twice a year" not in second.text
    assert len(second.buttons) == 6
    assert await post_due(group) == 0

    # Marked by both: the next check-up is three months on, and then it is posted again.
    await group.press(BEN, "1 · Kept", on=second)
    await group.press(DAVID, "1 · Kept", on=second)
    assert review_dates(db_path)[0] == ("We create 12 jobs in 2027", "2027-09-01")
    clock.set("2027-09-01 08:00")
    assert await post_due(group) == 1
    assert "12 jobs" in group.last.text
    assert "twice a year" not in group.last.text


async def test_a_check_up_kept_and_partly_hidden_until_both_have_marked(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await with_colleague(group)
    await agree(group, "We create 12 jobs in 2027")
    await group.send(BEN, "/skip")
    await agree(group, "We report our impact twice a year")
    clock.set("2027-06-01 09:00")

    before = sends(group)
    await group.send(DAVID, "/checkup")
    checkup = group.last
    assert checkup.text.startswith("Check-up of 1 June 2027: are your 2 agreements kept?")
    assert "I keep a mark hidden until both organisations have marked that agreement" in (
        checkup.text
    )
    assert "1. Ambition: “We create 12 jobs in 2027”\n    Not marked yet." in checkup.text
    assert checkup.buttons == [
        "1 · Kept", "1 · Partly", "1 · Not kept", "2 · Kept", "2 · Partly", "2 · Not kept",
    ]  # fmt: skip

    # Agreement 1: De Brug says Kept; the group sees only that De Brug has marked.
    query = await group.press(BEN, "1 · Kept", on=checkup)
    assert notice(group, query) == "Noted for De Brug: Kept. Hidden until Van Dam has marked too."
    assert "Marked by De Brug; waiting for Van Dam." in checkup.text
    assert "Kept" not in checkup.text.replace("1 · Kept", "")
    # An outsider cannot mark.
    query = await group.press(CARLA, "1 · Not kept", on=checkup)
    assert group.answers_to(query)[0]["show_alert"] is True
    assert "Only the representatives" in notice(group, query)
    await group.press(DAVID, "1 · Kept", on=checkup)
    assert "1. Ambition: “We create 12 jobs in 2027”\n    ✅ Kept (both)" in checkup.text
    assert "1 · Kept" not in checkup.buttons

    # Agreement 2: Ben says Kept, his colleague Anna changes De Brug's mark to Partly.
    await group.press(BEN, "2 · Kept", on=checkup)
    query = await group.press(ANNA, "2 · Partly", on=checkup)
    assert notice(group, query) == (
        "Noted for De Brug: Partly. Hidden until Van Dam has marked too."
    )
    assert "Partly" not in checkup.text.replace("2 · Partly", "")
    query = await group.press(DAVID, "2 · Kept", on=checkup)
    assert "Both organisations have marked" in notice(group, query)
    assert "🟡 De Brug: Partly · Van Dam: Kept" in checkup.text
    assert checkup.buttons == []
    issue = group.last
    assert issue.text == (
        "❓ Open issue on Goals, from the check-up:\n\n"
        "Agreement “We report our impact twice a year” was partly kept (check-up of 1 June "
        "2027). What is needed?\n\n"
        "🟡 De Brug: Partly · Van Dam: Kept"
    )
    assert issue.buttons == ["Still holds", "Change", "Drop", "Resolved"]
    assert sends(group) - before == 2  # the check-up and the open issue; the rest are edits

    await group.send(CARLA, "/issues")
    # Written down as the question it is: the bare wording would read as if the agreement
    # itself were open.
    assert (
        "Goals: Partly kept at the check-up of 1 June 2027: “We report our impact twice a "
        "year”. What is needed?"
    ) in group.last.text
    await group.send(CARLA, "/summary")
    summary = group.last.text
    assert "check-up: ✅ Kept (both) on 1 June 2027" in summary
    assert "check-up: 🟡 De Brug: Partly · Van Dam: Kept on 1 June 2027" in summary
    assert "check-up by 1 September 2027" in summary

    # The finished check-up's buttons, pressed on an old copy, change nothing.
    query = await group.press_data(DAVID, MarkCheckup(1, 1, "not-kept").pack(), checkup)
    assert "This check-up is finished" in notice(group, query)


async def test_old_and_forged_check_up_buttons_change_nothing(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")
    await group.send(BEN, "/checkup")
    checkup = group.last
    before = checkup.text
    # Another group's check-up, of its own agreement.
    other = Group(group.app, group.api, chat_id=-4007654321, title="Other partners")
    await ready(other)
    await agree(other, "Another group's agreement")
    await other.send(BEN, "/checkup")
    theirs = other.last.button_data("1 · Kept")
    query = await group.press_data(BEN, theirs, checkup)
    assert "This button no longer works" in notice(group, query)
    for press, says in (
        (MarkCheckup(99, 1, "kept"), "This button no longer works"),  # not this message's
        (MarkCheckup(1, 99, "kept"), "That agreement is not part of this check-up"),
    ):
        query = await group.press_data(BEN, press.pack(), checkup)
        assert says in notice(group, query)
    # A real check-up's button pressed on another message does not turn it into a check-up.
    await group.send(BEN, "/issue Who pays?")
    await group.send(BEN, "/issues")
    query = await group.press_data(BEN, MarkCheckup(1, 1, "kept").pack(), group.last)
    assert "This button no longer works" in notice(group, query)
    assert checkup.text == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM checkup_marks").fetchone()[0] == 0


async def test_checkup_date_moves_a_review_date(group: Group, clock: Clock, db_path: Path) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")
    await group.send(DAVID, "/checkup date 1 1 May 2027")
    assert "agreement 1 (“We create 12 jobs in 2027”) will be checked on 1 May 2027" in (
        group.last.text
    )
    assert review_dates(db_path) == [("We create 12 jobs in 2027", "2027-05-01")]
    await group.send(DAVID, "/checkup date 3 1 May 2027")
    assert "There is no agreement 3" in group.last.text
    await group.send(DAVID, "/checkup date 1 yesterday")
    assert "That date has already passed" in group.last.text
    await group.send(CARLA, "/checkup date 1 1 May 2027")
    assert "Only the representatives" in group.last.text
    clock.set("2027-05-01 08:00")
    assert await post_due(group) == 1


async def test_five_agreements_cost_at_most_two_new_messages(group: Group, clock: Clock) -> None:
    await ready(group)
    for n in range(5):
        await agree(group, f"Agreement number {n + 1}")
        await group.send(BEN, "/skip")
    clock.set("2027-06-01 08:00")
    before = sends(group)
    assert await post_due(group) == 1
    checkup = group.last
    for n in range(1, 6):
        await group.press(BEN, f"{n} · Kept", on=checkup)
        await group.press(DAVID, f"{n} · {'Partly' if n == 3 else 'Kept'}", on=checkup)
    assert sends(group) - before == 2
    assert checkup.buttons == []
    assert checkup.text.count("✅ Kept (both)") == 4


async def test_a_long_check_up_is_split_within_telegrams_limits(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    for n in range(20):
        await agree(group, f"{n + 1}: " + "a long agreement about many things " * 20)
    await group.send(BEN, "/checkup")
    posted = [m for m in group.sent if m.buttons and " · Kept" in m.buttons[0]]
    assert len(posted) >= 3
    assert all(len(m.text) <= 4096 and len(m.buttons) <= 24 for m in posted)
    assert sum(len(m.buttons) for m in posted) == 60
    # A press on the last message edits that message.
    last = posted[-1]
    await group.press(BEN, "20 · Kept", on=last)
    assert "20. Ambition" in last.text
    assert "Marked by De Brug; waiting for Van Dam." in last.text


async def test_a_check_up_in_dutch(group: Group, clock: Clock, db_path: Path) -> None:
    await with_colleague(group)
    await group.send(BEN, "/language nl")
    await agree(group, "We maken 12 banen in 2027")
    await group.send(BEN, "/skip")
    await agree(group, "We rapporteren twee keer per jaar")
    clock.set("2027-06-01 08:00")
    assert await post_due(group) == 1
    checkup = group.last
    assert checkup.text.startswith("⏰ Check-up van 1 juni 2027")
    assert checkup.buttons[:3] == ["1 · Nagekomen", "1 · Deels", "1 · Niet nagekomen"]
    query = await group.press(BEN, "1 · Nagekomen", on=checkup)
    assert notice(group, query) == (
        "Genoteerd namens De Brug: Nagekomen. Verborgen tot Van Dam ook heeft beoordeeld."
    )
    await group.press(DAVID, "1 · Nagekomen", on=checkup)
    await group.press(ANNA, "2 · Deels", on=checkup)
    await group.press(DAVID, "2 · Niet nagekomen", on=checkup)
    assert "✅ Nagekomen (allebei)" in checkup.text
    assert "❌ De Brug: Deels · Van Dam: Niet nagekomen" in checkup.text
    assert group.last.text.startswith("❓ Open punt bij Doelen, uit de check-up:")
    assert "Afspraak ‘We rapporteren twee keer per jaar’ is niet nagekomen" in group.last.text
    await group.send(CARLA, "/issues")
    assert (
        "Niet nagekomen bij de check-up van 1 juni 2027: ‘We rapporteren twee keer per jaar’. "
        "Wat is er nodig?"
    ) in group.last.text
    await group.send(CARLA, "/summary")
    assert "check-up: ✅ Nagekomen (allebei) op 1 juni 2027" in group.last.text
    assert "volgende check-up op 1 september 2027" in group.last.text


async def test_agreements_of_an_earlier_release_get_a_review_date_when_migrated(
    tmp_path: Path,
) -> None:
    older = tmp_path / "migrations"
    older.mkdir()
    for path in migration_files():
        if path.name.endswith("-checkups.sql"):
            break
        shutil.copy(path, older / path.name)
    db_path = tmp_path / "wheel.sqlite"
    store = await Store.open(db_path, older)
    try:
        async with store.transaction() as conn:
            await conn.execute(
                "INSERT INTO chats (chat_id, kind, language, timezone, created_at, updated_at)"
                " VALUES (-1, 'group', 'en', 'Europe/Amsterdam', '2026-11-01', '2026-11-01')"
            )
            await conn.execute(
                "INSERT INTO agreements (chat_id, topic_id, text, status, proposed_by,"
                " proposer_slot, proposed_at, confirmed_by, confirmed_at) VALUES"
                " (-1, 't', 'agreed', 'confirmed', 1, 1, '2026-11-20T10:00:00+00:00', 2,"
                " '2026-11-23T15:00:00+00:00'),"
                " (-1, 't', 'waits', 'proposed', 1, 1, '2026-11-24T10:00:00+00:00', NULL, NULL)"
            )
    finally:
        await store.close()
    store = await Store.open(db_path)
    await store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT text, review_due FROM agreements ORDER BY id").fetchall() == [
            ("agreed", "2027-02-23"),
            ("waits", None),
        ]


async def test_due_agreements_for_the_reminder(group: Group, clock: Clock) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")

    async def due(moment: dt.datetime) -> list[str]:
        found = await services(group.app).store.read(
            lambda conn: checkups.due_agreements(conn, group.chat_id, moment)
        )
        return [agreement.text for agreement in found]

    assert await due(dt.datetime(2027, 6, 1, 7, 59, tzinfo=dt.UTC)) == []
    assert await due(dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)) == ["We create 12 jobs in 2027"]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_export_has_each_agreements_check_ups_and_next_date(language: str) -> None:
    record = sample_record(language)
    ambition = "value-creation.orientation.ambition"
    topic = next(r for r in record.topics if r.topic.id == ambition)
    (agreement,) = topic.confirmed
    checked = dataclasses.replace(
        agreement,
        review_due=dt.date(2027, 9, 1),
        checkups=(
            CheckupEntry(dt.date(2027, 3, 1), ((1, "kept"), (2, "kept"))),
            CheckupEntry(dt.date(2027, 6, 1), ((1, "partly"), (2, "kept"))),
        ),
    )
    record = replace_topic(record, ambition, agreements=(checked,))
    translators = load_translators(locales_dir())
    flat = read(export_pdf(record, translators[language], None)).flat
    if language == "en":
        assert "Check-up of 1 March 2027: ✓ Kept (both)" in flat
        assert f"Check-up of 1 June 2027: ◐ {FIRST}: Partly · {SECOND}: Kept" in flat
        assert "Next check-up by 1 September 2027." in flat
    else:
        assert "Check-up van 1 maart 2027: ✓ Nagekomen (allebei)" in flat
        assert f"Check-up van 1 juni 2027: ◐ {FIRST}: Deels · {SECOND}: Nagekomen" in flat
        assert "Volgende check-up op 1 september 2027." in flat


async def test_a_person_who_is_forgotten_leaves_their_organisations_mark(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")
    await group.send(BEN, "/checkup")
    await group.press(BEN, "1 · Kept")
    private = Group(group.app, group.api, chat_id=BEN.id, kind="private")
    await private.send(BEN, "/mydata")
    assert "1 check-up mark you gave for your organisation." in private.last.text
    await services(group.app).store.write(
        lambda conn: maintenance.forget_person(
            conn, BEN.id, "2027-03-02T10:00:00+00:00", names=(), anonymous={"en": "someone"}
        )
    )
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT slot, mark, marked_by FROM checkup_marks").fetchall() == [
            (1, "kept", None)
        ]
        assert conn.execute("SELECT asked_by FROM checkups").fetchall() == [(None,)]


async def test_a_due_check_up_the_group_never_got_is_posted_once_the_bot_is_back(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We create 12 jobs in 2027")
    clock.set("2027-06-01 08:00")
    group.api.removed.add(group.chat_id)  # removed, and the bot was not told
    assert await post_due(group) == 1
    assert await post_due(group) == 0  # the group is inactive now
    group.api.removed.discard(group.chat_id)
    await group.add_bot(BEN)
    assert await post_due(group) == 1
    assert "We create 12 jobs in 2027" in group.last.text
    assert group.last.buttons == ["1 · Kept", "1 · Partly", "1 · Not kept"]
    assert group.api.refusals()  # the 403 Telegram gave
    group.api.calls.clear()
