"""The walk through the wheel: stages, topic cards, answers, moving on and the stage recap."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.db import bot_messages, chats, pace, partners, progress, records, rounds
from bot.db.partners import Member
from bot.domain import purposes
from bot.domain.buttons import LATER_MONTHS, ChooseStage, Export, RemindLater
from bot.domain.permissions import Action
from bot.domain.purposes import Answers, Card, StageMenu, StageRecap
from bot.domain.rounds import complete, is_discussed, new_round_due
from bot.domain.wheel import Stage, Topic, Wheel
from bot.flows import actions, agreement_review, board, gate, nudges, position
from bot.flows.common import clean_text, facilitated_by, set_up_chat, text_problem, usable_text
from bot.flows.turn import Turn, known_chat
from bot.render.messages import (
    Arg,
    Button,
    Joined,
    Msg,
    Raw,
    Reply,
    Result,
    lines,
    listing,
    msg,
    plural_msg,
    reaction,
    reply,
    wheel_text,
)

#: Stage names people may type after /stage, in both languages.
STAGE_WORDS = {
    "orientation": "orientation", "oriëntatie": "orientation", "orientatie": "orientation",
    "integration": "integration", "integratie": "integration",
    "transformation": "transformation", "transformatie": "transformation",
}  # fmt: skip
#: A rough time for one topic, said at the start of a stage so the group can plan.
MINUTES_PER_TOPIC = 5
#: The reaction that acknowledges an answer (one of the reactions Telegram allows bots).
ANSWERED = "👍"
#: The reaction on a /skip.
SKIPPED = "👌"


def stage_menu(wheel: Wheel, *, both_present: bool = False) -> Reply:
    """Explain the three stages and offer them as buttons."""
    parts: list[Msg] = []
    if both_present:
        parts.append(msg("Both partners are represented. Where do you want to start?"))
    else:
        parts.append(msg("Which stage do you want to work on?"))
    for stage in wheel.stages:
        parts.append(
            msg(
                "<b>{stage}</b> – {subtitle}\n{description}",
                stage=wheel_text(stage.name),
                subtitle=wheel_text(stage.subtitle),
                description=wheel_text(stage.description),
            )
        )
    parts.append(msg("New to working together? Start with <b>Orientation</b>."))
    buttons = (tuple(Button(wheel_text(s.name), ChooseStage(s.id).pack()) for s in wheel.stages),)
    return Reply(parts=tuple(parts), buttons=buttons, remember=StageMenu().pack())


async def _open_topic(turn: Turn, topic: Topic, *, leave: bool = True) -> list[Reply]:
    """Go to a topic in the current round of its stage: the card the group leaves closed (unless
    ``leave`` is False: the caller closed it), the topic's card, and on a revisit the earlier
    round's card of the topic closed."""
    conn, chat_id = turn.conn, turn.chat_id
    replies: list[Reply] = await _leave_current(turn, topic.id) if leave else []
    found = await rounds.latest(conn, chat_id, topic.stage)
    if found is None:  # e.g. /back into a stage the group never chose
        found = await rounds.start(conn, chat_id, topic.stage, turn.stamp)
    halfway = await _halfway_due(turn, topic, found.number)
    await progress.set_position(conn, chat_id, topic.stage, topic.id, turn.stamp)
    statuses = await progress.topic_statuses(conn, chat_id)
    if topic.id not in statuses:
        await progress.set_topic_status(conn, chat_id, topic.id, "open", turn.stamp)
    # The round's first card of the topic (not /back or /start coming back to it).
    revisit = found.number > 1 and await board.latest(turn, Card(topic.id, found.number)) is None
    if revisit:
        replies.extend(await _close_earlier_card(turn, topic, found.number - 1))
    # From now the card is watched: ten minutes without an answer bring one gentle reminder.
    await pace.watch_card(conn, chat_id, topic.id, found.number, turn.stamp, halfway=halfway)
    replies.append(await board.card_now(turn, topic, edit=None))
    if revisit:
        replies.extend(await revisit_extras(turn, topic, found.number))
    return replies


async def _halfway_due(turn: Turn, topic: Topic, round_number: int) -> bool:
    """Whether the card of ``topic`` marks the halfway point of its stage's round: half of the
    stage's topics (rounded down) are discussed, this one is not, and no card marked it yet."""
    in_stage = turn.wheel.stage_topics(topic.stage)
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
    discussed = sum(1 for t in in_stage if is_discussed(statuses.get(t.id)))
    if len(in_stage) < 2 or discussed != len(in_stage) // 2:
        return False
    if is_discussed(statuses.get(topic.id)):
        return False
    return await pace.halfway_shown(turn.conn, turn.chat_id, topic.stage, round_number) is None


