"""The catalogs: complete, in step with the code, safe to render; loading and formatting."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import ExtractMessages
from babel.messages.pofile import read_po, write_po

from bot.domain.wheel import load_wheel
from bot.i18n import (
    CatalogError,
    Translator,
    catalog_problems,
    language_for,
    load_translators,
)
from bot.i18n.extract import extract_wheel_yaml
from bot.offline.fake_api import ApiRefusal, parse_html
from bot.ops.resources import locales_dir, wheel_file

ROOT = Path(__file__).resolve().parents[1]
LOCALES = locales_dir()
LANGUAGES = ("nl", "en")
TEMPLATE = LOCALES / "messages.pot"
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
_BRACES = re.compile(r"\{[^{}]*\}")

MsgId = str | tuple[str, ...]


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def entries(catalog: Catalog) -> list[Message]:
    """The messages of a catalog without its header entry (obsolete ones are not included)."""
    return [m for m in catalog if m.id]


def show(msgid: MsgId) -> str:
    return repr(msgid if isinstance(msgid, str) else " | ".join(msgid))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Run the extraction of ``make extract`` in-process (same mappings: pyproject's [tool.babel])."""
    output = tmp_path_factory.mktemp("extract") / "messages.pot"
    command = ExtractMessages()
    command.mapping_file = str(ROOT / "pyproject.toml")
    command.input_paths = [str(ROOT)]
    command.output_file = str(output)
    command.omit_header = True
    command.finalize_options()
    command.run()
    return read_catalog(output)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {language: read_catalog(po_path(language), language) for language in LANGUAGES}


@pytest.fixture(scope="module")
def wheel_texts() -> set[str]:
    """Every translatable text of the wheel file (rendered escaped, never as HTML)."""
    wheel = load_wheel(wheel_file())
    texts = {d.name for d in wheel.domains}
    for stage in wheel.stages:
        texts |= {stage.name, stage.subtitle, stage.description}
    for topic in wheel.topics:
        texts |= {topic.name, topic.question, topic.hint or topic.name}
    return texts


def pairs(message: Message) -> Iterator[tuple[str, str, str]]:
    """(what, source, translation) for each form: msgstr[0] goes with the singular msgid, the
    other forms with the plural msgid (English and Dutch both have one singular form)."""
    if isinstance(message.id, str):
        yield "msgstr", message.id, str(message.string)
        return
    singular, plural = message.id[0], message.id[1]
    for index, form in enumerate(message.string):
        yield f"msgstr[{index}]", singular if index == 0 else plural, form


# -- (1) complete ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_not_fuzzy(
    catalogs: dict[str, Catalog], language: str
) -> None:
    # The same check that stops start-up, so a catalog that passes here also starts.
    catalog = catalogs[language]
    assert catalog.num_plurals == 2
    assert entries(catalog), f"{po_path(language)} has no messages"
    problems = catalog_problems(catalog)
    assert not problems, f"{po_path(language)}:\n  " + "\n  ".join(problems)


# -- (2) placeholders -------------------------------------------------------------------------


