"""What the partners agreed and what is still open, on demand: ``/summary [stage]`` (grouped by
stage and domain, named by topic, with who and when), ``/agreements`` (``agreement_review``), and the
requests for the wheel picture and the export, which the outbox makes when it delivers them.
"""

from __future__ import annotations

from bot.domain.buttons import Export
from bot.domain.history import Step
from bot.domain.purposes import ExportOffer
from bot.domain.record import (
    AgreementEntry,
    GroupRecord,
    IssueEntry,
    Person,
    TopicRecord,
    read_record,
)
from bot.domain.wheel import Wheel
from bot.flows import agreement_review
from bot.flows.actions import action_line
from bot.flows.board import progress_line
from bot.flows.checkups import both_marks
from bot.flows.common import refuse, set_up_chat, shown_name
from bot.flows.session import STAGE_WORDS
from bot.flows.turn import Turn
from bot.render.messages import (
    Button,
    Joined,
    Msg,
    Raw,
    Reply,
    Result,
    lines,
    msg,
    plural_msg,
    reply,
)
from bot.render.messages import wheel_text as wt

#: A summary that needs more messages than this sends its first part and offers the export.
MOST_MESSAGES = 5


async def summary_command(turn: Turn, words: list[str]) -> Result:
    """``/summary [stage]`` in a group."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    stage_id = stage_of(words)
    if isinstance(stage_id, Msg):
        return refuse(stage_id, button=False)
    return summary(await _record(turn), turn.wheel, stage_id)


async def agreements_command(turn: Turn) -> Result:
    """``/agreements`` in a group."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    return await agreement_review.listing(turn)


async def file_command(turn: Turn, what: str, *, button: bool) -> Result:
    """``/wheel``, ``/export`` or the export button: in a group that is set up, the file."""
    chat = set_up_chat(turn, button=button)
    if isinstance(chat, Result):
        return chat
    return wheel_request() if what == "wheel" else export_request()


async def _record(turn: Turn) -> GroupRecord:
    return await read_record(turn.conn, turn.wheel, turn.chat_id, turn.now)


def stage_of(words: list[str]) -> str | Msg | None:
    """The stage a ``/summary`` names (None for all); a message listing the stages when unknown."""
    word = " ".join(words).strip().casefold()
    if not word:
        return None
    found = STAGE_WORDS.get(word)
    if found is not None:
        return found
    return msg(
        "I don't know the stage “{word}”. Choose orientation, integration or transformation, "
        "for example <code>/summary integration</code>, or send /summary for all stages.",
        word=" ".join(words),
    )


def summary(record: GroupRecord, wheel: Wheel, stage_id: str | None) -> Result:
    """``/summary [stage]``: agreements, proposals waiting and open issues, stage by stage."""
    parts = summary_parts(record, wheel, stage_id)
    if parts is None:
        return Result(replies=(reply(*_nothing_yet(wheel, stage_id)),))
    export = Reply(
        parts=(
            msg(
                "That is too long for a few messages. The export has everything in one "
                "document, to keep or pass on."
            ),
        ),
        buttons=((Button(msg("Export as PDF"), Export().pack()),),),
        remember=ExportOffer().pack(),
    )
    return Result(replies=(Reply(parts=tuple(parts), most=MOST_MESSAGES, overflow=export),))


def summary_parts(
    record: GroupRecord, wheel: Wheel, stage_id: str | None, *, heading: bool = True
) -> list[Msg | Joined] | None:
    """The summary's paragraphs: heading and progress (unless ``heading`` is False: the
    briefing has them from ``/status``), and per stage, domain and topic what was agreed,
    proposed and left open, with action items; None when nothing is recorded."""
    topics = [r for r in record.topics if stage_id is None or r.topic.stage == stage_id]
    recorded = [r for r in topics if r.agreements or r.issues or r.dropped]
    if not recorded:
        return None
    parts: list[Msg | Joined] = (
        [_heading(record, topics), _progress(record, wheel)] if heading else []
    )
    for stage in dict.fromkeys(r.topic.stage for r in recorded):
        in_stage = [r for r in recorded if r.topic.stage == stage]
        parts.append(msg("<b>{stage}</b>", stage=wt(wheel.stage(stage).name)))
        domain = ""
        for topic in in_stage:
            first_of_domain = topic.topic.domain != domain
            domain = topic.topic.domain
            parts.append(_topic_block(record, wheel, topic, with_domain=first_of_domain))
    return parts


def wheel_request() -> Result:
    """``/wheel``: the picture, drawn when it is delivered."""
    return Result(
        replies=(
            Reply(
                parts=(msg("Where you stand on the wheel. /summary lists what you recorded."),),
                file="wheel",
            ),
        )
    )


def export_request() -> Result:
    """``/export`` (or its button): the document, made when it is delivered."""
    return Result(
        replies=(
            Reply(
                parts=(
                    msg(
                        "Your record of the wheel so far: answers, agreements and open issues, "
                        "to keep and pass on."
                    ),
                ),
                file="export",
            ),
        ),
        notice=msg("The export is on its way."),
    )


