"""What the partners take away, as one snapshot: every topic of the wheel with its state, answers,
agreements and open issues, read in one go so that the summary, the wheel picture and the export
all show the same moment.

A topic's state and answers are those of the latest round of its stage; the answers of earlier
rounds come along (``TopicRecord.earlier``) for the export. Progress is counted with the one
definition of ``bot/domain/rounds.py`` (``GroupRecord.progress``).

The snapshot holds user text exactly as typed and times in the group's own time zone; the
renderers (``flows/summary.py``, ``render/picture/``, ``render/pdf.py``) translate, format and escape.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.db import chats, checkups, partners, progress, records, reminders, rounds
from bot.db import report as sql
from bot.db.reminders import zone_or_utc
from bot.db.tx import Tx
from bot.domain.history import Event, history, versions
from bot.domain.position import View, read_views
from bot.domain.rounds import StageProgress, is_discussed, stage_progress
from bot.domain.wheel import Topic, Wheel


class TopicState(StrEnum):
    """Where a topic stands, as the wheel picture colours it."""

    #: At least one confirmed agreement and no open issue.
    AGREED = "agreed"
    #: A confirmed agreement and an open issue: part settled, part still to settle.
    AGREED_AND_OPEN = "agreed-open"
    #: An open issue (or a proposal not yet confirmed) and no confirmed agreement.
    OPEN_ISSUE = "open-issue"
    #: Answered, nothing recorded.
    ANSWERED = "answered"
    #: Passed over with Skip.
    SKIPPED = "skipped"
    #: Not discussed yet.
    NOT_YET = "not-yet"


@dataclass(frozen=True, slots=True)
class Person:
    """Who said or did something: a name, or None for someone who asked to be forgotten."""

    name: str | None
    #: The organisation they represented when they did it (its name), or None when unknown.
    partner: str | None


@dataclass(frozen=True, slots=True)
class AnswerEntry:
    by: Person
    slot: int
    text: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class CheckupEntry:
    """A finished check-up of an agreement: its day and each organisation's mark."""

    day: dt.date
    #: (slot, mark) for both organisations, mark one of ``kept``, ``partly``, ``not-kept``.
    marks: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class AgreementEntry:
    id: int
    text: str
    #: ``confirmed``, ``proposed`` (waiting for the other partner) or ``dropped`` (in
    #: ``TopicRecord.dropped`` only); withdrawn and changed ones are left out.
    status: str
    proposed_by: Person
    proposed_at: dt.datetime
    confirmed_by: Person | None
    confirmed_at: dt.datetime | None
    #: What happened to it, newest first (``bot.domain.history``), in the group's time zone:
    #: the earlier wordings a change replaced, and for a dropped agreement its drop.
    history: tuple[Event, ...] = ()
    #: The day of its next check-up (confirmed agreements).
    review_due: dt.date | None = None
    #: Its finished check-ups, oldest first.
    checkups: tuple[CheckupEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionEntry:
    """An open issue's action item: who picks it up, by when, and how it went."""

    #: The partner's slot (1 or 2), or 0 for both.
    owner: int
    #: Its day in the group's zone; None while only the owner is chosen.
    due: dt.date | None
    #: ``open``, ``done`` or ``not-feasible``.
    status: str


@dataclass(frozen=True, slots=True)
class IssueEntry:
    id: int
    text: str
    raised_by: Person
    raised_at: dt.datetime
    action: ActionEntry | None = None
    #: For a resolved issue (``TopicRecord.resolved``): when, and by whom.
    resolved_at: dt.datetime | None = None
    resolved_by: Person | None = None


@dataclass(frozen=True, slots=True)
class ReminderEntry:
    """A reminder the group set to come back to a stage, not sent yet."""

    stage: str
    #: Its moment, in the group's zone.
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class NextReview:
    """When the partners next look at their wheel together: the first of the reminders they
    set and the check-ups of their agreements."""

    day: dt.date
    #: The stage of the reminder that falls first; None when a check-up comes first.
    stage: str | None
    #: How many agreements have their check-up on that day (with the reminder or alone).
    checkups: int


@dataclass(frozen=True, slots=True)
class EarlierRound:
    """The answers on a topic in an earlier round of its stage."""

    number: int
    #: When the round started, in the group's zone.
    started_at: dt.datetime
    answers: tuple[AnswerEntry, ...]


@dataclass(frozen=True, slots=True)
class TopicRecord:
    topic: Topic
    state: TopicState
    #: The answers of the latest round of the topic's stage.
    answers: tuple[AnswerEntry, ...]
    agreements: tuple[AgreementEntry, ...]
    issues: tuple[IssueEntry, ...]
    #: Agreements the partners let lapse: no longer agreements, kept for their history.
    dropped: tuple[AgreementEntry, ...] = ()
    #: The topic's status in the latest round (open, answered, skipped; None: not touched).
    status: str | None = None
    #: The number of the latest round of the topic's stage (0: never worked on).
    round: int = 0
    #: The answers of earlier rounds, newest round first.
    earlier: tuple[EarlierRound, ...] = ()
    #: Open issues that were resolved, oldest first: what was settled, and when, is news too.
    resolved: tuple[IssueEntry, ...] = ()

    @property
    def discussed(self) -> bool:
        return is_discussed(self.status)

    @property
    def confirmed(self) -> tuple[AgreementEntry, ...]:
        return tuple(a for a in self.agreements if a.status == "confirmed")

    @property
    def pending(self) -> tuple[AgreementEntry, ...]:
        return tuple(a for a in self.agreements if a.status == "proposed")


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """One group's whole record at ``made_at`` (in the group's time zone)."""

    chat_id: int
    #: The two partner organisations' names, by slot (1 and 2).
    partners: dict[int, str]
    language: str
    timezone: str
    made_at: dt.datetime
    #: Every topic of the wheel, in wheel order (stage, domain, topic).
    topics: tuple[TopicRecord, ...]
    #: The revealed position checks, oldest first (the trajectory).
    positions: tuple[View, ...] = ()
    #: Who facilitates the group (names): neither partner.
    facilitators: tuple[str, ...] = ()
    #: The reminders still to come, soonest first.
    reminders: tuple[ReminderEntry, ...] = ()

    def stage(self, stage_id: str) -> tuple[TopicRecord, ...]:
        return tuple(r for r in self.topics if r.topic.stage == stage_id)

    def progress(self) -> dict[str, StageProgress]:
        """The topics discussed in the latest round of each stage (``stage_progress``)."""
        return stage_progress((r.topic.stage, r.status) for r in self.topics)

    def next_review(self) -> NextReview | None:
        """The next time the partners look back, whichever comes first: a reminder they set to
        come back to a stage, or the check-up of confirmed agreements (None: neither is set).
        On the same day the reminder is named, with the check-ups that come along."""
        due = [a.review_due for r in self.topics for a in r.confirmed if a.review_due]
        first_checkup = min(due, default=None)
        reminder = self.reminders[0] if self.reminders else None
        if reminder is not None and (first_checkup is None or reminder.at.date() <= first_checkup):
            day = reminder.at.date()
            return NextReview(day, reminder.stage, sum(1 for d in due if d == day))
        if first_checkup is not None:
            return NextReview(first_checkup, None, sum(1 for d in due if d == first_checkup))
        return None


def topic_state(
    status: str | None, agreements: tuple[AgreementEntry, ...], issues: tuple[IssueEntry, ...]
) -> TopicState:
    """Decide a topic's state from its progress status and what was recorded on it.

    A confirmed agreement next to an open issue is its own state: the picture shows both, since
    hiding either would mislead (a settled topic that is not, or work that looks undone).
    """
    agreed = any(a.status == "confirmed" for a in agreements)
    unsettled = bool(issues) or any(a.status == "proposed" for a in agreements)
    if agreed and unsettled:
        return TopicState.AGREED_AND_OPEN
    if agreed:
        return TopicState.AGREED
    if unsettled:
        return TopicState.OPEN_ISSUE
    if status == "answered":
        return TopicState.ANSWERED
    if status == "skipped":
        return TopicState.SKIPPED
    return TopicState.NOT_YET


async def read_record(conn: Tx, wheel: Wheel, chat_id: int, now: dt.datetime) -> GroupRecord:
    """Read a group's whole record as it is now (the group must exist)."""
    chat = await chats.get(conn, chat_id)
    if chat is None:
        raise LookupError(chat_id)
    zone = zone_or_utc(chat.timezone)
    names = await partners.names(conn, chat_id)
    statuses = await progress.topic_statuses(conn, chat_id)

    def local(stamp: str) -> dt.datetime:
        return _local(stamp, zone)

    latest = await rounds.latest_numbers(conn, chat_id)
    started = {(r.stage, r.number): local(r.started_at) for r in await rounds.every(conn, chat_id)}
    answers: dict[str, list[AnswerEntry]] = {}
    before: dict[str, dict[int, list[AnswerEntry]]] = {}
    for r in await sql.answers(conn, chat_id):
        by = Person(r["name"] or None, names.get(r["slot"]))
        answer = AnswerEntry(by, r["slot"], r["text"], local(r["updated_at"]))
        if r["round"] >= latest.get(rounds.stage_of(r["topic_id"]), 1):
            answers.setdefault(r["topic_id"], []).append(answer)
        else:
            before.setdefault(r["topic_id"], {}).setdefault(r["round"], []).append(answer)
    agreements: dict[str, list[AgreementEntry]] = {}
    dropped: dict[str, list[AgreementEntry]] = {}
    known = versions(await records.versions(conn, chat_id))
    checked = await checkups.history(conn, chat_id)
    for r in await sql.agreements(conn, chat_id):
        slot = r["proposer_slot"]
        confirmed = r["status"] in ("confirmed", "dropped")
        agreement = AgreementEntry(
            id=r["id"],
            text=r["text"],
            status=r["status"],
            proposed_by=Person(r["proposer_name"] or None, names.get(slot)),
            proposed_at=local(r["proposed_at"]),
            confirmed_by=Person(r["confirmer_name"] or None, names.get(3 - slot))
            if confirmed
            else None,
            confirmed_at=local(r["confirmed_at"]) if confirmed and r["confirmed_at"] else None,
            history=tuple(
                dataclasses.replace(e, on=e.on.astimezone(zone)) for e in history(r["id"], known)
            ),
            review_due=dt.date.fromisoformat(r["review_due"])
            if confirmed and r["review_due"]
            else None,
            checkups=tuple(
                CheckupEntry(dt.date.fromisoformat(day), tuple(sorted(marks.items())))
                for day, marks in checked.get(r["id"], ())
            ),
        )
        kept = dropped if r["status"] == "dropped" else agreements
        kept.setdefault(r["topic_id"], []).append(agreement)
    issues: dict[str, list[IssueEntry]] = {}
    resolved: dict[str, list[IssueEntry]] = {}
    for r in await sql.issues(conn, chat_id):
        by = Person(r["name"] or None, names.get(r["slot"]) if r["slot"] else None)
        action = None
        if r["owner"] is not None:
            due = r["due_local"]
            action = ActionEntry(
                r["owner"], dt.date.fromisoformat(due[:10]) if due else None, r["action_status"]
            )
        entry = IssueEntry(r["id"], r["text"], by, local(r["raised_at"]), action)
        if r["status"] == "resolved":
            resolver = r["resolver_slot"]
            entry = dataclasses.replace(
                entry,
                resolved_at=local(r["resolved_at"] or r["raised_at"]),
                resolved_by=Person(
                    r["resolver_name"] or None, names.get(resolver) if resolver else None
                ),
            )
            resolved.setdefault(r["topic_id"], []).append(entry)
        else:
            issues.setdefault(r["topic_id"], []).append(entry)
    topics = []
    for topic in wheel.topics:
        status = statuses.get(topic.id)
        said = tuple(agreements.get(topic.id, ()))
        raised = tuple(issues.get(topic.id, ()))
        earlier = tuple(
            EarlierRound(
                number,
                started.get((topic.stage, number), given[0].at),
                tuple(given),
            )
            for number, given in sorted(before.get(topic.id, {}).items(), reverse=True)
        )
        topics.append(
            TopicRecord(
                topic,
                topic_state(status, said, raised),
                tuple(answers.get(topic.id, ())),
                said,
                raised,
                tuple(dropped.get(topic.id, ())),
                status=status,
                round=latest.get(topic.stage, 0),
                earlier=earlier,
                resolved=tuple(resolved.get(topic.id, ())),
            )
        )
    return GroupRecord(
        chat_id=chat_id,
        partners=names,
        language=chat.language,
        timezone=chat.timezone,
        made_at=now.astimezone(zone),
        topics=tuple(topics),
        positions=await read_views(conn, chat_id, zone),
        facilitators=tuple(m.name for m in await partners.facilitators(conn, chat_id)),
        reminders=tuple(
            ReminderEntry(r.stage, r.local()) for r in await reminders.pending(conn, chat_id)
        ),
    )


def _local(stamp: str, zone: ZoneInfo) -> dt.datetime:
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone)