async def _leave_current(turn: Turn, going_to: str | None) -> list[Reply]:
    """The group leaves its current topic (for ``going_to``, or the end of its stage): its card
    is closed, saying what came of it, and its Ready marks are forgotten (coming back asks
    again). Nothing when the group stays on the topic or its card is closed already."""
    conn, chat_id = turn.conn, turn.chat_id
    chat = await chats.get(conn, chat_id)
    if chat is None or chat.topic is None or chat.topic == going_to:
        return []
    leaving = turn.wheel.topic(chat.topic)
    number = await board.current_round(turn, leaving.stage)
    await pace.clear_ready(conn, chat_id, leaving.id, number)
    if await pace.is_closed(conn, chat_id, leaving.id, number):
        return []
    await pace.close_card(conn, chat_id, leaving.id, number, turn.stamp)
    shown = await board.latest(turn, Card(leaving.id, number))
    if shown is None:
        return []
    statuses = await progress.topic_statuses(conn, chat_id)
    agreed = [a for a in await records.agreements(conn, chat_id) if a.topic_id == leaving.id]
    open_ = [i for i in await records.issues(conn, chat_id) if i.topic_id == leaving.id]
    return [
        board.left_card(
            turn.wheel,
            leaving,
            board.local_date(turn.stamp, chat.timezone),
            status=statuses.get(leaving.id),
            agreements=len(agreed),
            issues=len(open_),
            edit=shown,
        )
    ]


async def revisit_extras(turn: Turn, topic: Topic, round_number: int) -> list[Reply]:
    """What follows a topic's first card of a round 2 or later, besides the card itself.

    The one place for messages that go with a revisit card: the review of the topic's earlier
    agreements (Still holds / Change / Drop). Each message counts against the budget of four new
    group messages per revisited topic (card, side-by-side view, and two more).
    """
    return await agreement_review.earlier_agreements(turn, topic.id)


async def _close_earlier_card(turn: Turn, topic: Topic, round_number: int) -> list[Reply]:
    """Edit the card of ``topic`` from round ``round_number`` into its closed state."""
    shown = await board.latest(turn, Card(topic.id, round_number))
    if shown is None:
        return []
    earlier = [
        r
        for r in await rounds.every(turn.conn, turn.chat_id)
        if r.stage == topic.stage and r.number == round_number
    ]
    timezone = (await known_chat(turn)).timezone
    started = board.local_date(earlier[0].started_at if earlier else turn.stamp, timezone)
    return [board.closed_card(turn.wheel, topic, started, edit=shown)]


async def _round_over(turn: Turn, found: rounds.Round) -> bool:
    """Whether choosing the stage of ``found`` (its latest round) starts a new round."""
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
    last = dt.datetime.fromisoformat(await rounds.last_activity(turn.conn, turn.chat_id, found))
    if last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return new_round_due(
        is_complete=complete(turn.wheel, found.stage, statuses), last_activity=last, now=turn.now
    )


async def choose_stage(turn: Turn, stage_id: str, *, button: bool) -> Result:
    """Go to a stage: a new round when its latest round is complete or was left for more than
    a month (``new_round_due``); otherwise its first topic not yet answered or skipped."""
    member = await gate.member(turn, Action.STAGE, button=button)
    if isinstance(member, Result):
        return member
    wheel = turn.wheel
    topics = wheel.stage_topics(stage_id)
    found = await rounds.latest(turn.conn, turn.chat_id, stage_id)
    if found is None or await _round_over(turn, found):
        return Result(replies=tuple(await _enter_new_round(turn, stage_id, found)))
    chat = await known_chat(turn)
    if button and chat.stage == stage_id and chat.topic in {t.id for t in topics}:
        # An old stage button: the group is in this stage already; no second card.
        return Result(
            notice=msg(
                "You are working on {stage} already, at {topic}. Send /start to see its card "
                "again.",
                stage=wheel_text(wheel.stage(stage_id).name),
                topic=wheel_text(wheel.topic(chat.topic).name),
            )
        )
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
    todo = [t for t in topics if not is_discussed(statuses.get(t.id))]
    first = todo[0] if todo else topics[0]
    return Result(replies=(_lets_go(turn, stage_id), *await _open_topic(turn, first)))


