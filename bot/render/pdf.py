"""The document partners keep and forward to their boards: a group's record as a PDF.

``export_pdf`` lays out one ``GroupRecord`` in the group's language: a title with both partners,
an overview (agreements, proposals, open issues, topics discussed) and the wheel picture on the
first page, then stage by stage every topic that has something recorded, with who answered, agreed
or noted what, for which organisation and when; a stage visited more than once shows the latest
round's answers first and each earlier round's answers after them, marked with round and date. Topics with nothing recorded are named in one
line under their stage ("Skipped: …", "Not discussed yet: …"): a board sees the whole wheel without
pages of empty headings. A4, one column, dark text on white: it has to survive a black-and-white
printer and a phone screen alike.

It is pure (no Telegram calls, no database, no module state): the bot runs it in its drawing
process (``bot.render.worker``), so that the seconds of layout a full record takes, all of them
holding the GIL, do not hold up the bot.

Every character people typed comes through. DejaVu Sans has the accents of every Latin script but
few emoji, so the monochrome Noto Emoji font (bundled, SIL OFL) is a fallback font: the 🤝 in an
agreement prints as a handshake in the colour of the text, also on a black-and-white printer (Noto
Color Emoji is ten times the size, and its pictures fade to grey there). A character neither font has (an
emoji newer than the font, a script DejaVu lacks) is replaced by its Unicode name in brackets, e.g.
"[cjk unified ideograph-4e2d]": visibly there, never silently dropped, as fpdf2 would do with only
a log line. Invisible joiners and variation selectors that no font has are left out: they draw
nothing anyway. Without text shaping (it would need HarfBuzz), an emoji sequence such as a family
or a flag prints as its parts side by side.

fpdf2 embeds only the glyphs used (subsets), so a record is tens of kilobytes plus the picture,
far below Telegram's 50 MB for a document.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from PIL import Image

from bot.domain.history import Step
from bot.domain.position import domain_means
from bot.domain.record import (
    AgreementEntry,
    GroupRecord,
    IssueEntry,
    Person,
    TopicRecord,
    TopicState,
)
from bot.domain.wheel import Wheel, load_wheel
from bot.flows.actions import action_line
from bot.flows.board import progress_line
from bot.flows.checkups import PRINTED_ICON, both_marks
from bot.flows.common import shown_name
from bot.i18n import Translator
from bot.ops.resources import wheel_file
from bot.render import html
from bot.render.messages import Joined, Msg, Raw, listing, msg, plural_msg, wheel_text
from bot.render.picture.draw import STATE_COLOURS

FONTS = Path(__file__).resolve().parent / "fonts"
#: Font families inside the PDF. The text is DejaVu Sans Condensed: it fits a tenth more words
#: on a line than DejaVu Sans and reads as well at these sizes.
TEXT = "text"
EMOJI = "emoji"
FONT_FILES = {
    (TEXT, ""): "DejaVuSansCondensed.ttf",
    (TEXT, "B"): "DejaVuSansCondensed-Bold.ttf",
    (EMOJI, ""): "NotoEmoji-Regular.ttf",
}

# A4 portrait, in millimetres.
MARGIN = 20.0
FOOTER = 18.0  # from the bottom edge to the footer's rule
INDENT = 5.0  # of the text of an answer, agreement or issue under its label
NO_BREAK = "\u00a0"

Colour = tuple[int, int, int]
# Near-black text, grey for what frames it, and one colour per kind of entry, dark enough to
# tell apart from the text also when printed in grey.
INK: Colour = (33, 37, 41)
MUTED: Colour = (108, 117, 125)
RULE: Colour = (206, 212, 218)
ACCENT: Colour = (22, 86, 110)
#: The bars beside agreements and beside open issues and proposals: the colours of the wheel
#: picture, so that the document speaks one language of colour.
AGREED_BAR: Colour = STATE_COLOURS[TopicState.AGREED]
OPEN_BAR: Colour = STATE_COLOURS[TopicState.OPEN_ISSUE]
#: Their labels: the same hues, darkened to read as text on white (4.5:1 or more).
AGREED: Colour = (0, 112, 82)
OPEN: Colour = (150, 96, 0)


@dataclass(frozen=True, slots=True)
class Look:
    """How a kind of text is set: size in points, weight, colour and line spacing."""

    size: float
    bold: bool = False
    colour: Colour = INK
    leading: float = 1.45

    @property
    def line(self) -> float:
        """The height of one line in millimetres."""
        return self.size * self.leading * 25.4 / 72


TITLE = Look(22, bold=True, leading=1.25)
INTRO = Look(11)
SECTION = Look(12.5, bold=True, colour=ACCENT, leading=1.4)
ITEM = Look(10.5, bold=True)
STAGE = Look(18, bold=True, colour=ACCENT, leading=1.3)
SUBTITLE = Look(11, colour=MUTED)
TOPIC = Look(13, bold=True, leading=1.4)
DOMAIN = Look(10, colour=MUTED, leading=1.4)
QUESTION = Look(10, colour=MUTED)
LABEL = Look(9, bold=True, leading=1.35)
WHEN = Look(9, colour=MUTED, leading=1.35)
BODY = Look(10.5)
META = Look(8.5, colour=MUTED)
NOTE = Look(9.5, colour=MUTED)
SMALL = Look(8, colour=MUTED)


def export_pdf(
    record: GroupRecord,
    t: Translator,
    picture: bytes | None,
    *,
    wheel: Wheel | None = None,
    position: bytes | None = None,
) -> bytes:
    """Lay out ``record`` in ``t``'s language as a PDF, with the wheel ``picture`` (PNG bytes)
    on the first page when given, and a last page "Where we stand" when the group did position
    checks (with the ``position`` picture, when given).

    ``wheel`` names the stages and domains; by default it is read from the wheel file.
    """
    layout = _Layout(record, t, wheel or load_wheel(wheel_file()))
    try:
        return layout.build(picture, position)
    finally:
        # fpdf2 memoises glyph look-ups in a process-wide functools.cache on SubsetMap's methods
        # and clears it only in output(): an export that fails before then would leave its fonts
        # (megabytes) there for good. Clearing is safe while another export runs: a look-up is
        # recomputed with the same result.
        SubsetMap.pick.cache_clear()
        SubsetMap.get_glyph.cache_clear()


def source_line() -> Msg:
    """The credit to the instrument, on the picture and in the export."""
    return msg(
        "Based on the Impact through Collaboration wheel, de Bell &amp; Bakker 2024, "
        "HU University of Applied Sciences Utrecht"
    )


def say(t: Translator, message: Msg | Raw | Joined | str) -> str:
    """A message as plain text: render escapes for Telegram's HTML, a PDF wants the characters."""
    return html.plain_text(html.text(t, message))


