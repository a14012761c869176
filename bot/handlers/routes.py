"""The route table: what each button press and each reply to a bot message does.

A press carries its data, read by ``bot.domain.buttons`` into a typed press; a reply answers a
bot message whose purpose was remembered, read by ``bot.domain.purposes``. The class of what was
read picks the flow here, in one place, as ``bot/app.py`` picks the handler of each command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import Message, Update

from bot.db import bot_messages
from bot.db.tx import Tx
from bot.domain import buttons, purposes
from bot.domain.buttons import (
    ActionOwner,
    ActionStatus,
    ActionWhen,
    CancelReminder,
    ChangeAgreement,
    ChooseLanguage,
    ChooseSide,
    ChooseStage,
    Confirm,
    Dismiss,
    DropAgreement,
    EndFacilitator,
    Export,
    Facilitate,
    ForgetGroupAnswer,
    ForgetMeAnswer,
    IssueToAgreement,
    MakeAction,
    MarkCheckup,
    NextTopic,
    NoteIssue,
    NotYet,
    Press,
    RatePosition,
    RecordAgreement,
    RemindFor,
    RemindLater,
    ResetAnswer,
    Resolve,
    Snooze,
    StartNow,
    StillHolds,
    Withdraw,
)
from bot.domain.purposes import (
    AgreementPrompt,
    Card,
    ChangePrompt,
    IssueAgreementPrompt,
    IssuePrompt,
    PartnerName,
    Proposal,
    Purpose,
    RenamePrompt,
)
from bot.flows import (
    actions,
    agreement_review,
    agreements,
    checkups,
    facilitation,
    issues,
    language,
    position,
    privacy,
    reminders,
    session,
    setup,
    summary,
)
from bot.flows.turn import Flow, Outcome, Turn
from bot.handlers.turn import Context, in_group, run_flow, stale_button
from bot.io import outbox
from bot.jobs import reminding
from bot.services import App, services

P = TypeVar("P", bound=Press)
Q = TypeVar("Q", bound=Purpose)


@dataclass(frozen=True, slots=True)
class OnPress(Generic[P]):
    """A kind of button and the flow its press runs."""

    press: type[P]
    flow: Callable[[Turn, P], Awaitable[Outcome]]
    #: The button belongs to a group's session; pressed anywhere else, it is stale. (Only the
    #: language buttons are also in private chats.)
    groups_only: bool = True
    #: It answers a question that its first answer consumes: the question's bookkeeping must
    #: be done, so a press right after the question appeared waits for the chat's delivery.
    settle: bool = False
    #: What to do once the turn committed (outside it: e.g. wake a job up).
    after: Callable[[App], Awaitable[None]] | None = None

    def bind(self, press: P) -> Flow:
        return lambda turn: self.flow(turn, press)


@dataclass(frozen=True, slots=True)
class OnReply(Generic[Q]):
    """A kind of bot message and the flow a reply to it runs, with the reply's text."""

    purpose: type[Q]
    flow: Callable[[Turn, Q, str | None], Awaitable[Outcome]]

    def bind(self, purpose: Q, text: str | None) -> Flow:
        return lambda turn: self.flow(turn, purpose, text)


PRESSES: dict[type[Press], OnPress[Any]] = {
    route.press: route
    for route in (
        # Set-up and language: take a side, answer /reset's question, choose a language.
        OnPress(ChooseSide, lambda turn, p: setup.choose_side(turn, p.slot)),
        OnPress(ResetAnswer, lambda turn, p: setup.reset(turn, p.clear), settle=True),
        # A facilitator: the presser facilitates; a role ended from /facilitator's list.
        OnPress(Facilitate, lambda turn, p: facilitation.facilitate(turn)),
        OnPress(EndFacilitator, lambda turn, p: facilitation.end_role(turn, p.user), settle=True),
        OnPress(
            ChooseLanguage,
            lambda turn, p: language.language_button(turn, p.language),
            groups_only=False,
        ),
        # The session: a stage, the next topic, what to record on the topic, a reminder later.
        OnPress(ChooseStage, lambda turn, p: session.choose_stage(turn, p.stage, button=True)),
        OnPress(NextTopic, lambda turn, p: session.next_topic(turn, p.topic, button=True)),
        OnPress(RecordAgreement, lambda turn, p: agreements.ask_text(turn, p.topic, button=True)),
        OnPress(NoteIssue, lambda turn, p: issues.ask_text(turn, p.topic, button=True)),
        OnPress(RemindLater, lambda turn, p: reminders.remind_later(turn, p.stage, p.months)),
        OnPress(
            RemindFor,
            lambda turn, p: reminders.remind_for(turn, p.stage, p.at),
            settle=True,
            after=reminding.wake_for_next,  # "/remind in 1 minute" comes on time
        ),
        # Agreements and open issues.
        OnPress(Confirm, lambda turn, p: agreements.confirm(turn, p.agreement, p.revision)),
        OnPress(NotYet, lambda turn, p: agreements.not_yet(turn, p.agreement)),
        OnPress(Withdraw, lambda turn, p: agreements.withdraw(turn, p.agreement)),
        OnPress(Resolve, lambda turn, p: issues.resolve(turn, p.issue)),
        OnPress(IssueToAgreement, lambda turn, p: agreements.propose_from_issue(turn, p.issue)),
        # Action items: who picks an open issue up and by when (the press checks it is on the
        # question's message, which must have been remembered), and how it went on the day.
        OnPress(MakeAction, lambda turn, p: actions.make_action(turn, p.issue)),
        OnPress(
            ActionOwner, lambda turn, p: actions.choose_owner(turn, p.issue, p.owner), settle=True
        ),
        OnPress(
            ActionWhen, lambda turn, p: actions.choose_when(turn, p.issue, p.span), settle=True
        ),
        OnPress(
            ActionStatus, lambda turn, p: actions.set_status(turn, p.issue, p.status), settle=True
        ),
        # Earlier agreements: still holds, change or drop.
        OnPress(StillHolds, lambda turn, p: agreement_review.still_holds(turn, p.agreement)),
        OnPress(ChangeAgreement, lambda turn, p: agreement_review.change(turn, p.agreement)),
        OnPress(DropAgreement, lambda turn, p: agreement_review.drop(turn, p.agreement)),
        # A reminder that came (start now, in a week, cancel), and the cancel buttons of
        # /reminders.
        OnPress(StartNow, lambda turn, p: reminders.start_now(turn, p.reminder)),
        OnPress(Snooze, lambda turn, p: reminders.snooze(turn, p.reminder)),
        OnPress(Dismiss, lambda turn, p: reminders.dismiss(turn, p.reminder)),
        OnPress(CancelReminder, lambda turn, p: reminders.cancel_pending(turn, p.reminder)),
        # A check-up's Kept, Partly and Not kept (the press checks it is on its check-up's
        # message, which must have been remembered).
        OnPress(
            MarkCheckup,
            lambda turn, p: checkups.mark(turn, p.checkup, p.agreement, p.mark),
            settle=True,
        ),
        # The export a long summary offers.
        OnPress(Export, lambda turn, p: summary.file_command(turn, "export", button=True)),
        # A position check's rating, in a private chat.
        OnPress(
            RatePosition,
            lambda turn, p: position.rate(turn, p.check, p.step, p.value),
            groups_only=False,
        ),
        # People's data: answer /forgetgroup's and /forgetme's questions.
        OnPress(
            ForgetGroupAnswer, lambda turn, p: privacy.forget_group(turn, p.erase), settle=True
        ),
        OnPress(
            ForgetMeAnswer,
            lambda turn, p: privacy.forget_me(turn, p.erase, p.asker),
            # /forgetme is asked in a private chat too (it keeps one's data out of the group).
            groups_only=False,
            settle=True,
        ),
    )
}