async def start_round(turn: Turn, stage_id: str) -> Result:
    """Start a new round of a stage now (a reminder's *Start now*): its intro and first card.

    A latest round in which nothing was discussed yet is taken as the new round instead of
    starting another one, so pressing twice does not leave an empty round behind.
    """
    member = await gate.member(turn, Action.STAGE, button=False)
    if isinstance(member, Result):
        return member
    found = await rounds.latest(turn.conn, turn.chat_id, stage_id)
    if found is not None:
        statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
        in_stage = turn.wheel.stage_topics(stage_id)
        if not any(is_discussed(statuses.get(t.id)) for t in in_stage):
            return Result(
                replies=(_lets_go(turn, stage_id), *await _open_topic(turn, in_stage[0]))
            )
    return Result(replies=tuple(await _enter_new_round(turn, stage_id, found)))


async def open_anywhere(turn: Turn, topic: Topic) -> list[Reply]:
    """Go to any topic (the map of ``/topics``): in the current round of its stage, or in a new
    round when the stage was never started or its latest round is over; the topics of a stage
    may be taken in any order."""
    found = await rounds.latest(turn.conn, turn.chat_id, topic.stage)
    if found is None or await _round_over(turn, found):
        return await _enter_new_round(turn, topic.stage, found, first=topic)
    return await _open_topic(turn, topic)


async def _enter_new_round(
    turn: Turn, stage_id: str, previous: rounds.Round | None, *, first: Topic | None = None
) -> list[Reply]:
    """Start the next round of a stage and open its first topic (or ``first``); a return says
    so, with the date of the previous round."""
    if first is None:
        first = turn.wheel.stage_topics(stage_id)[0]
    # Closed before the round starts: the card the group leaves may belong to this stage's round.
    left = await _leave_current(turn, first.id)
    if previous is None:
        intro = _lets_go(turn, stage_id)
    else:  # read before the new round starts: it tells of the previous one
        intro = await _welcome_back(turn, stage_id, previous)
    await rounds.start(turn.conn, turn.chat_id, stage_id, turn.stamp)
    # A round's start is a moment to say where the collaboration stands (the issue's
    # trajectory): the offer rides on the intro, costing no message of its own.
    intro = await _with_position_offer(turn, intro)
    return [*left, intro, *await _open_topic(turn, first, leave=False)]


async def _with_position_offer(turn: Turn, message: Reply) -> Reply:
    """``message`` with the invitation to a position check and its *Rate privately* button."""
    button = await position.offer_button(turn.conn, turn.chat_id, turn.actor.user_id, turn.now)
    return dataclasses.replace(
        message,
        parts=(*message.parts, position.invitation()),
        buttons=(*message.buttons, (button,)),
    )


def _lets_go(turn: Turn, stage_id: str) -> Reply:
    topics = turn.wheel.stage_topics(stage_id)
    return reply(
        msg(
            "Let's start <b>{stage}</b>: {count} topics, about {minutes} minutes in all. You "
            "can stop after any topic and carry on later with /start.",
            stage=wheel_text(turn.wheel.stage(stage_id).name),
            count=len(topics),
            minutes=len(topics) * MINUTES_PER_TOPIC,
        )
    )


