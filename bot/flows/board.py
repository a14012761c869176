"""The topic card as the facilitator's whiteboard: where the group is in the wheel, the question,
who has answered and who the group is still waiting for. The card is edited in place as the topic
moves on; people reply to it with their answers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import partners, progress, records
from bot.db.partners import Member
from bot.domain.buttons import NextTopic, NoteIssue, RecordAgreement
from bot.domain.purposes import Answers, Card, Purpose
from bot.domain.wheel import Topic, Wheel
from bot.flows.common import shown_name
from bot.flows.turn import Turn
from bot.render.messages import Button, Joined, Msg, Raw, Reply, lines, listing, msg, wheel_text


@dataclass(frozen=True, slots=True)
class Board:
    """What the card of one topic shows besides the question."""

    #: Topics answered or skipped, per stage id.
    done: dict[str, int]
    names: dict[int, str]
    members: tuple[Member, ...]
    answers: tuple[progress.Answer, ...]
    #: True for the group's first card (no answers on any other topic yet): it says, at
    #: length, how answering works.
    first: bool


async def board(turn: Turn, topic_id: str) -> Board:
    """Read what the card of ``topic_id`` shows now."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    statuses = await progress.topic_statuses(conn, chat_id)
    done = {
        stage.id: sum(
            1
            for t in wheel.stage_topics(stage.id)
            if statuses.get(t.id) in ("answered", "skipped")
        )
        for stage in wheel.stages
    }
    answers = await progress.answers(conn, chat_id, topic_id)
    return Board(
        done=done,
        names=await partners.names(conn, chat_id),
        members=tuple(await partners.representatives(conn, chat_id)),
        answers=tuple(answers),
        first=not await progress.has_answers(conn, chat_id, besides=topic_id),
    )


def progress_line(wheel: Wheel, done: dict[str, int]) -> Joined:
    """ "Orientation 3/9 · Integration 0/9 · Transformation 0/3"."""
    return Joined(
        tuple(
            msg(
                "{stage} {done}/{total}",
                stage=wheel_text(stage.name),
                done=done.get(stage.id, 0),
                total=len(wheel.stage_topics(stage.id)),
            )
            for stage in wheel.stages
        ),
        " · ",
    )


def answered_line(state: Board) -> Msg:
    """Who has answered, per organisation."""
    sides: list[Msg | Raw | str] = []
    for slot, name in state.names.items():
        people = [shown_name(a.name) for a in state.answers if a.slot == slot]
        sides.append(
            msg(
                "<b>{partner}</b>: {people}",
                partner=name,
                people=listing(*people) if people else "–",
            )
        )
    return msg("Answered – {sides}", sides=Joined(tuple(sides), " · "))


def waiting_line(state: Board) -> Msg:
    """The organisation that has not answered yet, or its representatives who have not, once one
    of them has; or that everyone has."""
    answered = {a.user_id for a in state.answers}
    waiting: list[Msg | Raw | str] = []
    for slot, name in state.names.items():
        if not any(a.slot == slot for a in state.answers):
            waiting.append(name)
            continue
        waiting.extend(
            msg("{name} ({partner})", name=m.name, partner=name)
            for m in state.members
            if m.slot == slot and m.user_id not in answered
        )
    if not waiting:
        return msg("Everyone has answered.")
    return msg("Waiting for: {who}", who=listing(*waiting))


