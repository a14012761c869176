"""The route table: what each button press and each reply to a bot message does.

A press carries its data, read by ``bot.domain.buttons`` into a typed press; a reply answers a
bot message whose purpose was remembered, read by ``bot.domain.purposes``. The class of what was
read picks the flow here, in one place, as ``bot/app.py`` picks the handler of each command.

A press acts only on the message it belongs to. Its data comes from the person's client, which
can send any data with any message of the chat; the message pressed is the one thing Telegram
vouches for. So each kind of press names the messages that carry it (``OnPress.on``), and a
press counts only when the pressed message's purpose, as remembered when it was delivered, is one
of them, for the same agreement, issue, reminder, check-up or person. Anything else (another
kind's data, another message's or another group's, a forged id) is answered "this button no
longer works" and changes nothing, in the transaction of the press.
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
    AdmitNewcomer,
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
    GoToTopic,
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
    ActionDue,
    ActionWalk,
    AgreementPrompt,
    AgreementReview,
    Answered,
    Answers,
    Card,
    ChangePrompt,
    CheckupIssue,
    CheckupPart,
    Decided,
    DropProposal,
    ExportOffer,
    FacilitatorList,
    ForgetGroupQuestion,
    ForgetMeQuestion,
    IssueAgreementPrompt,
    IssueList,
    IssuePrompt,
    LanguageQuestion,
    NewcomerRequest,
    Nudge,
    PartnerName,
    PositionQuestion,
    PrivatePrompt,
    Proposal,
    Purpose,
    ReminderList,
    ReminderMessage,
    RemindQuestion,
    RenamePrompt,
    ResetQuestion,
    Sides,
    StageMenu,
    StageRecap,
    TopicMap,
)
from bot.flows import (
    actions,
    agreement_review,
    agreements,
    checkups,
    facilitation,
    issues,
    language,
    newcomers,
    position,
    privacy,
    private,
    reminders,
    session,
    setup,
    summary,
    topic_map,
)
from bot.flows.common import already_answered
from bot.flows.common import stale_button as stale_words
from bot.flows.turn import Flow, Outcome, Turn
from bot.handlers.turn import Context, in_group, run_flow, stale_button
from bot.io import outbox
from bot.jobs import reminding
from bot.render.messages import Result
from bot.services import App, services

P = TypeVar("P", bound=Press)
Q = TypeVar("Q", bound=Purpose)


@dataclass(frozen=True, slots=True)
class OnPress(Generic[P]):
    """A kind of button, the messages that carry it, and the flow its press runs."""

    press: type[P]
    #: Whether a message with this purpose carries this press (the same ids included).
    on: Callable[[P, Purpose], bool]
    flow: Callable[[Turn, P], Awaitable[Outcome]]
    #: The button belongs to a group's session; pressed anywhere else, it is stale. (Only the
    #: language buttons are also in private chats.)
    groups_only: bool = True
    #: What to do once the turn committed (outside it: e.g. wake a job up).
    after: Callable[[App], Awaitable[None]] | None = None

    def bind(self, press: P, shown: str | None) -> Flow:
        """The press's flow, run only when the pressed message carries it (``shown``: its text
        as the press showed it, to recognise an earlier copy sent again after a crash)."""

        async def on_its_message(turn: Turn) -> Outcome:
            found = await remembered(turn.conn, turn.chat_id, turn.message_id, shown)
            if isinstance(found, Answered):
                return Result(notice=already_answered())
            if found is None or not self.on(press, found):
                return Result(notice=stale_words(), alert=True)
            return await self.flow(turn, press)

        return on_its_message


@dataclass(frozen=True, slots=True)
class OnReply(Generic[Q]):
    """A kind of bot message and the flow a reply to it runs, with the reply's text."""

    purpose: type[Q]
    flow: Callable[[Turn, Q, str | None], Awaitable[Outcome]]

    def bind(self, purpose: Q, text: str | None) -> Flow:
        return lambda turn: self.flow(turn, purpose, text)


# -- which messages carry which presses ---------------------------------------------------------


def _on_proposal(press: Confirm | NotYet | Withdraw, shown: Purpose) -> bool:
    """Confirm, Not yet and Withdraw: on the proposal, also once it was decided."""
    return (
        isinstance(shown, Proposal | DropProposal | Decided) and shown.agreement == press.agreement
    )


