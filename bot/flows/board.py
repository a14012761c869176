"""The topic card as the facilitator's whiteboard: where the group is in the wheel, the question,
who has answered and who the group is still waiting for. The card is edited in place as the topic
moves on; people reply to it with their answers.

On a revisit (round 2 and later) the card also shows what each organisation answered last time
and what the group agreed and left open on the topic, and the previous round's card of the topic
is closed so that it no longer invites answers.

While the group answers privately (``/private on``, ``bot/flows/private.py``) the card carries the
*Answer privately* start deep link of its topic and round; while it does not, the cards of the
sensitive topics suggest it in one line.

Moving on takes one *Ready* from each organisation, or one press of the person who set up the
group: the answers view says so and, like the card, shows who is ready. When the group moves on,
the card it leaves is closed ("Discussed on 4 December: …"); a late reply to it is still taken."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.db import chats, links, pace, partners, progress, records, rounds
from bot.db import private as private_topics
from bot.db.pace import ReadyMark
from bot.db.partners import Member
from bot.db.reminders import zone_or_utc
from bot.domain.buttons import NextTopic, NoteIssue, RecordAgreement
from bot.domain.purposes import Answers, Card, Purpose
from bot.domain.rounds import QUOTE_CHARS, StageProgress, quote, shorten, stage_progress
from bot.domain.wheel import SENSITIVE_TOPICS, Topic, Wheel
from bot.flows.common import facilitated_by, shown_name
from bot.flows.turn import Turn, known_chat
from bot.render.messages import (
    Button,
    Joined,
    Msg,
    Raw,
    Reply,
    lines,
    listing,
    msg,
    plural_msg,
    wheel_text,
)


@dataclass(frozen=True, slots=True)
class MoveOn:
    """Who may move the group on from a topic, and which organisations are ready."""

    #: Each ready organisation's Ready, by slot.
    ready: tuple[ReadyMark, ...] = ()
    #: The person who set up the group, by name; '' when the bot knows no name for them (they
    #: took no side); None when nobody is (the set-up was reset, or they asked to be forgotten).
    setter: str | None = None


async def move_on_now(turn: Turn, topic_id: str, round_number: int) -> MoveOn:
    """Read who may move on from ``topic_id`` in a round, and who is ready."""
    conn, chat_id = turn.conn, turn.chat_id
    marks = await pace.ready_marks(conn, chat_id, topic_id, round_number)
    chat = turn.chat
    setter: str | None = None
    if chat is not None and chat.setup_by is not None:
        found = await partners.member(conn, chat_id, chat.setup_by)
        setter = found.name if found is not None else ""
    return MoveOn(tuple(marks.values()), setter)


#: A revisit card shows at most this many agreements and open issues, and earlier answers per
#: organisation, each shortened: so that the card and every edit of it stay one message.
CARD_SHOWS = 5
CARD_ANSWERS = 3


@dataclass(frozen=True, slots=True)
class Board:
    """What the card of one topic shows besides the question."""

    #: Progress of the latest round of each stage, by stage id.
    done: dict[str, StageProgress]
    names: dict[int, str]
    members: tuple[Member, ...]
    #: The answers of the current round only.
    answers: tuple[progress.Answer, ...]
    #: True for the group's first card (no answers on any other topic yet): it says, at
    #: length, how answering works.
    first: bool
    #: The round of the topic's stage this card belongs to.
    round: int = 1
    #: On a revisit: per organisation (slot), its answers of the latest earlier round it
    #: answered in, with that answer's date in the group's zone.
    earlier: tuple[tuple[int, dt.date, progress.EarlierAnswer], ...] = ()
    #: On a revisit: the topic's confirmed agreements and open issues (of any round).
    agreed: tuple[str, ...] = ()
    open_issues: tuple[str, ...] = ()
    #: Who may move on, and who is ready.
    move_on: MoveOn = MoveOn()
    #: The card marks the halfway point of its stage.
    halfway: bool = False
    #: While the group answers privately (``/private on``): the token of the card's *Answer
    #: privately* start deep link; None otherwise.
    private_link: str | None = None
    #: Who facilitates (names): shown on the card, as neither partner.
    facilitators: tuple[str, ...] = ()


#: What an *Answer privately* link is called in the links table (``bot/flows/private.py``).
PRIVATE_LINK = "answer"


async def private_link(turn: Turn, topic_id: str, round_number: int) -> str:
    """The token of the *Answer privately* link of a topic in a round: made the first time a
    card shows it, the same on every edit of the card after that."""
    conn, chat_id = turn.conn, turn.chat_id
    ref = await private_topics.make(conn, chat_id, topic_id, round_number, turn.stamp)
    token = await links.token_of(conn, chat_id, PRIVATE_LINK, ref)
    if token is None:
        token = await links.create(conn, chat_id, PRIVATE_LINK, ref, turn.stamp)
    return token


async def current_round(turn: Turn, stage_id: str) -> int:
    """The number of the latest round of a stage (1 before the first)."""
    found = await rounds.latest(turn.conn, turn.chat_id, stage_id)
    return found.number if found else 1


def local_date(stamp: str, timezone: str) -> dt.date:
    """A stored moment (UTC, ISO 8601) as a date in the group's zone."""
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone_or_utc(timezone)).date()


