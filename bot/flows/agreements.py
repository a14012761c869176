"""Agreements: one partner proposes, a representative of the other partner confirms."""

from __future__ import annotations

import datetime as dt

from bot.db import pace, partners, records
from bot.db.partners import Member
from bot.db.records import Agreement, OpenIssue
from bot.domain.buttons import Confirm, NotYet, Withdraw
from bot.domain.permissions import Action
from bot.domain.purposes import (
    AgreementPrompt,
    Decided,
    DropProposal,
    IssueAgreementPrompt,
    Proposal,
)
from bot.domain.rounds import quote
from bot.domain.wheel import Wheel
from bot.flows import agreement_history, board, checkups, gate
from bot.flows.common import shown_name, usable_text
from bot.flows.issues import NOTED
from bot.flows.turn import Turn
from bot.render.messages import Button, Msg, Reply, Result, msg, reaction, reply, wheel_text


def text_prompt(wheel: Wheel, topic_id: str) -> Reply:
    """Ask for the text of an agreement, with an example that fits the topic."""
    topic = wheel.topic(topic_id)
    question = msg(
        "What have you agreed on <b>{topic}</b>? Reply to this message in one or two sentences.",
        topic=wheel_text(topic.name),
    )
    example = (
        (msg("For example: <i>{example}</i>", example=wheel_text(topic.example)),)
        if topic.example
        else ()
    )
    return Reply(
        parts=(question, *example),
        force_reply=True,
        placeholder=msg("Our agreement"),
        remember=AgreementPrompt(topic_id).pack(),
    )


async def ask_text(turn: Turn, topic_id: str | None, *, button: bool) -> Result:
    """The agreement button or a bare ``/agree``: ask for the text."""
    return await gate.ask_for_text(
        turn, Action.AGREE, topic_id, lambda t: text_prompt(turn.wheel, t), button=button
    )


def proposal_message(
    wheel: Wheel, names: dict[int, str], agreement: Agreement, edit: int | None = None
) -> Reply:
    """The proposal, and what either side can do with it."""
    other = names.get(3 - agreement.proposer_slot, "")
    heading = (
        msg(
            "<b>Proposed agreement</b> on {topic}, by {name} ({partner}):",
            topic=wheel_text(wheel.topic(agreement.topic_id).name),
            name=shown_name(agreement.proposer_name),
            partner=names.get(agreement.proposer_slot, ""),
        )
        if agreement.revision == 0
        else msg(
            "<b>Proposed agreement</b> on {topic}, now worded by {name} ({partner}):",
            topic=wheel_text(wheel.topic(agreement.topic_id).name),
            name=shown_name(agreement.proposer_name),
            partner=names.get(agreement.proposer_slot, ""),
        )
    )
    # A change or drop of an earlier agreement reads differently; a drop cannot be reworded.
    changing = agreement_history.proposal_parts(wheel, names, agreement)
    return Reply(
        parts=changing
        or (
            heading,
            msg("“{text}”", text=agreement.text),
            msg(
                "Someone from {other} can confirm it, suggest different wording (reply to this "
                "message) or keep it as an open issue for now. {name} can withdraw it.",
                other=other,
                name=shown_name(agreement.proposer_name),
            ),
        ),
        buttons=(
            (Button(msg("Confirm"), Confirm(agreement.id, agreement.revision).pack()),),
            (
                Button(msg("Not yet"), NotYet(agreement.id).pack()),
                Button(msg("Withdraw"), Withdraw(agreement.id).pack()),
            ),
        ),
        # A drop cannot be reworded: replies to it are not routed.
        remember=(
            DropProposal(agreement.id) if agreement.lapse else Proposal(agreement.id)
        ).pack(),
        edit=edit,
    )