async def _welcome_back(turn: Turn, stage_id: str, previous: rounds.Round) -> Reply:
    """The start of a return to a stage: when the group was here, and what it left."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    topics = wheel.stage_topics(stage_id)
    ids = {t.id for t in topics}
    before = await progress.topic_statuses(conn, chat_id)
    discussed = sum(1 for t in topics if is_discussed(before.get(t.id)))
    agreed = [a for a in await records.agreements(conn, chat_id) if a.topic_id in ids]
    open_ = [i for i in await records.issues(conn, chat_id) if i.topic_id in ids]
    skipped = sum(1 for t in topics if before.get(t.id) == "skipped")
    timezone = (await known_chat(turn)).timezone
    fields: dict[str, Arg] = dict(
        stage=wheel_text(wheel.stage(stage_id).name),
        date=board.local_date(previous.started_at, timezone),
        discussed=discussed,
        total=len(topics),
        agreements=plural_msg("{n} agreement", "{n} agreements", len(agreed)),
        issues=plural_msg("{n} open issue", "{n} open issues", len(open_)),
    )
    # A skipped topic counts as done, but "9 of 9 discussed" would hide that 8 were skipped.
    back = (
        msg(
            "Welcome back to <b>{stage}</b>. You were here on {date}: {discussed} of {total} "
            "topics discussed ({skipped} of them skipped), {agreements} and {issues}.",
            skipped=skipped,
            **fields,
        )
        if skipped
        else msg(
            "Welcome back to <b>{stage}</b>. You were here on {date}: {discussed} of {total} "
            "topics discussed, {agreements} and {issues}.",
            **fields,
        )
    )
    return reply(
        back,
        msg(
            "This is round {number}: your answers from last time stay as they were, and each "
            "card shows them. Answer again as things are now; about {minutes} minutes in all.",
            number=previous.number + 1,
            minutes=len(topics) * MINUTES_PER_TOPIC,
        ),
    )


async def stage_command(turn: Turn, args: list[str]) -> Result:
    """``/stage <name>``: jump to a stage (English or Dutch name); without a name, the menu."""
    word = " ".join(args).strip().casefold()
    if not word:
        member = await gate.member(turn, Action.STAGE, button=False)
        if isinstance(member, Result):
            return member
        return Result(replies=(stage_menu(turn.wheel),))
    stage_id = STAGE_WORDS.get(word)
    if stage_id is None:
        return Result(
            replies=(
                reply(
                    msg(
                        "I don't know the stage “{word}”. Choose orientation, integration or "
                        "transformation.",
                        word=" ".join(args),
                    ),
                    buttons=stage_menu(turn.wheel).buttons,
                    remember=StageMenu().pack(),
                ),
            )
        )
    return await choose_stage(turn, stage_id, button=False)


async def resume(turn: Turn) -> Result:
    """Show where the group is: the current topic's card, or the stage menu."""
    chat = await known_chat(turn)
    if chat.topic is None:
        return Result(replies=(stage_menu(turn.wheel),))
    topic = turn.wheel.topic(chat.topic)
    # The card shown again is open again (also a card closed at the end of its stage).
    number = await board.current_round(turn, topic.stage)
    await pace.watch_card(turn.conn, turn.chat_id, topic.id, number, turn.stamp, halfway=False)
    return Result(
        replies=(
            reply(msg("Welcome back! This is where you are:")),
            await board.card_now(turn, topic, edit=None),
        )
    )


async def record_answer(
    turn: Turn, topic_id: str, text: str | None, card_round: int | None = None
) -> Result:
    """A reply to a topic card: store the member's answer and show both sides once complete.

    Answers go to the current round of the topic's stage. A reply to a card of an earlier round
    (``card_round``) is taken into the current round while that round is open, and said so;
    when it is over (complete, or left for more than a month) it is kindly refused.
    """
    message_id = turn.message_id
    member = await gate.member(turn, Action.ANSWER, button=False, reply_to=message_id)
    if isinstance(member, Result):
        return member
    answer = usable_text(text, reply_to=message_id)
    if isinstance(answer, Result):
        return answer
    assert member.slot is not None
    conn, chat_id = turn.conn, turn.chat_id
    topic = turn.wheel.topic(topic_id)
    chat = await known_chat(turn)
    current = await rounds.latest(conn, chat_id, topic.stage)
    number = current.number if current else 1
    late = current is not None and card_round is not None and card_round < number
    if late and current is not None and await _round_over(turn, current):
        return Result(
            replies=(
                reply(
                    msg(
                        "Thank you, {name}. That card is from an earlier round of {stage}, "
                        "which is over, so I haven't recorded this answer. To talk about "
                        "{topic} again, send /stage to start a new round.",
                        name=member.name,
                        stage=wheel_text(turn.wheel.stage(topic.stage).name),
                        topic=wheel_text(topic.name),
                    ),
                    reply_to=message_id,
                ),
            )
        )
    replaced = await progress.save_answer(
        conn, chat_id, topic_id, member.user_id, member.slot, answer, message_id, turn.stamp
    )
    # The answer is acknowledged by a reaction and by the card, not by a message: a brisk group
    # would otherwise hit Telegram's 20 messages a minute within two topics.
    replies: list[Reply] = [reaction(ANSWERED, message_id)]
    # A late reply to a card the group has left is taken; the card stays closed.
    moved_on = chat.topic != topic_id or await pace.is_closed(conn, chat_id, topic_id, number)
    if replaced or moved_on or late:
        fields: dict[str, Arg] = dict(name=member.name, topic=wheel_text(topic.name))
        if replaced and moved_on:
            said = msg(
                "{name}, I've replaced your earlier answer on {topic}, even though you have "
                "moved on since.",
                **fields,
            )
        elif replaced:
            said = msg("{name}, I've replaced your earlier answer on {topic}.", **fields)
        elif moved_on:
            said = msg(
                "Thank you, {name}! Your answer is with {topic}, even though you have moved on "
                "since.",
                **fields,
            )
        else:
            said = msg("{name}, noted for {topic}.", **fields)
        if late:
            said = msg(
                "{ack} That card was from an earlier round, so I've added your answer to the "
                "current round of {stage}; the current card is further down.",
                ack=said,
                stage=wheel_text(turn.wheel.stage(topic.stage).name),
            )
        replies.append(reply(said, reply_to=message_id))
    invite = chat.nudge_auto and not moved_on and not late
    shown, _ = await answer_shown(
        turn, topic, number, replaced=replaced, moved_on=moved_on, invite=invite
    )
    return Result(replies=(*replies, *shown))


