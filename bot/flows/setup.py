"""Set-up of a group: name the two partner organisations, then everyone picks their side
(``newcomers.py`` takes the side, or asks a colleague once the group has started)."""

from __future__ import annotations

from bot.db import chats, partners
from bot.domain.buttons import ChooseSide, Facilitate, ResetAnswer
from bot.domain.permissions import Action
from bot.domain.purposes import PartnerName, RenamePrompt, ResetQuestion, Sides
from bot.flows import gate, position, session
from bot.flows.common import (
    MAX_NAME,
    anonymous,
    answered_once,
    clean_text,
    facilitated_by,
    not_set_up,
    refuse,
    same_name,
    set_up_chat,
    text_problem,
    yes_or_no,
)
from bot.flows.turn import Turn, known_chat
from bot.render.messages import Button, Msg, Reply, Result, lines, msg, reply


def name_prompt(slot: int) -> Reply:
    """Ask for the name of partner ``slot`` as a message to reply to."""
    question = (
        msg("What is the name of the <b>first</b> partner organisation?")
        if slot == 1
        else msg("And what is the name of the <b>second</b> partner organisation?")
    )
    return Reply(
        parts=(question, msg("Reply to this message with the name.")),
        force_reply=True,
        placeholder=msg("Name of the organisation"),
        remember=PartnerName(slot).pack(),
    )


async def sides_message(turn: Turn, edit: int | None = None) -> Reply:
    """Show who represents which partner, with a button per partner to join it."""
    names = await partners.names(turn.conn, turn.chat_id)
    members = await partners.representatives(turn.conn, turn.chat_id)
    sides: list[Msg] = []
    for slot, name in names.items():
        people = ", ".join(m.name for m in members if m.slot == slot)
        if people:
            sides.append(msg("<b>{partner}</b>: {people}", partner=name, people=people))
        else:
            sides.append(msg("<b>{partner}</b>: nobody yet", partner=name))
    facilitators = await partners.facilitators(turn.conn, turn.chat_id)
    if facilitators:
        sides.append(facilitated_by([m.name for m in facilitators]))
    parts = (
        msg("<b>Who represents which organisation?</b> Tap your organisation."),
        lines(*sides),
    )
    buttons = (
        tuple(Button(name, ChooseSide(slot).pack()) for slot, name in names.items()),
        # For the person who set the group up and represents neither partner.
        (Button(msg("Facilitate (neither partner)"), Facilitate().pack()),),
    )
    return Reply(parts=parts, buttons=buttons, remember=Sides().pack(), edit=edit)


async def start(turn: Turn) -> Result:
    """``/start`` in a group: begin the set-up, or pick up where the group is."""
    chat = await known_chat(turn)
    if chat.setup_step == "none":
        return await _begin(turn)
    if chat.setup_step == "partner-1":
        return Result(replies=(name_prompt(1),))
    if chat.setup_step == "partner-2":
        return Result(replies=(name_prompt(2),))
    if chat.setup_step == "members":
        return Result(replies=(await sides_message(turn),))
    return await session.resume(turn)


async def _begin(turn: Turn) -> Result:
    """Begin the set-up of a group that has none: its runner is the person who began it."""
    if turn.actor.user_id is None:
        return refuse(anonymous(), button=False)
    await partners.set_setup(turn.conn, turn.chat_id, "partner-1", turn.stamp, turn.actor.user_id)
    await chats.set_thread(turn.conn, turn.chat_id, turn.where.thread_id)
    intro = reply(
        msg("Welcome to the <b>Impact through Collaboration</b> wheel!"),
        msg(
            "We'll go through the wheel together, one topic at a time. First I need to know "
            "who is at the table."
        ),
    )
    return Result(replies=(intro, name_prompt(1)))


async def partner_named(turn: Turn, slot: int, text: str | None) -> Result:
    """A reply to a name prompt: store the name and ask for the next one, or for sides."""
    message_id = turn.message_id
    chat = await known_chat(turn)
    if turn.actor.user_id is None:
        return refuse(anonymous(), button=False, reply_to=message_id)
    problem = text_problem(text, limit=MAX_NAME)
    if problem is not None:
        return Result(replies=(reply(problem, reply_to=message_id), name_prompt(slot)))
    name = clean_text(text)
    assert name is not None
    expected = {"partner-1": 1, "partner-2": 2}.get(chat.setup_step)
    if expected != slot:
        # An old set-up question: the names are chosen; renaming goes through /rename.
        return Result(
            replies=(
                reply(
                    msg("That question has already been answered."),
                    msg("To rename an organisation, send /rename."),
                    reply_to=message_id,
                ),
            )
        )
    return await _store_name(turn, slot, name, renaming=False)