def _on_review(press: StillHolds | ChangeAgreement | DropAgreement, shown: Purpose) -> bool:
    """Still holds, Change and Drop: on a list of earlier agreements, or a check-up's issue."""
    if isinstance(shown, AgreementReview):
        return press.agreement in shown.ids
    return isinstance(shown, CheckupIssue) and shown.agreement == press.agreement


def _on_issue(press: Resolve | IssueToAgreement, shown: Purpose) -> bool:
    """Resolved and Make it an agreement: on a list of open issues (Resolved also on the open
    issue a check-up opened, and on an action item's reminder once it is done)."""
    if isinstance(shown, IssueList):
        return press.issue in shown.ids
    return (
        isinstance(press, Resolve)
        and isinstance(shown, CheckupIssue | ActionDue)
        and shown.issue == press.issue
    )


def _on_reminder(press: StartNow | Snooze | Dismiss, shown: Purpose) -> bool:
    return isinstance(shown, ReminderMessage) and shown.reminder == press.reminder


def _on_answers(press: RecordAgreement | NoteIssue | NextTopic, shown: Purpose) -> bool:
    """What to record on a topic, and the next topic: on its answers side by side (the next
    topic also on a proposal of the topic once decided)."""
    if isinstance(shown, Answers):
        return shown.topic == press.topic
    return (
        isinstance(press, NextTopic) and isinstance(shown, Decided) and shown.topic == press.topic
    )


def _on_stages(press: ChooseStage, shown: Purpose) -> bool:
    return isinstance(shown, StageMenu) or (
        isinstance(shown, StageRecap) and press.stage in shown.stages
    )


