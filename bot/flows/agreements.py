"""Agreements: one partner proposes, a representative of the other partner confirms."""

from __future__ import annotations

import datetime as dt

import aiosqlite

from bot.db import partners, records
from bot.db.partners import Member
from bot.db.records import Agreement
from bot.flows.common import (
    ask_for_text,
    clean_text,
    refuse,
    representative,
    text_for_topic,
    text_problem,
)
from bot.flows.welcome import Where
from bot.messages import Actor, Button, Reply, Result, msg, reply, wheel_text
from bot.wheel import Wheel


def text_prompt(wheel: Wheel, topic_id: str, purpose: str = "agree-text") -> Reply:
    """Ask for the text of an agreement, with an example."""
    return Reply(
        parts=(
            msg(
                "What do you agree on about <b>{topic}</b>? Reply to this message with one or "
                "two sentences.",
                topic=wheel_text(wheel.topic(topic_id).name),
            ),
            msg("For example: <i>We review our shared impact goals together every quarter.</i>"),
        ),
        force_reply=True,
        placeholder=msg("Our agreement"),
        remember=(purpose, topic_id),
    )


async def ask_text(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, topic_id: str | None,
    *, button: bool,
) -> Result:  # fmt: skip
    """The agreement button or a bare ``/agree``: ask for the text."""
    return await ask_for_text(
        conn, where, actor, topic_id, lambda topic: text_prompt(wheel, topic), button=button
    )


def proposal_message(
    wheel: Wheel, names: dict[int, str], agreement: Agreement, edit: int | None = None
) -> Reply:
    """The proposal with its Confirm and Withdraw buttons."""
    other = names.get(3 - agreement.proposer_slot, "")
    return Reply(
        parts=(
            msg(
                "<b>Proposed agreement</b> on {topic}, by {name} ({partner}):",
                topic=wheel_text(wheel.topic(agreement.topic_id).name),
                name=agreement.proposer_name,
                partner=names.get(agreement.proposer_slot, ""),
            ),
            msg("“{text}”", text=agreement.text),
            msg(
                "Someone from {other} can confirm it below. {name} can withdraw it, or "
                "reword it by replying to this message.",
                other=other,
                name=agreement.proposer_name,
            ),
        ),
        buttons=(
            (Button(msg("Confirm"), f"conf:{agreement.id}"),),
            (Button(msg("Withdraw"), f"wdr:{agreement.id}"),),
        ),
        remember=("proposal", str(agreement.id)),
        edit=edit,
    )


async def propose(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, topic_id: str | None,
    text: str | None, message_id: int, from_issue: int | None = None,
) -> Result:  # fmt: skip
    """Record a proposal (from ``/agree <text>`` or a reply to the prompt) and post it."""
    checked = await text_for_topic(
        conn, where, actor, topic_id, text, message_id, lambda topic: text_prompt(wheel, topic)
    )
    if isinstance(checked, Result):
        return checked
    member, topic_id, agreed = checked
    return await _post_proposal(conn, wheel, where, member, topic_id, agreed, from_issue)


async def _post_proposal(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, member: Member, topic_id: str,
    text: str, from_issue: int | None,
) -> Result:  # fmt: skip
    assert member.slot is not None
    agreement_id = await records.propose(
        conn, where.chat_id, topic_id, text, member.user_id, member.slot, where.now, from_issue
    )
    agreement = await records.agreement(conn, where.chat_id, agreement_id)
    assert agreement is not None
    names = await partners.names(conn, where.chat_id)
    return Result(replies=(proposal_message(wheel, names, agreement),))


async def propose_from_issue(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, issue_id: int
) -> Result:
    """Turn an open issue into a proposed agreement (it still needs confirmation)."""
    member = await representative(conn, where, actor, button=True, reply_to=None)
    if isinstance(member, Result):
        return member
    issue = await records.issue(conn, where.chat_id, issue_id)
    if issue is None or issue.status != "open":
        return Result(notice=msg("This open issue has already been dealt with."))
    result = await _post_proposal(conn, wheel, where, member, issue.topic_id, issue.text, issue.id)
    return Result(replies=result.replies, notice=msg("Proposed as an agreement."))


