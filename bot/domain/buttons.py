"""One codec for button data: every button's data is a typed press, packed and read here.

Data is the press's kind, then its fields in order, separated by ``:``. Numbers are ASCII digits
(``"²".isdigit()`` is true, ``int("²")`` fails), words are lowercase ids (stages, topics,
languages), and a yes/no is ``yes`` or ``no``. A field with a default may be missing at the end,
so buttons made before it existed still work. Telegram takes at most 64 bytes. Whatever does not
read as one of the presses below is None, which the handlers answer with "this button no longer
works" and which changes nothing. (The idea of aiogram's ``CallbackData``, without pydantic.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import ClassVar

from bot.domain.fields import read_fields, typed_fields
from bot.domain.wheel import Wheel

#: Telegram's limit for callback data.
MAX_BYTES = 64
_NUMBER = re.compile(r"[0-9]{1,11}")
_WORD = re.compile(r"[a-z0-9][a-z0-9.-]{0,59}")
_YES_NO = {"yes": True, "no": False}
#: The reminders offered at the end of a stage, in months.
LATER_MONTHS = (1, 3, 6)


@dataclass(frozen=True, slots=True)
class Press:
    """What a button says when pressed: each kind of button is a subclass, a frozen dataclass
    whose fields are ``int``, ``str`` (a lowercase id) or ``bool`` (yes or no)."""

    kind: ClassVar[str]

    def pack(self) -> str:
        """The button's data; raises ValueError for data Telegram or ``read`` would refuse."""
        data = ":".join([self.kind, *(_text(getattr(self, f.name)) for f in fields(self))])
        if read(data) != self:
            raise ValueError(f"not a button we can read back: {data!r}")
        return data

    def fits(self, wheel: Wheel) -> bool:
        """Whether the stages and topics it names are in the wheel (an old button's may not be)."""
        return True


# -- set-up and language ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChooseSide(Press):
    kind = "side"
    slot: int


@dataclass(frozen=True, slots=True)
class ResetAnswer(Press):
    """Yes or No to ``/reset``'s question."""

    kind = "reset"
    clear: bool


@dataclass(frozen=True, slots=True)
class ForgetGroupAnswer(Press):
    """Yes or No to ``/forgetgroup``'s question."""

    kind = "forget"
    erase: bool


@dataclass(frozen=True, slots=True)
class ForgetMeAnswer(Press):
    """Yes or No to ``/forgetme``'s question, which only ``asker`` answers."""

    kind = "forgetme"
    erase: bool
    asker: int


@dataclass(frozen=True, slots=True)
class AdmitNewcomer(Press):
    """Confirm (yes) or Not a colleague (no) on newcomer ``request``'s message."""

    kind = "admit"
    request: int
    admit: bool


@dataclass(frozen=True, slots=True)
class Facilitate(Press):
    """On the message of who represents whom: the presser facilitates (neither partner)."""

    kind = "facil"


@dataclass(frozen=True, slots=True)
class EndFacilitator(Press):
    """On ``/facilitator``'s list: ``user`` no longer facilitates."""

    kind = "unfacil"
    user: int


@dataclass(frozen=True, slots=True)
class ChooseLanguage(Press):
    kind = "lang"
    language: str


# -- the session --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChooseStage(Press):
    kind = "stage"
    stage: str

    def fits(self, wheel: Wheel) -> bool:
        return _is_stage(wheel, self.stage)


@dataclass(frozen=True, slots=True)
class NextTopic(Press):
    """On to the topic after ``topic``, from a message of ``round`` of its stage (0: a button
    from before rounds were on it)."""

    kind = "next"
    topic: str
    round: int = 0

    def fits(self, wheel: Wheel) -> bool:
        return _is_topic(wheel, self.topic)


@dataclass(frozen=True, slots=True)
class GoToTopic(Press):
    """A topic on the map of ``/topics``: go to it."""

    kind = "go"
    topic: str

    def fits(self, wheel: Wheel) -> bool:
        return _is_topic(wheel, self.topic)


@dataclass(frozen=True, slots=True)
class RecordAgreement(Press):
    kind = "agree"
    topic: str

    def fits(self, wheel: Wheel) -> bool:
        return _is_topic(wheel, self.topic)


@dataclass(frozen=True, slots=True)
class NoteIssue(Press):
    kind = "issue"
    topic: str

    def fits(self, wheel: Wheel) -> bool:
        return _is_topic(wheel, self.topic)


@dataclass(frozen=True, slots=True)
class RemindLater(Press):
    """A reminder to take up ``stage`` in ``months``; buttons from before the choice of months
    meant three."""

    kind = "later"
    stage: str
    months: int = 3

    def fits(self, wheel: Wheel) -> bool:
        return _is_stage(wheel, self.stage) and self.months in LATER_MONTHS


# -- agreements and open issues -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Confirm(Press):
    """Confirm the wording of ``revision``; buttons from before revisions were shown meant 0."""

    kind = "conf"
    agreement: int
    revision: int = 0


@dataclass(frozen=True, slots=True)
class NotYet(Press):
    kind = "nyet"
    agreement: int


@dataclass(frozen=True, slots=True)
class Withdraw(Press):
    kind = "wdr"
    agreement: int


@dataclass(frozen=True, slots=True)
class Resolve(Press):
    kind = "ires"
    issue: int


@dataclass(frozen=True, slots=True)
class IssueToAgreement(Press):
    kind = "iagr"
    issue: int


@dataclass(frozen=True, slots=True)
class StillHolds(Press):
    """An earlier agreement still holds, says one organisation."""

    kind = "ahold"
    agreement: int


