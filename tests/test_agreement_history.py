"""Earlier agreements looked at again, months later: both organisations say one still holds,
another is changed (with other wording from the other side) and a third dropped; each keeps its
history in the messages, ``/summary`` and the export. In English and in Dutch, through the real
application; old and forged buttons change nothing."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.db import Store, chats, migration_files
from bot.domain.buttons import ChangeAgreement, DropAgreement, StillHolds
from bot.domain.history import Step
from bot.domain.record import read_record
from bot.domain.wheel import load_wheel
from bot.flows.agreement_review import earlier_agreements
from bot.flows.reminders import add_months
from bot.flows.turn import Actor, Turn, Where
from bot.i18n import load_translators
from bot.offline.fake_api import parse_html
from bot.ops.resources import locales_dir, wheel_file
from bot.render import html
from bot.render.pdf import export_pdf
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ORG_A, join, ready
from tests.test_export import read
from tests.test_reminders import Clock, use_clock

WHEEL = load_wheel(wheel_file())
T = load_translators(locales_dir())

#: What people see, by language.
WORDS = {
    "en": {
        "confirm": "Confirm",
        "not yet": "Not yet",
        "holds": "{n} · Still holds",
        "change": "{n} · Change",
        "drop": "{n} · Drop",
        "noted": "Noted for De Brug; now someone from Van Dam.",
        "noted by van dam": "Noted for Van Dam; now someone from De Brug.",
        "waiting": "Still holds, says De Brug (4 June 2027); waiting for Van Dam.",
        "already": "De Brug already said it still holds; now it is up to Van Dam.",
        "outsider": "Only the representatives of De Brug and Van Dam",
        "both": "✓ Confirmed as still holding on 4 June 2027 by De Brug and Van Dam.",
        "today": "Both organisations already confirmed today that it still holds.",
        "prompt": "How do you want to word this agreement on Ambition now?",
        "proposed change": "Proposed change to an agreement on Ambition, by David (Van Dam)",
        "instead": "Instead of: “We share one coordinator”",
        "countered": "now worded by Ben (De Brug)",
        "recorded": "Agreement recorded on Ambition",
        "was": "Changed on 4 June 2027; was: “We share one coordinator”",
        "summary was": "    changed on 4 June 2027; was: “We share one coordinator”",
        "agreed": "✅ “{text}”",
        "changed since": "This agreement has been changed since.",
        "drop proposal": "Proposal to drop an agreement on Ambition, by Anna (De Brug)",
        "drop waits": "A proposal to drop this agreement is already waiting for confirmation.",
        "dropped": "Agreement dropped on Ambition",
        "dropped on": "Dropped on 4 June 2027.",
        "summary dropped": "    dropped on 4 June 2027",
        "two agreements": "2 agreements · 0 open issues",
        "pdf dropped": "Dropped agreement We print flyers together Dropped on 4 June 2027.",
        "pdf changed": "Changed on 4 June 2027; was: “We share one coordinator”",
        "kept": "Not dropped – David (Van Dam) keeps this agreement on Ambition",
        "not current": "This is not a current agreement of this group.",
        "stale": "This button no longer works. Send /status to see where you are.",
    },
    "nl": {
        "confirm": "Bevestigen",
        "not yet": "Nog niet: open punt",
        "holds": "{n} · Geldt nog",
        "change": "{n} · Aanpassen",
        "drop": "{n} · Laten vervallen",
        "noted": "Genoteerd namens De Brug; nu nog iemand van Van Dam.",
        "noted by van dam": "Genoteerd namens Van Dam; nu nog iemand van De Brug.",
        "waiting": "Geldt nog, zegt De Brug (4 juni 2027); wachten op Van Dam.",
        "already": "De Brug heeft al gezegd dat ze nog geldt; nu is Van Dam aan de beurt.",
        "outsider": "De Brug",
        "both": "✓ Op 4 juni 2027 door De Brug en Van Dam bevestigd: geldt nog.",
        "today": "Beide organisaties hebben vandaag al bevestigd dat ze nog geldt.",
        "prompt": "Hoe willen jullie deze afspraak bij Ambitie nu formuleren?",
        "proposed change": "Voorstel om een afspraak aan te passen bij Ambitie, van David (Van Dam)",
        "instead": "In plaats van: ‘We share one coordinator’",
        "countered": "nu geformuleerd door Ben (De Brug)",
        "recorded": "Afspraak vastgelegd bij Ambitie",
        "was": "Aangepast op 4 juni 2027; was: ‘We share one coordinator’",
        "summary was": "    aangepast op 4 juni 2027; was: ‘We share one coordinator’",
        "agreed": "✅ ‘{text}’",
        "changed since": "Deze afspraak is inmiddels aangepast.",
        "drop proposal": "Voorstel om een afspraak te laten vervallen bij Ambitie, van Anna (De Brug)",
        "drop waits": "Er wacht al een voorstel om deze afspraak te laten vervallen op bevestiging.",
        "dropped": "Afspraak vervallen bij Ambitie",
        "dropped on": "Vervallen op 4 juni 2027.",
        "summary dropped": "    vervallen op 4 juni 2027",
        "two agreements": "2 afspraken · 0 open punten",
        "pdf dropped": "Vervallen afspraak We print flyers together Vervallen op 4 juni 2027.",
        "pdf changed": "Aangepast op 4 juni 2027; was: ‘We share one coordinator’",
        "kept": "Niet vervallen – David (Van Dam) houdt deze afspraak bij Ambitie aan",
        "not current": "Dit is geen geldende afspraak van deze groep.",
        "stale": "Deze knop werkt niet meer. Stuur /status om te zien waar jullie staan.",
    },
}
LANGUAGES = pytest.mark.parametrize("language", ["en", "nl"])


async def three_agreements(group: Group, language: str) -> Clock:
    """Ben and Anna (De Brug) and David (Van Dam) make three agreements on Ambition on
    1 March 2027; the clock then moves to 4 June, when they look at them again."""
    clock = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    use_clock(group, clock)
    await ready(group)
    if language == "nl":
        await group.send(BEN, "/language nl")
    await join(group, ANNA, ORG_A, BEN)
    for proposer, confirmer, text in (
        (BEN, DAVID, "We meet monthly"),
        (DAVID, ANNA, "We share one coordinator"),
        (ANNA, DAVID, "We print flyers together"),
    ):
        await group.send(proposer, f"/agree {text}")
        await group.press(confirmer, WORDS[language]["confirm"], on=group.last)
    clock.set("2027-06-04 09:00")
    return clock


def said(group: Group, query: str) -> str:
    """The answer to a press, as the person saw it."""
    [answer] = group.answers_to(query)
    return str(answer.get("text", ""))


def alerted(group: Group, query: str) -> bool:
    [answer] = group.answers_to(query)
    return bool(answer.get("show_alert"))


async def listed(group: Group):  # type: ignore[no-untyped-def]
    await group.send(CARLA, "/agreements")
    return group.last


@LANGUAGES
async def test_both_organisations_say_an_agreement_still_holds(
    group: Group, language: str, db_path: Path
) -> None:
    w = WORDS[language]
    clock = await three_agreements(group, language)
    shown = await listed(group)
    assert shown.buttons[:3] == [w[k].format(n=1) for k in ("holds", "change", "drop")]
    assert len(shown.buttons) == 9
    before = len(group.sent)

    query = await group.press(BEN, w["holds"].format(n=1), on=shown)
    assert said(group, query) == w["noted"]
    assert w["waiting"] in shown.text
    edits = shown.edits

    # A second press from De Brug changes nothing, and says so; an outsider is refused.
    query = await group.press(ANNA, w["holds"].format(n=1), on=shown)
    assert said(group, query) == w["already"]
    query = await group.press(CARLA, w["holds"].format(n=1), on=shown)
    assert alerted(group, query)
    assert w["outsider"] in said(group, query)
    assert shown.edits == edits

    query = await group.press(DAVID, w["holds"].format(n=1), on=shown)
    assert w["both"] in shown.text
    assert w["waiting"] not in shown.text
    assert w["holds"].format(n=1) not in shown.buttons  # nothing left to press today
    assert len(group.sent) == before  # all of it edits of the one list
    # Checked together: its next check-up is three months on, as after a check-up.
    with sqlite3.connect(db_path) as conn:
        due = conn.execute("SELECT review_due FROM agreements WHERE id = 1").fetchone()[0]
    assert due == add_months(clock.now.date(), 3).isoformat()

    # The same button from an older copy of the list: nothing new today.
    query = await group.press_data(BEN, StillHolds(1).pack(), on=shown)
    assert said(group, query) == w["today"]
    assert len(group.sent) == before

    # Months later a new check starts; a press left unanswered for long does not count then.
    clock.set("2027-09-06 09:00")
    later = await listed(group)
    assert w["both"] in later.text
    await group.press(ANNA, w["holds"].format(n=2), on=later)
    clock.set("2027-12-06 09:00")
    latest = await listed(group)
    assert w["holds"].format(n=1) in latest.buttons
    assert "waiting for" not in latest.text
    assert "wachten op" not in latest.text
    query = await group.press(DAVID, w["holds"].format(n=2), on=latest)
    assert said(group, query) == w["noted by van dam"]


@LANGUAGES
async def test_a_change_is_negotiated_and_keeps_the_earlier_wording(
    group: Group, language: str
) -> None:
    w = WORDS[language]
    clock = await three_agreements(group, language)
    shown = await listed(group)
    before = len(group.sent)
    await group.press(DAVID, w["change"].format(n=2), on=shown)
    prompt = group.last
    assert w["prompt"] in prompt.text
    assert prompt.force_reply
    await group.reply(DAVID, "We share two coordinators", to=prompt)
    proposal = group.last
    assert len(group.sent) == before + 2  # one prompt, one proposal
    assert w["proposed change"] in proposal.text
    assert w["instead"] in proposal.text
    assert proposal.buttons == [
        w["confirm"],
        w["not yet"],
        "Withdraw" if language == "en" else "Intrekken",
    ]

    # While the change waits, the agreement cannot be changed or dropped a second time.
    query = await group.press(BEN, w["drop"].format(n=2), on=shown)
    assert alerted(group, query)

    # De Brug answers with other wording; Van Dam confirms it.
    await group.reply(BEN, "We share a coordinator and a deputy", to=proposal)
    assert w["countered"] in proposal.text
    query = await group.press(DAVID, w["confirm"], on=proposal)
    assert w["recorded"] in proposal.text
    assert w["was"] in proposal.text

    # The old list's buttons for the old wording change nothing now.
    query = await group.press(ANNA, w["holds"].format(n=2), on=shown)
    assert alerted(group, query)
    assert w["changed since"] in said(group, query)

    await group.send(CARLA, "/summary")
    summary = group.last.text
    assert w["agreed"].format(text="We share a coordinator and a deputy") in summary
    assert w["summary was"] in summary
    assert w["agreed"].format(text="We share one coordinator") not in summary
    again = await listed(group)
    assert w["was"] in again.text
    assert len(again.buttons) == 9

    # The export shows the history too.
    svc = services(group.app)
    record = await svc.store.read(lambda conn: read_record(conn, WHEEL, group.chat_id, clock.now))
    [changed] = [a for a in record.topics[0].confirmed if "deputy" in a.text]
    assert [(e.step, e.text) for e in changed.history] == [
        (Step.CHANGED, "We share one coordinator")
    ]
    pdf = read(export_pdf(record, T[language], None, wheel=WHEEL))
    assert w["pdf changed"] in pdf.flat


@LANGUAGES
async def test_a_dropped_agreement_no_longer_counts_but_keeps_its_history(
    group: Group, language: str
) -> None:
    w = WORDS[language]
    clock = await three_agreements(group, language)
    shown = await listed(group)
    before = len(group.sent)
    await group.press(ANNA, w["drop"].format(n=3), on=shown)
    assert len(group.sent) == before + 1  # the proposal; the list is edited
    proposal = group.last
    assert w["drop proposal"] in proposal.text
    assert w["drop"].format(n=3) not in shown.buttons
    query = await group.press_data(BEN, DropAgreement(3).pack(), on=shown)  # an older look
    assert alerted(group, query)
    assert said(group, query) == w["drop waits"]
    query = await group.press(ANNA, w["confirm"], on=proposal)  # not the proposer's own side
    assert alerted(group, query)
    await group.press(DAVID, w["confirm"], on=proposal)
    assert w["dropped"] in proposal.text
    assert w["dropped on"] in proposal.text

    await group.send(CARLA, "/summary")
    summary = group.last.text
    assert w["two agreements"] in summary
    assert w["agreed"].format(text="We print flyers together") not in summary
    assert "We print flyers together" in summary  # struck through, with its history
    assert w["summary dropped"] in summary
    again = await listed(group)
    assert "We print flyers together" not in again.text

    # The export: not an agreement any more, and its history is there.
    svc = services(group.app)
    record = await svc.store.read(lambda conn: read_record(conn, WHEEL, group.chat_id, clock.now))
    ambition = record.topics[0]
    assert [a.text for a in ambition.confirmed] == ["We meet monthly", "We share one coordinator"]
    [dropped] = ambition.dropped
    assert dropped.text == "We print flyers together"
    assert [e.step for e in dropped.history] == [Step.DROPPED]
    pdf = read(export_pdf(record, T[language], None, wheel=WHEEL))
    assert w["pdf dropped"] in pdf.flat


@LANGUAGES
async def test_not_yet_keeps_an_agreement_someone_wanted_to_drop(
    group: Group, language: str
) -> None:
    w = WORDS[language]
    await three_agreements(group, language)
    shown = await listed(group)
    await group.press(BEN, w["drop"].format(n=1), on=shown)
    proposal = group.last
    await group.press(DAVID, w["not yet"], on=proposal)
    assert w["kept"] in proposal.text
    again = await listed(group)
    assert "We meet monthly" in again.text
    assert len(again.buttons) == 9


async def test_old_and_forged_buttons_change_nothing(group: Group) -> None:
    w = WORDS["en"]
    await three_agreements(group, "en")
    shown = await listed(group)
    await group.send(BEN, "/agree Something new")
    waiting_id = 4  # a proposal, not a confirmed agreement
    before, edits = len(group.sent), shown.edits
    # Buttons the list does not carry: it shows neither agreement.
    for data in (
        StillHolds(999).pack(),
        ChangeAgreement(waiting_id).pack(),
        DropAgreement(waiting_id).pack(),
    ):
        query = await group.press_data(DAVID, data, on=shown)
        assert alerted(group, query)
        assert said(group, query) == w["stale"]
    assert (len(group.sent), shown.edits) == (before, edits)


async def test_another_groups_agreement_is_not_this_groups(group: Group) -> None:
    await three_agreements(group, "en")
    other = Group(group.app, group.api, chat_id=-4009999999)
    await other.send(BEN, "/start")
    await other.reply(BEN, "Eerste", to=other.last)
    await other.reply(DAVID, "Tweede", to=other.last)
    await other.press(BEN, "Eerste")
    await other.press(DAVID, "Tweede", on=next(m for m in other.sent if "Tweede" in m.buttons))
    query = await other.press_data(BEN, StillHolds(1).pack(), on=other.last)
    assert alerted(other, query)
    assert said(other, query) == WORDS["en"]["stale"]


async def test_earlier_agreements_of_a_topic_in_one_message(group: Group) -> None:
    """What a revisited topic's card offers: one message, a row of three buttons per agreement;
    nothing for a topic without agreements."""
    clock = await three_agreements(group, "en")
    svc = services(group.app)
    chat = await svc.store.read(lambda conn: chats.get(conn, group.chat_id))
    turn_for = lambda conn: Turn(  # noqa: E731
        conn, WHEEL, Where(group.chat_id, "group", None, None, "Europe/Amsterdam"),
        Actor(BEN.id, "Ben"), clock.now, chat,
    )  # fmt: skip
    found = await svc.store.read(
        lambda conn: earlier_agreements(turn_for(conn), "value-creation.orientation.ambition")
    )
    none = await svc.store.read(
        lambda conn: earlier_agreements(turn_for(conn), "value-creation.orientation.goals")
    )
    assert none == []
    [found] = found
    [out] = html.render(T["en"], found)
    text = parse_html(out.text)
    assert text.startswith("Earlier agreements on Ambition: do they still hold?")
    assert "1. “We meet monthly”" in text
    assert "3. “We print flyers together”" in text
    assert [len(row) for row in found.buttons] == [3, 3, 3]


async def test_a_database_of_the_release_before_keeps_every_agreement(tmp_path: Path) -> None:
    """The agreements table is rebuilt to allow 'changed' and 'dropped': every row and column
    of a database made before comes through, and the new columns start empty."""
    older = tmp_path / "older"
    older.mkdir()
    for path in migration_files():
        if path.name < "0009":
            shutil.copy(path, older / path.name)
    db_path = tmp_path / "wheel.sqlite"
    store = await Store.open(db_path, older)
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO chats (chat_id, kind, language, timezone, created_at, updated_at)"
            " VALUES (-1, 'group', 'nl', 'Europe/Amsterdam', 't', 't')"
        )
        await conn.execute(
            "INSERT INTO open_issues (id, chat_id, topic_id, text, raised_by, raised_at)"
            " VALUES (7, -1, 'x', 'Who pays?', 1, 't')"
        )
        for values in (
            "(1, -1, 'x', 'Monthly', 'confirmed', 1, 1, 'p', 2, 'c', NULL, NULL, 0)",
            "(2, -1, 'x', 'Weekly', 'withdrawn', 2, 2, 'p', NULL, NULL, 'w', NULL, 1)",
            "(3, -1, 'x', 'We pay half', 'proposed', 1, 1, 'p', NULL, NULL, NULL, 7, 2)",
        ):
            await conn.execute(
                "INSERT INTO agreements (id, chat_id, topic_id, text, status, proposed_by,"
                " proposer_slot, proposed_at, confirmed_by, confirmed_at, withdrawn_at,"
                f" from_issue, revision) VALUES {values}"
            )
    await store.close()
    before = sqlite3.connect(db_path).execute("SELECT * FROM agreements ORDER BY id").fetchall()

    store = await Store.open(db_path)
    await store.close()
    with sqlite3.connect(db_path) as conn:
        after = conn.execute("SELECT * FROM agreements ORDER BY id").fetchall()
        assert [row[:13] for row in after] == before
        assert {row[13:16] for row in after} == {(None, 0, None)}  # replaces, lapse, ended_at
        conn.execute("UPDATE agreements SET status = 'dropped' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE agreements SET status = 'gone' WHERE id = 1")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(agreements)")}
        assert "agreements_by_chat" in indexes