async def progress_now(turn: Turn) -> dict[str, StageProgress]:
    """The progress of the latest round of each stage (the one definition, ``stage_progress``)."""
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
    return stage_progress((t.stage, statuses.get(t.id)) for t in turn.wheel.topics)


async def board(turn: Turn, topic_id: str) -> Board:
    """Read what the card of ``topic_id`` shows now."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    topic = wheel.topic(topic_id)
    number = await current_round(turn, topic.stage)
    answers = await progress.answers(conn, chat_id, topic_id, number)
    earlier: list[tuple[int, dt.date, progress.EarlierAnswer]] = []
    agreed: list[str] = []
    open_issues: list[str] = []
    if number > 1:
        timezone = (await known_chat(turn)).timezone
        # Per organisation, its answers of the newest earlier round in which it answered.
        latest_of: dict[int, int] = {}
        for a in await progress.earlier_answers(conn, chat_id, topic_id, number):
            if latest_of.setdefault(a.slot, a.round) == a.round:
                earlier.append((a.slot, local_date(a.at, timezone), a))
        agreed = [
            a.text for a in await records.agreements(conn, chat_id) if a.topic_id == topic_id
        ]
        open_issues = [
            i.text for i in await records.issues(conn, chat_id) if i.topic_id == topic_id
        ]
    # Read again, not the turn's copy: /private may have switched in this very turn.
    chat = await chats.get(conn, chat_id)
    link = None
    if chat is not None and chat.private_answers:
        link = await private_link(turn, topic_id, number)
    return Board(
        move_on=await move_on_now(turn, topic_id, number),
        halfway=await pace.halfway_shown(conn, chat_id, topic.stage, number) == topic_id,
        done=await progress_now(turn),
        names=await partners.names(conn, chat_id),
        members=tuple(await partners.representatives(conn, chat_id)),
        answers=tuple(answers),
        # A return needs no explanation of how to answer; the card is long enough then.
        first=number == 1 and not await progress.has_answers(conn, chat_id, besides=topic_id),
        round=number,
        earlier=tuple(earlier),
        agreed=tuple(agreed),
        open_issues=tuple(open_issues),
        private_link=link,
        facilitators=tuple(m.name for m in await partners.facilitators(conn, chat_id)),
    )


def progress_line(wheel: Wheel, done: dict[str, StageProgress]) -> Joined:
    """ "Orientation 3/9 · Integration 0/9 · Transformation 0/3": the topics discussed in the
    latest round of each stage."""
    return Joined(
        tuple(
            msg(
                "{stage} {done}/{total}",
                stage=wheel_text(stage.name),
                done=done[stage.id].discussed if stage.id in done else 0,
                total=len(wheel.stage_topics(stage.id)),
            )
            for stage in wheel.stages
        ),
        " · ",
    )


def answered_line(state: Board) -> Msg:
    """Who has answered, per organisation ("nog niemand" rather than a bare dash)."""
    sides: list[Msg | Raw | str] = []
    for slot, name in state.names.items():
        people = [shown_name(a.name) for a in state.answers if a.slot == slot]
        sides.append(
            msg(
                "<b>{partner}</b> – {people}",
                partner=name,
                people=listing(*people) if people else msg("nobody yet"),
            )
        )
    return msg("Answered: {sides}", sides=Joined(tuple(sides), " · "))


def waiting_line(state: Board) -> Msg:
    """Until both organisations have answered, the organisations the topic still waits for;
    then the representatives who can still add something, or that everyone has answered. A
    silent person is named only once the topic no longer waits for them."""
    answered = {a.user_id for a in state.answers}
    missing = [
        name
        for slot, name in state.names.items()
        if not any(a.slot == slot for a in state.answers)
    ]
    if missing:
        return msg("Still waiting for: {who}", who=listing(*missing))
    others = [shown_name(m.name) for m in state.members if m.slot and m.user_id not in answered]
    if not others:
        return msg("Everyone has answered.")
    return msg("Can still add: {who}", who=listing(*others))


def ready_line(names: dict[int, str], move_on: MoveOn) -> Msg | None:
    """ "Ready: De Brug (Anna) · waiting for Van Dam"; None while nobody is ready."""
    if not move_on.ready:
        return None
    ready = [
        msg("{partner} ({name})", partner=names.get(r.slot, ""), name=shown_name(r.name))
        for r in move_on.ready
    ]
    waiting = [name for slot, name in names.items() if slot not in {r.slot for r in move_on.ready}]
    if not waiting:
        return msg("Ready: {ready}", ready=listing(*ready))
    return msg(
        "Ready: {ready} · waiting for {waiting}", ready=listing(*ready), waiting=listing(*waiting)
    )


def who_moves_on(move_on: MoveOn) -> Msg:
    """Who may move on, as the answers view says it."""
    if move_on.setter:
        return msg(
            "Talked it through? Once someone from each organisation has pressed <b>Ready</b>, "
            "you go on to the next topic. {name}, who set up this group, can move you on with "
            "one press.",
            name=move_on.setter,
        )
    if move_on.setter is not None:
        return msg(
            "Talked it through? Once someone from each organisation has pressed <b>Ready</b>, "
            "you go on to the next topic. The person who set up this group can move you on "
            "with one press."
        )
    return msg(
        "Talked it through? Once someone from each organisation has pressed <b>Ready</b>, you "
        "go on to the next topic."
    )


def halfway_line(wheel: Wheel, topic: Topic) -> Msg:
    """The halfway mark of a stage, on the card of its middle topic."""
    return msg(
        "<i>Halfway through {stage} – well done so far!</i>",
        stage=wheel_text(wheel.stage(topic.stage).name),
    )


def topic_heading(wheel: Wheel, topic: Topic) -> list[Msg]:
    """Where a topic stands in the wheel, its name and question, and its hint: the head of the
    card, and of a private answer's question."""
    in_stage = wheel.stage_topics(topic.stage)
    parts = [
        msg(
            "{stage} · {domain} · topic {position}/{total}",
            stage=wheel_text(wheel.stage(topic.stage).name),
            domain=wheel_text(wheel.domain(topic.domain).name),
            position=in_stage.index(topic) + 1,
            total=len(in_stage),
        ),
    ]
    parts.append(
        msg(
            "<b>{topic}</b>\n{question}",
            topic=wheel_text(topic.name),
            question=wheel_text(topic.question),
        )
    )
    if topic.hint:
        parts.append(msg("<i>{hint}</i>", hint=wheel_text(topic.hint)))
    return parts


