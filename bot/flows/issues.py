"""Open issues: what the partners have not resolved yet, noted on a topic, listed and resolved."""

from __future__ import annotations

import aiosqlite

from bot.db import records
from bot.flows.common import (
    ask_for_text,
    representative,
    set_up_chat,
    text_for_topic,
)
from bot.flows.welcome import Where
from bot.messages import Actor, Button, Msg, Reply, Result, msg, reply, wheel_text
from bot.wheel import Wheel


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
        remember=("issue-text", topic_id),
    )


async def ask_text(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, topic_id: str | None,
    *, button: bool,
) -> Result:  # fmt: skip
    """The open-issue button or a bare ``/issue``: ask for the text."""
    return await ask_for_text(
        conn, where, actor, topic_id, lambda topic: text_prompt(wheel, topic), button=button
    )


async def record(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, topic_id: str | None,
    text: str | None, message_id: int,
) -> Result:  # fmt: skip
    """Note an open issue on a topic; no confirmation needed."""
    checked = await text_for_topic(
        conn, where, actor, topic_id, text, message_id, lambda topic: text_prompt(wheel, topic)
    )
    if isinstance(checked, Result):
        return checked
    member, topic_id, issue = checked
    await records.raise_issue(conn, where.chat_id, topic_id, issue, member.user_id, where.now)
    return Result(
        replies=(
            reply(
                msg(
                    "Open issue noted on <b>{topic}</b>. Send /issues to see all open issues.",
                    topic=wheel_text(wheel.topic(topic_id).name),
                ),
                reply_to=message_id,
            ),
        )
    )


async def listing(conn: aiosqlite.Connection, wheel: Wheel, where: Where) -> Result:
    """``/issues``: the open issues, each with buttons to resolve it or make it an agreement."""
    chat = await set_up_chat(conn, where)
    if isinstance(chat, Result):
        return chat
    issues = await records.issues(conn, where.chat_id)
    if not issues:
        return Result(replies=(reply(msg("There are no open issues. Nice!")),))
    replies = [reply(msg("<b>Open issues</b>"))]
    for issue in issues:
        replies.append(
            Reply(
                parts=(
                    msg(
                        "{topic}: {text}",
                        topic=wheel_text(wheel.topic(issue.topic_id).name),
                        text=issue.text,
                    ),
                ),
                buttons=(
                    (
                        Button(msg("Resolved"), f"ires:{issue.id}"),
                        Button(msg("Make it an agreement"), f"iagr:{issue.id}"),
                    ),
                ),
            )
        )
    return Result(replies=tuple(replies))


async def resolve(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, issue_id: int,
    message_id: int,
) -> Result:  # fmt: skip
    """Mark an open issue resolved (any representative)."""
    member = await representative(conn, where, actor, button=True, reply_to=None)
    if isinstance(member, Result):
        return member
    issue = await records.issue(conn, where.chat_id, issue_id)
    if issue is None or issue.status != "open":
        return Result(notice=msg("This open issue has already been dealt with."))
    await records.resolve_issue(conn, issue_id, member.user_id, where.now)
    done: Msg = msg("<s>{text}</s> – resolved by {name}.", text=issue.text, name=member.name)
    return Result(
        replies=(Reply(parts=(done,), edit=message_id),), notice=msg("Marked as resolved.")
    )
