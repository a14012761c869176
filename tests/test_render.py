"""Rendering: user text is escaped, output always parses and fits, markup stays within limits."""

from __future__ import annotations

import datetime as dt
import gettext
import io
import math
import string
from dataclasses import fields

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from telegram import Bot, ForceReply

from bot.domain.purposes import Answers, ExportOffer
from bot.i18n import Translator, load_translators
from bot.offline.fake_api import FakeBotApi, parse_html
from bot.ops.resources import locales_dir
from bot.render.html import (
    MAX_TEXT,
    keyboard,
    label,
    markup,
    plain_text,
    render,
    split_paragraphs,
    text,
    utf16_len,
)
from bot.render.messages import Button, Reply, ReplyOptions, msg, plural_msg, reply, wheel_text

LANGUAGES = ("nl", "en")

#: Things people type that must reach the chat exactly as typed.
NASTY = [
    "<b>",
    "</i>",
    "<<",
    ">>",
    "a < b > c",
    "&",
    "&amp;",
    "&lt;b&gt;",
    "&#60;&#x3C;",
    "& co",
    "Ben & Jerry's <3",
    '<a href="javascript:x">click</a>',
    "<tg-spoiler>secret</tg-spoiler>",
    '<span class="tg-spoiler">',
    "<script>alert(1)</script>",
    "<!-- comment -->",
    "<br/>",
    "<b><i>unclosed",
    "{name}",
    "{0} {} {{}}",
    "%s %(name)s %d",
    "*_[]()~`>#+-=|{}.!",
    "\\ \\\\ \\n",
    "\u202eevil.exe",
    "👩\u200d💻 👨\u200d👩\u200d👧 🏳️\u200d🌈",
    "\U0001d54f\U0001f600",
    "naïve café — “quoted” ‘single’",
    "'\"'",
    "\n\n<b>\n",
    "  leading and trailing  ",
    "<" * 4096,
    "😀" * 2047 + "<&>",
]


@pytest.fixture(scope="module")
def translators() -> dict[str, Translator]:
    return load_translators(locales_dir())


@pytest.fixture(params=LANGUAGES)
def t(request: pytest.FixtureRequest, translators: dict[str, Translator]) -> Translator:
    return translators[request.param]


def shown(html_text: str) -> str:
    """What Telegram shows for HTML text (fails the test where Telegram would refuse it)."""
    return parse_html(html_text)


# -- escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", NASTY)
def test_user_text_is_shown_exactly(t: Translator, value: str) -> None:
    assert shown(text(t, value)) == value
    assert label(t, value) == value


@pytest.mark.parametrize("value", NASTY)
def test_user_text_in_a_template_is_escaped(t: Translator, value: str) -> None:
    rendered = text(t, msg("<b>Name:</b> {value} – <i>{value}</i>", value=value))
    assert shown(rendered) == f"Name: {value} – {value}"
    # A message given as a value is translated and escaped once, not twice.
    nested = text(t, msg("<i>{inner}</i>", inner=msg("{value}", value=value)))
    assert shown(nested) == value
    assert shown(text(t, wheel_text(value))) == value


@pytest.mark.parametrize("value", NASTY[:12])
def test_every_catalog_template_stays_valid_with_nasty_values(t: Translator, value: str) -> None:
    """Each real message with placeholders, filled with hostile text, is still valid HTML."""
    with (locales_dir() / t.language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=t.language)
    checked = 0
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        fields = {name for _, name, _, _ in string.Formatter().parse(message.id) if name}
        if not fields:
            continue
        rendered = text(t, msg(message.id, **dict.fromkeys(fields, value)))
        template = shown(t.gettext(message.id))
        assert shown(rendered) == template.format(**dict.fromkeys(fields, value)), message.id
        checked += 1
    assert checked >= 3


def test_numbers_and_dates_are_formatted_per_language(translators: dict[str, Translator]) -> None:
    template = msg("{count} on {day}", count=12345, day=dt.date(2026, 3, 9))
    assert text(translators["nl"], template) == "12.345 on 9 maart 2026"
    assert text(translators["en"], template) == "12,345 on 9 March 2026"


# -- splitting --------------------------------------------------------------------------------


def covers(chunks: list[str], full: str) -> None:
    """Each chunk is the next piece of ``full``; only whitespace is dropped between pieces."""
    position = 0
    for chunk in chunks:
        found = full.find(chunk, position)
        assert found >= 0, f"chunk not found in order: {chunk[:40]!r}…"
        assert full[position:found].strip() == "", f"text lost: {full[position:found][:40]!r}"
        position = found + len(chunk)
    assert full[position:].strip() == "", f"text lost at the end: {full[position:][:40]!r}"