def topic_card(wheel: Wheel, topic: Topic, state: Board, *, edit: int | None = None) -> Reply:
    """The card of one topic; ``edit`` updates the card already in the chat."""
    heading = topic_heading(wheel, topic)
    if state.halfway:  # after the stage line, before the topic's name
        heading.insert(1, halfway_line(wheel, topic))
    parts: list[Msg | Joined] = [progress_line(wheel, state.done), *heading]
    parts.extend(revisit_parts(state))
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
    buttons: tuple[tuple[Button, ...], ...] = ()
    if state.private_link is not None:
        parts.append(
            msg(
                "Or tap <i>Answer privately</i>: then the group sees that you have answered, "
                "not what, until both organisations have."
            )
        )
        buttons = ((Button(msg("Answer privately"), "", start=state.private_link),),)
    elif topic.id in SENSITIVE_TOPICS:
        # One line, not a message of its own: the suggestion costs the group nothing.
        parts.append(
            msg(
                "<i>A sensitive topic: it may help to answer privately first. /private on "
                "puts an Answer privately button on the card.</i>"
            )
        )
    ready = ready_line(state.names, state.move_on)
    status: tuple[Msg, ...] = (answered_line(state), waiting_line(state))
    if ready is not None:
        status = (*status, ready)
    if state.facilitators:
        status = (*status, facilitated_by(list(state.facilitators)))
    parts.append(Joined(status))
    # A card with the Answer privately button cannot also ask for a reply (Telegram takes one
    # kind of markup); replying to it works all the same.
    return Reply(
        parts=tuple(parts),
        buttons=buttons,
        force_reply=edit is None and not buttons,
        placeholder=msg("Your answer") if edit is None and not buttons else None,
        remember=Card(topic.id, state.round).pack(),
        edit=edit,
    )