def placeholders(text: str) -> list[str]:
    """The ``{name}`` fields of a format string, sorted (a text that is not one: its braces)."""
    try:
        return sorted(
            f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
            for _, name, spec, conv in string.Formatter().parse(text)
            if name is not None
        )
    except ValueError:
        return sorted(_BRACES.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match(catalogs: dict[str, Catalog], language: str) -> None:
    problems = []
    for message in entries(catalogs[language]):
        for what, source, translation in pairs(message):
            expected, found = placeholders(source), placeholders(translation)
            # The form used for exactly one may say "one" instead of "{n}".
            singular_without_n = what == "msgstr[0]" and found == [
                p for p in expected if p != "{n}"
            ]
            if found != expected and not singular_without_n:
                problems.append(f"{show(message.id)} {what}: {found} instead of {expected}")
    assert not problems, f"{po_path(language)}:\n  " + "\n  ".join(problems)


def test_placeholder_check_catches_mistakes() -> None:
    assert placeholders("Thanks {name}, noted for {partner}.") == ["{name}", "{partner}"]
    assert placeholders("Bedankt {naam}") != placeholders("Thanks {name}")
    assert placeholders("{{literal}} {n}") == ["{n}"]
    assert placeholders("broken {name") == []


# -- (3) up to date ---------------------------------------------------------------------------


def _difference(label: str, have: set[MsgId], want: set[MsgId], where: Catalog) -> str:
    missing, extra = want - have, have - want
    lines = [
        f"{label} is not up to date with the code and wheel.yaml. Run `make extract`, then "
        f"translate the new entries in locales/nl (and check locales/en)."
    ]
    if missing:
        lines.append(f"Missing from {label} ({len(missing)}):")
        for msgid in sorted(missing, key=show):
            message = where.get(msgid if isinstance(msgid, str) else msgid[0])
            origin = ""
            if message is not None and message.locations:
                origin = f"  ({Path(message.locations[0][0]).relative_to(ROOT)})"
            lines.append(f"  + {show(msgid)}{origin}")
    if extra:
        lines.append(f"In {label} but no longer in the code ({len(extra)}):")
        lines.extend(f"  - {show(msgid)}" for msgid in sorted(extra, key=show))
    return "\n".join(lines)


@pytest.mark.parametrize("catalog_file", ["messages.pot", "nl", "en"])
def test_catalogs_are_up_to_date(extracted: Catalog, catalog_file: str) -> None:
    if catalog_file == "messages.pot":
        path, catalog = TEMPLATE, read_catalog(TEMPLATE)
    else:
        path, catalog = po_path(catalog_file), read_catalog(po_path(catalog_file), catalog_file)
    want = {m.id for m in entries(extracted)}
    have = {m.id for m in entries(catalog)}
    assert have == want, _difference(str(path.relative_to(ROOT)), have, want, extracted)


def test_extraction_finds_the_code_messages(extracted: Catalog) -> None:
    ids = {m.id for m in entries(extracted)}
    # A msg() call from the welcome flow and a plural_msg() or msg() from bot/, never a test.
    assert "Hello everyone! Thanks for adding me." in ids
    assert all(
        "tests" not in Path(location).relative_to(ROOT).parts
        for message in entries(extracted)
        for location, _ in message.locations
    )
    for message in entries(extracted):
        if not isinstance(message.id, str):
            assert len(message.id) == 2, message.id  # plural_msg:1,2


# -- (4) the wheel extractor ------------------------------------------------------------------


def test_every_wheel_text_is_extracted(extracted: Catalog, wheel_texts: set[str]) -> None:
    ids = {m.id for m in entries(extracted)}
    wheel = load_wheel(wheel_file())
    assert {t.name for t in wheel.topics} <= ids
    assert {t.question for t in wheel.topics} <= ids
    assert wheel_texts - ids == set()
    for topic in wheel.topics:
        message = extracted.get(topic.question)
        assert message is not None
        assert f"wheel.yaml topic question ({topic.id})" in " ".join(message.auto_comments)


def test_wheel_extractor_yields_lines_and_comments() -> None:
    source = (
        "# comment\n"
        "stages:\n"
        "  - id: orientation\n"
        "    name: Orientation\n"
        "    subtitle: '  the baseline  '\n"
        "topics:\n"
        "  - id: a.orientation.b\n"
        "    question: >\n"
        "      Folded over\n"
        "      two lines?\n"
        "    hint: ''\n"
        "notes: just text\n"
    )
    found = list(extract_wheel_yaml(io.BytesIO(source.encode()), {}, [], {}))
    assert found == [
        (4, "gettext", "Orientation", ["wheel.yaml stage name (orientation)"]),
        (5, "gettext", "the baseline", ["wheel.yaml stage subtitle (orientation)"]),
        (8, "gettext", "Folded over two lines?", ["wheel.yaml topic question (a.orientation.b)"]),
    ]


@pytest.mark.parametrize("source", ["", "# nothing\n", "- a list\n", "just text\n", "a: 1\n"])
def test_wheel_extractor_ignores_files_without_a_wheel(source: str) -> None:
    assert list(extract_wheel_yaml(io.BytesIO(source.encode()), {}, [], {})) == []


# -- (5) loading ------------------------------------------------------------------------------


def write_catalog(directory: Path, language: str, messages: dict[str, str]) -> Path:
    catalog = Catalog(locale=language, fuzzy=False)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    po = directory / language / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    return po


def test_load_translators_reads_each_language(tmp_path: Path) -> None:
    write_catalog(tmp_path, "en", {"Hello": "Hello"})
    write_catalog(tmp_path, "nl", {"Hello": "Hallo"})
    translators = load_translators(tmp_path)
    assert set(translators) == {"en", "nl"}
    assert translators["nl"].gettext("Hello") == "Hallo"
    assert translators["nl"].gettext("Not in the catalog") == "Not in the catalog"


def test_missing_catalog_says_to_reinstall(tmp_path: Path) -> None:
    write_catalog(tmp_path, "en", {"Hello": "Hello"})
    missing = tmp_path / "nl" / "LC_MESSAGES" / "messages.po"
    with pytest.raises(CatalogError, match="Reinstall") as info:
        load_translators(tmp_path)
    assert "'nl'" in str(info.value)
    assert str(missing) in str(info.value)
    assert "make" not in str(info.value)  # advice an installed package can follow


def test_empty_locales_folder_raises_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="No catalog for 'en'"):
        load_translators(tmp_path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "holds no messages"),
        (b'msgid "Hello"\nbogus line\nmsgstr "Hallo"\n', "unreadable"),
        (b'msgid "Hello"\n', "unreadable"),  # cut off, as an interrupted copy leaves it
        (b"\xff\xfe\x00garbage", "unreadable"),
        (b'msgid "Hello"\nmsgstr ""\n', "untranslated: 'Hello'"),
        (b'#, fuzzy\nmsgid "Hello"\nmsgstr "Hallo"\n', "fuzzy: 'Hello'"),
        (
            b'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
            b'msgid "{n} day"\nmsgid_plural "{n} days"\nmsgstr[0] "{n} dag"\nmsgstr[1] ""\n',
            "untranslated: '{n} day'",
        ),
    ],
)
def test_unusable_catalog_stops_loading(tmp_path: Path, content: bytes, problem: str) -> None:
    write_catalog(tmp_path, "en", {"Hello": "Hello"})
    broken = tmp_path / "nl" / "LC_MESSAGES" / "messages.po"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(content)
    with pytest.raises(CatalogError) as info:
        load_translators(tmp_path)
    assert problem in str(info.value)
    assert str(broken) in str(info.value)
    assert "'nl'" in str(info.value)