async def answer_shown(
    turn: Turn, topic: Topic, number: int, *, replaced: bool, moved_on: bool, invite: bool
) -> tuple[list[Reply], bool]:
    """What the group sees of an answer just stored in round ``number`` (given in the group or
    privately): the card edited to who has answered, and once both organisations have, the
    answers side by side (new, or edited), and with ``invite`` the quieter organisation's
    invitation (``/nudge auto``). Also True when both have answered. A card the group has left
    (``moved_on``) stays closed.

    ``turn`` is the group's (``for_group`` for an answer given in a private chat)."""
    conn, chat_id = turn.conn, turn.chat_id
    answers = await progress.answers(conn, chat_id, topic.id, number)
    both = {a.slot for a in answers} == {1, 2}
    if both:  # discussed now: the card's progress line counts it at once
        statuses = await progress.topic_statuses(conn, chat_id)
        if statuses.get(topic.id) != "skipped":
            await progress.set_topic_status(conn, chat_id, topic.id, "answered", turn.stamp)
    replies: list[Reply] = []
    shown_card = await board.latest(turn, Card(topic.id, number))
    if shown_card is not None and not replaced and not moved_on:
        replies.append(await board.card_now(turn, topic, edit=shown_card))  # who it waits for
    if both:
        # A round's own view: a new round's is a new message, never an edit of an old one.
        shown = await board.latest(turn, Answers(topic.id, number))
        replies.append(await board.answers_now(turn, topic, edit=shown))
    if invite:
        invitation = await nudges.invitation(turn, topic, number, shown_card)
        if invitation is not None:
            replies.append(invitation)
    return replies, both


async def edit_answer(turn: Turn, text: str | None) -> Result:
    """An answer message was edited: keep the new text as the answer."""
    conn, chat_id, message_id = turn.conn, turn.chat_id, turn.message_id
    found = await progress.answer_by_message(conn, chat_id, message_id)
    if found is None or turn.actor.user_id != found[1] or text_problem(text) is not None:
        return Result()
    await progress.update_answer_text(
        conn, chat_id, message_id, clean_text(text) or "", turn.stamp
    )
    return Result(replies=(reply(msg("I've updated your answer."), reply_to=message_id),))


