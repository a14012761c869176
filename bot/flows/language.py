"""Who may change a chat's language: in a group that is set up, its representatives; before the
set-up, anyone who writes as themselves; in a private chat, the person."""

from __future__ import annotations

from bot.domain.permissions import Action
from bot.domain.purposes import LanguageQuestion
from bot.flows import gate, welcome
from bot.flows.common import anonymous, answered_once, refuse, stale_button
from bot.flows.turn import Turn
from bot.i18n import LANGUAGES
from bot.render.messages import Reply, Result


async def _refusal(turn: Turn, *, button: bool) -> Result | None:
    if not turn.where.is_group:
        return None
    if turn.actor.user_id is None:
        return refuse(anonymous(), button=button)
    if turn.chat is None or not turn.chat.partners_named:
        return None
    found = await gate.member(turn, Action.LANGUAGE, button=button)
    return found if isinstance(found, Result) else None


async def language_command(turn: Turn, argument: str | None) -> list[Reply] | Result:
    """``/language [nl|en]``: showing the choice is for anyone; changing it is not."""
    if argument:
        refused = await _refusal(turn, button=False)
        if refused is not None:
            return refused
    return await welcome.language(turn, argument)


async def language_button(turn: Turn, choice: str) -> list[Reply] | Result:
    """A language button: the question is answered once, and becomes the confirmation (a
    double tap confirms once)."""
    if choice not in LANGUAGES:  # a language the bot no longer speaks
        return Result(notice=stale_button(), alert=True)
    refused = await _refusal(turn, button=True) or await answered_once(turn, LanguageQuestion)
    if refused is not None:
        return refused
    return await welcome.set_language(turn, choice, edit=turn.message_id)
