"""A newcomer's briefing: what someone who joined after the start needs to catch up, privately.

A colleague's *Confirm* (``newcomers.py``) puts a *Read the briefing* button on the request's
message: a start deep link whose payload is a random token naming the request
(``links.kind = 'briefing'``). Opened in a private chat by the newcomer, while they represent a
partner of the group (``Who.NEWCOMER``), it sends the digest in the private chat's language, split
where Telegram's 4,096 characters end: who is at the table and where the group stands (as
``/status`` says it), the current agreements with their check-up dates, the proposals waiting
and the open issues with their action items (as ``/summary`` lists them, without the
agreements the partners let lapse), the last position check when both organisations rated, and
how the bot works. Anyone else who opens the link, or the newcomer once they no longer
represent a partner there, is refused with a word on what to do.
"""

from __future__ import annotations

import dataclasses

from bot.db import chats, partners
from bot.db import newcomers as requests
from bot.db import position as position_sql
from bot.domain.permissions import Action
from bot.domain.record import read_record
from bot.flows import gate, position, session, summary
from bot.flows.board import local_date
from bot.flows.common import refuse
from bot.flows.turn import Turn, for_group, known_chat
from bot.render.messages import Joined, Msg, Result, lines, msg, reply


async def open_briefing(turn: Turn, chat_id: int, request_id: int) -> Result:
    """A briefing link opened in a private chat: the digest, for its newcomer only."""
    await known_chat(turn)
    request = await requests.get(turn.conn, request_id)
    group = await chats.get(turn.conn, chat_id)
    if (
        request is None
        or group is None
        or request.chat_id != chat_id
        or request.status != "confirmed"
        or not group.partners_named
    ):
        return refuse(unknown_link(), button=False)
    refused = await gate.check(turn, Action.BRIEFING, button=False, newcomer=request)
    if refused is not None:
        return refused
    seen = for_group(turn, group)
    names = await partners.names(turn.conn, chat_id)
    member = await partners.member(turn.conn, chat_id, request.user_id)
    # The gate let only them through, while they represent a partner.
    assert member is not None
    assert member.slot is not None
    parts: list[Msg | Joined] = [
        msg(
            "<b>Briefing</b> for {name}: welcome! You represent {partner} in the group of "
            "{first} and {second}. This is where the group stands, what it has agreed and what "
            "is still open.",
            name=request.name,
            partner=names.get(member.slot, ""),
            first=names.get(1, ""),
            second=names.get(2, ""),
        ),
        *await session.status_parts(seen, group),
    ]
    record = await read_record(turn.conn, turn.wheel, chat_id, turn.now)
    # What the partners agree on now: agreements they let lapse are history, not a briefing's.
    current = dataclasses.replace(
        record, topics=tuple(dataclasses.replace(r, dropped=()) for r in record.topics)
    )
    recorded = summary.summary_parts(current, turn.wheel, None, heading=False)
    if recorded is None:
        parts.append(msg("Nothing recorded yet: no agreements and no open issues."))
    else:
        parts.extend([msg("<b>Agreements and open issues</b>"), *recorded])
    parts.extend(await _last_check(turn, chat_id, names, group.timezone))
    parts.append(how_it_works())
    return Result(replies=(reply(*parts),))


async def _last_check(
    turn: Turn, chat_id: int, names: dict[int, str], timezone: str
) -> list[Msg | Joined]:
    """The last position check both organisations rated: when, and its largest differences."""
    revealed = await position_sql.revealed(turn.conn, chat_id)
    if not revealed:
        return []
    last = revealed[-1]
    ratings = await position_sql.ratings(turn.conn, last.id)
    day = local_date(last.revealed_at or last.started_at, timezone)
    return [
        lines(
            msg("<b>Last position check</b>, {date}", date=day),
            position.differences_part(turn.wheel, names, ratings),
        )
    ]


def how_it_works() -> Joined:
    """The bot in a few lines, for someone who joins halfway."""
    return lines(
        msg("<b>How it works</b>"),
        msg(
            "• Each topic comes as a card in the group: reply to the card with your answer (on "
            "a phone: swipe left on it). I only see commands, buttons and replies to my own "
            "messages."
        ),
        msg(
            "• Once both organisations have answered, I put the answers side by side, with "
            "buttons to propose an agreement or note an open issue. An agreement counts once "
            "the other organisation has confirmed it."
        ),
        msg("• <i>Ready</i> moves on to the next topic: one press from each organisation."),
        msg("• /private on lets everyone answer privately first: a blind round."),
        msg("• /status shows where you are, /summary what you recorded, /help everything else."),
    )


def unknown_link() -> Msg:
    return msg(
        "This link does not work (any more). If a colleague confirmed you in the group, tap "
        "<i>Read the briefing</i> there."
    )