REPLIES: dict[type[Purpose], OnReply[Any]] = {
    route.purpose: route
    for route in (
        # Set-up: the partners' names, and a new name.
        OnReply(PartnerName, lambda turn, p, text: setup.partner_named(turn, p.slot, text)),
        OnReply(
            RenamePrompt,
            lambda turn, p, text: setup.partner_renamed(turn, p.slot, p.asker, text),
        ),
        # An answer on a topic's card.
        OnReply(Card, lambda turn, p, text: session.record_answer(turn, p.topic, text, p.round)),
        # The wording of an agreement: on a topic, for an open issue, or other wording for a
        # proposal.
        OnReply(AgreementPrompt, lambda turn, p, text: agreements.propose(turn, p.topic, text)),
        OnReply(
            IssueAgreementPrompt,
            lambda turn, p, text: agreements.propose_for_issue(turn, p.issue, text),
        ),
        OnReply(Proposal, lambda turn, p, text: agreements.reword(turn, p.agreement, text)),
        OnReply(
            ChangePrompt,
            lambda turn, p, text: agreement_review.change_worded(turn, p.agreement, text),
        ),
        # An open issue on a topic.
        OnReply(IssuePrompt, lambda turn, p, text: issues.record(turn, p.topic, text)),
    )
}


async def on_button(update: Update, context: Context) -> None:
    """A press on any of the bot's buttons: its data read by the one codec and checked against
    the wheel here, and against the database in its flow."""
    query = update.callback_query
    assert query is not None
    press = buttons.read(query.data)
    route = PRESSES.get(type(press)) if press is not None else None
    if (
        press is None
        or route is None
        or query.message is None  # a button on an inline-mode message: never ours
        or not press.fits(services(context).wheel)
        or (route.groups_only and not in_group(update))
    ):
        await stale_button(update, context)
        return
    if route.settle:
        await services(context).outbox.settled(query.message.chat.id)
    await run_flow(update, context, route.bind(press))
    if route.after is not None:
        await route.after(context.application)


async def on_reply(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: route it by what that message asked for."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    original = message.reply_to_message
    if original.from_user is None or original.from_user.id != context.bot.id:
        return
    purpose = await _purpose_of(context, original)
    route = REPLIES.get(type(purpose)) if purpose is not None else None
    if purpose is None or route is None:
        return  # the message waits for no reply
    await run_flow(update, context, route.bind(purpose, message.text))


async def _purpose_of(context: Context, original: Message) -> Purpose | None:
    """What a message of the bot is for, as remembered when it was delivered."""
    svc, chat_id, asked_in, asked = (
        services(context),
        original.chat_id,
        original.message_id,
        original.text,
    )

    def remembered(conn: Tx) -> Coroutine[Any, Any, tuple[str, str] | None]:
        return bot_messages.purpose(conn, chat_id, asked_in)

    found = await svc.store.read(remembered)
    if found is None:
        # A quick reply can arrive before the delivery of the message it answers has recorded
        # what that message is for: wait for the chat's delivery under way, then look again.
        await svc.outbox.settled(chat_id)
        found = await svc.store.read(remembered)
    if found is None:
        # The first copy of a card or prompt that a crash made us send again.
        found = await svc.store.read(lambda conn: outbox.purpose_of_copy(conn, chat_id, asked))
    return purposes.read(*found) if found is not None else None
