"""Translations: compile every catalog at start-up (fail loudly when one is unusable) and format values."""

from __future__ import annotations

import datetime as dt
import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
#: The locale used to format dates, times and numbers, where it differs from the language: the
#: English texts are British, so their dates are too ("23 November 2026", not "November 23, 2026").
FORMAT_LOCALES = {"en": "en_GB"}


class CatalogError(RuntimeError):
    """A language's catalog is missing, unreadable, fuzzy or incomplete."""


@dataclass(frozen=True, slots=True)
class Translator:
    """Translate and format for one language."""

    language: str
    catalog: gettext.GNUTranslations

    def gettext(self, msgid: str) -> str:
        """Return the translation of ``msgid``."""
        return self.catalog.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the translation of the form that fits ``n``."""
        return self.catalog.ngettext(singular, plural, n)

    @property
    def format_locale(self) -> str:
        """The locale that formats dates, times and numbers for this language."""
        return FORMAT_LOCALES.get(self.language, self.language)

    def date(self, value: dt.date) -> str:
        """Format a date the way people in this language write it."""
        return format_date(value, format="long", locale=self.format_locale)

    def datetime(self, value: dt.datetime) -> str:
        """Format a date and time, in the value's own timezone."""
        return format_datetime(
            value, format="medium", tzinfo=value.tzinfo, locale=self.format_locale
        )

    def number(self, value: int | float) -> str:
        """Format a number."""
        return format_decimal(value, locale=self.format_locale)

    def language_name(self, language: str) -> str:
        """Name a language in this language (``Nederlands``, ``Dutch``)."""
        return Locale.parse(language).get_display_name(self.language) or language


def load_translators(
    locales: Path, languages: tuple[str, ...] = LANGUAGES
) -> dict[str, Translator]:
    """Compile the catalog of every language in memory; raise CatalogError when one is unusable.

    The ``.po`` files are the only catalogs: compiling them here (a few milliseconds each) means
    an installed package, a container and a source checkout all start without a build step, and
    a compiled catalog can never be older than its source.
    """
    return {
        language: Translator(language, compile_catalog(locales, language))
        for language in languages
    }


def po_file(locales: Path, language: str) -> Path:
    """Return the path of a language's catalog."""
    return locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(locales: Path, language: str) -> gettext.GNUTranslations:
    """Read, check and compile one catalog; raise CatalogError naming the file and the problem."""
    po = po_file(locales, language)
    if not po.is_file():
        raise CatalogError(
            f"No catalog for '{language}' at {po}: the installation is incomplete. "
            "Reinstall wheelbot from its clone (pip install --force-reinstall .), or pull the "
            "Docker image again."
        )
    try:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language, abort_invalid=True)
    except (OSError, ValueError, PoFileError) as exc:
        raise CatalogError(f"The catalog for '{language}' at {po} is unreadable: {exc}") from exc
    problems = catalog_problems(catalog)
    if problems:
        shown = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
        raise CatalogError(
            f"The catalog for '{language}' at {po} is not ready: {len(problems)} "
            f"problem(s): {shown}. Translate the entries and remove the fuzzy flags."
        )
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def catalog_problems(catalog: Catalog) -> list[str]:
    """What keeps a catalog from being used: a fuzzy header or entry, an empty translation."""
    problems = []
    if catalog.fuzzy:
        problems.append("the header is marked fuzzy")
    for message in catalog:
        if not message.id:
            continue
        shown = message.id if isinstance(message.id, str) else message.id[0]
        shown = repr(shown if len(shown) <= 40 else shown[:39] + "…")
        if message.fuzzy:
            problems.append(f"fuzzy: {shown}")
        # A plural entry's forms are a tuple (Babel gives ('', '') to one read without them).
        forms: list[object] = (
            [message.string] if isinstance(message.id, str) else list(message.string or ())
        )
        if not all(isinstance(form, str) and form.strip() for form in forms):
            problems.append(f"untranslated: {shown}")
        elif not isinstance(message.id, str) and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms instead of {catalog.num_plurals}: {shown}")
    if not any(message.id for message in catalog):
        problems.append("it holds no messages")
    return problems


def language_for(language_code: str | None) -> str:
    """Pick the chat language from a Telegram ``language_code``: Dutch for nl*, else English."""
    if language_code and language_code.lower().startswith("nl"):
        return "nl"
    return DEFAULT_LANGUAGE
