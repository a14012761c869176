"""Coming back months later, attacked as an outsider and a careless user would: someone who
switches sides, long texts, old buttons of an earlier round, a reminder and a check-up on the
same day, a second /checkup, /mydata, a reset group, forged presses. Played through the real
application; what users see is asserted."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.domain.buttons import MarkCheckup
from bot.jobs import checking, reminding
from bot.offline.fake_api import Sent
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA
from tests.support.telegram import Group, User
from tests.test_bad_input import DAVID, ORG_A, ORG_B, join, ready
from tests.test_position import payload_of, private, rate
from tests.test_reminders import Clock, use_clock


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))  # Monday 12:00 in Amsterdam
    use_clock(group, found)
    return found


def said(group: Group, query: str) -> str:
    return str(group.answers_to(query)[0]["text"])


def sides(group: Group) -> Sent:
    return next(m for m in reversed(group.sent) if ORG_A in m.buttons and ORG_B in m.buttons)


async def switch(group: Group, user: User, to: str, colleague: User = DAVID) -> Sent:
    """``user`` changes the organisation they represent, with /partners: a newcomer there, whom
    ``colleague`` confirms. Returns the request, as confirmed."""
    await group.send(user, "/partners")
    query = await group.press(user, to, on=sides(group))
    request = group.last
    assert said(group, query) == (
        f"A colleague from {to} confirms that you represent it; until then you represent "
        f"{ORG_A if to == ORG_B else ORG_B}."
    )
    await group.press(colleague, "Confirm", on=request)
    return request


async def agree(group: Group, text: str) -> None:
    """Ben (De Brug) proposes ``text`` on the current topic and David (Van Dam) confirms it."""
    await group.send(BEN, f"/agree {text}")
    await group.press(DAVID, group.last.buttons[0])  # Confirm


def sends(group: Group) -> int:
    return sum(1 for c in group.api.calls if c.method == "sendMessage" and not c.error)


# -- 1. one person never makes up both organisations ---------------------------------------------


async def test_switching_sides_does_not_let_one_person_confirm_still_holds_for_both(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We share one coordinator")
    await group.send(BEN, "/agreements")
    listed = group.last
    query = await group.press(BEN, "1 · Still holds", on=listed)
    assert said(group, query) == "Noted for De Brug; now someone from Van Dam."

    # Ben now represents Van Dam (David confirms him): his De Brug press goes with him, and the
    # group is told so.
    request = await switch(group, BEN, ORG_B)
    assert request.text.endswith(
        "What Ben said for De Brug in checks still open no longer counts."
    )
    query = await group.press(BEN, "1 · Still holds", on=listed)
    assert said(group, query) == "Noted for Van Dam; now someone from De Brug."
    assert "Still holds, says Van Dam (1 March 2027); waiting for De Brug." in listed.text
    assert "Confirmed as still holding" not in listed.text
    with sqlite3.connect(db_path) as conn:
        due = conn.execute("SELECT review_due FROM agreements WHERE id = 1").fetchone()[0]
    assert due == "2027-06-01"  # not checked: the date stays

    # Someone who really is of De Brug completes it.
    await group.press(ANNA, ORG_A, on=sides(group))
    query = await group.press(ANNA, "1 · Still holds", on=listed)
    assert said(group, query) == "Confirmed by both organisations: it still holds."
    assert "Confirmed as still holding on 1 March 2027 by De Brug and Van Dam." in listed.text


async def test_switching_sides_withdraws_ones_check_up_mark(group: Group, clock: Clock) -> None:
    await ready(group)
    await agree(group, "We share one coordinator")
    await group.send(BEN, "/checkup")
    checkup = group.last
    await group.press(BEN, "1 · Kept", on=checkup)
    assert "Marked by De Brug; waiting for Van Dam." in checkup.text

    await switch(group, BEN, ORG_B)
    assert "Not marked yet." in checkup.text  # the message says so at once
    query = await group.press(BEN, "1 · Not kept", on=checkup)
    assert (
        said(group, query) == "Noted for Van Dam: Not kept. Hidden until De Brug has marked too."
    )
    assert "Marked by Van Dam; waiting for De Brug." in checkup.text
    assert "Not kept (both)" not in checkup.text
    assert "De Brug: Kept" not in checkup.text
    assert checkup.buttons[:3] == ["1 · Kept", "1 · Partly", "1 · Not kept"]


async def test_switching_sides_withdraws_ones_position_rating(group: Group, clock: Clock) -> None:
    await ready(group)
    await group.send(BEN, "/position")
    offer = group.last
    payload = payload_of(offer)
    await rate(group, BEN, payload, "111111111111")
    assert f"{ORG_A}: 1 person rated · {ORG_B}: not yet" in offer.text

    await switch(group, BEN, ORG_B)
    assert f"{ORG_A}: not yet · {ORG_B}: not yet" in offer.text
    # David rates for Van Dam: Ben's De Brug rating no longer makes up De Brug's view.
    await rate(group, DAVID, payload, "444444444444")
    assert f"{ORG_A}: not yet · {ORG_B}: 1 person rated" in offer.text
    assert not any(m.file for m in group.sent)  # nothing revealed
    # Ben's link now rates for Van Dam, from the start.
    ben = private(group, BEN)
    await ben.send(BEN, f"/start {payload}")
    assert "You rate for Van Dam" in ben.last.text
    assert "You rated before" not in ben.last.text


# -- 3. old buttons of an earlier round -----------------------------------------------------------


AMBITION = "value-creation.orientation.ambition"


async def round_two(group: Group, clock: Clock) -> Sent:
    """Round 1 of Orientation with Ambition answered and an agreement; four months later the
    group is back at Ambition in round 2. Returns round 1's side-by-side view of Ambition."""
    await ready(group)
    first_card = group.last
    await group.reply(BEN, "Ten jobs", to=first_card)
    await group.reply(DAVID, "A stable team", to=first_card)
    view = group.last
    await agree(group, "We create 12 jobs in 2027")
    for _ in range(9):
        await group.send(BEN, "/skip")
    clock.set("2027-07-01 09:00")
    await group.send(BEN, "/stage orientation")
    return view