async def next_topic(
    turn: Turn,
    topic_id: str | None,
    *,
    skip: bool = False,
    button: bool = False,
    round_number: int = 0,
) -> Result:
    """*Ready* (``topic_id``, a button) or ``/skip``: move on to the next topic of the stage.

    ``/skip`` marks the topic skipped and moves on at once. A Ready counts for the presser's
    organisation: one from each moves on, and so does one from the person who set up the group.
    A button of an earlier round's message (``round_number``, or for buttons from before the
    round was on them, the round of the view it was pressed on) is refused: the group is on the
    same topic again in a later round, and would skip it unanswered.
    """
    at_once = skip
    mover: gate.Mover | None = None
    if skip:
        member = await gate.member(turn, Action.SKIP, button=button)
        if isinstance(member, Result):
            return member
    else:
        found = await gate.mover(turn, Action.NEXT, button=button)
        if isinstance(found, Result):
            return found
        mover, at_once = found, found.at_once
    wheel = turn.wheel
    chat = await known_chat(turn)
    if chat.topic is None:
        return Result(replies=(stage_menu(wheel),)) if not button else Result()
    if topic_id is not None and topic_id != chat.topic:
        return Result(notice=msg("You have already moved on from this topic."))
    if button and topic_id is not None and await _earlier_round(turn, topic_id, round_number):
        return Result(
            notice=msg(
                "This button is from an earlier round of {stage}. The current card is further "
                "down.",
                stage=wheel_text(wheel.stage(wheel.topic(topic_id).stage).name),
            ),
            alert=True,
        )
    current = wheel.topic(chat.topic)
    number = await board.current_round(turn, current.stage)
    if topic_id is not None and await pace.is_closed(turn.conn, turn.chat_id, topic_id, number):
        return Result(notice=msg("You have already moved on from this topic."))
    if not at_once:
        assert mover is not None
        assert mover.member is not None  # not at once: a representative pressed
        waiting = await _ready(turn, current, number, mover.member)
        if waiting is not None:
            return waiting
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
    replies: list[Reply] = []
    if skip and statuses.get(current.id) != "answered":
        await progress.set_topic_status(turn.conn, turn.chat_id, current.id, "skipped", turn.stamp)
        # The card the group leaves is edited to say it was skipped, and the next card follows:
        # a reaction on the /skip is thanks enough, where a message of its own would spend one of
        # the group's 20 a minute (a run of skips reached the limit in a minute).
        replies.append(reaction(SKIPPED, turn.message_id))
    following = await _following(turn, current)
    if following is not None:
        replies.extend(await _open_topic(turn, following))
    else:
        replies.extend(await _leave_current(turn, None))
        recap = await stage_recap(turn, current.stage)
        asks = await stage_end_asks(turn, current.stage)
        if asks and await pace.spoke_up(turn.conn, turn.chat_id, current.id, number):
            # The bot already spoke up unasked on this last card (an invitation): four new
            # messages a topic at most, so the recap points to the owners' question instead.
            recap = dataclasses.replace(
                recap,
                parts=(
                    *recap.parts,
                    msg(
                        "Who picks up each open issue, and by when? /issues shows them, each "
                        "with its buttons."
                    ),
                ),
            )
            asks = []
        replies.append(recap)
        replies.extend(asks)
    return Result(replies=tuple(replies))


async def _following(turn: Turn, current: Topic) -> Topic | None:
    """The topic after ``current``: the next one of its stage not discussed yet, in wheel order;
    after the stage's last topic, the first one the round has not opened yet (the group may have
    started anywhere, with ``/topics``). None: the stage is done."""
    in_stage = turn.wheel.stage_topics(current.stage)
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)
    index = in_stage.index(current)
    after = [t for t in in_stage[index + 1 :] if not is_discussed(statuses.get(t.id))]
    if after:
        return after[0]
    never_opened = [t for t in in_stage[:index] if t.id not in statuses]
    return never_opened[0] if never_opened else None


async def _ready(turn: Turn, topic: Topic, number: int, member: Member) -> Result | None:
    """A representative's Ready on the current topic: None once both organisations are ready
    (the group moves on); else the card and the answers view showing who is, and a notice."""
    assert member.slot is not None
    conn, chat_id = turn.conn, turn.chat_id
    fresh = await pace.mark_ready(
        conn, chat_id, topic.id, number, member.slot, member.user_id, turn.stamp
    )
    marks = await pace.ready_marks(conn, chat_id, topic.id, number)
    if set(marks) >= {1, 2}:
        return None
    names = await partners.names(conn, chat_id)
    fields: dict[str, Arg] = dict(
        partner=names.get(member.slot, ""), other=names.get(3 - member.slot, "")
    )
    if not fresh:  # a colleague was ready already: nothing changes
        return Result(
            notice=msg("{partner} is ready already; waiting for a Ready from {other}.", **fields)
        )
    replies: list[Reply] = []
    shown_card = await board.latest(turn, Card(topic.id, number))
    if shown_card is not None:
        replies.append(await board.card_now(turn, topic, edit=shown_card))
    view = await board.answers_update(turn, topic.id)
    if view is not None:
        replies.append(view)
    return Result(
        replies=tuple(replies),
        notice=msg("Noted: {partner} is ready. Waiting for a Ready from {other}.", **fields),
    )