def _recorded(wheel: Wheel, names: dict[int, str], a: Agreement, day: dt.date, edit: int) -> Reply:
    return Reply(
        parts=(
            msg(
                "<b>Agreement recorded</b> on {topic}:",
                topic=wheel_text(wheel.topic(a.topic_id).name),
            ),
            msg("“{text}”", text=a.text),
            msg(
                "Proposed by {proposer} ({first}), confirmed by {confirmer} ({second}) on {date}.",
                proposer=a.proposer_name,
                first=names.get(a.proposer_slot, ""),
                confirmer=a.confirmer_name or "",
                second=names.get(3 - a.proposer_slot, ""),
                date=day,
            ),
        ),
        edit=edit,
    )


async def confirm(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, agreement_id: int,
    message_id: int,
) -> Result:  # fmt: skip
    """Confirm a proposal: only a representative of the other partner may."""
    member = await representative(conn, where, actor, button=True, reply_to=None)
    if isinstance(member, Result):
        return member
    agreement = await records.agreement(conn, where.chat_id, agreement_id)
    if agreement is None or agreement.status == "withdrawn":
        return Result(notice=msg("This proposal is no longer open."), alert=True)
    if agreement.status == "confirmed":
        return Result(notice=msg("This agreement is already confirmed."))
    names = await partners.names(conn, where.chat_id)
    if member.slot == agreement.proposer_slot:
        return refuse(
            msg(
                "An agreement needs both partners: someone from {other} confirms it.",
                other=names.get(3 - agreement.proposer_slot, ""),
            ),
            button=True,
        )
    await records.confirm(conn, agreement_id, member.user_id, where.now)
    if agreement.from_issue is not None:
        await records.resolve_issue(conn, agreement.from_issue, member.user_id, where.now)
    confirmed = await records.agreement(conn, where.chat_id, agreement_id)
    assert confirmed is not None
    day = dt.datetime.fromisoformat(where.now).date()
    return Result(
        replies=(_recorded(wheel, names, confirmed, day, message_id),),
        notice=msg("Agreement confirmed."),
    )


async def withdraw(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, agreement_id: int,
    message_id: int,
) -> Result:  # fmt: skip
    """Withdraw a proposal: only the person who proposed it may, until it is confirmed."""
    if actor.user_id is None:
        return await representative(conn, where, actor, button=True, reply_to=None)  # type: ignore[return-value]
    agreement = await records.agreement(conn, where.chat_id, agreement_id)
    if agreement is None or agreement.status != "proposed":
        return Result(notice=msg("This proposal is no longer open."), alert=True)
    if agreement.proposed_by != actor.user_id:
        return refuse(
            msg("Only {name} can withdraw this proposal.", name=agreement.proposer_name),
            button=True,
        )
    await records.withdraw(conn, agreement_id, where.now)
    return Result(
        replies=(
            Reply(
                parts=(
                    msg(
                        "<s>Proposed agreement</s> – withdrawn by {name}:",
                        name=agreement.proposer_name,
                    ),
                    msg("“{text}”", text=agreement.text),
                ),
                edit=message_id,
            ),
        ),
        notice=msg("Proposal withdrawn."),
    )


async def reword(
    conn: aiosqlite.Connection, wheel: Wheel, where: Where, actor: Actor, agreement_id: int,
    text: str | None, message_id: int, proposal_message_id: int,
) -> Result:  # fmt: skip
    """A reply to a proposal by its proposer: the new wording replaces the old."""
    agreement = await records.agreement(conn, where.chat_id, agreement_id)
    if agreement is None or agreement.status != "proposed":
        return Result(
            replies=(reply(msg("This proposal is no longer open."), reply_to=message_id),)
        )
    if agreement.proposed_by != actor.user_id:
        return Result(
            replies=(
                reply(
                    msg(
                        "Only {name} can reword this proposal. To propose something else, use "
                        "the button on the answers or /agree.",
                        name=agreement.proposer_name,
                    ),
                    reply_to=message_id,
                ),
            )
        )
    problem = text_problem(text)
    if problem is not None:
        return Result(replies=(reply(problem, reply_to=message_id),))
    await records.reword(conn, agreement_id, clean_text(text) or "")
    updated = await records.agreement(conn, where.chat_id, agreement_id)
    assert updated is not None
    names = await partners.names(conn, where.chat_id)
    return Result(
        replies=(
            reply(msg("Reworded."), reply_to=message_id),
            proposal_message(wheel, names, updated, edit=proposal_message_id),
        )
    )