def fits(chunks: list[str]) -> list[str]:
    """Check every chunk as Telegram would; return their plain texts."""
    plains = [shown(chunk) for chunk in chunks]
    for plain in plains:
        assert plain.strip(), "an empty message"
        assert utf16_len(plain) <= MAX_TEXT
    return plains


SPLIT_CASES = {
    "short": ["One.", "Two <b>bold</b>.", "Three &amp; more."],
    "long-ascii": ["x" * 10_000],
    "astral-emoji": ["😀" * 5_000],
    "ascii-then-emoji": ["x" * 4_000 + "😀" * 4_000],
    "zwj-emoji": ["👩\u200d💻" * 3_000],
    "words-then-emoji": ["a " * 3_000 + "😀" * 3_000],
    "lines": ["\n".join(f"Line {i}: " + "é" * 50 for i in range(400))],
    "many-paragraphs": [f"<b>Paragraph {i}</b> " + "🙂" * 300 for i in range(40)],
    "escaped-at-limit": ["&lt;" * 4_096],
    "escaped-over-limit": ["&lt;" * 4_097, "tail"],
    "mixed": ["short", "y" * 5_000, "<i>styled</i>", "z " * 2_500],
}


@pytest.mark.parametrize("paragraphs", SPLIT_CASES.values(), ids=SPLIT_CASES.keys())
def test_split_paragraphs_fits_and_keeps_everything(paragraphs: list[str]) -> None:
    chunks = split_paragraphs(paragraphs)
    plains = fits(chunks)
    covers(plains, "\n\n".join(plain_text(p) for p in paragraphs))


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("x" * 10_000, 3),
        ("😀" * 5_000, 3),
        ("x" * 4_000 + "😀" * 4_000, 3),  # 12,000 units: 3 full messages, not 4
        ("<" * 4_096, 1),
        ("<" * 4_097, 2),
    ],
)
def test_split_uses_as_few_messages_as_fit(paragraph: str, expected: int) -> None:
    escaped = text(Translator("en", gettext.GNUTranslations()), paragraph)
    chunks = split_paragraphs([escaped])
    assert len(chunks) == expected == math.ceil(utf16_len(paragraph) / MAX_TEXT)
    assert "".join(fits(chunks)) == paragraph


def test_short_paragraphs_share_one_message() -> None:
    assert split_paragraphs(["a", "<b>b</b>", "c"]) == ["a\n\n<b>b</b>\n\nc"]
    assert split_paragraphs(["a" * 4_000, "b" * 200]) == ["a" * 4_000, "b" * 200]
    assert split_paragraphs(["a" * 2_000, "b" * 2_094]) == ["a" * 2_000 + "\n\n" + "b" * 2_094]


def test_cut_prefers_line_breaks() -> None:
    lines = [f"line {i:04d} {'w' * 60}" for i in range(200)]
    chunks = fits(split_paragraphs(["\n".join(lines)]))
    assert len(chunks) > 1
    for chunk in chunks:
        assert all(line in lines for line in chunk.split("\n")), "a line was cut in two"


def test_render_puts_the_markup_on_the_last_message(t: Translator) -> None:
    buttons = ((Button(msg("Next topic"), "next:x"),),)
    shown = Answers("x").pack()
    out = render(
        t, reply(msg("{value}", value="<" * 9_000), msg("End."), buttons=buttons, remember=shown)
    )
    assert len(out) == 3
    assert [o.markup is None for o in out] == [True, True, False]
    assert [o.remember for o in out] == [None, None, shown]  # the buttons' message
    covers(fits([o.text for o in out]), "<" * 9_000 + "\n\nEnd.")


def test_an_overflow_keeps_its_own_purpose(t: Translator) -> None:
    offer = reply(
        msg("More"), buttons=((Button("Export", "export"),),), remember=ExportOffer().pack()
    )
    out = render(t, reply(msg("{value}", value="a" * 9_000), most=1, overflow=offer))
    assert [o.remember for o in out] == [None, ExportOffer().pack()]


def test_buttons_without_a_purpose_are_refused(t: Translator) -> None:
    """A button counts only on a message remembered as carrying it: without a purpose, every
    press on it would be refused."""
    with pytest.raises(ValueError, match="remembered with its purpose"):
        render(t, reply(msg("Hi"), buttons=((Button("Next", "next:x"),),)))
    linked = Button("Rate privately", "", start="token")  # a link, not a press
    assert render(t, reply(msg("Hi"), buttons=((linked,),)))[0].markup is not None


