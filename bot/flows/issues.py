"""Open issues: what the partners have not resolved yet, noted on a topic, listed and resolved;
``/issues`` shows each one's action item (``bot/flows/actions.py``) and offers to make one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.db import actions as action_sql
from bot.db import bot_messages, partners, records
from bot.db.actions import ActionItem
from bot.db.records import OpenIssue
from bot.domain import purposes
from bot.domain.buttons import IssueToAgreement, MakeAction, Resolve
from bot.domain.permissions import Action
from bot.domain.rounds import quote
from bot.domain.wheel import Wheel
from bot.flows import actions, board, gate
from bot.flows.agreement_history import WHOLE_QUOTE
from bot.flows.common import set_up_chat
from bot.flows.turn import Turn
from bot.render.messages import (
    Button,
    Joined,
    Msg,
    Reply,
    Result,
    msg,
    reaction,
    reply,
    wheel_text,
)

#: The reaction that acknowledges a noted open issue.
NOTED = "✍"


def text_prompt(wheel: Wheel, topic_id: str) -> Reply:
    """Ask what the open issue is."""
    return Reply(
        parts=(
            msg(
                "What is still open about <b>{topic}</b>? Reply to this message in a sentence.",
                topic=wheel_text(wheel.topic(topic_id).name),
            ),
        ),
        force_reply=True,
        placeholder=msg("The open issue"),
        remember=purposes.IssuePrompt(topic_id).pack(),
    )


async def ask_text(turn: Turn, topic_id: str | None, *, button: bool) -> Result:
    """The open-issue button or a bare ``/issue``: ask for the text."""
    return await gate.ask_for_text(
        turn, Action.ISSUE, topic_id, lambda t: text_prompt(turn.wheel, t), button=button
    )


async def record(turn: Turn, topic_id: str | None, text: str | None) -> Result:
    """Note an open issue on a topic; no confirmation needed."""
    wheel, message_id = turn.wheel, turn.message_id
    checked = await gate.text_for_topic(
        turn, Action.ISSUE, topic_id, text, lambda t: text_prompt(wheel, t)
    )
    if isinstance(checked, Result):
        return checked
    member, topic_id, issue = checked
    await records.raise_issue(turn.conn, turn.chat_id, topic_id, issue, member.user_id, turn.stamp)
    # Acknowledged like an answer: a reaction, and the topic's answers view lists it.
    view = await board.answers_update(turn, topic_id)
    if view is not None:
        return Result(replies=(reaction(NOTED, message_id), view))
    return Result(
        replies=(
            reaction(NOTED, message_id),
            reply(
                msg(
                    "Open issue noted on <b>{topic}</b>. Send /issues to see all open issues.",
                    topic=wheel_text(wheel.topic(topic_id).name),
                ),
                reply_to=message_id,
            ),
        )
    )


#: A list message carries at most this many issues (two buttons each; Telegram allows 100
#: buttons a message) and about this many characters of their text, well within 4096.
LIST_ISSUES = 25
LIST_CHARS = 3000


async def listing(turn: Turn) -> Result:
    """``/issues``: the open issues in one numbered list (two when it is long), each with buttons
    to resolve it or make it an agreement."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    issues = await records.issues(turn.conn, turn.chat_id)
    if not issues:
        return Result(replies=(reply(msg("There are no open issues. Well done.")),))
    numbered = list(enumerate(issues, start=1))
    chunks: list[list[tuple[int, OpenIssue]]] = [[]]
    size = 0
    for number, issue in numbered:
        cost = len(quote(issue.text)) + 40
        if chunks[-1] and (len(chunks[-1]) == LIST_ISSUES or size + cost > LIST_CHARS):
            chunks.append([])
            size = 0
        chunks[-1].append((number, issue))
        size += cost
    context = await _context(turn)
    return Result(
        replies=tuple(
            _list(turn.wheel, chunk, heading=index == 0, context=context)
            for index, chunk in enumerate(chunks)
        )
    )


@dataclass(frozen=True, slots=True)
class ListContext:
    """What a list shows besides the issues: their action items, in the group's words."""

    names: Mapping[int, str] = field(default_factory=dict)
    items: Mapping[int, ActionItem] = field(default_factory=dict)
    timezone: str = "UTC"


