"""``/topics``: the wheel as a map of buttons, stage by stage, each topic with its state, to go to
any topic.

The group may take the topics of a stage in any order: a press on the map opens that topic's card
(in the current round of its stage, or a new round when the last one is over) and the map is
edited to show where the group is now. Moving on from a topic then goes to the next topic of the
stage not yet discussed (``session.next_topic``).
"""

from __future__ import annotations

from bot.db import chats, progress, records
from bot.domain.buttons import GoToTopic
from bot.domain.permissions import Action
from bot.domain.purposes import TopicMap
from bot.domain.rounds import is_discussed
from bot.domain.wheel import Topic
from bot.flows import gate, session
from bot.flows.common import set_up_chat
from bot.flows.turn import Turn, known_chat
from bot.render.messages import Button, Joined, Msg, Reply, Result, lines, msg, wheel_text

#: A topic's state on the map, as a symbol: what the group has done with it.
AGREED = "✅"
OPEN_ISSUE = "❓"
ANSWERED = "💬"
SKIPPED = "⏭"
ONE_SIDE = "◐"
NOT_DISCUSSED = "⚪"
#: The topic the group is at.
HERE = "📍"
#: Buttons per row: two keep the longer Dutch names readable on a phone.
PER_ROW = 2


def legend() -> Msg:
    return msg(
        "{agreed} agreed · {issue} open issue · {answered} answered by both · {one} answered by "
        "one organisation · {skipped} skipped · {none} not discussed yet · {here} where you are",
        agreed=AGREED,
        issue=OPEN_ISSUE,
        answered=ANSWERED,
        one=ONE_SIDE,
        skipped=SKIPPED,
        none=NOT_DISCUSSED,
        here=HERE,
    )


async def symbols(turn: Turn) -> dict[str, str]:
    """Each topic's state as a symbol. An open issue comes first (it asks for work), then an
    agreement; then what the latest round of its stage did with the topic. A topic counts as
    discussed, here as on the card, in /status, the picture and the PDF, once both organisations
    answered it or it was skipped; one organisation's answers show as such."""
    conn, chat_id = turn.conn, turn.chat_id
    statuses = await progress.topic_statuses(conn, chat_id)
    agreed = {a.topic_id for a in await records.agreements(conn, chat_id)}
    open_ = {i.topic_id for i in await records.issues(conn, chat_id)}
    sides = await progress.answering_sides(conn, chat_id)
    found: dict[str, str] = {}
    for topic in turn.wheel.topics:
        status = statuses.get(topic.id)
        if topic.id in open_:
            found[topic.id] = OPEN_ISSUE
        elif topic.id in agreed:
            found[topic.id] = AGREED
        elif status == "answered":
            found[topic.id] = ANSWERED
        elif status == "skipped":
            found[topic.id] = SKIPPED
        elif sides.get(topic.id):  # one organisation only: not discussed yet, and said so
            found[topic.id] = ONE_SIDE
        else:
            found[topic.id] = NOT_DISCUSSED
    return found


async def topic_map(turn: Turn, *, edit: int | None = None) -> Reply:
    """The map: per stage a line with its topics and their symbols, and a button per topic."""
    wheel = turn.wheel
    # Read again, not the turn's copy: a press on the map has just moved the group.
    chat = await chats.get(turn.conn, turn.chat_id)
    here = chat.topic if chat is not None else None
    shown = await symbols(turn)
    # Counted as /status and the card count: answered by both, or skipped, in the latest round.
    statuses = await progress.topic_statuses(turn.conn, turn.chat_id)

    def label(topic: Topic) -> Msg:
        mark = HERE if topic.id == here else shown[topic.id]
        return msg("{mark} {topic}", mark=mark, topic=wheel_text(topic.name))

    stages: list[Joined] = []
    rows: list[tuple[Button, ...]] = []
    for stage in wheel.stages:
        topics = wheel.stage_topics(stage.id)
        discussed = sum(1 for t in topics if is_discussed(statuses.get(t.id)))
        stages.append(
            lines(
                msg(
                    "<b>{stage}</b> · {done} of {total} discussed",
                    stage=wheel_text(stage.name),
                    done=discussed,
                    total=len(topics),
                ),
                Joined(tuple(label(t) for t in topics), " · "),
            )
        )
        buttons = [Button(label(t), GoToTopic(t.id).pack()) for t in topics]
        rows.extend(tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW))
    return Reply(
        parts=(
            msg(
                "<b>The wheel</b>: tap a topic to go to it. You can take the topics of a stage "
                "in any order; <b>Ready</b> then takes you to the next topic not discussed yet."
            ),
            legend(),
            *stages,
        ),
        buttons=tuple(rows),
        remember=TopicMap().pack(),
        edit=edit,
    )


async def show(turn: Turn) -> Result:
    """``/topics``: the map (anyone may look; going to a topic is for those who steer)."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    return Result(replies=(await topic_map(turn),))


async def go_to(turn: Turn, topic_id: str) -> Result:
    """A topic pressed on the map: its card, and the map showing where the group is now."""
    member = await gate.member(turn, Action.GO_TO_TOPIC, button=True)
    if isinstance(member, Result):
        return member
    chat = await known_chat(turn)
    topic = turn.wheel.topic(topic_id)
    if chat.topic == topic_id:
        return Result(
            notice=msg(
                "You are at {topic} already: its card is the latest one.",
                topic=wheel_text(topic.name),
            )
        )
    opened = await session.open_anywhere(turn, topic)
    return Result(replies=(*opened, await topic_map(turn, edit=turn.message_id)))