def person(p: Person) -> Msg | str:
    """Who someone is in the record: "Anna (Werkplaats Zuid)", or "a representative of …" for
    someone who asked to be forgotten."""
    if p.name and p.partner:
        return msg("{name} ({partner})", name=p.name, partner=p.partner)
    if p.partner:
        return msg("a representative of {partner}", partner=p.partner)
    return shown_name(p.name)


@dataclass(frozen=True, slots=True)
class Counts:
    """The overview's numbers."""

    agreements: int
    proposals: int
    issues: int
    discussed: int
    topics: int


def counts(record: GroupRecord) -> Counts:
    """Count what the record holds; topics discussed in the latest round of their stage count
    as everywhere else (``GroupRecord.progress``)."""
    return Counts(
        agreements=sum(len(r.confirmed) for r in record.topics),
        proposals=sum(len(r.pending) for r in record.topics),
        issues=sum(len(r.issues) for r in record.topics),
        discussed=sum(p.discussed for p in record.progress().values()),
        topics=len(record.topics),
    )


def has_content(r: TopicRecord) -> bool:
    """Whether a topic has anything to show: an answer (of any round), an agreement or
    proposal (also a dropped one), an issue."""
    return bool(r.answers or r.agreements or r.issues or r.dropped or r.earlier or r.resolved)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One answer, agreement, proposal or open issue, ready to set."""

    label: str
    #: The date beside an answer's author; agreements and issues say theirs in ``meta``.
    when: str
    text: str
    meta: str
    #: The label's colour.
    colour: Colour
    #: The colour of the bar beside it (the wheel's), or None for none.
    bar: Colour | None = None


class _Pdf(FPDF):
    """fpdf2's document with our footer: the partners on the left, the page number on the right.

    Only the footer lives here (fpdf2 calls it on every page); the layout is ``_Layout``'s, so
    that no name of ours can shadow one of fpdf2's.
    """

    def __init__(self, left: str, right: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_left = left
        #: With ``{page}`` for the page number and fpdf2's ``{nb}`` alias for the page count.
        self.footer_right = right

    def footer(self) -> None:
        self.set_y(-FOOTER)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)
        self.set_font(TEXT, "", SMALL.size)
        self.set_text_color(*SMALL.colour)
        half = self.epw / 2
        self.cell(half, SMALL.line, self.footer_left, align=Align.L)
        page = self.footer_right.replace("{page}", str(self.page_no()))
        self.cell(half, SMALL.line, page, align=Align.R)


class _Layout:
    """One export: sets the record on the pages of a ``_Pdf``, in the translator's language."""

    def __init__(self, record: GroupRecord, t: Translator, wheel: Wheel) -> None:
        self.record = record
        self.t = t
        self.wheel = wheel
        partners = msg("{first} and {second}", first=record.partners[1], second=record.partners[2])
        # The page count is known only at the end: fpdf2 puts it in place of its "{nb}" alias.
        page = msg("Page {page} of {total}", page="{page}", total="{nb}")
        pdf = _Pdf(say(t, partners), say(t, page))
        for (family, style), name in FONT_FILES.items():
            pdf.add_font(family, style, str(FONTS / name))
        # Bold text falls back on the regular face for a character only it has, then on emoji.
        pdf.set_fallback_fonts([TEXT, EMOJI], exact_match=False)
        #: Every code point some bundled font can draw; anything else is named instead.
        # Only the bundled TrueType fonts are added (no core fonts), and each has a cmap.
        ttf = [f for f in pdf.fonts.values() if isinstance(f, TTFFont)]
        self.drawable: frozenset[int] = frozenset().union(*(f.cmap for f in ttf))
        pdf.footer_left = self.printable(pdf.footer_left)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        # No padding inside cells: text lines up with the rules and tiles at the margins.
        pdf.c_margin = 0
        pdf.set_auto_page_break(True, margin=FOOTER + 8)
        pdf.set_title(pdf.footer_left)
        pdf.set_subject(self.printable(say(t, source_line())))
        pdf.set_lang(t.language)
        # The record's own moment, so the same record makes the same file.
        pdf.set_creation_date(record.made_at.astimezone(dt.UTC))
        self.pdf = pdf

    # Text ---------------------------------------------------------------------------------------

    def say(self, message: Msg | Raw | str) -> str:
        return self.printable(say(self.t, message))

    def printable(self, text: str) -> str:
        """``text`` with the characters the fonts can draw; each other one named in brackets."""
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
        out = []
        for char in text:
            category = unicodedata.category(char)
            if char == "\n" or ord(char) in self.drawable:
                out.append(char)
            elif char in "\u2028\u2029\x0b\x0c":
                out.append("\n")
            elif category in ("Cc", "Zs"):
                out.append(" ")
            elif category in ("Cf", "Mn", "Me"):
                continue  # draws nothing by itself: a joiner, a variation selector
            else:
                name = unicodedata.name(char, f"U+{ord(char):04X}")
                out.append(f"[{name.lower()}]")
        return "".join(out)

    @contextmanager
    def look(self, look: Look) -> Iterator[None]:
        self.pdf.set_font(TEXT, "B" if look.bold else "", look.size)
        self.pdf.set_text_color(*look.colour)
        try:
            yield
        finally:
            self.pdf.set_text_color(*INK)

    def paragraph(self, text: str, look: Look, *, indent: float = 0.0, after: float = 0.0) -> None:
        """Text from the left margin plus ``indent``, wrapped, its own line breaks kept."""
        pdf = self.pdf
        with self.look(look):
            pdf.set_x(pdf.l_margin + indent)
            pdf.multi_cell(
                w=pdf.epw - indent,
                h=look.line,
                text=text,
                align=Align.L,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        if after:
            pdf.ln(after)

    def height(self, text: str, look: Look, *, indent: float = 0.0) -> float:
        """How tall ``paragraph`` would set ``text``, without setting it."""
        pdf = self.pdf
        with self.look(look):
            lines = pdf.multi_cell(
                w=pdf.epw - indent,
                h=look.line,
                text=text,
                align=Align.L,
                dry_run=True,
                output=MethodReturnValue.LINES,
            )
        # With output=LINES, multi_cell returns the lines (its annotation covers every output).
        assert isinstance(lines, list)
        return len(lines) * look.line

    def inline(self, *parts: tuple[str, Look]) -> None:
        """Pieces of text in different looks on one line (wrapping if they must), then a break."""
        height = max(look.line for _, look in parts)
        for text, look in parts:
            with self.look(look):
                self.pdf.write(height, text)
        self.pdf.ln(height)

    def rule(self, colour: Colour = RULE, width: float = 0.3) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*colour)
        pdf.set_line_width(width)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` millimetres still fit: keeps a block together."""
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()

    # The document -------------------------------------------------------------------------------

    def build(self, picture: bytes | None, position: bytes | None = None) -> bytes:
        self.pdf.add_page()
        self.board_page()
        if picture is not None:
            self.pdf.add_page()
            self.wheel_page(picture)
        self.pdf.add_page()
        for stage in self.wheel.stages:
            self.stage(stage.id)
        if self.record.positions:
            self.where_we_stand(position)
        return bytes(self.pdf.output())

    def where_we_stand(self, position: bytes | None) -> None:
        """The position checks: per domain, each organisation's average per check, dated (the
        trajectory), then the picture of the latest check with the earlier ones faint."""
        self.pdf.add_page()
        self.paragraph(self.say(msg("Where we stand")), STAGE)
        intro = msg(
            "At each position check both organisations rated twelve statements from 1 "
            "(transactional: an exchange) to 4 (transformational: creating more together). "
            "Per domain, each organisation's average, check by check."
        )
        self.paragraph(self.say(intro), SUBTITLE, after=2)
        self.rule(ACCENT, 0.6)
        self.pdf.ln(4)
        names = self.record.partners
        for domain in self.wheel.domains:
            self.keep(TOPIC.line + 2 + len(self.record.positions) * BODY.line)
            self.paragraph(self.say(wheel_text(domain.name)), TOPIC, after=1)
            for view in self.record.positions:
                means = {slot: domain_means(view.scores[slot]).get(domain.id) for slot in (1, 2)}
                shown = {
                    slot: self.t.number(round(value, 1)) if value is not None else "–"
                    for slot, value in means.items()
                }
                line = msg(
                    "{date}: {first} {a} · {second} {b}",
                    date=view.at.date(),
                    first=names.get(1, ""),
                    a=shown[1],
                    second=names.get(2, ""),
                    b=shown[2],
                )
                self.paragraph(self.say(line), BODY, indent=INDENT)
            self.pdf.ln(3)
        if position is not None:
            self.pdf.ln(4)
            self.picture(position)

    def board_page(self) -> None:
        """What a board reads first: who, when, how far, what was agreed, what is still open and
        who picks it up, what was resolved, when the partners look again, and where they stand."""
        self.paragraph(self.title(), TITLE, after=3)
        intro = msg(
            "What both organisations agreed and what is still open, where they stand on the "
            "wheel, and topic by topic what each of them answered."
        )
        self.paragraph(self.say(intro), INTRO, after=1.5)
        self.paragraph(self.say(source_line()), NOTE, after=1)
        if self.record.facilitators:
            # Named as neither partner: the record is the partners', the facilitator steered.
            facilitated = msg(
                "Facilitated by {names}, independent of both partners.",
                names=listing(*self.record.facilitators),
            )
            self.paragraph(self.say(facilitated), NOTE, after=1)
        prepared = msg("Prepared on {date}", date=self.record.made_at.date())
        self.paragraph(self.say(prepared), NOTE, after=1)
        discussed = msg(
            "Topics discussed: {progress}",
            progress=progress_line(self.wheel, self.record.progress()),
        )
        self.paragraph(self.say(discussed), NOTE)
        self.pdf.ln(4)
        self.agreements_list()
        self.open_list()
        self.resolved_list()
        self.next_review()
        self.latest_position()

    def section(self, heading: Msg, first: float) -> None:
        """A heading on the first page, kept with ``first`` millimetres of what follows it."""
        text = self.say(heading)
        self.keep(self.height(text, SECTION) + 2.5 + first)
        self.pdf.ln(3)
        self.paragraph(text, SECTION, after=0.5)
        self.rule()
        self.pdf.ln(2)

    def item(self, head: str, text: str, meta: str, bar: Colour | None = None) -> None:
        """One entry of a list on the first page: its head (a number and a topic) in bold and
        the text as typed on the same line, who or when in small print under it; a bar in the
        wheel's colour beside it."""
        pdf = self.pdf
        self.keep(self.item_height(head, text, meta))
        page, top = pdf.page, pdf.get_y()
        left = pdf.l_margin
        # The text wraps under itself, not under the bar: a margin for the item's length.
        pdf.set_left_margin(left + INDENT)
        try:
            pdf.set_x(left + INDENT)
            with self.look(ITEM):
                pdf.write(BODY.line, head + "  ")
            with self.look(BODY):
                pdf.write(BODY.line, text)
            pdf.ln(BODY.line + 0.3)
            if meta:
                self.paragraph(meta, META)
        finally:
            pdf.set_left_margin(left)
        if bar is not None and pdf.page == page:
            pdf.set_draw_color(*bar)
            pdf.set_line_width(1.2)
            pdf.line(left + 1.2, top + 0.6, left + 1.2, pdf.get_y() - 0.4)
        pdf.ln(2)

    def item_height(self, head: str, text: str, meta: str) -> float:
        meta_height = self.height(meta, META, indent=INDENT) if meta else 0.0
        # The bold head is a little wider than the same words set regular: one line spare.
        return self.height(f"{head}  {text}", BODY, indent=INDENT) + 0.3 + meta_height + 2

    def topic_name(self, r: TopicRecord) -> str:
        return self.say(wheel_text(r.topic.name))

    def agreements_list(self) -> None:
        """Every confirmed agreement, numbered, with its topic and its next check-up."""
        agreed = [(r, a) for r in self.record.topics for a in r.confirmed]
        n = counts(self.record)
        heading = msg("Agreements ({n})", n=n.agreements)
        if not agreed:
            self.section(heading, NOTE.line)
            self.paragraph(self.say(msg("No agreements yet.")), NOTE)
            return
        rows = []
        for number, (r, a) in enumerate(agreed, 1):
            head = self.say(msg("{n}. {topic}", n=number, topic=wheel_text(r.topic.name)))
            when = msg("Confirmed on {date}.", date=(a.confirmed_at or a.proposed_at).date())
            if a.review_due is not None:
                when = msg(
                    "Confirmed on {date}; next check-up by {due}.",
                    date=(a.confirmed_at or a.proposed_at).date(),
                    due=a.review_due,
                )
            rows.append((head, self.printable(a.text), self.say(when)))
        self.section(heading, self.item_height(*rows[0]))
        for row in rows:
            self.item(*row, bar=AGREED_BAR)

    def open_list(self) -> None:
        """Open issues with their action items (who picks them up, by when), and proposals
        waiting for the other organisation: what is still to be settled."""
        rows = []
        for r in self.record.topics:
            for i in r.issues:
                rows.append(
                    (
                        self.say(wheel_text(r.topic.name)),
                        self.printable(i.text),
                        self.issue_meta(i),
                    )
                )
            for a in r.pending:
                other = next(
                    (
                        name
                        for name in self.record.partners.values()
                        if name != a.proposed_by.partner
                    ),
                    "",
                )
                meta = msg(
                    "Proposal of {date}, waiting for confirmation by {other}.",
                    date=a.proposed_at.date(),
                    other=other,
                )
                rows.append((self.topic_name(r), self.printable(a.text), self.say(meta)))
        heading = msg("Open issues and proposals ({n})", n=len(rows))
        if not rows:
            self.section(heading, NOTE.line)
            self.paragraph(self.say(msg("Nothing open.")), NOTE)
            return
        numbered = [
            (self.say(msg("{n}. {topic}", n=k, topic=head)), text, meta)
            for k, (head, text, meta) in enumerate(rows, 1)
        ]
        self.section(heading, self.item_height(*numbered[0]))
        for row in numbered:
            self.item(*row, bar=OPEN_BAR)

    def issue_meta(self, i: IssueEntry) -> str:
        """Its action item (who picks it up, by when), or when it was noted."""
        if i.action is not None:
            return self.say(
                action_line(self.record.partners, i.action.owner, i.action.due, i.action.status)
            )
        return self.say(
            msg("Noted on {date}; no one has picked it up yet.", date=i.raised_at.date())
        )

    def resolved_list(self) -> None:
        """The open issues that were resolved, newest first, with the day."""
        done = sorted(
            ((r, i) for r in self.record.topics for i in r.resolved),
            key=lambda pair: pair[1].resolved_at or pair[1].raised_at,
            reverse=True,
        )
        if not done:
            return
        rows = [
            (
                self.topic_name(r),
                self.printable(i.text),
                self.say(msg("Resolved on {date}.", date=(i.resolved_at or i.raised_at).date())),
            )
            for r, i in done
        ]
        self.section(msg("Resolved ({n})", n=len(rows)), self.item_height(*rows[0]))
        for row in rows:
            self.item(*row)

    def next_review(self) -> None:
        """When the partners look again: a reminder they set or a check-up, whichever first."""
        found = self.record.next_review()
        if found is None:
            line: Msg = msg("No date set yet: no reminder and no check-up.")
        elif found.stage is not None and found.checkups:
            line = plural_msg(
                "{date}: {stage} again (your reminder), with the check-up of {n} agreement.",
                "{date}: {stage} again (your reminder), with the check-up of {n} agreements.",
                found.checkups,
                date=found.day,
                stage=wheel_text(self.wheel.stage(found.stage).name),
                n=found.checkups,
            )
        elif found.stage is not None:
            line = msg(
                "{date}: {stage} again (your reminder).",
                date=found.day,
                stage=wheel_text(self.wheel.stage(found.stage).name),
            )
        else:
            line = plural_msg(
                "{date}: the check-up of {n} agreement.",
                "{date}: the check-up of {n} agreements.",
                found.checkups,
                date=found.day,
                n=found.checkups,
            )
        text = self.say(line)
        self.section(msg("Next review"), self.height(text, BODY))
        self.paragraph(text, BODY)

    def latest_position(self) -> None:
        """The latest position check: per domain, each organisation's average on the scale."""
        if not self.record.positions:
            return
        view = self.record.positions[-1]
        names = self.record.partners
        intro = self.say(
            msg(
                "Position check of {date}, from 1 (transactional) to 4 (transformational):",
                date=view.at.date(),
            )
        )
        lines = []
        for domain in self.wheel.domains:
            means = {slot: domain_means(view.scores[slot]).get(domain.id) for slot in (1, 2)}
            shown = {
                slot: self.t.number(round(value, 1)) if value is not None else "–"
                for slot, value in means.items()
            }
            lines.append(
                self.say(
                    msg(
                        "{domain}: {first} {a} · {second} {b}",
                        domain=wheel_text(domain.name),
                        first=names.get(1, ""),
                        a=shown[1],
                        second=names.get(2, ""),
                        b=shown[2],
                    )
                )
            )
        self.section(msg("Where we stand"), self.height(intro, NOTE) + len(lines) * BODY.line + 1)
        self.paragraph(intro, NOTE, after=1)
        for line in lines:
            self.paragraph(line, BODY, indent=INDENT)

    def wheel_page(self, picture: bytes) -> None:
        """The wheel on a page of its own, under a heading that says how to read it."""
        self.paragraph(self.say(msg("The wheel")), STAGE)
        key = msg(
            "From the outside in: {first}, {second}, {third}. Each topic in the colour of where "
            "you stand on {date}.",
            first=wheel_text(self.wheel.stages[0].name),
            second=wheel_text(self.wheel.stages[1].name),
            third=wheel_text(self.wheel.stages[2].name),
            date=self.record.made_at.date(),
        )
        self.paragraph(self.say(key), SUBTITLE, after=2)
        self.rule(ACCENT, 0.6)
        self.pdf.ln(6)
        self.picture(picture)

    def title(self) -> str:
        """Both partners' names, each kept on one line where it fits one: a break inside a name
        ("Bakkerij Müller &" above "Zonen") reads as if it were two."""
        names = {}
        with self.look(TITLE):
            for slot in (1, 2):
                name = self.printable(self.record.partners[slot])
                fits = self.pdf.get_string_width(name) <= self.pdf.epw
                names[slot] = name.replace(" ", NO_BREAK) if fits else name
        return self.say(msg("{first} and {second}", first=names[1], second=names[2]))

    def picture(self, png: bytes) -> None:
        """The wheel, centred, as large as the rest of the first page allows."""
        pdf = self.pdf
        with Image.open(io.BytesIO(png)) as image:
            ratio = image.height / image.width
        width = min(pdf.epw, (pdf.page_break_trigger - pdf.get_y()) / ratio)
        x = pdf.l_margin + (pdf.epw - width) / 2
        pdf.image(io.BytesIO(png), x=x, y=pdf.get_y(), w=width)
        pdf.set_y(pdf.get_y() + width * ratio)

    def stage(self, stage_id: str) -> None:
        """A stage's heading, the topics it has nothing on, then each topic that has something."""
        stage = self.wheel.stage(stage_id)
        records = self.record.stage(stage_id)
        shown = [r for r in records if has_content(r)]
        skipped = [r for r in records if not has_content(r) and r.state is TopicState.SKIPPED]
        not_yet = [r for r in records if not has_content(r) and r not in skipped]
        notes = []
        if skipped:
            notes.append(self.say(msg("Skipped: {topics}", topics=self.names(skipped))))
        if not_yet:
            notes.append(self.say(msg("Not discussed yet: {topics}", topics=self.names(not_yet))))
        name = self.say(wheel_text(stage.name))
        subtitle = self.say(wheel_text(stage.subtitle))
        # The heading stays with its notes and the start of its first topic.
        self.keep(
            self.height(name, STAGE)
            + self.height(subtitle, SUBTITLE)
            + 10
            + sum(self.height(note, NOTE) + 1.5 for note in notes)
            + (self.topic_keep(shown[0]) + 4 if shown else 0.0)
        )
        self.paragraph(name, STAGE)
        self.paragraph(subtitle, SUBTITLE, after=2)
        self.rule(ACCENT, 0.6)
        self.pdf.ln(4)
        for note in notes:
            self.paragraph(note, NOTE, after=1.5)
        self.pdf.ln(4)
        for r in shown:
            self.topic(r)
        self.pdf.ln(6)

    def names(self, records: list[TopicRecord]) -> str:
        return ", ".join(self.say(wheel_text(r.topic.name)) for r in records)

    def topic(self, r: TopicRecord) -> None:
        """A topic's name, domain and question, then its answers, agreements and open issues."""
        entries = self.entries(r)
        self.keep(self.topic_keep(r, entries))
        name = self.say(wheel_text(r.topic.name))
        domain = self.say(wheel_text(self.wheel.domain(r.topic.domain).name))
        self.inline((name, TOPIC), (f"  ·  {domain}", DOMAIN))
        self.pdf.ln(0.5)
        self.paragraph(self.say(wheel_text(r.topic.question)), QUESTION, after=3)
        for entry in entries:
            self.entry(entry)
        self.pdf.ln(1)
        self.rule()
        self.pdf.ln(5)

    def topic_keep(self, r: TopicRecord, entries: list[_Entry] | None = None) -> float:
        """What of a topic must share the page it starts on: a short topic whole, to be read in
        one go; a longer one may break between its entries (a page kept for it would leave half
        a page empty), but its heading stays with its first entry."""
        entries = self.entries(r) if entries is None else entries
        whole = self.heading_height(r) + sum(self.entry_height(e) for e in entries)
        return whole if whole <= self.pdf.eph / 4 else self.topic_start_height(r, entries)

    def heading_height(self, r: TopicRecord) -> float:
        question = self.say(wheel_text(r.topic.question))
        return TOPIC.line + 0.5 + self.height(question, QUESTION) + 3

    def topic_start_height(self, r: TopicRecord, entries: list[_Entry] | None = None) -> float:
        """The height of a topic's heading, question and first entry: what must not part."""
        entries = self.entries(r) if entries is None else entries
        return self.heading_height(r) + (self.entry_start_height(entries[0]) if entries else 0)

    def entries(self, r: TopicRecord) -> list[_Entry]:
        """What was recorded on a topic, in the order a reader weighs it: who answered what,
        what they agreed on, what waits for confirmation, and what is still open."""
        result = []
        # A round's date once, beside its first answer, and again only where a later answer
        # came on another day: a date on every line is noise.
        said: set[tuple[int, dt.date]] = set()

        def when(number: int, at: dt.datetime) -> str:
            if (number, at.date()) in said:
                return ""
            said.add((number, at.date()))
            if not r.earlier:
                return self.t.date(at)
            # Beside earlier rounds, the current one is named too.
            return self.say(msg("round {number}, {date}", number=number, date=at.date()))

        for a in r.answers:
            result.append(
                _Entry(self.who(a.by), when(r.round, a.at), self.printable(a.text), "", INK)
            )
        for earlier in r.earlier:
            for a in earlier.answers:
                result.append(
                    _Entry(
                        self.who(a.by),
                        when(earlier.number, a.at),
                        self.printable(a.text),
                        "",
                        MUTED,
                    )
                )
        for agreement in (*r.confirmed, *r.pending):
            proposed = msg(
                "Proposed by {proposer} on {proposed}.",
                proposer=person(agreement.proposed_by),
                proposed=agreement.proposed_at.date(),
            )
            if agreement.status != "confirmed":
                label, meta, colour = msg("Proposal, waiting for confirmation"), proposed, OPEN
            elif agreement.confirmed_by is None or agreement.confirmed_at is None:
                label, meta, colour = msg("Agreement"), proposed, AGREED
            else:
                label, colour = msg("Agreement"), AGREED
                meta = msg(
                    "Proposed by {proposer} on {proposed}, confirmed by {confirmer} on "
                    "{confirmed}.",
                    proposer=person(agreement.proposed_by),
                    proposed=agreement.proposed_at.date(),
                    confirmer=person(agreement.confirmed_by),
                    confirmed=agreement.confirmed_at.date(),
                )
            shown = "\n".join(self.say(line) for line in (meta, *self.checkup_lines(agreement)))
            result.append(
                _Entry(
                    self.say(label),
                    "",
                    self.printable(agreement.text),
                    self.history(agreement, shown),
                    colour,
                    AGREED_BAR if colour == AGREED else OPEN_BAR,
                )
            )
        for agreement in r.dropped:
            # Let lapse by both: no longer an agreement, its history kept, in the text colour.
            result.append(
                _Entry(
                    self.say(msg("Dropped agreement")),
                    "",
                    self.printable(agreement.text),
                    self.history(agreement, ""),
                    INK,
                )
            )
        for i in r.issues:
            meta = msg(
                "Noted by {person} on {date}.", person=person(i.raised_by), date=i.raised_at.date()
            )
            shown = self.say(meta)
            if i.action is not None:
                action = action_line(
                    self.record.partners, i.action.owner, i.action.due, i.action.status
                )
                shown += "\n" + self.say(action)
            result.append(
                _Entry(
                    self.say(msg("Open issue")), "", self.printable(i.text), shown, OPEN, OPEN_BAR
                )
            )
        for i in r.resolved:
            # Kept, with its day: what was settled, and when, is news to a board.
            lines = [
                msg(
                    "Noted by {person} on {date}.",
                    person=person(i.raised_by),
                    date=i.raised_at.date(),
                )
            ]
            if i.resolved_at is not None:
                lines.append(
                    msg(
                        "Resolved by {person} on {date}.",
                        person=person(i.resolved_by),
                        date=i.resolved_at.date(),
                    )
                    if i.resolved_by is not None
                    else msg("Resolved on {date}.", date=i.resolved_at.date())
                )
            if i.action is not None:
                lines.append(
                    action_line(
                        self.record.partners, i.action.owner, i.action.due, i.action.status
                    )
                )
            result.append(
                _Entry(
                    self.say(msg("Resolved issue")),
                    "",
                    self.printable(i.text),
                    "\n".join(self.say(line) for line in lines),
                    INK,
                )
            )
        return result

    def checkup_lines(self, agreement: AgreementEntry) -> list[Msg]:
        """An agreement's check-up history, oldest first, and the date of its next check-up."""
        found = [
            msg(
                "Check-up of {date}: {marks}",
                date=checkup.day,
                marks=both_marks(self.record.partners, dict(checkup.marks), PRINTED_ICON),
            )
            for checkup in agreement.checkups
        ]
        if agreement.status == "confirmed" and agreement.review_due is not None:
            found.append(msg("Next check-up by {date}.", date=agreement.review_due))
        return found

    def who(self, p: Person) -> str:
        who = self.say(person(p))
        if not p.name:
            # "a representative of …" opens a line here, so it starts with a capital.
            who = who[:1].upper() + who[1:]
        return who

    def history(self, agreement: AgreementEntry, meta: str) -> str:
        """``meta`` followed by what became of the agreement, a line per step, newest first."""
        steps = [
            self.say(msg("Dropped on {date}.", date=e.on.date()))
            if e.step is Step.DROPPED
            else self.say(msg("Changed on {date}; was: “{text}”", date=e.on.date(), text=e.text))
            for e in agreement.history
        ]
        return "\n".join([meta, *steps] if meta else steps)

    def entry_height(self, e: _Entry) -> float:
        meta = self.height(e.meta, META, indent=INDENT) + 0.8 if e.meta else 0.0
        return LABEL.line + 0.5 + self.height(e.text, BODY, indent=INDENT) + 0.8 + meta + 2.7

    def entry_start_height(self, e: _Entry) -> float:
        """What of an entry must share the page it starts on: all of it, unless it is long (a
        4096-character answer fills most of a page); then its label and first lines."""
        whole = self.entry_height(e)
        return whole if whole <= self.pdf.eph / 3 else LABEL.line + 5 * BODY.line

    def entry(self, e: _Entry) -> None:
        """One answer, agreement, proposal or issue: who or what, the text as typed, who and when."""
        pdf = self.pdf
        self.keep(self.entry_start_height(e))
        label = (e.label, Look(LABEL.size, bold=True, colour=e.colour, leading=LABEL.leading))
        if e.when:
            self.inline(label, (f"  ·  {e.when}", WHEN))
        else:
            self.inline(label)
        pdf.ln(0.5)
        page, top = pdf.page, pdf.get_y()
        self.paragraph(e.text, BODY, indent=INDENT, after=0.8)
        if e.meta:
            self.paragraph(e.meta, META, indent=INDENT, after=0.8)
        if e.bar is not None and pdf.page == page:
            # A bar in the wheel's colour beside what was agreed, proposed or left open, so that
            # someone leafing through finds them; answers go without.
            pdf.set_draw_color(*e.bar)
            pdf.set_line_width(0.8)
            pdf.line(pdf.l_margin + 1.2, top + 0.3, pdf.l_margin + 1.2, pdf.get_y() - 1.1)
        pdf.ln(2.7)