@dataclass(frozen=True, slots=True)
class ChangeAgreement(Press):
    """Propose new wording for an earlier agreement."""

    kind = "achg"
    agreement: int


@dataclass(frozen=True, slots=True)
class DropAgreement(Press):
    """Propose to let an earlier agreement lapse."""

    kind = "adrop"
    agreement: int


# -- action items -------------------------------------------------------------------------------

#: An action item's owner: one partner's slot, or both together.
ACTION_OWNERS = (0, 1, 2)
#: The dates the buttons offer, as spans from today: two weeks, one month, three months.
ACTION_SPANS = ("2w", "1m", "3m")
#: What an action item's reminder lets people say.
ACTION_STATUSES = ("done", "not-feasible", "week")


@dataclass(frozen=True, slots=True)
class MakeAction(Press):
    """Make open issue ``issue`` an action item: ask who picks it up and by when."""

    kind = "aitem"
    issue: int


@dataclass(frozen=True, slots=True)
class ActionOwner(Press):
    """Who picks up open issue ``issue``: partner ``owner`` (1 or 2), or both (0)."""

    kind = "aown"
    issue: int
    owner: int

    def fits(self, wheel: Wheel) -> bool:
        return self.owner in ACTION_OWNERS


@dataclass(frozen=True, slots=True)
class ActionWhen(Press):
    """By when open issue ``issue`` is picked up, as a span from today."""

    kind = "awhen"
    issue: int
    span: str

    def fits(self, wheel: Wheel) -> bool:
        return self.span in ACTION_SPANS


@dataclass(frozen=True, slots=True)
class ActionStatus(Press):
    """On an action item's reminder: done, not feasible, or a week later."""

    kind = "astat"
    issue: int
    status: str

    def fits(self, wheel: Wheel) -> bool:
        return self.status in ACTION_STATUSES


# -- check-ups ----------------------------------------------------------------------------------

#: The marks of a check-up, from best to worst.
CHECKUP_MARKS = ("kept", "partly", "not-kept")


@dataclass(frozen=True, slots=True)
class MarkCheckup(Press):
    """Kept, Partly or Not kept on ``agreement`` in check-up ``checkup``."""

    kind = "ckm"
    checkup: int
    agreement: int
    mark: str

    def fits(self, wheel: Wheel) -> bool:
        return self.mark in CHECKUP_MARKS


# -- reminders ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemindFor(Press):
    """The stage ``/remind <when>`` is for, asked when none was named; ``at`` is the moment in
    seconds since 1970 (UTC), checked again when pressed."""

    kind = "rfor"
    stage: str
    at: int

    def fits(self, wheel: Wheel) -> bool:
        return _is_stage(wheel, self.stage)


@dataclass(frozen=True, slots=True)
class StartNow(Press):
    kind = "rnow"
    reminder: int


@dataclass(frozen=True, slots=True)
class Snooze(Press):
    kind = "rsnz"
    reminder: int


@dataclass(frozen=True, slots=True)
class Dismiss(Press):
    kind = "rend"
    reminder: int


@dataclass(frozen=True, slots=True)
class CancelReminder(Press):
    """A cancel button of ``/reminders``."""

    kind = "rcan"
    reminder: int


# -- what the partners take away ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export(Press):
    kind = "export"


# -- the position check (in a private chat) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatePosition(Press):
    """An answer in a position check's private rating: ``value`` 1-4 for component number
    ``step`` (from 0), or 0 for "don't know"."""

    kind = "pos"
    check: int
    step: int
    value: int

    def fits(self, wheel: Wheel) -> bool:
        return 0 <= self.step < 12 and 0 <= self.value <= 4


PRESSES: tuple[type[Press], ...] = (
    ChooseSide,
    ResetAnswer,
    ForgetGroupAnswer,
    ForgetMeAnswer,
    AdmitNewcomer,
    Facilitate,
    EndFacilitator,
    ChooseLanguage,
    ChooseStage,
    NextTopic,
    GoToTopic,
    RecordAgreement,
    NoteIssue,
    RemindLater,
    RemindFor,
    Confirm,
    NotYet,
    Withdraw,
    Resolve,
    IssueToAgreement,
    MakeAction,
    ActionOwner,
    ActionWhen,
    ActionStatus,
    StillHolds,
    ChangeAgreement,
    DropAgreement,
    MarkCheckup,
    StartNow,
    Snooze,
    Dismiss,
    CancelReminder,
    Export,
    RatePosition,
)
#: Every press by its kind on the wire.
KINDS: dict[str, type[Press]] = {press.kind: press for press in PRESSES}


_FIELDS = {press: typed_fields(press, (int, str, bool), "button") for press in PRESSES}


def read(data: str | None) -> Press | None:
    """Read a button's data, or None when it is not one of ours (any more)."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    kind, *parts = data.split(":")
    press = KINDS.get(kind)
    if press is None:
        return None
    return read_fields(press, _FIELDS[press], parts, _value)


def _value(kind: type, part: str) -> int | str | bool | None:
    if kind is bool:
        return _YES_NO.get(part)
    if kind is int:
        return int(part) if _NUMBER.fullmatch(part) else None
    return part if _WORD.fullmatch(part) else None


def _text(value: int | str | bool) -> str:
    if isinstance(value, bool):  # before int: a bool is an int
        return "yes" if value else "no"
    return str(value)


def _is_stage(wheel: Wheel, stage_id: str) -> bool:
    return any(stage.id == stage_id for stage in wheel.stages)


def _is_topic(wheel: Wheel, topic_id: str) -> bool:
    return any(topic.id == topic_id for topic in wheel.topics)
