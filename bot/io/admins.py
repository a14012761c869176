"""Whether a person is an administrator of a group: asked from Telegram (``getChatMember``) and
kept for a minute, so a burst of presses does not become a burst of Bot API calls."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

log = logging.getLogger(__name__)

#: How long an answer is trusted: a demoted administrator loses their say within a minute.
KEEP_SECONDS = 60.0


class AdminCache:
    """Administrators per (chat, user), each answer kept for ``KEEP_SECONDS``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._known: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        now = self._clock()
        known = self._known.get((chat_id, user_id))
        if known is not None and now - known[0] < KEEP_SECONDS:
            return known[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.info("Could not ask whether a member is an administrator: %s", exc)
            return False
        answer = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
        # Forget what is stale, so the cache does not grow with every group ever seen.
        self._known = {k: v for k, v in self._known.items() if now - v[0] < KEEP_SECONDS}
        self._known[(chat_id, user_id)] = (now, answer)
        return answer