async def _earlier_round(turn: Turn, topic_id: str, round_number: int) -> bool:
    """Whether a *Ready* (formerly *Next topic*) press on ``topic_id`` came from a message of
    an earlier round."""
    current = await board.current_round(turn, turn.wheel.topic(topic_id).stage)
    if round_number:
        return round_number < current
    remembered = await bot_messages.purpose(turn.conn, turn.chat_id, turn.message_id)
    shown = purposes.read(*remembered) if remembered is not None else None
    return isinstance(shown, Answers) and shown.round < current


async def previous_topic(turn: Turn) -> Result:
    """``/back``: return to the previous topic in wheel order."""
    member = await gate.member(turn, Action.BACK, button=False)
    if isinstance(member, Result):
        return member
    wheel = turn.wheel
    chat = await known_chat(turn)
    if chat.topic is None:
        return Result(replies=(stage_menu(wheel),))
    current = wheel.topic(chat.topic)
    if current.order == 0:
        return Result(
            replies=(
                reply(msg("This is the first topic of the wheel; there is nothing before it.")),
            )
        )
    return Result(replies=tuple(await _open_topic(turn, wheel.topics[current.order - 1])))


async def stage_recap(turn: Turn, stage_id: str) -> Reply:
    """The end of a stage: the topics discussed, its agreements, open issues and skipped topics
    by topic name, the export to share with the boards, thanks, and what next."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    stage = wheel.stage(stage_id)
    in_stage = wheel.stage_topics(stage_id)
    topic_ids = {t.id for t in in_stage}
    agreed = [a for a in await records.agreements(conn, chat_id) if a.topic_id in topic_ids]
    open_ = [i for i in await records.issues(conn, chat_id) if i.topic_id in topic_ids]
    statuses = await progress.topic_statuses(conn, chat_id)
    discussed = [t for t in in_stage if statuses.get(t.id) == "answered"]
    skipped = [t for t in in_stage if statuses.get(t.id) == "skipped"]

    def named(topic_id: str) -> Raw:
        return wheel_text(wheel.topic(topic_id).name)

    parts: list[Msg | Joined] = [
        msg(
            "That was the last topic of <b>{stage}</b>. Here is your recap.",
            stage=wheel_text(stage.name),
        )
    ]
    if discussed:
        parts.append(
            msg("Discussed: {topics}", topics=listing(*(wheel_text(t.name) for t in discussed)))
        )
    parts.append(
        lines(
            plural_msg("<b>{n} agreement</b>", "<b>{n} agreements</b>", len(agreed)),
            *(msg("✓ {topic}: {text}", topic=named(a.topic_id), text=a.text) for a in agreed),
        )
    )
    parts.append(
        lines(
            plural_msg("<b>{n} open issue</b>", "<b>{n} open issues</b>", len(open_)),
            *(msg("• {topic}: {text}", topic=named(i.topic_id), text=i.text) for i in open_),
        )
    )
    waiting = [
        a for a in await records.agreements(conn, chat_id, "proposed") if a.topic_id in topic_ids
    ]
    if waiting:
        parts.append(
            lines(
                plural_msg(
                    "<b>{n} proposal</b> still waits for confirmation",
                    "<b>{n} proposals</b> still wait for confirmation",
                    len(waiting),
                ),
                *(msg("… {topic}: {text}", topic=named(a.topic_id), text=a.text) for a in waiting),
            )
        )
    if skipped:
        parts.append(
            msg("Skipped: {topics}", topics=listing(*(wheel_text(t.name) for t in skipped)))
        )
    parts.append(
        msg(
            "Share what you recorded with your boards: /export makes a PDF of it, with the "
            "answers of both organisations."
        )
    )
    parts.append(msg("Thank you all for talking this through so openly."))
    following = _next_stage(wheel, stage_id)
    buttons: list[tuple[Button, ...]] = []
    offered: tuple[str, ...] = ()  # the stages its buttons go on with
    if following is not None:
        offered = (following.id,)
        parts.append(
            msg(
                "Go on with <b>{stage}</b> now, or shall I remind you later? You can also take "
                "it up when your collaboration has grown further.",
                stage=wheel_text(following.name),
            )
        )
        buttons.append(
            (
                Button(
                    msg("Continue with {stage}", stage=wheel_text(following.name)),
                    ChooseStage(following.id).pack(),
                ),
            )
        )
        buttons.append(later_buttons(following.id))
    else:
        unfinished = [
            stage
            for stage in wheel.stages
            if any(statuses.get(t.id, "open") == "open" for t in wheel.stage_topics(stage.id))
        ]
        parts.append(msg("You have reached the centre of the wheel. Well done!"))
        offered = tuple(s.id for s in unfinished)
        if unfinished:
            parts.append(
                msg(
                    "Not discussed yet: {stages}. You can take them up now or later.",
                    stages=listing(*(wheel_text(s.name) for s in unfinished)),
                )
            )
            buttons.append(
                tuple(
                    Button(
                        msg("Continue with {stage}", stage=wheel_text(s.name)),
                        ChooseStage(s.id).pack(),
                    )
                    for s in unfinished
                )
            )
        parts.append(
            msg(
                "Shall I remind you to look at <b>{stage}</b> again once you have worked together "
                "for a while?",
                stage=wheel_text(stage.name),
            )
        )
        buttons.append(later_buttons(stage_id))
    buttons.append((Button(msg("Export as PDF"), Export().pack()),))
    later = following.id if following is not None else stage_id
    recap = Reply(
        parts=tuple(parts),
        buttons=tuple(buttons),
        remember=StageRecap(offered, later).pack(),
    )
    return await _with_position_offer(turn, recap)


async def stage_end_asks(turn: Turn, stage_id: str) -> list[Reply]:
    """What follows a stage's recap in messages of its own, once the group has moved on from
    its last topic.

    The stage's open issues lead somewhere: one message asks who picks each up, and by when
    (action items, ``bot/flows/actions.py``). Each message counts against the budget of four
    new group messages per topic (``tests/test_message_budget.py``).
    """
    walked = await actions.stage_walk(turn, stage_id)
    return [] if walked is None else [walked]


def later_buttons(stage_id: str) -> tuple[Button, ...]:
    """ "In 1 month", "In 3 months", "In 6 months": a reminder to take up ``stage_id``."""
    return tuple(
        Button(
            plural_msg("In {n} month", "In {n} months", months),
            RemindLater(stage_id, months).pack(),
        )
        for months in LATER_MONTHS
    )


def _next_stage(wheel: Wheel, stage_id: str) -> Stage | None:
    ids = [s.id for s in wheel.stages]
    index = ids.index(stage_id)
    return wheel.stages[index + 1] if index + 1 < len(ids) else None


async def status(turn: Turn) -> Result:
    """``/status``: partners and representatives, stage, topic, and progress per stage."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    return Result(replies=(reply(*await status_parts(turn, chat)),))