async def test_ready_of_an_earlier_rounds_view_does_not_move_the_round(
    group: Group, clock: Clock
) -> None:
    old_view = await round_two(group, clock)
    assert old_view.buttons[-1] == "Ready"
    before = len(group.sent)
    query = await group.press(DAVID, "Ready", on=old_view)
    assert group.answers_to(query)[0]["show_alert"] is True
    assert said(group, query) == (
        "This button is from an earlier round of Orientation. The current card is further down."
    )
    assert len(group.sent) == before  # no card for Goals: the group is still at Ambition
    # A button from before the round was written on it: the view it is on tells.
    query = await group.press_data(DAVID, f"next:{AMBITION}", on=old_view)
    assert "earlier round" in said(group, query)
    await group.send(BEN, "/status")
    assert "Now: Orientation, topic Ambition." in group.last.text
    # The agreement message of round 1 carries a Ready button too.
    recorded = next(m for m in group.sent if m.text.startswith("Agreement recorded"))
    query = await group.press(DAVID, "Ready", on=recorded)
    assert "earlier round" in said(group, query)
    await group.send(BEN, "/status")
    assert "Now: Orientation, topic Ambition." in group.last.text


# -- 6. /mydata and /forgetme -------------------------------------------------------------------


async def test_mydata_counts_still_holds_and_what_one_started_and_forgetme_clears_them(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await agree(group, "We share one coordinator")
    await group.send(BEN, "/agreements")
    await group.press(BEN, "1 · Still holds", on=group.last)
    await group.send(BEN, "/checkup")
    await group.press(BEN, "1 · Kept", on=group.last)
    await group.send(BEN, "/position")
    mine = private(group, BEN)
    await mine.send(BEN, "/mydata")
    shown = mine.last.text
    assert "1 time you said for your organisation that an agreement still holds." in shown
    assert "1 check-up mark you gave for your organisation." in shown
    assert "2 check-ups and position checks you started." in shown

    await mine.send(BEN, "/forgetme")
    await mine.press(BEN, "Yes, forget me", on=mine.last)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM position_checks WHERE started_by = ?", (BEN.id,)
        ).fetchone() == (0,)
    await mine.send(BEN, "/mydata")
    assert mine.last.text == "I keep nothing about you."