def revisit_parts(state: Board) -> list[Msg | Joined]:
    """On a revisit: what each organisation answered last time (shortened, dated), and what the
    group agreed and left open on the topic."""
    if state.round <= 1:
        return []
    parts: list[Msg | Joined] = []
    said: list[Msg] = []
    if not state.earlier:  # skipped, or left before anyone answered
        parts.append(msg("<b>Last time</b>: no answers on this topic."))
    for slot, name in state.names.items() if state.earlier else ():
        mine = [(day, a) for s, day, a in state.earlier if s == slot]
        if not mine:
            said.append(msg("<b>{partner}</b>: –", partner=name))
        for day, a in mine[:CARD_ANSWERS]:
            said.append(
                msg(
                    "<b>{partner}</b>, {date} – {name}: “{text}”",
                    partner=name,
                    date=day,
                    name=shown_name(a.name),
                    text=shorten(a.text),
                )
            )
        if len(mine) > CARD_ANSWERS:
            said.append(
                plural_msg(
                    "<b>{partner}</b>: {n} more answer; the export has them all.",
                    "<b>{partner}</b>: {n} more answers; the export has them all.",
                    len(mine) - CARD_ANSWERS,
                    partner=name,
                )
            )
    if said:
        parts.append(lines(msg("<b>Last time</b>"), *said))
    if state.agreed:
        parts.append(
            lines(
                msg("<b>Agreed so far</b>"),
                *(msg("✓ {text}", text=quote(t, QUOTE_CHARS)) for t in state.agreed[:CARD_SHOWS]),
                *_more(state.agreed, "agreements"),
            )
        )
    if state.open_issues:
        parts.append(
            lines(
                msg("<b>Still open</b>"),
                *(
                    msg("• {text}", text=quote(t, QUOTE_CHARS))
                    for t in state.open_issues[:CARD_SHOWS]
                ),
                *_more(state.open_issues, "issues"),
            )
        )
    return parts


def _more(texts: tuple[str, ...], listed_by: str) -> tuple[Msg, ...]:
    """The line that says how many a card leaves out, and which command lists them all."""
    left = len(texts) - CARD_SHOWS
    if left <= 0:
        return ()
    if listed_by == "agreements":
        return (
            plural_msg(
                "… and {n} more: /agreements lists them all.",
                "… and {n} more: /agreements lists them all.",
                left,
            ),
        )
    return (
        plural_msg(
            "… and {n} more: /issues lists them all.",
            "… and {n} more: /issues lists them all.",
            left,
        ),
    )


def closed_card(wheel: Wheel, topic: Topic, started: dt.date, *, edit: int) -> Reply:
    """An earlier round's card of a topic, closed: it no longer invites answers."""
    return Reply(
        parts=(
            msg(
                "<b>{topic}</b>\n{question}",
                topic=wheel_text(topic.name),
                question=wheel_text(topic.question),
            ),
            msg(
                "<i>Round of {date} – closed. The current card for this topic is further down.</i>",
                date=started,
            ),
        ),
        edit=edit,
    )


def left_card(
    wheel: Wheel,
    topic: Topic,
    day: dt.date,
    *,
    status: str | None,
    agreements: int,
    issues: int,
    edit: int,
) -> Reply:
    """The card of a topic the group has moved on from (``status``: the topic's state then):
    closed, and saying what came of it. A reply to it is still taken as an answer."""
    if status == "skipped":
        said = msg("<i>Skipped on {date}; reply to this message to add something.</i>", date=day)
    elif status != "answered" and agreements == 0 and issues == 0:
        said = msg(
            "<i>Left on {date} before both organisations had answered; reply to this message to "
            "answer after all.</i>",
            date=day,
        )
    elif agreements == 0 and issues == 0:
        said = msg("<i>Discussed on {date}; reply to this message to add something.</i>", date=day)
    else:
        said = msg(
            "<i>Discussed on {date}: {agreements}, {issues}; reply to this message to add "
            "something.</i>",
            date=day,
            agreements=plural_msg("{n} agreement", "{n} agreements", agreements),
            issues=plural_msg("{n} open issue", "{n} open issues", issues),
        )
    return Reply(
        parts=(
            msg(
                "<b>{topic}</b>\n{question}",
                topic=wheel_text(topic.name),
                question=wheel_text(topic.question),
            ),
            said,
        ),
        edit=edit,
    )