async def status_parts(turn: Turn, chat: chats.Chat) -> tuple[Msg | Joined, ...]:
    """What ``/status`` says about ``chat`` (the turn's chat, or a group seen from a private
    chat: ``for_group``): partners and representatives, stage, topic, progress and counts."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    names = await partners.names(conn, chat_id)
    members = await partners.representatives(conn, chat_id)
    sides = [
        msg(
            "<b>{partner}</b>: {people}",
            partner=name,
            people=", ".join(m.name for m in members if m.slot == slot) or "–",
        )
        for slot, name in names.items()
    ]
    facilitators = await partners.facilitators(conn, chat_id)
    if facilitators:
        sides.append(facilitated_by([m.name for m in facilitators]))
    if chat.topic:
        topic = wheel.topic(chat.topic)
        now = msg(
            "Now: {stage}, topic {topic}.",
            stage=wheel_text(wheel.stage(topic.stage).name),
            topic=wheel_text(topic.name),
        )
    else:
        now = msg("No stage chosen yet. Send /stage to choose one.")
    done = await board.progress_now(turn)
    per_stage = [
        msg(
            "{stage}: {done}/{total} answered, {skipped} skipped",
            stage=wheel_text(stage.name),
            done=done[stage.id].answered,
            total=done[stage.id].total,
            skipped=done[stage.id].skipped,
        )
        for stage in wheel.stages
    ]
    agreed = await records.agreements(conn, chat_id)
    open_ = await records.issues(conn, chat_id)
    totals = msg(
        "{agreements} · {issues}",
        agreements=plural_msg("{n} agreement", "{n} agreements", len(agreed)),
        issues=plural_msg("{n} open issue", "{n} open issues", len(open_)),
    )
    waiting = await records.agreements(conn, chat_id, "proposed")
    if waiting:
        totals = msg(
            "{totals} · {waiting}",
            totals=totals,
            waiting=plural_msg(
                "{n} proposal waiting for confirmation",
                "{n} proposals waiting for confirmation",
                len(waiting),
            ),
        )
    return (msg("<b>Where you are</b>"), lines(*sides), now, lines(*per_stage, totals))