async def _context(turn: Turn) -> ListContext:
    timezone = turn.chat.timezone if turn.chat is not None else turn.where.timezone
    return ListContext(
        await partners.names(turn.conn, turn.chat_id),
        await action_sql.of_chat(turn.conn, turn.chat_id),
        timezone,
    )


def _list(
    wheel: Wheel,
    chunk: list[tuple[int, OpenIssue]],
    *,
    heading: bool,
    edit: int | None = None,
    context: ListContext | None = None,
) -> Reply:
    """One list message; resolved issues stay in it, struck through and without buttons. An
    open issue shows its action item, and offers to make one while nobody has picked it up."""
    context = context or ListContext()
    lines: list[Msg | Joined] = []
    rows: list[tuple[Button, ...]] = []
    for number, issue in chunk:
        topic = wheel_text(wheel.topic(issue.topic_id).name)
        # Quoted: a long issue would make the list, and every edit of it, several messages.
        text = quote(issue.text)
        if issue.status == "open":
            line = msg("{n}. {topic}: {text}", n=number, topic=topic, text=text)
            item = context.items.get(issue.id)
            if item is None:
                lines.append(line)
            else:
                lines.append(
                    Joined((line, actions.item_line(context.names, item, context.timezone)))
                )
            rows.append(
                (
                    Button(msg("{n} · Mark resolved", n=number), Resolve(issue.id).pack()),
                    Button(
                        msg("{n} · Turn into agreement", n=number),
                        IssueToAgreement(issue.id).pack(),
                    ),
                )
            )
            if actions.needs_owner(item):
                rows.append(
                    (
                        Button(
                            msg("{n} · Make it an action item", n=number),
                            MakeAction(issue.id).pack(),
                        ),
                    )
                )
        else:
            lines.append(
                msg(
                    "<s>{n}. {topic}: {text}</s> – resolved",
                    n=number,
                    topic=topic,
                    text=text,
                )
            )
    parts: tuple[Msg | Joined, ...] = (Joined(tuple(lines)),)
    if heading:
        parts = (msg("<b>Open issues</b>"), *parts)
    listed = purposes.IssueList(heading, chunk[0][0], tuple(issue.id for _, issue in chunk))
    return Reply(
        parts=parts,
        buttons=tuple(rows),
        remember=listed.pack(),
        edit=edit,
    )


async def resolve(turn: Turn, issue_id: int) -> Result:
    """Mark an open issue resolved (any representative) and strike it in the list."""
    member = await gate.member(turn, Action.RESOLVE, button=True)
    if isinstance(member, Result):
        return member
    conn, chat_id, message_id = turn.conn, turn.chat_id, turn.message_id
    issue = await records.issue(conn, chat_id, issue_id)
    if issue is None or issue.status != "open":
        return Result(notice=msg("This open issue has already been dealt with."))
    await records.resolve_issue(conn, issue_id, member.user_id, turn.stamp)
    notice = msg("Marked as resolved.")
    # The topic's answers view lists what is still open there: it loses this one too.
    view = await board.answers_update(turn, issue.topic_id)
    also = () if view is None else (view,)
    remembered = await bot_messages.purpose(conn, chat_id, message_id)
    shown = purposes.read(*remembered) if remembered is not None else None
    if isinstance(shown, purposes.IssueList):
        chunk = []
        for number, listed_id in enumerate(shown.ids, start=shown.first):
            listed = await records.issue(conn, chat_id, listed_id)
            if listed is not None:
                chunk.append((number, listed))
        edited = _list(
            turn.wheel, chunk, heading=shown.heading, edit=message_id, context=await _context(turn)
        )
        return Result(replies=(edited, *also), notice=notice)
    # A message of one issue, as /issues posted them before lists.
    done: Msg = msg(
        "<s>{text}</s> – resolved by {name}.",
        text=quote(issue.text, WHOLE_QUOTE),
        name=member.name,
    )
    return Result(replies=(Reply(parts=(done,), edit=message_id), *also), notice=notice)