async def propose(
    turn: Turn, topic_id: str | None, text: str | None, from_issue: int | None = None
) -> Result:
    """Record a proposal (from ``/agree <text>``, a reply to its prompt or to the prompt of an
    open issue) and post it."""
    action = Action.AGREE if from_issue is None else Action.ISSUE_TO_AGREEMENT
    checked = await gate.text_for_topic(
        turn, action, topic_id, text, lambda t: text_prompt(turn.wheel, t)
    )
    if isinstance(checked, Result):
        return checked
    member, topic_id, agreed = checked
    return await _post_proposal(turn, member, topic_id, agreed, from_issue)


async def _post_proposal(
    turn: Turn, member: Member, topic_id: str, text: str, from_issue: int | None
) -> Result:
    assert member.slot is not None
    conn, chat_id = turn.conn, turn.chat_id
    agreement_id = await records.propose(
        conn, chat_id, topic_id, text, member.user_id, member.slot, turn.stamp, from_issue
    )
    agreement = await records.agreement(conn, chat_id, agreement_id)
    assert agreement is not None
    names = await partners.names(conn, chat_id)
    return Result(replies=(proposal_message(turn.wheel, names, agreement),))


def issue_prompt(wheel: Wheel, issue: OpenIssue) -> Reply:
    """Ask for the wording of an agreement that settles an open issue."""
    return Reply(
        parts=(
            msg(
                "What do you agree to do about this open issue on <b>{topic}</b>?",
                topic=wheel_text(wheel.topic(issue.topic_id).name),
            ),
            msg("“{text}”", text=issue.text),
            msg("Reply to this message with the agreement in one or two sentences."),
        ),
        force_reply=True,
        placeholder=msg("Our agreement"),
        remember=IssueAgreementPrompt(issue.id).pack(),
    )


async def propose_from_issue(turn: Turn, issue_id: int) -> Result:
    """ "Make it an agreement" on an open issue: ask for the agreement's wording."""
    member = await gate.member(turn, Action.ISSUE_TO_AGREEMENT, button=True)
    if isinstance(member, Result):
        return member
    issue = await records.issue(turn.conn, turn.chat_id, issue_id)
    if issue is None or issue.status != "open":
        return Result(notice=msg("This open issue has already been dealt with."))
    return Result(replies=(issue_prompt(turn.wheel, issue),))


async def propose_for_issue(turn: Turn, issue_id: int, text: str | None) -> Result:
    """A reply with the wording for an open issue: propose it; confirming it resolves the issue."""
    message_id = turn.message_id
    issue = await records.issue(turn.conn, turn.chat_id, issue_id)
    if issue is None or issue.status != "open":
        return Result(
            replies=(
                reply(msg("This open issue has already been dealt with."), reply_to=message_id),
            )
        )
    waiting = await records.agreements(turn.conn, turn.chat_id, "proposed")
    if any(a.from_issue == issue.id for a in waiting):
        # Two presses of the button made two prompts: one proposal per open issue.
        return Result(
            replies=(
                reply(
                    msg(
                        "A proposal for this open issue is already waiting for confirmation. "
                        "Reply to that proposal to word it differently."
                    ),
                    reply_to=message_id,
                ),
            )
        )
    return await propose(turn, issue.topic_id, text, from_issue=issue.id)


def _recorded(
    wheel: Wheel,
    names: dict[int, str],
    a: Agreement,
    day: dt.date,
    edit: int,
    *,
    onward: int,
    history: tuple[Msg, ...] = (),
) -> Reply:
    """The confirmed agreement; ``onward`` is the round the group is in on its topic, for a
    *Ready* button (0: none, the group has moved on)."""
    buttons = ((board.ready_button(a.topic_id, onward),),) if onward else ()
    return Reply(
        buttons=buttons,
        remember=Decided(a.id, a.topic_id).pack() if onward else None,
        parts=(
            msg(
                "<b>Agreement recorded</b> on {topic}:",
                topic=wheel_text(wheel.topic(a.topic_id).name),
            ),
            # In place of the proposal, which showed it whole: an edit must stay one message.
            msg("“{text}”", text=quote(a.text, agreement_history.WHOLE_QUOTE)),
            msg(
                "Proposed by {proposer} ({first}), confirmed by {confirmer} ({second}) on {date}.",
                proposer=shown_name(a.proposer_name),
                first=names.get(a.proposer_slot, ""),
                confirmer=shown_name(a.confirmer_name),
                second=names.get(3 - a.proposer_slot, ""),
                date=day,
            ),
            *history,
        ),
        edit=edit,
    )


