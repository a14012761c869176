"""One codec for what a bot message is for: a typed purpose, kept with the message it became.

A flow gives a reply a purpose (``Reply.remember``); the outbox remembers it with the message
that reply became, as two texts: the purpose's kind and a reference, the purpose's fields in
order separated by ``:`` (a list of numbers comma-separated, a yes/no ``1`` or ``0``). A reply to
that message is routed by it (``bot/handlers/routes.py``), and a flow finds the message again by
it (the card it edits, the question a press answers). A field with a default may be missing at
the end, so what was remembered before it existed still reads. Whatever does not read as one of
the purposes below is None: the message waits for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from bot.domain.fields import read_fields, typed_fields

#: A list of ids, as the type of a purpose's field.
_IDS = tuple[int, ...]
#: A list of words (stage ids), as the type of a purpose's field; it may be empty.
_WORDS = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Purpose:
    """What a bot message is for: each kind is a subclass, a frozen dataclass whose fields are
    ``int``, ``str``, ``bool``, ``tuple[int, ...]`` or ``tuple[str, ...]``."""

    kind: ClassVar[str]

    def pack(self) -> tuple[str, str]:
        """The (kind, reference) the message is remembered under."""
        packed = self.kind, ":".join(_text(getattr(self, f.name)) for f in fields(self))
        if read(*packed) != self:
            raise ValueError(f"not a purpose we can read back: {packed!r}")
        return packed


# -- set-up -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerName(Purpose):
    """A prompt for the name of partner ``slot`` during the set-up."""

    kind = "partner-name"
    slot: int


@dataclass(frozen=True, slots=True)
class RenamePrompt(Purpose):
    """``/rename``'s prompt for a new name, which only ``asker`` answers (0: nobody, for prompts
    from before the asker was remembered)."""

    kind = "rename"
    slot: int
    asker: int = 0


@dataclass(frozen=True, slots=True)
class Sides(Purpose):
    """Who represents which partner, with a button per partner."""

    kind = "sides"


@dataclass(frozen=True, slots=True)
class NewcomerRequest(Purpose):
    """Someone asks to join an organisation (the newcomers row ``request``): Confirm and Not a
    colleague, for a colleague; once confirmed, the link to the newcomer's briefing."""

    kind = "newcomer"
    request: int


@dataclass(frozen=True, slots=True)
class LanguageQuestion(Purpose):
    """``/language`` without a language: a button per language (answered once)."""

    kind = "language"


# -- the session --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicMap(Purpose):
    """``/topics``: the wheel's topics, a button each, to go to any of them."""

    kind = "topic-map"


@dataclass(frozen=True, slots=True)
class StageMenu(Purpose):
    """The stages, a button each."""

    kind = "stage-menu"


@dataclass(frozen=True, slots=True)
class StageRecap(Purpose):
    """The end of a stage: a button to go on with each of ``stages``, and the buttons for a
    reminder to take up stage ``later``."""

    kind = "recap"
    stages: tuple[str, ...]
    later: str


@dataclass(frozen=True, slots=True)
class Card(Purpose):
    """A topic's card in a round of its stage: people answer by replying to it, and it is edited
    as they do (cards from before rounds existed read as round 1)."""

    kind = "card"
    topic: str
    round: int = 1


@dataclass(frozen=True, slots=True)
class Answers(Purpose):
    """Both partners' answers on a topic in a round, side by side (round 1 for views from before
    rounds existed)."""

    kind = "answers"
    topic: str
    round: int = 1


@dataclass(frozen=True, slots=True)
class Nudge(Purpose):
    """A nudge on a topic's card in a round (``/nudge``, the reminder after ten minutes without
    an answer, the invitation of the quieter organisation): a reply to it is an answer, as to
    the card."""

    kind = "nudge"
    topic: str
    round: int = 1


@dataclass(frozen=True, slots=True)
class AgreementPrompt(Purpose):
    """A prompt for the wording of an agreement on a topic."""

    kind = "agree-text"
    topic: str


@dataclass(frozen=True, slots=True)
class IssuePrompt(Purpose):
    """A prompt for an open issue on a topic."""

    kind = "issue-text"
    topic: str


@dataclass(frozen=True, slots=True)
class IssueAgreementPrompt(Purpose):
    """A prompt for the wording of an agreement that settles an open issue."""

    kind = "agree-issue"
    issue: int


@dataclass(frozen=True, slots=True)
class Proposal(Purpose):
    """A proposed agreement: a reply to it words it differently."""

    kind = "proposal"
    agreement: int


@dataclass(frozen=True, slots=True)
class Decided(Purpose):
    """A proposal once confirmed or kept as an open issue, now offering the next topic after
    ``topic``: a reply to it is answered as a reply to the proposal."""

    kind = "decided"
    agreement: int
    topic: str


@dataclass(frozen=True, slots=True)
class DropProposal(Purpose):
    """A proposal to let an earlier agreement lapse: confirmed or not, never reworded."""

    kind = "drop-proposal"
    agreement: int


@dataclass(frozen=True, slots=True)
class ChangePrompt(Purpose):
    """A prompt for new wording of an earlier agreement."""

    kind = "change-text"
    agreement: int