def topic_card(wheel: Wheel, topic: Topic, state: Board, *, edit: int | None = None) -> Reply:
    """The card of one topic; ``edit`` updates the card already in the chat."""
    in_stage = wheel.stage_topics(topic.stage)
    parts: list[Msg | Joined] = [
        progress_line(wheel, state.done),
        msg(
            "{stage} · {domain} · topic {position}/{total}",
            stage=wheel_text(wheel.stage(topic.stage).name),
            domain=wheel_text(wheel.domain(topic.domain).name),
            position=in_stage.index(topic) + 1,
            total=len(in_stage),
        ),
        msg(
            "<b>{topic}</b>\n{question}",
            topic=wheel_text(topic.name),
            question=wheel_text(topic.question),
        ),
    ]
    if topic.hint:
        parts.append(msg("<i>{hint}</i>", hint=wheel_text(topic.hint)))
    if state.first:
        parts.append(
            msg(
                "<b>How to answer:</b> reply to this message (on a phone: swipe left on it). I "
                "only see replies to my messages: a message that is not a reply does not reach "
                "me. Each of you can answer; when both organisations have, I put the answers "
                "side by side."
            )
        )
    else:
        parts.append(msg("Reply to this message with your answer."))
    parts.append(Joined((answered_line(state), waiting_line(state))))
    return Reply(
        parts=tuple(parts),
        force_reply=edit is None,
        placeholder=msg("Your answer") if edit is None else None,
        remember=Card(topic.id).pack(),
        edit=edit,
    )


async def card_now(turn: Turn, topic: Topic, *, edit: int | None) -> Reply:
    """The card of ``topic`` as it is now (new, or an edit of the one in the chat)."""
    return topic_card(turn.wheel, topic, await board(turn, topic.id), edit=edit)


def answers_view(
    wheel: Wheel,
    topic: Topic,
    names: dict[int, str],
    answers: list[progress.Answer],
    *,
    agreed: tuple[str, ...] = (),
    open_issues: tuple[str, ...] = (),
    edit: int | None = None,
) -> Reply:
    """Both partners' answers side by side, what the group recorded on the topic, and what to
    do next. Posted once both organisations have answered; later changes edit it."""
    parts: list[Msg | Joined] = [
        msg("<b>{topic}</b> – the answers side by side", topic=wheel_text(topic.name))
    ]
    for slot, name in names.items():
        said = lines(
            *(
                msg("— {name}: {text}", name=shown_name(a.name), text=a.text)
                for a in answers
                if a.slot == slot
            )
        )
        parts.append(msg("<b>{partner}</b>\n{said}", partner=name, said=said))
    if agreed:
        parts.append(lines(msg("<b>Agreed</b>"), *(msg("✓ {text}", text=t) for t in agreed)))
    if open_issues:
        parts.append(
            lines(msg("<b>Still open</b>"), *(msg("• {text}", text=t) for t in open_issues))
        )
    parts.append(
        msg("Where do you agree, and what is still open? Record it, or go on to the next topic.")
    )
    buttons = (
        (Button(msg("Record an agreement"), RecordAgreement(topic.id).pack()),),
        (Button(msg("Note an open issue"), NoteIssue(topic.id).pack()),),
        (Button(msg("Next topic"), NextTopic(topic.id).pack()),),
    )
    return Reply(parts=tuple(parts), buttons=buttons, remember=Answers(topic.id).pack(), edit=edit)


async def latest(turn: Turn, purpose: Purpose) -> int | None:
    """The newest message of the chat with this purpose (``progress.latest_message``)."""
    return await progress.latest_message(turn.conn, turn.chat_id, *purpose.pack())


async def answers_update(turn: Turn, topic_id: str) -> Reply | None:
    """The topic's answers view, edited to show what was just recorded; None while it has not
    been posted (not both organisations have answered yet)."""
    shown = await latest(turn, Answers(topic_id))
    if shown is None:
        return None
    return await answers_now(turn, turn.wheel.topic(topic_id), edit=shown)


async def answers_now(turn: Turn, topic: Topic, *, edit: int | None) -> Reply:
    """The answers view of ``topic`` as it is now."""
    conn, chat_id = turn.conn, turn.chat_id
    agreed = [a.text for a in await records.agreements(conn, chat_id) if a.topic_id == topic.id]
    issues = [i.text for i in await records.issues(conn, chat_id) if i.topic_id == topic.id]
    return answers_view(
        turn.wheel,
        topic,
        await partners.names(conn, chat_id),
        await progress.answers(conn, chat_id, topic.id),
        agreed=tuple(agreed),
        open_issues=tuple(issues),
        edit=edit,
    )