async def partner_renamed(turn: Turn, slot: int, asker: int, text: str | None) -> Result:
    """A reply to the prompt of ``/rename``: only the person who asked answers it."""
    message_id = turn.message_id
    chat = await known_chat(turn)
    if turn.actor.user_id != asker or not chat.partners_named:
        return Result(
            replies=(
                reply(
                    msg("This question is for the person who asked to rename."),
                    reply_to=message_id,
                ),
            )
        )
    problem = text_problem(text, limit=MAX_NAME)
    if problem is not None:
        return Result(replies=(reply(problem, reply_to=message_id),))
    name = clean_text(text)
    assert name is not None
    return await _store_name(turn, slot, name, renaming=True)


async def _store_name(turn: Turn, slot: int, name: str, *, renaming: bool) -> Result:
    message_id = turn.message_id
    names = await partners.names(turn.conn, turn.chat_id)
    if any(same_name(n, name) for s, n in names.items() if s != slot):
        return Result(
            replies=(
                reply(msg("The two organisations need different names."), reply_to=message_id),
                *(() if renaming else (name_prompt(slot),)),
            )
        )
    await partners.set_name(turn.conn, turn.chat_id, slot, name)
    if renaming:
        return Result(
            replies=(
                reply(msg("Renamed to <b>{partner}</b>.", partner=name), reply_to=message_id),
            )
        )
    if slot == 1:
        await partners.set_setup(turn.conn, turn.chat_id, "partner-2", turn.stamp)
        return Result(replies=(name_prompt(2),))
    await partners.set_setup(turn.conn, turn.chat_id, "members", turn.stamp)
    return Result(replies=(await sides_message(turn),))


async def show_partners(turn: Turn) -> Result:
    """``/partners``: show the sides again, with the buttons to join or change side."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    return Result(replies=(await sides_message(turn),))


async def rename(turn: Turn, args: list[str]) -> Result:
    """``/rename 1|2``: ask for a new name of a partner (set-up runner and admins only)."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    refused = await gate.check(turn, Action.RENAME, button=False, chat=chat)
    if refused is not None:
        return refused
    asker = turn.actor.user_id
    assert asker is not None  # the gate refuses who cannot be told apart
    names = await partners.names(turn.conn, turn.chat_id)
    slot = int(args[0]) if args and args[0] in ("1", "2") else None
    if slot is None:
        listing = "\n".join(f"{s}. {n}" for s, n in names.items())
        return Result(
            replies=(
                reply(
                    msg("Which organisation do you want to rename? Send /rename 1 or /rename 2."),
                    msg("{listing}", listing=listing),
                ),
            )
        )
    prompt = Reply(
        parts=(
            msg(
                "What is the new name of <b>{partner}</b>? Reply to this message.",
                partner=names[slot],
            ),
        ),
        force_reply=True,
        placeholder=msg("Name of the organisation"),
        # The answer is taken only from the person who asked to rename.
        remember=RenamePrompt(slot, asker).pack(),
    )
    return Result(replies=(prompt,))


async def ask_reset(turn: Turn) -> Result:
    """``/reset``: ask to confirm starting the set-up again."""
    chat = await known_chat(turn)
    if chat.setup_step == "none":
        return refuse(not_set_up(), button=False)
    refused = await gate.check(turn, Action.RESET, button=False, chat=chat)
    if refused is not None:
        return refused
    return yes_or_no(
        msg(
            "Start the set-up again? The partner names and who represents whom are "
            "cleared; answers, agreements and open issues are kept."
        ),
        msg("Yes, start again"),
        ResetAnswer,
        ResetQuestion(),
    )


async def reset(turn: Turn, clear: bool) -> Result:
    """The answer to the question of ``/reset``: Yes clears the set-up and asks for the first
    name again; No keeps it, and the question says so."""
    message_id = turn.message_id
    chat = await known_chat(turn)
    refused = await gate.check(turn, Action.RESET, button=True, chat=chat) or await answered_once(
        turn, ResetQuestion
    )
    if refused is not None:
        return refused
    if not clear:
        kept = reply(
            msg("The set-up stays as it is. Send /status to see where you are."), edit=message_id
        )
        return Result(replies=(kept,), notice=msg("Nothing changed."))
    if chat.setup_step == "none":
        return Result(notice=msg("The set-up was already cleared."))
    await partners.reset(turn.conn, turn.chat_id, turn.stamp)
    await position.reset(turn.conn, turn.chat_id)
    started = await _begin(turn)  # the turn's chat is as it was before the reset
    closed = reply(msg("{name} started the set-up again.", name=turn.actor.name), edit=message_id)
    return Result(replies=(closed, *started.replies), notice=started.notice)
