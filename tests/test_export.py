"""The PDF export: what partners forward to their boards says everything, in their language.

The tests read the text back out of the PDF the way a viewer does: through each font's ToUnicode
map, which fpdf2 writes uncompressed next to the compressed page contents. A small reader here
keeps the tests offline and free of a PDF library; it knows fpdf2's output (literal strings of
two-byte glyph codes, one ``Td`` per line or piece of a line), not every PDF.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageDraw

from bot.domain.record import AnswerEntry, GroupRecord, Person, TopicState
from bot.i18n import Translator, load_translators
from bot.ops.resources import locales_dir
from bot.render.pdf import counts, export_pdf
from tests.support.records import FIRST, SECOND, at, sample_record

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*)\r?\nendstream", re.S)
_TEXT_OP = re.compile(
    rb"/(F\d+)\s+[\d.]+\s+Tf"  # choose a font
    rb"|([\d.]+)\s+([\d.]+)\s+Td"  # move to a line (or a piece of one)
    rb"|\(((?:\\.|[^\\)])*)\)\s*Tj"  # show a string
    rb"|(?<![^\s])([qQ])(?=\s)",  # save or restore the graphics state, the font with it
    re.S,
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclasses.dataclass
class Pdf:
    """What a test needs from a PDF: its objects, its text page by page, its size."""

    data: bytes
    objects: dict[int, bytes]
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def body(self) -> str:
        """The text without the footers, so that a text running over a page break reads on."""
        return "\n".join(page.rsplit("\n", 1)[0] for page in self.pages)

    @property
    def flat(self) -> str:
        """The text with every run of white space as one space: wrapping does not matter."""
        return " ".join(self.text.replace("\u00a0", " ").split())


def stream(body: bytes) -> bytes:
    match = _STREAM.search(body)
    assert match, body[:200]
    raw = match.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body.split(b"stream", 1)[0] else raw


def unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        if literal[i : i + 1] == b"\\":
            following = literal[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(following, following)
            i += 2
        else:
            out += literal[i : i + 1]
            i += 1
    return bytes(out)


def to_unicode(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's glyph codes and the text they stand for (fpdf2 writes bfchar)."""
    pairs = re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", cmap.split(b"beginbfchar", 1)[1])
    return {
        int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs
    }


def read(data: bytes) -> Pdf:
    objects = {int(n): body for n, body in _OBJECT.findall(data)}
    fonts: dict[str, dict[int, str]] = {}
    for body in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font = objects[int(ref)]
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
            assert unicode_ref, font
            fonts[name.decode()] = to_unicode(stream(objects[int(unicode_ref.group(1))]))
    kids = re.search(
        rb"/Kids \[(.*?)\]", next(b for b in objects.values() if b"/Type /Pages" in b), re.S
    )
    assert kids
    pages = []
    for ref in re.findall(rb"(\d+) 0 R", kids.group(1)):
        contents = re.search(rb"/Contents (\d+) 0 R", objects[int(ref)])
        assert contents
        pages.append(page_text(stream(objects[int(contents.group(1))]), fonts))
    return Pdf(data, objects, pages)


def page_text(content: bytes, fonts: dict[str, dict[int, str]]) -> str:
    lines: list[str] = []
    font: dict[int, str] = {}
    saved: list[dict[int, str]] = []
    y = None
    for name, _x, new_y, literal, state in _TEXT_OP.findall(content):
        if name:
            font = fonts[name.decode()]
        elif new_y:
            if new_y != y:
                lines.append("")
            y = new_y
        elif state == b"q":
            saved.append(font)
        elif state == b"Q":
            font = saved.pop()
        else:
            codes = unescape(literal)
            lines[-1] += "".join(
                font[int.from_bytes(codes[i : i + 2], "big")] for i in range(0, len(codes), 2)
            )
    return "\n".join(lines)


