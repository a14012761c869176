"""The one codec for button data: what it makes it reads back; anything else reads as None."""

from __future__ import annotations

import pytest

from bot.domain.buttons import MAX_BYTES, SHAPES, Press, make, read


@pytest.mark.parametrize(
    ("kind", "parts", "press"),
    [
        ("conf", (12, 3), Press("conf", "", (12, 3))),
        ("conf", (12,), Press("conf", "", (12,))),
        ("side", (2,), Press("side", "", (2,))),
        ("later", ("integration", 6), Press("later", "integration", (6,))),
        ("later", ("integration",), Press("later", "integration", ())),
        ("next", ("value-creation.orientation.ambition",), None),
        ("reset", ("no",), Press("reset", "no", ())),
        ("lang", ("nl",), Press("lang", "nl", ())),
        ("rcan", (99999999999,), Press("rcan", "", (99999999999,))),
    ],
)
def test_what_is_made_reads_back(
    kind: str, parts: tuple[str | int, ...], press: Press | None
) -> None:
    data = make(kind, *parts)
    expected = press or Press(kind, str(parts[0]), ())
    assert read(data) == expected


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


def test_making_data_that_cannot_be_read_fails_loudly() -> None:
    with pytest.raises(ValueError, match="not a button we can read back"):
        make("conf", "²")
    with pytest.raises(ValueError, match="not a button we can read back"):
        make("nonsense", 1)
    with pytest.raises(ValueError, match="not a button we can read back"):
        make("next", "x" * 64)


def test_every_kind_has_a_shape_a_handler_reads() -> None:
    from bot.handlers import reminders

    session_kinds = {"side", "stage", "later", "next", "agree", "issue", "conf", "nyet", "wdr"}
    session_kinds |= {"ires", "iagr", "reset", "forget", "forgetme"}
    # "export": the button a long summary offers (bot/handlers/takeaway.py).
    assert set(SHAPES) == session_kinds | set(reminders.BUTTONS) | {"lang", "export"}
