"""The one codec for button data: what it packs it reads back, buttons made before a field existed
still read, and anything else reads as None."""

from __future__ import annotations

import pytest

from bot.domain.buttons import (
    KINDS,
    MAX_BYTES,
    ActionOwner,
    ActionStatus,
    ActionWhen,
    CancelReminder,
    ChooseLanguage,
    ChooseSide,
    Confirm,
    NextTopic,
    Press,
    RemindLater,
    ResetAnswer,
    read,
)


@pytest.mark.parametrize(
    ("press", "data"),
    [
        (Confirm(12, 3), "conf:12:3"),
        (ChooseSide(2), "side:2"),
        (RemindLater("integration", 6), "later:integration:6"),
        (
            NextTopic("value-creation.orientation.ambition", 2),
            "next:value-creation.orientation.ambition:2",
        ),
        (ResetAnswer(clear=False), "reset:no"),
        (ChooseLanguage("nl"), "lang:nl"),
        (CancelReminder(99999999999), "rcan:99999999999"),
        (ActionOwner(7, 0), "aown:7:0"),
        (ActionWhen(7, "1m"), "awhen:7:1m"),
        (ActionStatus(99999999999, "not-feasible"), "astat:99999999999:not-feasible"),
    ],
)
def test_what_is_packed_reads_back(press: Press, data: str) -> None:
    assert press.pack() == data
    assert read(data) == press


@pytest.mark.parametrize(
    ("data", "press"),
    [
        ("conf:12", Confirm(12, 0)),  # from before revisions were shown
        ("later:integration", RemindLater("integration", 3)),  # from before the choice of months
        ("next:ambition", NextTopic("ambition", 0)),  # from before the round was on it
    ],
)
def test_buttons_from_before_a_field_existed_read_with_its_default(
    data: str, press: Press
) -> None:
    assert read(data) == press


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "conf:²",  # a superscript two: str.isdigit() says yes, int() fails
        "conf:1:²",
        "side:١",  # an Arabic-Indic one
        "ires:𝟙",  # a mathematical bold one
        "conf:-1",
        "conf:1:2:3",
        "conf:",
        "conf",
        "rsnz:999999999999",  # more digits than an id has
        "stage:",
        "stage:Integration",  # words are lowercase ids
        "stage:integration:1",
        "later:integration:x",
        "reset:maybe",  # yes or no
        "unknown:1",
        "next:" + "a" * 60,  # 65 bytes
        "lang:nl extra",
    ],
)
def test_anything_else_reads_as_none(data: str | None) -> None:
    assert read(data) is None


def test_the_limit_is_telegrams_64_bytes() -> None:
    at_limit = "next:" + "a" * (MAX_BYTES - len("next:"))
    assert len(at_limit.encode()) == 64
    assert read(at_limit) is not None
    assert read(at_limit + "a") is None


def test_packing_data_that_cannot_be_read_fails_loudly() -> None:
    with pytest.raises(ValueError, match="not a button we can read back"):
        ChooseSide(-1).pack()
    with pytest.raises(ValueError, match="not a button we can read back"):
        NextTopic("Ambition").pack()
    with pytest.raises(ValueError, match="not a button we can read back"):
        NextTopic("x" * 64).pack()


def test_every_kind_of_press_has_a_route() -> None:
    from bot.handlers import routes

    assert set(routes.PRESSES) == set(KINDS.values())