async def _onward(turn: Turn, topic_id: str) -> int:
    """The round of the topic's stage while the group is on the topic, else 0."""
    if turn.chat is None or turn.chat.topic != topic_id:
        return 0
    return await board.current_round(turn, turn.wheel.topic(topic_id).stage)


async def confirm(turn: Turn, agreement_id: int, revision: int = 0) -> Result:
    """Confirm a proposal: only a representative of the other partner may, and only the wording
    the button was shown with."""
    conn, chat_id = turn.conn, turn.chat_id
    agreement = await records.agreement(conn, chat_id, agreement_id)
    if agreement is None or agreement.status == "withdrawn":
        return Result(notice=msg("This proposal is no longer open."), alert=True)
    if agreement.status == "confirmed":
        return Result(notice=msg("This agreement is already confirmed."))
    if revision != agreement.revision:
        # The message shows the new wording already (it was edited when it changed).
        return Result(
            notice=msg("This proposal was just worded differently: read it again, then confirm."),
            alert=True,
        )
    member = await gate.member(turn, Action.CONFIRM, button=True, agreement=agreement)
    if isinstance(member, Result):
        return member
    instead = await agreement_history.before_confirm(turn, agreement, member)
    if instead is not None:
        return instead
    names = await partners.names(conn, chat_id)
    await records.confirm(conn, agreement_id, member.user_id, turn.stamp)
    await checkups.set_first_review(turn, agreement_id, agreement.topic_id)
    if agreement.from_issue is not None:
        await records.resolve_issue(conn, agreement.from_issue, member.user_id, turn.stamp)
    confirmed = await records.agreement(conn, chat_id, agreement_id)
    assert confirmed is not None
    day = turn.now.date()
    # No dead end: the recorded agreement offers the next topic while the group is on it.
    onward = await _onward(turn, confirmed.topic_id)
    history = await agreement_history.after_confirm(turn, confirmed)
    if await records.confirmed_ever(conn, chat_id) == 1:
        # A small celebration, in the message that records it (not a message of its own).
        history = (*history, msg("🎉 Your first agreement – a good start!"))
    recorded = _recorded(
        turn.wheel, names, confirmed, day, turn.message_id, onward=onward, history=history
    )
    view = await board.answers_update(turn, confirmed.topic_id)
    replies = (recorded,) if view is None else (recorded, view)
    return Result(replies=replies, notice=msg("Agreement confirmed."))


async def withdraw(turn: Turn, agreement_id: int) -> Result:
    """Withdraw a proposal: only the person who proposed it may, until it is confirmed."""
    agreement = await records.agreement(turn.conn, turn.chat_id, agreement_id)
    if agreement is None or agreement.status != "proposed":
        return Result(notice=msg("This proposal is no longer open."), alert=True)
    refused = await gate.check(turn, Action.WITHDRAW, button=True, agreement=agreement)
    if refused is not None:
        return refused
    await records.withdraw(turn.conn, agreement_id, turn.stamp)
    return Result(
        replies=(
            Reply(
                parts=(
                    msg(
                        "<s>Proposed agreement</s> – withdrawn by {name}:",
                        name=shown_name(agreement.proposer_name),
                    ),
                    msg("“{text}”", text=agreement.text),
                ),
                edit=turn.message_id,
            ),
        ),
        notice=msg("Proposal withdrawn."),
    )


