"""The files partners take away, made when the outbox delivers them: the wheel picture
(``wheel``) and the export (``export``), from the group's record as it is at that moment, in the
group's language. The record is read here, in the bot's process, where the database is; the
files are drawn in the drawing process (``bot.render.drawing``), so other groups keep getting
answers meanwhile.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.db import Store, chats
from bot.db.tx import Tx
from bot.domain.record import GroupRecord, read_record
from bot.domain.wheel import Wheel
from bot.i18n import Translator
from bot.io.outbox import NothingToSend
from bot.render import html
from bot.render.drawing import DrawingFailed, DrawingProcess
from bot.render.messages import msg

#: What ``FileMaker`` makes, and the extension of each.
EXTENSIONS = {"wheel": "png", "export": "pdf", "position": "png"}


@dataclass(frozen=True, slots=True)
class FileMaker:
    """Makes the file an outbox entry stands for: ``(chat id, what) -> (file name, bytes)``."""

    store: Store
    wheel: Wheel
    translators: dict[str, Translator]
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    drawing: DrawingProcess = field(default_factory=DrawingProcess)

    async def __call__(self, chat_id: int, what: str) -> tuple[str, bytes]:
        if what not in EXTENSIONS:
            raise ValueError(f"no such file: {what}")
        record = await self.record(chat_id)
        try:
            content = await self.drawing.make(what, record, self.wheel)
        except DrawingFailed as exc:
            # Trying again would fail again, and must not hold up the chat's next entries.
            raise NothingToSend(str(exc)) from exc
        return file_name(record, self.translators[record.language], EXTENSIONS[what]), content

    async def close(self) -> None:
        """Stop the drawing process, if a file started it."""
        await self.drawing.close()

    async def no_files_here(self, chat_id: int) -> str:
        """What to say when the group allows the bot no photos or files (HTML)."""
        chat = await self.store.read(lambda conn: chats.get(conn, chat_id))
        t = self.translators[chat.language if chat else "en"]
        return html.text(
            t,
            msg(
                "I'm not allowed to send pictures or files in this group. An administrator can "
                "allow it in the group's permissions; /summary shows the same in a message."
            ),
        )

    async def record(self, chat_id: int) -> GroupRecord:
        now = self.clock()

        async def read(conn: Tx) -> GroupRecord:
            chat = await chats.get(conn, chat_id)
            if chat is None or not chat.partners_named:
                # Erased or set up anew since the file was asked for: no partners to name.
                raise NothingToSend("the group is no longer set up")
            return await read_record(conn, self.wheel, chat_id, now)

        # Read in one call: the summary of a moment, not of several.
        return await self.store.read(read)


def file_name(record: GroupRecord, t: Translator, extension: str) -> str:
    """``Impact-wheel De Brug & Van Dam 2026-11-24.pdf``: the partners and the day, in a name
    every system accepts (no slashes or other characters file systems refuse)."""
    names = " & ".join(record.partners.get(slot, "") for slot in (1, 2))
    safe = " ".join(re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", names).split()) or "wheel"
    word = html.plain_text(html.text(t, msg("Impact wheel")))
    return f"{word} {safe[:80]} {record.made_at.date().isoformat()}.{extension}"