async def card_again(turn: Turn) -> tuple[Reply, ...]:
    """The current topic's card, edited to show who represents and facilitates now (nothing
    before a stage, or when the card is not in the chat)."""
    topic_id = turn.chat.topic if turn.chat is not None else None
    if topic_id is None:
        return ()
    topic = turn.wheel.topic(topic_id)
    number = await current_round(turn, topic.stage)
    shown = await latest(turn, Card(topic_id, number))
    if shown is None:
        return ()
    return (await card_now(turn, topic, edit=shown),)


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
    round_number: int = 1,
    move_on: MoveOn = MoveOn(),
) -> Reply:
    """Both partners' answers side by side, what the group recorded on the topic, and what to
    do next: who may move on, and who is ready. Posted once both organisations have answered;
    later changes edit it."""
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
    # Quoted: the view is edited at every agreement and open issue, and must stay one message.
    if agreed:
        parts.append(
            lines(msg("<b>Agreed</b>"), *(msg("✓ {text}", text=quote(t)) for t in agreed))
        )
    if open_issues:
        parts.append(
            lines(msg("<b>Still open</b>"), *(msg("• {text}", text=quote(t)) for t in open_issues))
        )
    parts.append(msg("Where do you agree, and what is still open? Record it."))
    ready = ready_line(names, move_on)
    parts.append(who_moves_on(move_on) if ready is None else lines(who_moves_on(move_on), ready))
    buttons = (
        (Button(msg("Propose an agreement"), RecordAgreement(topic.id).pack()),),
        (Button(msg("Note an open issue"), NoteIssue(topic.id).pack()),),
        (ready_button(topic.id, round_number),),
    )
    return Reply(
        parts=tuple(parts),
        buttons=buttons,
        remember=Answers(topic.id, round_number).pack(),
        edit=edit,
    )


def ready_button(topic_id: str, round_number: int) -> Button:
    """*Ready*: the presser's organisation is ready to move on from the topic in this round (the
    data of the former *Next topic* button, so those buttons count as a Ready too)."""
    return Button(msg("Ready"), NextTopic(topic_id, round_number).pack())


async def latest(turn: Turn, purpose: Purpose) -> int | None:
    """The newest message of the chat with this purpose (``progress.latest_message``).

    A card or answers view of round 1 may be remembered from before rounds existed, under the
    topic alone: it is found too."""
    conn, chat_id = turn.conn, turn.chat_id
    found = await progress.latest_message(conn, chat_id, *purpose.pack())
    if found is None and isinstance(purpose, Card | Answers) and purpose.round == 1:
        found = await progress.latest_message(conn, chat_id, purpose.kind, purpose.topic)
    return found


async def answers_update(turn: Turn, topic_id: str) -> Reply | None:
    """The topic's answers view, edited to show what was just recorded; None while it has not
    been posted (not both organisations have answered yet)."""
    number = await current_round(turn, turn.wheel.topic(topic_id).stage)
    shown = await latest(turn, Answers(topic_id, number))
    if shown is None:
        return None
    return await answers_now(turn, turn.wheel.topic(topic_id), edit=shown)


async def answers_now(turn: Turn, topic: Topic, *, edit: int | None) -> Reply:
    """The answers view of ``topic`` in the current round of its stage, as it is now."""
    conn, chat_id = turn.conn, turn.chat_id
    number = await current_round(turn, topic.stage)
    agreed = [a.text for a in await records.agreements(conn, chat_id) if a.topic_id == topic.id]
    issues = [i.text for i in await records.issues(conn, chat_id) if i.topic_id == topic.id]
    return answers_view(
        turn.wheel,
        topic,
        await partners.names(conn, chat_id),
        await progress.answers(conn, chat_id, topic.id, number),
        agreed=tuple(agreed),
        open_issues=tuple(issues),
        edit=edit,
        round_number=number,
        move_on=await move_on_now(turn, topic.id, number),
    )
