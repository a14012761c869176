"""What runs in the drawing process: the wheel picture (Pillow) and the export (fpdf2), made from a
group's record that the bot's process read and sent here (``bot.render.drawing``).

Laying out a whole record takes fpdf2 about two seconds of pure Python. Here it holds this
process's GIL, not the bot's, so other groups keep getting their answers meanwhile.

``start`` runs once when the process starts; ``make`` makes one file. The catalogs are loaded
here (a ``Translator`` cannot be pickled); the record and the wheel come with each file.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from functools import cache
from multiprocessing.connection import wait

from bot.domain.position import components
from bot.domain.record import GroupRecord, TopicState
from bot.domain.wheel import Wheel
from bot.i18n import Translator, load_translators
from bot.ops.resources import locales_dir
from bot.render import html, pdf, picture
from bot.render.messages import Msg, Raw, msg, wheel_text
from bot.render.picture import position as position_picture

#: How much lower the drawing process's CPU priority is than the bot's (``nice``): on a
#: machine with one core, the answers go first.
NICENESS = 10

#: The legend of the picture, per topic state.
#: The legend of the picture, per topic state: in the words of /topics and /status, where
#: "answered" means answered by both organisations and a topic only one has answered is not
#: discussed yet.
STATE_WORDS: dict[TopicState, Msg] = {
    TopicState.AGREED: msg("Agreed"),
    # TRANSLATORS: the legend of the wheel picture: a topic with an agreement and something open.
    TopicState.AGREED_AND_OPEN: msg("Agreed, with an open issue or proposal"),
    # TRANSLATORS: the legend of the wheel picture: an open issue, or a proposal not confirmed.
    TopicState.OPEN_ISSUE: msg("Open issue or proposal"),
    TopicState.ANSWERED: msg("Answered by both, nothing recorded yet"),
    TopicState.SKIPPED: msg("Skipped"),
    TopicState.NOT_YET: msg("Not discussed yet (or answered by one organisation only)"),
}


def start() -> None:
    """Get the process ready for its first file, and tie it to the bot's process."""
    # The bot stops this process (when it stops, or when it gives up on a file); a Ctrl-C in
    # the terminal or systemd's SIGTERM to the whole service must not end a file half made.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _leave_with_parent()
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    translators()
    picture.warm_up()  # the fonts' character tables, read before the first picture


def make(what: str, record: GroupRecord, wheel: Wheel) -> bytes:
    """The file ``what`` (``wheel``: a PNG, ``export``: a PDF, ``position``: the picture of the
    position checks, a PNG) of ``record``, in its language."""
    t = translators()[record.language]
    if what == "position":
        return draw_position(record, wheel, t)
    if what == "wheel":
        return draw(record, wheel, t)
    if what == "export":
        # Under the page's own heading: the picture without its title.
        drawn = draw(record, wheel, t, header=False)
        position = draw_position(record, wheel, t) if record.positions else None
        return pdf.export_pdf(record, t, drawn, wheel=wheel, position=position)
    raise ValueError(f"no such file: {what}")


@cache
def translators() -> dict[str, Translator]:
    """The catalogs of every language, loaded once per process."""
    return load_translators(locales_dir())


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
        # As in the catalog, with the soft hyphens where a long name may break in its segment.
        topics={topic.id: t.gettext(topic.name) for topic in wheel.topics},
        states={state: say(words) for state, words in STATE_WORDS.items()},
        source=say(pdf.source_line()),
    )


def draw(record: GroupRecord, wheel: Wheel, t: Translator, *, header: bool = True) -> bytes:
    """The wheel picture of a record (PNG); without ``header``, without its title."""
    return picture.draw_wheel(record, labels(record, wheel, t), header=header)


def position_labels(
    record: GroupRecord, wheel: Wheel, t: Translator
) -> position_picture.PositionLabels:
    """Every word on the position picture, in the group's language."""

    def say(message: Msg | Raw) -> str:
        return html.plain_text(html.text(t, message))

    latest = record.positions[-1].at.date() if record.positions else record.made_at.date()
    earlier = [view.at.date() for view in record.positions[:-1]]
    return position_picture.PositionLabels(
        title=say(msg("Where does our collaboration stand?")),
        subtitle=say(
            msg(
                "{first} and {second} – {date}",
                first=record.partners.get(1, ""),
                second=record.partners.get(2, ""),
                date=latest,
            )
        ),
        partners={slot: record.partners.get(slot, "") for slot in (1, 2)},
        # Through wheel_text: the names lose the soft hyphens only the wheel picture breaks at.
        domains={d.id: say(wheel_text(d.name)) for d in wheel.domains},
        components={c.id: say(wheel_text(c.name)) for c in components()},
        low=say(msg("transactional")),
        high=say(msg("transformational")),
        earlier=say(msg("earlier: {date}", date=earlier[-1])) if earlier else "",
        gap=say(msg("difference")),
        spread=say(msg("spread among colleagues")),
        unknown=say(msg("don't know")),
        decimal=t.number(1.5)[1],
    )


def draw_position(record: GroupRecord, wheel: Wheel, t: Translator) -> bytes:
    """The picture of the position checks (PNG): the latest in full, earlier ones faintly."""
    return position_picture.draw_position(record.positions, position_labels(record, wheel, t))


def _leave_with_parent() -> None:
    """Exit the moment the bot's process is gone, even when it was SIGKILLed and could not stop
    this one: its end of a pipe closes then, which ``parent_process().sentinel`` reports."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()