async def test_rendered_long_text_is_accepted_by_the_fake_api(t: Translator) -> None:
    api = FakeBotApi()
    out = render(t, reply(msg("<b>{value}</b>", value="&<>" * 3_000 + "😀" * 3_000)))
    async with Bot("123456:ABCdef", request=api, get_updates_request=api) as bot:
        for message in out:
            await bot.send_message(-100, message.text, parse_mode="HTML")
    assert api.refusals() == []
    assert len(api.sent_to(-100)) == len(out) == 4  # 15,000 UTF-16 units


# -- markup -----------------------------------------------------------------------------------


def test_callback_data_over_64_bytes_is_refused(t: Translator) -> None:
    assert keyboard(t, ((Button("ok", "d" * 64),),)).inline_keyboard[0][0].callback_data == (
        "d" * 64
    )
    for data in ("d" * 65, "é" * 33, ""):  # 65 bytes, 66 bytes (33 characters), nothing
        with pytest.raises(ValueError, match="callback data"):
            keyboard(t, ((Button("ok", "a"), Button("bad", data)),))
        with pytest.raises(ValueError, match="callback data"):
            render(t, reply(msg("Hi"), buttons=((Button("bad", data),),), remember=("x", "")))


def test_button_labels_are_plain_text(t: Translator) -> None:
    board = keyboard(t, ((Button("<b>Bold</b> & co", "a"), Button(msg("<i>x</i>"), "b")),))
    assert [b.text for b in board.inline_keyboard[0]] == ["<b>Bold</b> & co", "x"]


def test_reply_takes_every_field_of_a_reply() -> None:
    # reply()'s keywords are typed by ReplyOptions: a field added to Reply belongs there too.
    assert set(ReplyOptions.__annotations__) == {f.name for f in fields(Reply)} - {"parts"}


def test_force_reply_placeholder_is_plain_and_short(t: Translator) -> None:
    answer = reply(msg("Question?"), force_reply=True, placeholder=msg("<b>{v}</b>", v="é" * 100))
    result = markup(t, answer)
    assert isinstance(result, ForceReply)
    assert result.input_field_placeholder == "é" * 64


# -- plurals ----------------------------------------------------------------------------------


def translator_from_po(language: str) -> tuple[Translator, Catalog]:
    """The translator the bot uses, and the catalog it was compiled from."""
    with (locales_dir() / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return load_translators(locales_dir(), (language,))[language], catalog


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_msg_picks_the_form_for_n(language: str) -> None:
    t, catalog = translator_from_po(language)
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    if not plurals:
        pytest.skip("no plural_msg in the catalogs yet")
    for message in plurals:
        singular, plural = message.id[0], message.id[1]
        fields = {name for _, name, _, _ in string.Formatter().parse(plural) if name} - {"n"}
        args = dict.fromkeys(fields, "<X>")
        for n, form in ((1, 0), (2, 1), (0, 1), (1000, 1)):
            rendered = text(t, plural_msg(singular, plural, n, **args))
            expected = message.string[form].format(
                n=t.number(n), **dict.fromkeys(fields, "&lt;X&gt;")
            )
            assert rendered == expected, (language, message.id, n)
            shown(rendered)
        assert text(t, plural_msg(singular, plural, 1, **args)) != text(
            t, plural_msg(singular, plural, 2, **args)
        )


def made_up_translator(language: str, one: str, other: str) -> Translator:
    catalog = Catalog(locale=language)
    catalog.add(("<b>{n} agreement</b>", "<b>{n} agreements</b>"), (one, other))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translator(language, gettext.GNUTranslations(buffer))


@pytest.mark.parametrize(
    ("language", "one", "other", "many"),
    [
        ("nl", "<b>één afspraak</b>", "<b>{n} afspraken</b>", "2.500 afspraken"),
        ("en", "<b>one agreement</b>", "<b>{n} agreements</b>", "2,500 agreements"),
    ],
)
def test_plural_forms_with_a_made_up_catalog(
    language: str, one: str, other: str, many: str
) -> None:
    """plural_msg itself, independent of what the catalogs hold today."""
    t = made_up_translator(language, one, other)

    def say(n: int) -> str:
        return shown(text(t, plural_msg("<b>{n} agreement</b>", "<b>{n} agreements</b>", n)))

    assert say(1) == plain_text(one)
    assert say(0) == plain_text(other.format(n=0))
    assert say(2) == plain_text(other.format(n=2))
    assert say(2500) == many