PRESSES: dict[type[Press], OnPress[Any]] = {
    route.press: route
    for route in (
        # Set-up and language: take a side, answer /reset's question, choose a language.
        OnPress(
            ChooseSide,
            # The two partners, slots 1 and 2 (``3 - slot`` is the other one everywhere).
            lambda p, shown: isinstance(shown, Sides) and p.slot in (1, 2),
            lambda turn, p: newcomers.choose_side(turn, p.slot),
        ),
        # A newcomer's request to join an organisation: a colleague confirms it, or not.
        OnPress(
            AdmitNewcomer,
            lambda p, shown: isinstance(shown, NewcomerRequest) and shown.request == p.request,
            lambda turn, p: newcomers.admit(turn, p.request, p.admit),
        ),
        OnPress(
            ResetAnswer,
            lambda p, shown: isinstance(shown, ResetQuestion),
            lambda turn, p: setup.reset(turn, p.clear),
        ),
        # A facilitator: the presser facilitates; a role ended from /facilitator's list.
        OnPress(
            Facilitate,
            lambda p, shown: isinstance(shown, Sides),
            lambda turn, p: facilitation.facilitate(turn),
        ),
        OnPress(
            EndFacilitator,
            lambda p, shown: isinstance(shown, FacilitatorList) and p.user in shown.users,
            lambda turn, p: facilitation.end_role(turn, p.user),
        ),
        OnPress(
            ChooseLanguage,
            lambda p, shown: isinstance(shown, LanguageQuestion),
            lambda turn, p: language.language_button(turn, p.language),
            groups_only=False,
        ),
        # The session: a stage, the next topic, what to record on the topic, a reminder later.
        OnPress(
            ChooseStage,
            _on_stages,
            lambda turn, p: session.choose_stage(turn, p.stage, button=True),
        ),
        OnPress(
            GoToTopic,
            lambda p, shown: isinstance(shown, TopicMap),
            lambda turn, p: topic_map.go_to(turn, p.topic),
        ),
        OnPress(
            NextTopic,
            _on_answers,
            lambda turn, p: session.next_topic(turn, p.topic, button=True, round_number=p.round),
        ),
        OnPress(
            RecordAgreement,
            _on_answers,
            lambda turn, p: agreements.ask_text(turn, p.topic, button=True),
        ),
        OnPress(
            NoteIssue, _on_answers, lambda turn, p: issues.ask_text(turn, p.topic, button=True)
        ),
        OnPress(
            RemindLater,
            lambda p, shown: isinstance(shown, StageRecap) and shown.later == p.stage,
            lambda turn, p: reminders.remind_later(turn, p.stage, p.months),
        ),
        OnPress(
            RemindFor,
            # Asked before the question kept its moment (0): the flow checks the moment.
            lambda p, shown: isinstance(shown, RemindQuestion) and shown.at in (0, p.at),
            lambda turn, p: reminders.remind_for(turn, p.stage, p.at),
            after=reminding.wake_for_next,  # "/remind in 1 minute" comes on time
        ),
        # Agreements and open issues.
        OnPress(
            Confirm,
            _on_proposal,
            lambda turn, p: agreements.confirm(turn, p.agreement, p.revision),
        ),
        OnPress(NotYet, _on_proposal, lambda turn, p: agreements.not_yet(turn, p.agreement)),
        OnPress(Withdraw, _on_proposal, lambda turn, p: agreements.withdraw(turn, p.agreement)),
        OnPress(Resolve, _on_issue, lambda turn, p: issues.resolve(turn, p.issue)),
        OnPress(
            IssueToAgreement,
            _on_issue,
            lambda turn, p: agreements.propose_from_issue(turn, p.issue),
        ),
        # Action items: who picks an open issue up and by when (on the question of who picks
        # which issue up), and how it went on the day (on that item's reminder).
        OnPress(
            MakeAction,
            lambda p, shown: isinstance(shown, IssueList) and p.issue in shown.ids,
            lambda turn, p: actions.make_action(turn, p.issue),
        ),
        OnPress(
            ActionOwner,
            lambda p, shown: isinstance(shown, ActionWalk) and p.issue in shown.ids,
            lambda turn, p: actions.choose_owner(turn, p.issue, p.owner),
        ),
        OnPress(
            ActionWhen,
            lambda p, shown: isinstance(shown, ActionWalk) and p.issue in shown.ids,
            lambda turn, p: actions.choose_when(turn, p.issue, p.span),
        ),
        OnPress(
            ActionStatus,
            lambda p, shown: isinstance(shown, ActionDue) and shown.issue == p.issue,
            lambda turn, p: actions.set_status(turn, p.issue, p.status),
        ),
        # Earlier agreements: still holds, change or drop.
        OnPress(
            StillHolds, _on_review, lambda turn, p: agreement_review.still_holds(turn, p.agreement)
        ),
        OnPress(
            ChangeAgreement, _on_review, lambda turn, p: agreement_review.change(turn, p.agreement)
        ),
        OnPress(
            DropAgreement, _on_review, lambda turn, p: agreement_review.drop(turn, p.agreement)
        ),
        # A reminder that came (start now, in a week, cancel), and the cancel buttons of
        # /reminders.
        OnPress(StartNow, _on_reminder, lambda turn, p: reminders.start_now(turn, p.reminder)),
        OnPress(Snooze, _on_reminder, lambda turn, p: reminders.snooze(turn, p.reminder)),
        OnPress(Dismiss, _on_reminder, lambda turn, p: reminders.dismiss(turn, p.reminder)),
        OnPress(
            CancelReminder,
            lambda p, shown: isinstance(shown, ReminderList) and p.reminder in shown.ids,
            lambda turn, p: reminders.cancel_pending(turn, p.reminder),
        ),
        # A check-up's Kept, Partly and Not kept (the flow checks that the agreement is in the
        # part of the check-up pressed).
        OnPress(
            MarkCheckup,
            lambda p, shown: isinstance(shown, CheckupPart) and shown.checkup == p.checkup,
            lambda turn, p: checkups.mark(turn, p.checkup, p.agreement, p.mark),
        ),
        # The export a long summary offers.
        OnPress(
            Export,
            # Offered by /export's question, and at the end of a stage, with its recap.
            lambda p, shown: isinstance(shown, ExportOffer | StageRecap),
            lambda turn, p: summary.file_command(turn, "export", button=True),
        ),
        # A position check's rating, in a private chat.
        OnPress(
            RatePosition,
            lambda p, shown: isinstance(shown, PositionQuestion) and shown.check == p.check,
            lambda turn, p: position.rate(turn, p.check, p.step, p.value),
            groups_only=False,
        ),
        # People's data: answer /forgetgroup's and /forgetme's questions.
        OnPress(
            ForgetGroupAnswer,
            lambda p, shown: isinstance(shown, ForgetGroupQuestion),
            lambda turn, p: privacy.forget_group(turn, p.erase),
        ),
        OnPress(
            ForgetMeAnswer,
            # One's own answer pressed on someone else's question is not an answer to it.
            lambda p, shown: isinstance(shown, ForgetMeQuestion) and shown.asker == p.asker,
            lambda turn, p: privacy.forget_me(turn, p.erase, p.asker),
            # /forgetme is asked in a private chat too (it keeps one's data out of the group).
            groups_only=False,
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
        # A reply to a nudge on a card is an answer too: people reply to what they see last.
        OnReply(Nudge, lambda turn, p, text: session.record_answer(turn, p.topic, text, p.round)),
        # The wording of an agreement: on a topic, for an open issue, or other wording for a
        # proposal.
        OnReply(AgreementPrompt, lambda turn, p, text: agreements.propose(turn, p.topic, text)),
        OnReply(
            IssueAgreementPrompt,
            lambda turn, p, text: agreements.propose_for_issue(turn, p.issue, text),
        ),
        OnReply(Proposal, lambda turn, p, text: agreements.reword(turn, p.agreement, text)),
        # A decided proposal: the reply is told it is no longer open.
        OnReply(Decided, lambda turn, p, text: agreements.reword(turn, p.agreement, text)),
        OnReply(
            ChangePrompt,
            lambda turn, p, text: agreement_review.change_worded(turn, p.agreement, text),
        ),
        # An open issue on a topic.
        OnReply(IssuePrompt, lambda turn, p, text: issues.record(turn, p.topic, text)),
        # An answer given privately: a reply to the topic's question in a private chat.
        OnReply(PrivatePrompt, lambda turn, p, text: private.take_answer(turn, p.topic, text)),
    )
}


async def on_button(update: Update, context: Context) -> None:
    """A press on any of the bot's buttons: its data read by the one codec and checked against
    the wheel here, against the message pressed and the database in its turn."""
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
    svc, chat_id, message_id = services(context), query.message.chat.id, query.message.message_id
    if await svc.store.read(lambda conn: bot_messages.purpose(conn, chat_id, message_id)) is None:
        # A quick press can arrive before the delivery of its message has recorded what that
        # message is: wait for the chat's delivery under way (the turn looks again).
        await svc.outbox.settled(chat_id)
    # A message too old for Telegram to show in full comes without its text.
    shown = query.message.text if isinstance(query.message, Message) else None
    await run_flow(update, context, route.bind(press, shown))
    if route.after is not None:
        await route.after(context.application)


async def on_reply(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: route it by what that message asked for."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    original = message.reply_to_message
    purpose = None
    if original.from_user is not None and original.from_user.id == context.bot.id:
        purpose = await _purpose_of(context, original)
    route = REPLIES.get(type(purpose)) if purpose is not None else None
    if purpose is None or route is None:
        if not in_group(update):
            # In a private chat a reply to anything else is a text message like any other:
            # perhaps the answer to the question asked there (answering privately).
            text = message.text
            await run_flow(update, context, lambda turn: private.take_next(turn, text))
        return  # in a group, the message waits for no reply
    await run_flow(update, context, route.bind(purpose, message.text))


async def _purpose_of(context: Context, original: Message) -> Purpose | None:
    """What a message of the bot is for, as remembered when it was delivered."""
    svc, chat_id, asked_in, asked = (
        services(context),
        original.chat_id,
        original.message_id,
        original.text,
    )

    def by_id(conn: Tx) -> Coroutine[Any, Any, tuple[str, str] | None]:
        return bot_messages.purpose(conn, chat_id, asked_in)

    if await svc.store.read(by_id) is None:
        # A quick reply can arrive before the delivery of the message it answers has recorded
        # what that message is for: wait for the chat's delivery under way, then look again.
        await svc.outbox.settled(chat_id)
    return await svc.store.read(lambda conn: remembered(conn, chat_id, asked_in, asked))


async def remembered(conn: Tx, chat_id: int, message_id: int, text: str | None) -> Purpose | None:
    """What a message of the bot is for, as remembered when it was delivered; for a message
    whose id never came back (the first copy of a message a crash made us send again), as the
    copy with its text was remembered."""
    found = await bot_messages.purpose(conn, chat_id, message_id)
    if found is None:
        found = await outbox.purpose_of_copy(conn, chat_id, text)
    return purposes.read(*found) if found is not None else None
