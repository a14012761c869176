"""The codec for what a bot message is for: what it packs it reads back, as the tables have always
stored it, and anything else reads as None."""

from __future__ import annotations

import pytest

from bot.domain.purposes import (
    ActionDue,
    ActionWalk,
    Answered,
    Answers,
    Card,
    Decided,
    FacilitatorList,
    ForgetMeQuestion,
    IssueList,
    PartnerName,
    Purpose,
    ReminderList,
    RemindQuestion,
    RenamePrompt,
    ResetQuestion,
    Sides,
    StageRecap,
    read,
)


@pytest.mark.parametrize(
    ("purpose", "stored"),
    [
        (PartnerName(1), ("partner-name", "1")),
        (RenamePrompt(2, 1002), ("rename", "2:1002")),
        (Sides(), ("sides", "")),
        (
            Card("value-creation.orientation.ambition", 2),
            ("card", "value-creation.orientation.ambition:2"),
        ),
        (
            Answers("value-creation.orientation.ambition", 3),
            ("answers", "value-creation.orientation.ambition:3"),
        ),
        (IssueList(heading=True, first=1, ids=(7, 8, 9)), ("issue-list", "1:1:7,8,9")),
        (IssueList(heading=False, first=26, ids=(31,)), ("issue-list", "0:26:31")),
        (ResetQuestion(), ("reset", "")),
        (ActionWalk((3, 5)), ("action-walk", "3,5")),
        (ActionDue(3), ("action-due", "3")),
        (FacilitatorList((1007, 1008)), ("facilitators", "1007,1008")),
        (ForgetMeQuestion(1002), ("forgetme", "1002")),
        (StageRecap(("integration",), "integration"), ("recap", "integration:integration")),
        (
            StageRecap(("orientation", "integration"), "transformation"),
            ("recap", "orientation,integration:transformation"),
        ),
        (StageRecap((), "transformation"), ("recap", ":transformation")),
        (ReminderList((3, 4)), ("reminder-list", "3,4")),
        (RemindQuestion(1798790400), ("remind-which", "1798790400")),
        (
            Decided(7, "value-creation.orientation.ambition"),
            ("decided", "7:value-creation.orientation.ambition"),
        ),
        (Answered(), ("answered", "")),
    ],
)
def test_what_is_packed_reads_back(purpose: Purpose, stored: tuple[str, str]) -> None:
    assert purpose.pack() == stored
    assert read(*stored) == purpose


def test_a_card_or_answers_view_from_before_rounds_is_of_round_1() -> None:
    assert read("card", "value-creation.orientation.ambition") == Card(
        "value-creation.orientation.ambition", 1
    )
    assert read("answers", "value-creation.orientation.ambition") == Answers(
        "value-creation.orientation.ambition", 1
    )


def test_a_rename_prompt_from_before_the_asker_was_kept_is_answered_by_nobody() -> None:
    assert read("rename", "1") == RenamePrompt(1, 0)


def test_a_which_stage_question_from_before_its_moment_was_kept_reads_as_any() -> None:
    assert read("remind-which", "") == RemindQuestion(0)


@pytest.mark.parametrize(
    ("kind", "ref"),
    [
        ("unknown", "1"),
        ("partner-name", "one"),
        ("partner-name", ""),
        ("partner-name", "1:2"),
        ("sides", "x"),
        ("card", ""),
        ("issue-list", "1:1"),
        ("issue-list", "2:1:7"),
        ("issue-list", "1:1:7,x"),
        ("recap", "integration"),  # no reminder stage
        ("recap", "orientation,,integration:transformation"),
        ("reminder-list", ""),
    ],
)
def test_anything_else_reads_as_none(kind: str, ref: str) -> None:
    assert read(kind, ref) is None


def test_packing_what_cannot_be_read_back_fails_loudly() -> None:
    with pytest.raises(ValueError, match="not a purpose we can read back"):
        Card("a:b").pack()