# -- 7. a group that was /reset ------------------------------------------------------------------


async def post_due(group: Group) -> int:
    """What the check-up job does when it looks; waits for the delivery."""
    svc = services(group.app)
    count = await checking.post_due(group.app.bot, svc, svc.clock())
    await svc.outbox.idle()
    return count


async def test_no_check_up_for_a_group_that_was_reset_until_both_sides_are_taken_again(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await agree(group, "We share one coordinator")
    await group.send(BEN, "/reset")
    await group.press(BEN, "Yes, start again", on=group.last)
    clock.set("2027-06-01 08:00")  # the agreement's check-up date, 10:00 in Amsterdam
    before = len(group.sent)
    assert await post_due(group) == 0
    assert len(group.sent) == before
    # Named again, but nobody has said whom they represent: still nobody could mark it.
    await group.reply(BEN, ORG_A, to=group.last)
    await group.reply(DAVID, ORG_B, to=group.last)
    await group.press(BEN, ORG_A, on=sides(group))
    assert await post_due(group) == 0
    await group.press(DAVID, ORG_B, on=sides(group))
    assert await post_due(group) == 1
    assert "“We share one coordinator”" in group.last.text
    assert group.last.buttons == ["1 · Kept", "1 · Partly", "1 · Not kept"]


# -- 5. a second /checkup -------------------------------------------------------------------------


async def test_a_second_checkup_takes_the_marks_along_and_the_first_stops_taking_them(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await agree(group, "We share one coordinator")
    await group.send(BEN, "/skip")
    await agree(group, "We report twice a year")
    await group.send(BEN, "/checkup")
    first = group.last
    await group.press(BEN, "1 · Kept", on=first)
    await group.press(BEN, "2 · Partly", on=first)
    await group.press(DAVID, "2 · Kept", on=first)  # agreement 2 is done here

    await group.send(DAVID, "/checkup")
    second = group.last
    assert second.message_id != first.message_id
    # De Brug's mark on agreement 1 came along; agreement 2, marked by both, starts afresh.
    assert (
        "1. Ambition: “We share one coordinator”\n    Marked by De Brug; waiting for Van Dam."
        in (second.text)
    )
    assert "2. Goals: “We report twice a year”\n    Not marked yet." in second.text
    # The first message says where agreement 1 went and keeps what was done there.
    assert "In a newer check-up now, with the marks given here: mark it there." in first.text
    assert "🟡 De Brug: Partly · Van Dam: Kept" in first.text
    assert first.buttons == []
    query = await group.press_data(DAVID, MarkCheckup(1, 1, "kept").pack(), on=first)
    assert group.answers_to(query)[0]["show_alert"] is True
    assert "newer check-up" in said(group, query)
    assert "Marked by De Brug; waiting for Van Dam." in second.text  # the old press did nothing

    query = await group.press(DAVID, "1 · Kept", on=second)
    assert "Both organisations have marked" in said(group, query)
    assert "✅ Kept (both)" in second.text


# -- 4. a reminder and a check-up on the same day -----------------------------------------------


async def fire(group: Group) -> int:
    """What the reminder job does when it looks; waits for the delivery."""
    svc = services(group.app)
    count = await reminding.send_due(group.app.bot, svc, svc.clock())
    await svc.outbox.idle()
    return count


async def test_a_reminder_and_a_check_up_due_the_same_day_list_the_agreements_once(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await group.send(BEN, "/remind 1 June 2027 orientation")
    await agree(group, "We share one coordinator")  # checked on the reminder's day
    clock.set("2027-06-01 08:00")  # 10:00 in Amsterdam
    before = len(group.sent)
    assert await fire(group) == 1
    assert await post_due(group) == 0  # the reminder brought the check-up along
    reminder, checkup = group.sent[before:]
    assert reminder.text.startswith("⏰ As agreed: time for Orientation")
    assert checkup.text.startswith("⏰ Check-up of 1 June 2027")
    assert "“We share one coordinator”" in checkup.text
    # The reminder points at the check-up instead of listing the same agreements again, and
    # does not ask for a third list with /checkup.
    assert "We share one coordinator" not in reminder.text
    assert "/checkup" not in reminder.text
    assert "1 agreement has reached its check-up date: mark it together in the check-up." in (
        reminder.text
    )


# -- 2. long texts: one message where it is edited later, never a refused one ------------------

LONG = "Wij spreken af dat " + "we elkaar elke maand zien en bespreken wat er beter kan, " * 70


def long_text(tag: str) -> str:
    """About 4,000 characters, starting with ``tag``."""
    return f"{tag} {LONG}"[:4000]


async def test_a_long_proposal_confirmed_is_edited_in_place_without_new_messages(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await group.send(BEN, "/agree " + long_text("A1"))
    proposal = next(m for m in reversed(group.sent) if "Confirm" in m.buttons)
    before = sends(group)
    await group.press(DAVID, "Confirm", on=proposal)
    assert sends(group) == before  # the confirmation is an edit, not new messages
    assert proposal.text.startswith("Agreement recorded on Ambition:\n\n“A1 ")
    assert "confirmed by David (Van Dam)" in proposal.text


async def test_the_agreements_list_fits_its_messages_and_a_press_adds_none(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    for number in range(1, 13):
        await agree(group, long_text(f"A{number}"))
    before = sends(group)
    await group.send(CARLA, "/agreements")
    lists = [m for m in group.sent[-(sends(group) - before) :]]
    # Every message of the list carries the buttons of the agreements it shows.
    assert all(m.buttons for m in lists)
    assert sum(len(m.buttons) for m in lists) == 36
    assert lists[0].text.startswith("12 agreements\n1. Ambition: “A1 ")
    assert "…" in lists[0].text  # the wording is quoted, not repeated in full
    before = sends(group)
    query = await group.press(BEN, "12 · Still holds", on=lists[-1])
    assert said(group, query) == "Noted for De Brug; now someone from Van Dam."
    assert sends(group) == before
    assert "Still holds, says De Brug" in lists[-1].text


async def test_a_long_agreement_partly_kept_opens_an_open_issue_of_one_message(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await agree(group, long_text("A1"))
    await group.send(BEN, "/checkup")
    await group.press(BEN, "1 · Partly", on=group.last)
    before = sends(group)
    await group.press(DAVID, "1 · Kept", on=group.last)
    assert sends(group) == before + 1
    issue = group.last
    assert issue.text.startswith("❓ Open issue on Ambition, from the check-up:")
    assert issue.buttons == ["Still holds", "Change", "Drop", "Resolved"]
    before = sends(group)
    await group.send(CARLA, "/issues")
    assert sends(group) == before + 1
    listed = group.last
    assert listed.buttons == [
        "1 · Mark resolved",
        "1 · Turn into agreement",
        "1 · Make it an action item",
    ]
    before = sends(group)
    await group.press(DAVID, "1 · Mark resolved", on=listed)
    assert sends(group) == before
    assert "resolved" in listed.text


async def test_a_revisit_card_with_long_earlier_answers_and_agreements_is_one_message(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await join(group, ANNA, ORG_A, BEN)
    await join(group, CARLA, ORG_B, DAVID)
    first_card = next(m for m in reversed(group.sent) if m.force_reply)
    for person in (BEN, ANNA, DAVID, CARLA):
        await group.reply(person, long_text(f"Answer of {person.first_name}"), to=first_card)
    for number in range(1, 9):
        await agree(group, long_text(f"A{number}"))
        await group.send(DAVID, "/issue " + long_text(f"I{number}"))
    for _ in range(9):
        await group.send(BEN, "/skip")
    clock.set("2027-07-01 09:00")
    before = sends(group)
    await group.send(BEN, "/stage orientation")
    card = next(m for m in reversed(group.sent) if m.force_reply)
    assert card.text.startswith("Orientation 0/9")  # the card is whole in its one message
    assert "Reply to this message with your answer." in card.text
    assert "Still waiting for: De Brug, Van Dam" in card.text
    assert "Answer of Ben" in card.text
    assert "Answer of Carla" in card.text
    assert "✓ A1 " in card.text
    assert "• I1 " in card.text
    assert "… and 3 more: /agreements lists them all." in card.text
    assert "… and 3 more: /issues lists them all." in card.text
    new = sends(group) - before
    await group.reply(BEN, "Twelve jobs", to=card)
    assert "Still waiting for: Van Dam" in card.text
    assert sends(group) == before + new  # an answer edits the card; nothing new
    # The earlier agreements to review come in messages that each carry their buttons.
    reviews = [m for m in group.sent if m.text.startswith("Earlier agreements")]
    assert reviews
    assert all(m.buttons for m in reviews)


async def test_a_reminder_with_long_open_issues_and_agreements_due_is_one_message(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await group.send(BEN, "/remind 1 June 2027 orientation")
    for number in range(1, 15):
        await group.send(DAVID, "/issue " + long_text(f"I{number:02d}"))
    for number in range(1, 13):
        await agree(group, long_text(f"A{number:02d}"))
    clock.set("2027-06-01 08:00")
    before = sends(group)
    await fire(group)
    reminder = next(m for m in group.sent[-(sends(group) - before) :] if m.text.startswith("⏰ "))
    assert "14 open issues to pick up again:" in reminder.text
    assert "… and 4 more: /issues lists them all." in reminder.text
    assert "12 agreements have reached their check-up date" in reminder.text
    assert reminder.buttons[0] == "Start Orientation now"
    # The check-up that came with it: each of its messages with its agreements' buttons.
    checkups = [m for m in group.sent[-(sends(group) - before) :] if "1 · Kept" in m.buttons]
    assert checkups[0].text.startswith("⏰ Check-up of 1 June 2027: 12 agreements")
    assert sum(len(m.buttons) for m in group.sent if "· Kept" in "".join(m.buttons)) == 36


# -- more, found on the way ----------------------------------------------------------------------


async def test_checkup_date_moves_the_agreement_agreements_numbers_so(
    group: Group, clock: Clock, db_path: Path
) -> None:
    """Coming back, a group agrees on an earlier topic after a later one: /agreements and
    /checkup date must number the agreements alike."""
    await ready(group)
    await group.send(BEN, "/skip")  # to Goals
    await agree(group, "We report twice a year")
    await group.send(BEN, "/back")  # to Ambition
    await agree(group, "We create 12 jobs in 2027")
    await group.send(CARLA, "/agreements")
    listed = group.last.text
    first = listed.split("\n")[1]
    number = "1"
    text = first.split("“")[1].rstrip("”")
    await group.send(BEN, f"/checkup date {number} 1 May 2027")
    assert f"Done: agreement {number} (“{text}”) will be checked on 1 May 2027." in (
        group.last.text
    )
    with sqlite3.connect(db_path) as conn:
        moved = conn.execute("SELECT review_due FROM agreements WHERE text = ?", (text,))
        assert moved.fetchone() == ("2027-05-01",)
    # The check-up numbers them as /agreements does, too.
    await group.send(BEN, "/checkup")
    assert f"1. {first.split('. ', 1)[1]}" in group.last.text


async def test_a_rating_under_way_when_its_rater_switches_sides_says_how_to_go_on(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await group.send(BEN, "/position")
    offer = group.last
    payload = payload_of(offer)
    ben = await rate(group, BEN, payload, "111111111111", stop=3)
    await switch(group, BEN, ORG_B)
    assert offer.edits == 0  # a rating under way was not counted: nothing to correct
    query = await ben.press(BEN, "2", on=ben.last)
    assert ben.answers_to(query)[0]["show_alert"] is True
    assert ben.answers_to(query)[0]["text"] == (
        "Open the link in the group again (Rate privately) to rate from the start."
    )
    await ben.send(BEN, f"/start {payload}")
    assert "You rate for Van Dam" in ben.last.text
    assert "1/12" in ben.last.text
