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
from bot.domain.record import AgreementEntry, GroupRecord, Person, TopicRecord, TopicState
from bot.domain.wheel import Wheel, load_wheel
from bot.flows.actions import action_line
from bot.flows.checkups import PRINTED_ICON, both_marks
from bot.flows.common import shown_name
from bot.i18n import Translator
from bot.ops.resources import wheel_file
from bot.render import html
from bot.render.messages import Msg, Raw, listing, msg, plural_msg, wheel_text

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
TILE: Colour = (241, 243, 245)
ACCENT: Colour = (22, 86, 110)
AGREED: Colour = (25, 110, 60)
PROPOSED: Colour = (160, 100, 0)
ISSUE: Colour = (176, 42, 55)


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
NUMBER = Look(20, bold=True, colour=ACCENT)
CAPTION = Look(8.5, leading=1.3)
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


def say(t: Translator, message: Msg | Raw | str) -> str:
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
    return bool(r.answers or r.agreements or r.issues or r.dropped or r.earlier)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One answer, agreement, proposal or open issue, ready to set."""

    label: str
    #: The date beside an answer's author; agreements and issues say theirs in ``meta``.
    when: str
    text: str
    meta: str
    #: The label's colour; entries not in the text colour get a bar beside them.
    colour: Colour


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
        self.cover(picture)
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

    def cover(self, picture: bytes | None) -> None:
        self.paragraph(self.title(), TITLE, after=3)
        intro = msg(
            "The record of their conversation along the Impact through Collaboration wheel: what "
            "each partner answered, what they agreed on and what is still open, topic by topic."
        )
        self.paragraph(self.say(intro), INTRO, after=1.5)
        if self.record.facilitators:
            # Named as neither partner: the record is the partners', the facilitator steered.
            facilitated = msg(
                "Facilitated by {names}, on behalf of neither partner.",
                names=listing(*self.record.facilitators),
            )
            self.paragraph(self.say(facilitated), NOTE, after=1)
        self.paragraph(self.say(msg("Made on {date}", date=self.record.made_at.date())), NOTE)
        self.pdf.ln(7)
        self.overview()
        if picture is not None:
            self.pdf.ln(8)
            self.picture(picture)
            # Title, numbers and wheel make a cover page; the stages start on a page of their own.
            self.pdf.add_page()
        else:
            self.pdf.ln(10)

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

    def overview(self) -> None:
        """Four tiles: agreements, proposals waiting, open issues, topics discussed."""
        pdf = self.pdf
        n = counts(self.record)
        # TRANSLATORS: captions under the big numbers of the PDF's overview: "3 | agreements".
        agreements = plural_msg("agreement", "agreements", n.agreements)
        # TRANSLATORS: a caption under a big number in the PDF's overview.
        proposals = plural_msg(
            "proposal waiting for confirmation", "proposals waiting for confirmation", n.proposals
        )
        # TRANSLATORS: a caption under a big number in the PDF's overview.
        issues = plural_msg("open issue", "open issues", n.issues)
        # TRANSLATORS: a caption under a big number: "5 | of the 21 topics discussed".
        discussed = msg("of the {total} topics discussed", total=n.topics)
        tiles = (
            (n.agreements, agreements),
            (n.proposals, proposals),
            (n.issues, issues),
            (n.discussed, discussed),
        )
        gap, height, pad = 4.0, 25.0, 3.5
        width = (pdf.epw - gap * (len(tiles) - 1)) / len(tiles)
        top = pdf.get_y()
        pdf.set_fill_color(*TILE)
        for i, (number, caption) in enumerate(tiles):
            x = pdf.l_margin + i * (width + gap)
            pdf.rect(x, top, width, height, style="F")
            with self.look(NUMBER):
                pdf.set_xy(x + pad, top + pad)
                pdf.cell(width - 2 * pad, 9, self.t.number(number))
            with self.look(CAPTION):
                pdf.set_xy(x + pad, top + 13)
                pdf.multi_cell(width - 2 * pad, CAPTION.line, self.say(caption), align=Align.L)
        pdf.set_xy(pdf.l_margin, top + height)

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
            + (self.topic_start_height(shown[0]) + 4 if shown else 0.0)
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
        # A short topic stays on one page, to be read in one go; a long one may break between its
        # entries, but its heading stays with its first entry.
        whole = self.heading_height(r) + sum(self.entry_height(e) for e in entries)
        self.keep(whole if whole <= self.pdf.eph / 2 else self.topic_start_height(r, entries))
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
        for a in r.answers:
            when = self.t.date(a.at)
            if r.earlier:  # beside earlier rounds, the current one is named too
                when = self.say(msg("round {number}, {date}", number=r.round, date=a.at.date()))
            result.append(_Entry(self.who(a.by), when, self.printable(a.text), "", INK))
        for earlier in r.earlier:
            for a in earlier.answers:
                when = self.say(
                    msg("round {number}, {date}", number=earlier.number, date=a.at.date())
                )
                result.append(_Entry(self.who(a.by), when, self.printable(a.text), "", MUTED))
        for agreement in (*r.confirmed, *r.pending):
            proposed = msg(
                "Proposed by {proposer} on {proposed}.",
                proposer=person(agreement.proposed_by),
                proposed=agreement.proposed_at.date(),
            )
            if agreement.status != "confirmed":
                label, meta, colour = msg("Proposal, waiting for confirmation"), proposed, PROPOSED
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
                _Entry(self.say(msg("Open issue")), "", self.printable(i.text), shown, ISSUE)
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
        if e.colour != INK and pdf.page == page:
            # A bar in the label's colour beside what was agreed, proposed or left open, so that
            # someone leafing through finds them; answers go without.
            pdf.set_draw_color(*e.colour)
            pdf.set_line_width(0.8)
            pdf.line(pdf.l_margin + 1.2, top + 0.3, pdf.l_margin + 1.2, pdf.get_y() - 1.1)
        pdf.ln(2.7)