def test_fuzzy_header_stops_loading(tmp_path: Path) -> None:
    write_catalog(tmp_path, "en", {"Hello": "Hello"})
    catalog = Catalog(locale="nl", fuzzy=True)
    catalog.add("Hello", "Hallo")
    po = tmp_path / "nl" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    with pytest.raises(CatalogError, match="header is marked fuzzy"):
        load_translators(tmp_path)


def test_the_project_catalogs_load_from_a_copy(tmp_path: Path) -> None:
    for language in LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(po_path(language), target)
    translators = load_translators(tmp_path)
    assert [t.language for t in translators.values()] == ["en", "nl"]
    assert translators["nl"].gettext("Orientation") == "Oriëntatie"


# -- (6) formatting ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def translators() -> dict[str, Translator]:
    return load_translators(LOCALES)


def test_dates_in_dutch_and_english(translators: dict[str, Translator]) -> None:
    day = dt.date(2026, 3, 9)
    assert translators["nl"].date(day) == "9 maart 2026"
    assert translators["en"].date(day) == "9 March 2026"  # British, as the English texts are
    assert translators["en"].date(dt.date(2026, 11, 23)) == "23 November 2026"


def test_datetimes_keep_their_timezone(translators: dict[str, Translator]) -> None:
    moment = dt.datetime(2026, 10, 25, 14, 5, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert translators["nl"].datetime(moment).startswith("25 okt 2026")
    assert "14:05" in translators["nl"].datetime(moment)
    assert translators["en"].datetime(moment) == "25 Oct 2026, 14:05:00"


def test_numbers_and_language_names(translators: dict[str, Translator]) -> None:
    assert translators["nl"].number(1234567) == "1.234.567"
    assert translators["en"].number(1234567) == "1,234,567"
    assert translators["nl"].language_name("nl") == "Nederlands"
    assert translators["en"].language_name("nl") == "Dutch"


@pytest.mark.parametrize(
    ("code", "language"),
    [("nl", "nl"), ("nl-NL", "nl"), ("NL-be", "nl"), ("en", "en"), ("de", "en"), (None, "en")],
)
def test_language_for(code: str | None, language: str) -> None:
    assert language_for(code) == language


# -- (7) HTML ---------------------------------------------------------------------------------


def tags(text: str) -> Counter[str]:
    return Counter(f"<{closing}{name.lower()}>" for closing, name in _TAG.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_html_tags(
    catalogs: dict[str, Catalog], language: str, wheel_texts: set[str]
) -> None:
    problems = []
    for message in entries(catalogs[language]):
        for what, source, translation in pairs(message):
            if tags(source) != tags(translation):
                problems.append(
                    f"{show(message.id)} {what}: tags {sorted(tags(translation).elements())} "
                    f"instead of {sorted(tags(source).elements())}"
                )
            if source in wheel_texts:
                continue  # wheel texts are escaped when rendered, never parsed as HTML
            for text in (source, translation):
                try:
                    parse_html(text)
                except ApiRefusal as refusal:
                    problems.append(f"{text!r}: Telegram would refuse it: {refusal.description}")
    assert not problems, f"{po_path(language)}:\n  " + "\n  ".join(problems)


def test_tag_check_catches_mistakes() -> None:
    assert tags("<b>Agreement</b> on {topic}") == tags("<B>Afspraak</B> over {topic}")
    assert tags("<b>Agreement</b>") != tags("<b>Afspraak<b>")
    assert tags("<i>x</i>") != tags("<b>x</b>")
