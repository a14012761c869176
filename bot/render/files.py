"""The files partners take away, made when the outbox delivers them: the wheel picture
(``wheel``) and the export (``export``), from the group's record as it is at that moment, in the
group's language. Drawing happens in a worker thread, so other groups keep getting answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.db import Store, chats
from bot.db.tx import Tx
from bot.domain.record import GroupRecord, TopicState, read_record
from bot.domain.wheel import Wheel
from bot.i18n import Translator
from bot.io.outbox import NothingToSend
from bot.render import html, pdf, picture
from bot.render.messages import Msg, msg

#: The legend of the picture, per topic state.
STATE_WORDS: dict[TopicState, Msg] = {
    TopicState.AGREED: msg("Agreed"),
    TopicState.AGREED_AND_OPEN: msg("Agreed, with an open issue"),
    TopicState.OPEN_ISSUE: msg("Open issue"),
    TopicState.ANSWERED: msg("Answered"),
    TopicState.SKIPPED: msg("Skipped"),
    TopicState.NOT_YET: msg("Not discussed yet"),
}


@dataclass(frozen=True, slots=True)
class FileMaker:
    """Makes the file an outbox entry stands for: ``(chat id, what) -> (file name, bytes)``."""

    store: Store
    wheel: Wheel
    translators: dict[str, Translator]
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    async def __call__(self, chat_id: int, what: str) -> tuple[str, bytes]:
        record = await self.record(chat_id)
        t = self.translators[record.language]
        drawn = await asyncio.to_thread(draw, record, self.wheel, t)
        if what == "wheel":
            return file_name(record, t, "png"), drawn
        if what == "export":
            document = await asyncio.to_thread(pdf.export_pdf, record, t, drawn, wheel=self.wheel)
            return file_name(record, t, "pdf"), document
        raise ValueError(f"no such file: {what}")

    async def no_files_here(self, chat_id: int) -> str:
        """What to say when the group allows the bot no photos or files (HTML)."""
        chat = await self.store.read(lambda conn: chats.get(conn, chat_id))
        t = self.translators[chat.language if chat else "en"]
        return html.text(
            t,
            msg(
                "I may not send pictures or files in this group. An administrator can allow "
                "it in the group's permissions; /summary shows the same in a message."
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


def labels(record: GroupRecord, wheel: Wheel, t: Translator) -> picture.WheelLabels:
    """Every word on the picture, in the group's language."""

    def say(message: Msg) -> str:
        return html.plain_text(html.text(t, message))

    return picture.WheelLabels(
        title=say(
            msg(
                "{first} and {second}",
                first=record.partners.get(1, ""),
                second=record.partners.get(2, ""),
            )
        ),
        subtitle=say(msg("Impact through Collaboration – {date}", date=record.made_at.date())),
        stages={s.id: t.gettext(s.name) for s in wheel.stages},
        domains={d.id: t.gettext(d.name) for d in wheel.domains},
        topics={topic.id: t.gettext(topic.name) for topic in wheel.topics},
        states={state: say(words) for state, words in STATE_WORDS.items()},
    )


def draw(record: GroupRecord, wheel: Wheel, t: Translator) -> bytes:
    """The wheel picture of a record (PNG)."""
    return picture.draw_wheel(record, labels(record, wheel, t))


def file_name(record: GroupRecord, t: Translator, extension: str) -> str:
    """``Impact-wheel De Brug & Van Dam 2026-11-24.pdf``: the partners and the day, in a name
    every system accepts (no slashes or other characters file systems refuse)."""
    names = " & ".join(record.partners.get(slot, "") for slot in (1, 2))
    safe = " ".join(re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", names).split()) or "wheel"
    word = html.plain_text(html.text(t, msg("Impact wheel")))
    return f"{word} {safe[:80]} {record.made_at.date().isoformat()}.{extension}"