@dataclass(frozen=True, slots=True)
class AgreementReview(Purpose):
    """Earlier agreements, each with Still holds / Change / Drop: those of ``topic`` (or of every
    topic, ``all``), the agreements ``ids`` numbered from ``first``."""

    kind = "agree-review"
    topic: str
    first: int
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class IssueList(Purpose):
    """One message of ``/issues``: the issues ``ids``, numbered from ``first``; the first message
    has the ``heading``."""

    kind = "issue-list"
    heading: bool
    first: int
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ActionWalk(Purpose):
    """Who picks up which open issue, and by when: the open issues ``ids``, each with buttons
    for its owner, then for its date."""

    kind = "action-walk"
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ActionDue(Purpose):
    """The reminder of the action item of open issue ``issue``."""

    kind = "action-due"
    issue: int


@dataclass(frozen=True, slots=True)
class FacilitatorList(Purpose):
    """``/facilitator``'s list of who facilitates (``users``), with a button to end each one's
    role."""

    kind = "facilitators"
    users: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CheckupPart(Purpose):
    """One message of a check-up: the agreements of its ``part`` (from 0), with their buttons."""

    kind = "checkup"
    checkup: int
    part: int


@dataclass(frozen=True, slots=True)
class CheckupIssue(Purpose):
    """The open issue a check-up opened on ``agreement``: Still holds / Change / Drop for the
    agreement, and Resolved for ``issue``."""

    kind = "checkup-issue"
    agreement: int
    issue: int


@dataclass(frozen=True, slots=True)
class ReminderMessage(Purpose):
    kind = "reminder"
    reminder: int


@dataclass(frozen=True, slots=True)
class ReminderList(Purpose):
    """``/reminders``: the reminders ``ids``, each with a button to cancel it."""

    kind = "reminder-list"
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ExportOffer(Purpose):
    """The end of a summary too long for the chat, with the button for the export."""

    kind = "export-offer"


@dataclass(frozen=True, slots=True)
class PositionMessage(Purpose):
    """A position check's message in the group: who has rated, and the button to rate."""

    kind = "position"
    check: int


@dataclass(frozen=True, slots=True)
class PrivatePrompt(Purpose):
    """A topic's question in a person's private chat: a reply to it (or the next text message
    there) is their answer, given privately. ``topic`` is the row of ``private_topics`` that
    names the group, the topic and the round."""

    kind = "private-answer"
    topic: int


@dataclass(frozen=True, slots=True)
class PositionQuestion(Purpose):
    """A statement of a position check to rate, in a private chat (edited into the next)."""

    kind = "position-question"
    check: int


# -- questions answered once, with Yes or No ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemindQuestion(Purpose):
    """``/remind <when>`` without a stage: which stage it is for (answered once); ``at`` is the
    moment its buttons carry (0: asked before it was remembered, any)."""

    kind = "remind-which"
    at: int = 0


@dataclass(frozen=True, slots=True)
class ResetQuestion(Purpose):
    kind = "reset"


@dataclass(frozen=True, slots=True)
class ForgetGroupQuestion(Purpose):
    kind = "forget"


@dataclass(frozen=True, slots=True)
class ForgetMeQuestion(Purpose):
    kind = "forgetme"
    asker: int


@dataclass(frozen=True, slots=True)
class Answered(Purpose):
    """A question answered once (``bot_messages.take``): a press on it changes nothing."""

    kind = "answered"


PURPOSES: tuple[type[Purpose], ...] = (
    PartnerName,
    RenamePrompt,
    Sides,
    NewcomerRequest,
    LanguageQuestion,
    StageMenu,
    TopicMap,
    StageRecap,
    Card,
    Answers,
    Nudge,
    AgreementPrompt,
    IssuePrompt,
    IssueAgreementPrompt,
    Proposal,
    Decided,
    DropProposal,
    ChangePrompt,
    AgreementReview,
    IssueList,
    ActionWalk,
    ActionDue,
    FacilitatorList,
    CheckupPart,
    CheckupIssue,
    ReminderMessage,
    ReminderList,
    RemindQuestion,
    ExportOffer,
    PositionMessage,
    PrivatePrompt,
    PositionQuestion,
    ResetQuestion,
    ForgetGroupQuestion,
    ForgetMeQuestion,
    Answered,
)
#: Every purpose by its kind as stored.
KINDS: dict[str, type[Purpose]] = {purpose.kind: purpose for purpose in PURPOSES}


_FIELDS = {
    purpose: typed_fields(purpose, (int, str, bool, _IDS, _WORDS), "purpose")
    for purpose in PURPOSES
}


def read(kind: str, ref: str) -> Purpose | None:
    """Read what a message was remembered under, or None when it is not a purpose we know."""
    purpose = KINDS.get(kind)
    if purpose is None:
        return None
    return read_fields(purpose, _FIELDS[purpose], ref.split(":") if ref else [], _value)


def _value(kind: object, part: str) -> object:
    try:
        if kind is bool:
            return {"1": True, "0": False}.get(part)
        if kind is int:
            return int(part)
        if kind == _IDS:
            return tuple(int(number) for number in part.split(","))
    except ValueError:
        return None
    if kind == _WORDS:
        words = tuple(part.split(",")) if part else ()
        return None if any(not word for word in words) else words
    return part or None


def _text(value: object) -> str:
    if isinstance(value, bool):  # before int: a bool is an int
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return str(value)
