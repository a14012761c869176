"""Translations: load every catalog at start-up (fail loudly when one is missing) and format values."""

from __future__ import annotations

import datetime as dt
import gettext
import struct
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"


class CatalogError(RuntimeError):
    """A configured language has no compiled catalog, or an unreadable one."""


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

    def date(self, value: dt.date) -> str:
        """Format a date the way people in this language write it."""
        return format_date(value, format="long", locale=self.language)

    def datetime(self, value: dt.datetime) -> str:
        """Format a date and time, in the value's own timezone."""
        return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=self.language)

    def number(self, value: int) -> str:
        """Format a number."""
        return format_decimal(value, locale=self.language)

    def language_name(self, language: str) -> str:
        """Name a language in this language (``Nederlands``, ``Dutch``)."""
        return Locale.parse(language).get_display_name(self.language) or language


def load_translators(
    locales: Path, languages: tuple[str, ...] = LANGUAGES
) -> dict[str, Translator]:
    """Load the compiled catalog of every language; raise CatalogError when one is missing."""
    translators = {}
    for language in languages:
        mo = locales / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not mo.is_file():
            raise CatalogError(
                f"No compiled catalog for '{language}' at {mo}. "
                "Run 'make catalogs' (or 'pybabel compile -d locales')."
            )
        try:
            with mo.open("rb") as handle:
                catalog = gettext.GNUTranslations(handle)
        except (OSError, ValueError, struct.error) as exc:  # empty, truncated, not a .mo
            raise CatalogError(
                f"The compiled catalog for '{language}' at {mo} is unreadable ({exc}). "
                "Run 'make catalogs' (or 'pybabel compile -d locales')."
            ) from exc
        translators[language] = Translator(language, catalog)
    return translators


def language_for(language_code: str | None) -> str:
    """Pick the chat language from a Telegram ``language_code``: Dutch for nl*, else English."""
    if language_code and language_code.lower().startswith("nl"):
        return "nl"
    return DEFAULT_LANGUAGE
