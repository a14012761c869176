"""One codec for button data: every button's data is made and read here.

Data is a kind, then parts separated by ``:``: ids are ASCII digits (``"²".isdigit()`` is true,
``int("²")`` fails), words are lowercase ids (stages, topics, yes/no, languages). Telegram takes
at most 64 bytes. Whatever does not read as one of the shapes below is None, which the handlers
answer with "this button no longer works" and which changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Telegram's limit for callback data.
MAX_BYTES = 64
_NUMBER = re.compile(r"[0-9]{1,11}")
_WORD = re.compile(r"[a-z0-9][a-z0-9.-]{0,59}")


@dataclass(frozen=True, slots=True)
class Shape:
    """What follows a kind: a word or not, then between ``least`` and ``most`` numbers."""

    word: bool
    least: int = 0
    most: int = 0


SHAPES: dict[str, Shape] = {
    # set-up and language
    "side": Shape(word=False, least=1, most=1),
    "reset": Shape(word=True),
    "forget": Shape(word=True),
    "forgetme": Shape(word=True, least=1, most=1),
    "lang": Shape(word=True),
    # the session
    "stage": Shape(word=True),
    "next": Shape(word=True),
    "agree": Shape(word=True),
    "issue": Shape(word=True),
    "later": Shape(word=True, least=0, most=1),
    # agreements and open issues
    "conf": Shape(word=False, least=1, most=2),
    "nyet": Shape(word=False, least=1, most=1),
    "wdr": Shape(word=False, least=1, most=1),
    "ires": Shape(word=False, least=1, most=1),
    "iagr": Shape(word=False, least=1, most=1),
    # reminders
    "rnow": Shape(word=False, least=1, most=1),
    "rsnz": Shape(word=False, least=1, most=1),
    "rend": Shape(word=False, least=1, most=1),
    "rcan": Shape(word=False, least=1, most=1),
    # what the partners take away
    "export": Shape(word=False),
}


@dataclass(frozen=True, slots=True)
class Press:
    """A button's data, read."""

    kind: str
    word: str = ""
    numbers: tuple[int, ...] = ()

    @property
    def number(self) -> int:
        return self.numbers[0]


def make(kind: str, *parts: str | int) -> str:
    """The data of a button; raises ValueError for data Telegram or ``read`` would refuse."""
    data = ":".join([kind, *(str(part) for part in parts)])
    if read(data) is None:
        raise ValueError(f"not a button we can read back: {data!r}")
    return data


def read(data: str | None) -> Press | None:
    """Read a button's data, or None when it is not one of ours (any more)."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    kind, *parts = data.split(":")
    shape = SHAPES.get(kind)
    if shape is None:
        return None
    word = ""
    if shape.word:
        if not parts or not _WORD.fullmatch(parts[0]):
            return None
        word, parts = parts[0], parts[1:]
    if not shape.least <= len(parts) <= shape.most:
        return None
    if not all(_NUMBER.fullmatch(part) for part in parts):
        return None
    return Press(kind, word, tuple(int(part) for part in parts))