def _heading(record: GroupRecord, topics: list[TopicRecord]) -> Joined:
    agreed = sum(len(r.confirmed) for r in topics)
    waiting = sum(len(r.pending) for r in topics)
    issues = sum(len(r.issues) for r in topics)
    counts: list[Msg | Raw | str] = [
        plural_msg("{n} agreement", "{n} agreements", agreed),
        plural_msg("{n} open issue", "{n} open issues", issues),
    ]
    if waiting:
        counts.insert(1, plural_msg("{n} proposal waiting", "{n} proposals waiting", waiting))
    return lines(
        msg(
            "<b>Summary</b> – {first} and {second}, {date}",
            first=record.partners.get(1, ""),
            second=record.partners.get(2, ""),
            date=record.made_at.date(),
        ),
        Joined(tuple(counts), " · "),
    )


def _progress(record: GroupRecord, wheel: Wheel) -> Msg:
    """The topics discussed in the latest round of each stage, as the cards count them."""
    return msg("Discussed: {progress}", progress=progress_line(wheel, record.progress()))


def _topic_block(
    record: GroupRecord, wheel: Wheel, r: TopicRecord, *, with_domain: bool
) -> Joined:
    head: list[Msg | Raw | str] = []
    if with_domain:
        head.append(msg("<i>{domain}</i>", domain=wt(wheel.domain(r.topic.domain).name)))
    head.append(msg("<b>{topic}</b>", topic=wt(r.topic.name)))
    items: list[Msg | Raw | str] = []
    for a in r.confirmed:
        items.extend(_agreed(a))
        items.extend(_history(a))
        items.extend(_checked(record, a))
    for a in r.dropped:
        items.append(msg("<s>“{text}”</s>", text=a.text))
        items.extend(_history(a))
    for a in r.pending:
        items.append(_waiting(record, a))
    for i in r.issues:
        items.append(_open(record, i))
        if i.action is not None:
            line = action_line(record.partners, i.action.owner, i.action.due, i.action.status)
            items.append(msg("    {line}", line=line))
    return lines(*head, *items)


def _who(person: Person) -> Msg:
    if person.partner:
        return msg("{name} ({partner})", name=shown_name(person.name), partner=person.partner)
    return msg("{name}", name=shown_name(person.name))


def _agreed(a: AgreementEntry) -> tuple[Msg, Msg]:
    assert a.confirmed_by is not None
    return (
        msg("✅ “{text}”", text=a.text),
        msg(
            "    proposed by {proposer} on {proposed}, confirmed by {confirmer} on {confirmed}",
            proposer=_who(a.proposed_by),
            proposed=a.proposed_at.date(),
            confirmer=_who(a.confirmed_by),
            confirmed=(a.confirmed_at or a.proposed_at).date(),
        ),
    )


def _checked(record: GroupRecord, a: AgreementEntry) -> list[Msg]:
    """The agreement's latest check-up and the date of its next one."""
    found = []
    if a.checkups:
        latest = a.checkups[-1]
        found.append(
            msg(
                "    check-up: {marks} on {date}",
                marks=both_marks(record.partners, dict(latest.marks)),
                date=latest.day,
            )
        )
    if a.review_due is not None:
        found.append(msg("    check-up by {date}", date=a.review_due))
    return found


def _history(a: AgreementEntry) -> tuple[Msg, ...]:
    """What became of an agreement: dropped on …, changed on …, was …; newest first."""
    return tuple(
        msg("    dropped on {date}", date=e.on.date())
        if e.step is Step.DROPPED
        else msg("    changed on {date}; was: “{text}”", date=e.on.date(), text=e.text)
        for e in a.history
    )


def _waiting(record: GroupRecord, a: AgreementEntry) -> Msg:
    other = next((n for n in record.partners.values() if n != a.proposed_by.partner), "")
    return msg(
        "⏳ “{text}” – proposed by {proposer} on {date}, waiting for confirmation by {other}",
        text=a.text,
        proposer=_who(a.proposed_by),
        date=a.proposed_at.date(),
        other=other,
    )


def _open(record: GroupRecord, i: IssueEntry) -> Msg:
    days = (record.made_at.date() - i.raised_at.date()).days
    if days <= 0:
        return msg(
            "❓ {text} – open issue, raised today by {who}", text=i.text, who=_who(i.raised_by)
        )
    return plural_msg(
        "❓ {text} – open for {n} day, raised by {who}",
        "❓ {text} – open for {n} days, raised by {who}",
        days,
        text=i.text,
        who=_who(i.raised_by),
    )


def _nothing_yet(wheel: Wheel, stage_id: str | None) -> tuple[Msg, ...]:
    if stage_id is not None:
        return (
            msg("Nothing recorded on {stage} yet.", stage=wt(wheel.stage(stage_id).name)),
            msg(
                "Agreements and open issues appear here once you record them: at a topic, send "
                "/agree or /issue with a sentence. /summary without a stage shows all stages."
            ),
        )
    return (
        msg("Nothing recorded yet."),
        msg(
            "Agreements and open issues appear here once you record them: at a topic, send "
            "/agree or /issue with a sentence. Send /start to go to the topic you are at."
        ),
    )