def png(width: int = 1200, height: int = 1400) -> bytes:
    """A stand-in for the wheel picture: rings on white."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, colour in enumerate(("#16566e", "#2a7f9e", "#7fb8cc")):
        r = width // 2 - 40 - i * 150
        draw.ellipse((width // 2 - r, height // 2 - r, width // 2 + r, height // 2 + r), colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def translators() -> dict[str, Translator]:
    return load_translators(locales_dir())


@pytest.fixture(scope="module")
def picture() -> bytes:
    return png()


@pytest.fixture(scope="module")
def exported(translators: dict[str, Translator], picture: bytes) -> dict[str, Pdf]:
    """The sample record exported once per language, with the picture."""
    return {
        language: read(export_pdf(sample_record(language), translators[language], picture))
        for language in ("nl", "en")
    }


def replace_topic(record: GroupRecord, topic_id: str, **changes: object) -> GroupRecord:
    topics = tuple(
        dataclasses.replace(r, **changes) if r.topic.id == topic_id else r for r in record.topics
    )
    return dataclasses.replace(record, topics=topics)


# The reader itself ---------------------------------------------------------------------------


def test_reader_reads_fpdf2_output(exported: dict[str, Pdf]) -> None:
    pdf = exported["en"]
    assert len(pdf.pages) >= 3
    assert pdf.pages[0].startswith("Werkplaats")


# Title, overview, picture -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "made"),
    [
        ("nl", f"{FIRST} en {SECOND}", "Opgesteld op 23 november 2026"),
        ("en", f"{FIRST} and {SECOND}", "Prepared on 23 November 2026"),
    ],
)
def test_the_title_names_both_partners_and_the_date(
    exported: dict[str, Pdf], language: str, title: str, made: str
) -> None:
    pdf = exported[language]
    first_page = " ".join(pdf.pages[0].replace("\u00a0", " ").split())
    assert first_page.startswith(title)
    assert made in first_page
    # The document's own title, which viewers and Telegram's preview show.
    assert title.encode("utf-16-be").hex() in pdf.data.decode("latin-1")


def test_a_partner_name_is_not_broken_across_lines_in_the_title(exported: dict[str, Pdf]) -> None:
    title_lines = exported["en"].pages[0].replace("\u00a0", " ").splitlines()[:2]
    assert title_lines == [f"{FIRST} and", SECOND]


def test_the_intro_says_what_the_document_is_and_credits_the_instrument(
    exported: dict[str, Pdf],
) -> None:
    assert "What both organisations agreed and what is still open" in exported["en"].flat
    assert "Wat beide organisaties hebben afgesproken en wat nog openstaat" in exported["nl"].flat
    first = {language: " ".join(pdf.pages[0].split()) for language, pdf in exported.items()}
    assert (
        "Based on the Impact through Collaboration wheel, de Bell & Bakker 2024, "
        "HU University of Applied Sciences Utrecht" in first["en"]
    )
    assert (
        "Gebaseerd op het wiel Impact through Collaboration, de Bell & Bakker 2024, "
        "Hogeschool Utrecht" in first["nl"]
    )


def test_the_first_page_lists_agreements_and_what_is_open(exported: dict[str, Pdf]) -> None:
    n = counts(sample_record())
    # Discussed as everywhere: answered by both organisations (5) or skipped (1).
    assert (n.agreements, n.proposals, n.issues, n.discussed, n.topics) == (3, 1, 2, 6, 21)
    first = " ".join(exported["en"].pages[0].split())
    assert "Topics discussed: Orientation 6/9 · Integration 0/9 · Transformation 0/3" in first
    assert "Agreements (3)" in first
    assert "1. Ambition Jobs <first> & profit second" in first
    # Two open issues and the proposal waiting, each with its topic.
    assert "Open issues and proposals (3)" in first
    assert "1. Goals Wie betaalt de reiskosten? 🚲" in first
    assert "Noted on 6 November 2026; no one has picked it up yet." in first
    assert "3. Motivation We spreken elk kwartaal af" in first
    assert "Proposal of 7 November 2026, waiting for confirmation by Werkplaats Zuid." in first
    assert "No date set yet: no reminder and no check-up." in first
    nl = " ".join(exported["nl"].pages[0].split())
    assert "Besproken thema's: Oriëntatie 6/9 · Integratie 0/9 · Transformatie 0/3" in nl
    assert "Open punten en voorstellen (3)" in nl
    # No tile of noise ("0 proposals waiting"), no title twice.
    assert nl.count(f"{FIRST} en {SECOND}") == 2  # the title and the footer


def test_the_picture_has_a_page_of_its_own_after_the_first(exported: dict[str, Pdf]) -> None:
    pdf = exported["en"]
    images = [n for n, body in pdf.objects.items() if b"/Subtype /Image" in body]
    assert len(images) == 1
    pages = [b for b in pdf.objects.values() if b"/Type /Page\n" in b]
    resources = re.search(rb"/Resources (\d+) 0 R", pages[1])
    assert resources
    assert f"{images[0]} 0 R".encode() in pdf.objects[int(resources.group(1))]
    assert pdf.pages[1].startswith("The wheel")
    assert "From the outside in: Orientation, Integration, Transformation." in " ".join(
        pdf.pages[1].split()
    )


def test_without_a_picture_the_document_leaves_it_out(translators: dict[str, Translator]) -> None:
    pdf = read(export_pdf(sample_record("en"), translators["en"], None))
    assert b"/Subtype /Image" not in pdf.data
    # The stages follow the first page.
    assert pdf.pages[1].startswith("Orientation")


# Stages and topics --------------------------------------------------------------------------


def test_topics_come_in_wheel_order_under_their_stage(exported: dict[str, Pdf]) -> None:
    flat = " ".join(" ".join(exported["en"].pages[2:]).split())
    order = [
        "Orientation",
        "Ambition · Value creation",
        "Goals · Value creation",
        "Motivation · Value creation",
        "Type · Resources",
        "Selection · Partnership processes",
        "Integration",
        "Transformation",
    ]
    positions = [flat.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "What economic and social impact do we want to achieve?" in flat


def test_topics_without_a_record_are_named_in_one_line(exported: dict[str, Pdf]) -> None:
    flat = exported["en"].flat
    assert "Skipped: Willingness to invest" in flat
    assert "Not discussed yet: Equality, Formation, Transparency" in flat
    assert "Overgeslagen: Investeringsbereidheid" in exported["nl"].flat
    assert "Nog niet besproken: Gelijkwaardigheid, Samenwerkingsvorm, Openheid" in (
        exported["nl"].flat
    )
    # No heading of its own for a topic with nothing on it.
    assert "Equality ·" not in flat


def test_answers_say_who_for_which_organisation_and_when(exported: dict[str, Pdf]) -> None:
    text = exported["en"].text
    assert "Anna de Vries (Werkplaats Zuid)  ·  2 November 2026" in text
    assert "Wij willen 12 mensen aan werk helpen 👍 <0> & meer" in text
    assert "Ons café levert één keer per week brood ☕" in text


def test_a_forgotten_person_shows_as_a_representative(exported: dict[str, Pdf]) -> None:
    assert "A representative of Bakkerij Müller & Zonen  ·  3 November 2026" in (
        exported["en"].text
    )
    assert "Een vertegenwoordiger van Bakkerij Müller & Zonen  ·  3 november 2026" in (
        exported["nl"].text
    )


def test_a_forgotten_person_inside_a_sentence_and_without_an_organisation(
    translators: dict[str, Translator],
) -> None:
    topic_id = "value-creation.orientation.ambition"
    record = sample_record("en")
    agreement = next(r for r in record.topics if r.topic.id == topic_id).agreements[0]
    agreement = dataclasses.replace(
        agreement, proposed_by=Person(None, SECOND), confirmed_by=Person(None, None)
    )
    answer = AnswerEntry(Person("Bob", None), 1, "Zonder organisatie", at(2))
    record = replace_topic(record, topic_id, agreements=(agreement,), answers=(answer,))
    flat = read(export_pdf(record, translators["en"], None)).flat
    assert (
        "Proposed by a representative of Bakkerij Müller & Zonen on 4 November 2026, "
        "confirmed by a representative on 5 November 2026."
    ) in flat
    assert "Bob · 2 November 2026 Zonder organisatie" in flat


def test_an_agreement_keeps_its_accents_emoji_markup_and_line_breaks(
    exported: dict[str, Pdf],
) -> None:
    for pdf in exported.values():
        assert "Jobs <first> & profit second: één coördinator 🤝\nElke maand evalueren" in pdf.text
    assert (
        "Agreement Jobs <first> & profit second: één coördinator 🤝 Elke maand evalueren "
        "Proposed by Anna de Vries (Werkplaats Zuid) on 4 November 2026, confirmed by "
        "José Müller 🥖 (Bakkerij Müller & Zonen) on 5 November 2026."
    ) in exported["en"].flat
    assert (
        "Afspraak Jobs <first> & profit second: één coördinator 🤝 Elke maand evalueren "
        "Voorgesteld door Anna de Vries (Werkplaats Zuid) op 4 november 2026, bevestigd door "
        "José Müller 🥖 (Bakkerij Müller & Zonen) op 5 november 2026."
    ) in exported["nl"].flat


def test_proposals_and_open_issues_are_marked_as_such(exported: dict[str, Pdf]) -> None:
    assert (
        "Proposal, waiting for confirmation We spreken elk kwartaal af "
        "Proposed by José Müller 🥖 (Bakkerij Müller & Zonen) on 7 November 2026."
    ) in exported["en"].flat
    assert (
        "Open issue Wie betaalt de reiskosten? 🚲 "
        "Noted by José Müller 🥖 (Bakkerij Müller & Zonen) on 6 November 2026."
    ) in exported["en"].flat
    assert (
        "Voorstel, wacht op bevestiging We spreken elk kwartaal af "
        "Voorgesteld door José Müller 🥖 (Bakkerij Müller & Zonen) op 7 november 2026."
    ) in exported["nl"].flat
    assert "Open punt Wie betaalt de reiskosten? 🚲 Genoteerd door José Müller 🥖" in (
        exported["nl"].flat
    )


# Page furniture -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "footer"),
    [("nl", "{names}Pagina {page} van {total}"), ("en", "{names}Page {page} of {total}")],
)
def test_every_page_has_the_partners_and_its_number(
    exported: dict[str, Pdf], language: str, footer: str
) -> None:
    pdf = exported[language]
    names = f"{FIRST} en {SECOND}" if language == "nl" else f"{FIRST} and {SECOND}"
    total = len(pdf.pages)
    for page, text in enumerate(pdf.pages, start=1):
        assert text.splitlines()[-1] == footer.format(names=names, page=page, total=total)


# Every character ----------------------------------------------------------------------------


def test_a_4096_character_answer_full_of_markup_and_emoji_fits(
    translators: dict[str, Translator], caplog: pytest.LogCaptureFixture
) -> None:
    words = itertools.cycle(["<b>&amp;", "😀", "é&è", "<", "&", "🤝🏽", "x" * 150, "ß", "<&>"])
    text = ""
    for n in itertools.count():
        if len(text) >= 4096:
            break
        text += next(words) + ("\n" if n % 9 == 8 else " ")
    text = text[:4096]
    record = replace_topic(
        sample_record("en"),
        "resources.orientation.type",
        answers=(AnswerEntry(Person("Anna", FIRST), 1, text, at(2)),),
    )
    with caplog.at_level(logging.WARNING):
        pdf = read(export_pdf(record, translators["en"], png()))
    assert not [r for r in caplog.records if r.name.startswith("fpdf")], caplog.text
    # Every character is there, however the lines were wrapped and the pages broken.
    assert "".join(text.split()) in "".join(pdf.body.split())
    assert len(pdf.pages) > len(
        read(export_pdf(sample_record("en"), translators["en"], None)).pages
    )


def test_characters_no_font_has_are_named_not_dropped(
    translators: dict[str, Translator], caplog: pytest.LogCaptureFixture
) -> None:
    text = "Samen 中 verder 👨\u200d👩\u200d👧 ok\u200b\ttab\r\nnieuw"
    record = replace_topic(
        sample_record("en"),
        "resources.orientation.type",
        answers=(AnswerEntry(Person("Anna", FIRST), 1, text, at(2)),),
    )
    with caplog.at_level(logging.WARNING):
        pdf = read(export_pdf(record, translators["en"], None))
    assert not [r for r in caplog.records if r.name.startswith("fpdf")], caplog.text
    assert (
        "Samen [cjk unified ideograph-4e2d] verder 👨\u200d👩\u200d👧 ok\u200b tab\nnieuw"
        in pdf.text
    )


def test_the_export_is_small_and_its_fonts_are_subset(exported: dict[str, Pdf]) -> None:
    for pdf in exported.values():
        # The sample with a 1200 by 1400 picture; the fonts alone are 2.9 MB when embedded whole.
        assert len(pdf.data) < 300_000
        fonts = [body for body in pdf.objects.values() if b"/FontFile2" in body]
        assert fonts
        assert all(re.search(rb"/FontName /[A-Z]{6}\+", body) for body in fonts)


def test_a_record_with_nothing_yet(translators: dict[str, Translator]) -> None:
    record = sample_record("nl", states={})
    pdf = read(export_pdf(record, translators["nl"], png()))
    assert pdf.flat.count("Nog niet besproken:") == 3
    assert "Besproken thema's: Oriëntatie 0/9 · Integratie 0/9 · Transformatie 0/3" in pdf.flat
    assert "Afspraken (0) Nog geen afspraken." in pdf.flat
    assert "Open punten en voorstellen (0) Er staat niets open." in pdf.flat
    assert all(r.state is TopicState.NOT_YET for r in record.topics)


def test_exports_in_parallel_threads_match_one_by_one(translators: dict[str, Translator]) -> None:
    records = [sample_record(language) for language in ("nl", "en", "nl", "en")]
    alone = [export_pdf(r, translators[r.language], None) for r in records[:2]]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda r: export_pdf(r, translators[r.language], None), records))
    assert together == alone * 2