async def reword(turn: Turn, agreement_id: int, text: str | None) -> Result:
    """A reply to a proposal (``turn.replied_to``): the proposer rewords it; the other partner
    answers with other wording, which becomes the proposal for the first partner to confirm."""
    conn, chat_id, message_id = turn.conn, turn.chat_id, turn.message_id
    agreement = await records.agreement(conn, chat_id, agreement_id)
    if agreement is None or agreement.status != "proposed":
        return Result(
            replies=(reply(msg("This proposal is no longer open."), reply_to=message_id),)
        )
    member = await gate.member(
        turn, Action.REWORD, button=False, reply_to=message_id, agreement=agreement
    )
    if isinstance(member, Result):
        return member
    assert member.slot is not None
    wording = usable_text(text, reply_to=message_id)
    if isinstance(wording, Result):
        return wording
    countered = member.slot != agreement.proposer_slot
    await records.reword(conn, agreement_id, wording, member.user_id, member.slot)
    updated = await records.agreement(conn, chat_id, agreement_id)
    assert updated is not None
    names = await partners.names(conn, chat_id)
    said = (
        msg(
            "{name} suggested different wording; someone from {other} can now confirm it.",
            name=member.name,
            other=names.get(agreement.proposer_slot, ""),
        )
        if countered
        else msg("Reworded.")
    )
    acknowledged = reply(said, reply_to=message_id)
    if countered and await _spare_used(turn, agreement.topic_id):
        # The topic's spare message went to a nudge of the bot's own: the edited proposal says
        # who worded it, and a reaction acknowledges it (four new messages per topic at most).
        acknowledged = reaction(NOTED, message_id)
    return Result(
        replies=(
            acknowledged,
            proposal_message(turn.wheel, names, updated, edit=turn.replied_to),
        )
    )


async def _spare_used(turn: Turn, topic_id: str) -> bool:
    """Whether the bot spoke up unasked on the topic's current card (``bot/flows/nudges.py``)."""
    number = await board.current_round(turn, turn.wheel.topic(topic_id).stage)
    return await pace.spoke_up(turn.conn, turn.chat_id, topic_id, number)


async def not_yet(turn: Turn, agreement_id: int) -> Result:
    """ "Not yet": the other partner is not ready to agree. The open issue is the question what
    still needs to be worked out, with the proposal quoted, not the proposal itself (which
    would read as if it had been agreed)."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    agreement = await records.agreement(conn, chat_id, agreement_id)
    if agreement is None or agreement.status != "proposed":
        return Result(notice=msg("This proposal is no longer open."), alert=True)
    member = await gate.member(turn, Action.NOT_YET, button=True, agreement=agreement)
    if isinstance(member, Result):
        return member
    if agreement.lapse:
        return await agreement_history.keep_after_all(turn, agreement, member)
    await records.withdraw(conn, agreement_id, turn.stamp)
    question = msg(
        "Not agreed yet: “{text}”. What still needs to be worked out?", text=agreement.text
    )
    await records.raise_issue(
        conn, chat_id, agreement.topic_id, turn.words(question, agreement.text), member.user_id,
        turn.stamp,
    )  # fmt: skip
    onward = await _onward(turn, agreement.topic_id)
    kept = Reply(
        parts=(
            msg(
                "<b>Not agreed yet</b> – {name} made it an open issue on {topic}:",
                name=member.name,
                topic=wheel_text(wheel.topic(agreement.topic_id).name),
            ),
            msg("“{text}”", text=quote(agreement.text, agreement_history.WHOLE_QUOTE)),
            msg(
                "What still needs to be worked out before you can agree? That question is now "
                "on /issues; when you know more, /agree proposes the agreement again."
            ),
        ),
        buttons=((board.ready_button(agreement.topic_id, onward),),) if onward else (),
        remember=Decided(agreement.id, agreement.topic_id).pack() if onward else None,
        edit=turn.message_id,
    )
    view = await board.answers_update(turn, agreement.topic_id)
    replies = (kept,) if view is None else (kept, view)
    return Result(replies=replies, notice=msg("Kept as an open issue."))
