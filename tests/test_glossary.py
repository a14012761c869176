"""One term per concept: the catalogs use the terms of docs/glossary.md and none of the rejected ones.

The rules are read from the glossary's "Checked terms" tables, not kept here: the glossary is the one
list of terms that translators read, so a choice changed there is a choice the test enforces, and
the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.ops.resources import locales_dir

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CHECKED = "## Checked terms"
LANGUAGES = {"Dutch": "nl", "English": "en"}

_CODE = re.compile(r"<code>.*?</code>", re.S)
_TAG = re.compile(r"<[^>]+>")
_COMMAND = re.compile(r"(?<!\w)/[a-z_]+")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
#: Addressing one person, or the partners together (the fixed greeting "dank je" does not count).
_JE = re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.I)
_JULLIE = re.compile(r"\bjullie\b", re.I)
_DANK_JE = re.compile(r"\bdank je\b", re.I)
#: A button label made with msg()/plural_msg() in the code: Button(msg("…"), …).
_BUTTON = re.compile(r"Button\(\s*(?:label=)?(?:msg|plural_msg)\(\s*\"([^\"]+)\"")
_MENU = re.compile(r"\(\"[a-z_]+\",\s*msg\(\"([^\"]+)\"\)\)")
_ARTICLES = {"de", "het", "een"}
_TIME_UNITS = {"dag", "week", "maand", "jaar"}  # "Een week uitstellen": a duration, not an article
#: Quotation marks that belong to the other language: Dutch quotes with single curly marks,
#: English with double ones.
_FOREIGN_QUOTES = {"nl": "“”„", "en": "‘"}
_IMPERATIVES = {"maak", "kies", "ga", "stuur", "tik", "zet", "noteer", "leg", "bekijk", "begin"}


@dataclass(frozen=True)
class Rule:
    concept: str
    use: tuple[str, ...]
    never: tuple[str, ...]


def parse_glossary(markdown: str) -> dict[str, list[Rule]]:
    """The rules of the "Checked terms" section, per language code."""
    if CHECKED not in markdown:
        raise AssertionError(f"{GLOSSARY} has no '{CHECKED}' section")
    section = markdown.split(CHECKED, 1)[1].split("\n## ", 1)[0]
    rules: dict[str, list[Rule]] = {}
    language = None
    for line in section.splitlines():
        if line.startswith("### "):
            name = line[4:].split()[0]
            language = LANGUAGES.get(name)
            assert language, f"{GLOSSARY}: unknown language heading {line!r}"
            rules[language] = []
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("concept", "") or set(cells[0]) <= {"-"}:
            continue
        assert language, f"{GLOSSARY}: a table row before a language heading: {line!r}"
        assert len(cells) == 3, f"{GLOSSARY}: expected | concept | use | never |: {line!r}"
        use, never = (
            tuple(t.strip(" `") for t in c.split(",") if t.strip(" `")) for c in cells[1:]
        )
        if not use or not never:
            raise AssertionError(f"{GLOSSARY}: a row needs terms to use and to avoid: {line!r}")
        rules[language].append(Rule(cells[0], use, never))
    return rules


def pattern(term: str) -> re.Pattern[str]:
    """A glossary term as a whole-word, case-insensitive pattern; ``*`` at an end: any letters."""
    core = term.strip("*")
    body = r"\s+".join(re.escape(word) for word in core.split())
    before = r"\w*" if term.startswith("*") else ""
    after = r"\w*" if term.endswith("*") else ""
    return re.compile(rf"(?<!\w){before}{body}{after}(?!\w)", re.I)


def texts(catalog: Catalog) -> list[tuple[str, str]]:
    """(msgid, translation as read) for every form, without code, tags, commands or fields."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        for form in forms:
            # Soft hyphens (where the wheel picture may break a long name) are not read.
            form = form.replace("\u00ad", "")
            plain = _PLACEHOLDER.sub(" ", _COMMAND.sub(" ", _TAG.sub("", _CODE.sub(" ", form))))
            found.append((msgid, plain))
    return found


def term_problems(rules: list[Rule], found: list[tuple[str, str]]) -> list[str]:
    problems = []
    for rule in rules:
        used = sorted(
            {
                m.group(0).lower()
                for t in rule.use
                for _, s in found
                for m in pattern(t).finditer(s)
            }
        )
        for term in rule.never:
            hits = [(msgid, m.group(0)) for msgid, s in found for m in pattern(term).finditer(s)]
            if not hits:
                continue
            words = sorted({word.lower() for _, word in hits})
            where = "; ".join(f"{msgid[:50]!r}" for msgid, _ in hits[:3])
            if used:
                problems.append(
                    f"two terms for one concept ({rule.concept}): {used} and {words}, in {where}"
                )
            else:
                problems.append(f"rejected term for {rule.concept}: {words}, in {where}")
        if not used:
            problems.append(
                f"no message uses {list(rule.use)} for {rule.concept} any more: "
                f"update the '{CHECKED}' table in docs/glossary.md"
            )
    return problems


def quote_problems(language: str, found: list[tuple[str, str]]) -> list[str]:
    marks = _FOREIGN_QUOTES[language]
    return [f"{msgid[:50]!r}: {text!r}" for msgid, text in found if any(m in text for m in marks)]


def je_jullie_problems(found: list[tuple[str, str]]) -> list[str]:
    return [
        f"je and jullie in one message: {text!r}"
        for _, text in found
        if _JULLIE.search(text) and _JE.search(_DANK_JE.sub("", text))
    ]


def label_problems(labels: dict[str, str]) -> list[str]:
    """Dutch buttons and menu entries: an infinitive or short phrase, no article or imperative first."""
    problems = []
    for msgid, label in labels.items():
        words = [
            w.strip(",.!?").lower() for w in _PLACEHOLDER.sub("", label).replace("·", " ").split()
        ]
        words = [w for w in words if w and not w.isdigit()]
        if not words:
            continue
        article = words[0] in _ARTICLES and not (len(words) > 1 and words[1] in _TIME_UNITS)
        if article or words[0] in _IMPERATIVES:
            problems.append(
                f"{msgid!r}: {label!r} starts with {'an article' if article else 'an imperative'}"
            )
    return problems


def code_labels() -> set[str]:
    """The msgids of every button and menu entry in the code."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    return set(_BUTTON.findall(source)) | set(_MENU.findall(source))


@pytest.fixture(scope="module")
def rules() -> dict[str, list[Rule]]:
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


def read_catalog(language: str) -> Catalog:
    with (locales_dir() / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


# -- the real glossary and catalogs -------------------------------------------------------------


def test_the_glossary_has_rules_for_both_languages(rules: dict[str, list[Rule]]) -> None:
    assert set(rules) == {"nl", "en"}
    assert len(rules["nl"]) >= 10
    concepts = {rule.concept for rule in rules["nl"]}
    assert {"agreement", "set-up", "open issue", "action item", "facilitator"} <= concepts
    never = {term for rule in rules["nl"] for term in rule.never}
    assert {"*overeenkomst*", "opzet*", "opgezet*", "*aandachtspunt*", "facilitator*"} <= never
    # An open issue with an owner and a date is an action item: "actiepunt" is a term now.
    used = {term for rule in rules["nl"] for term in rule.use}
    assert {"actiepunt", "gespreksleider"} <= used


@pytest.mark.parametrize("language", ["nl", "en"])
def test_catalog_uses_one_term_per_concept(rules: dict[str, list[Rule]], language: str) -> None:
    problems = term_problems(rules[language], texts(read_catalog(language)))
    assert not problems, f"locales/{language}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_quotation_marks_of_the_language(language: str) -> None:
    problems = quote_problems(language, texts(read_catalog(language)))
    assert not problems, f"locales/{language}: quotation marks of the other language:\n  " + (
        "\n  ".join(problems)
    )


def test_dutch_messages_do_not_mix_je_and_jullie() -> None:
    problems = je_jullie_problems(texts(read_catalog("nl")))
    assert not problems, "\n  ".join(problems)


def test_dutch_buttons_and_menu_entries_have_one_form() -> None:
    ids = code_labels()
    assert len(ids) >= 15, f"found only {sorted(ids)}: has the way buttons are made changed?"
    catalog = read_catalog("nl")
    labels = {}
    for msgid in ids:
        message = catalog.get(msgid)
        assert message is not None, f"{msgid!r} is not in the Dutch catalog"
        labels[msgid] = message.string if isinstance(message.string, str) else message.string[0]
    problems = label_problems(labels)
    assert not problems, "\n  ".join(problems)


# -- the checks catch what they are for ---------------------------------------------------------


def catalog_of(*translations: str) -> Catalog:
    catalog = Catalog(locale="nl")
    for n, translation in enumerate(translations):
        catalog.add(f"message {n}", translation)
    return catalog


AGREEMENT = Rule("agreement", ("afspraak", "afspraken"), ("*overeenkomst*",))
SET_UP = Rule("set-up", ("instellen", "ingesteld"), ("opzet*", "opgezet*"))


def test_a_rejected_term_fails() -> None:
    found = texts(catalog_of("De groep is nog niet opgezet.", "Groep opnieuw instellen"))
    assert term_problems([SET_UP], found) == [
        "two terms for one concept (set-up): ['instellen'] and ['opgezet'], in 'message 0'"
    ]
    found = texts(catalog_of("Samenwerkingsovereenkomsten bevestigd."))
    problems = term_problems([AGREEMENT], found)
    assert (
        problems[0]
        == "rejected term for agreement: ['samenwerkingsovereenkomsten'], in 'message 0'"
    )
    assert "no message uses ['afspraak', 'afspraken']" in problems[1]


def test_two_terms_for_one_concept_fail() -> None:
    found = texts(catalog_of("<b>{n} afspraken</b>", "Overeenkomst vastleggen"))
    assert term_problems([AGREEMENT], found) == [
        "two terms for one concept (agreement): ['afspraken'] and ['overeenkomst'], in 'message 1'"
    ]


def test_terms_match_whole_words_outside_code_and_commands() -> None:
    reminder = Rule("reminder", ("herinnering*",), ("reminder*",))
    found = texts(
        catalog_of("Met /reminders zie je de herinneringen. <code>/remind reminder</code>")
    )
    assert term_problems([reminder], found) == []
    assert not pattern("opzet*").search("voorzetten")
    assert pattern("een of twee").search("in Een  of twee zinnen")
    assert not pattern("een of twee").search("in één of twee zinnen")


def test_mixed_je_and_jullie_fails() -> None:
    found = texts(
        catalog_of(
            "Op {when} herinner ik jullie eraan. Met /reminders zie je wat er klaarstaat.",
            "Dank je, {name}! Jullie zijn klaar.",
            "Reageer op dit bericht met je antwoord.",
        )
    )
    assert je_jullie_problems(found) == [
        "je and jullie in one message: 'Op   herinner ik jullie eraan. Met   zie je wat er klaarstaat.'"
    ]


def test_quotation_marks_of_the_other_language_fail() -> None:
    found = texts(catalog_of("„Nog niet” is voor {other}.", "‘Nog niet’ is voor {other}."))
    assert quote_problems("nl", found) == ["'message 0': '„Nog niet” is voor  .'"]


def test_buttons_with_an_article_or_an_imperative_fail() -> None:
    labels = {
        "a": "Een open punt noteren",
        "b": "{n} · Maak er een afspraak van",
        "c": "Een week uitstellen",
        "d": "{n} · Omzetten in afspraak",
        "e": "Over {n} maanden",
    }
    assert label_problems(labels) == [
        "'a': 'Een open punt noteren' starts with an article",
        "'b': '{n} · Maak er een afspraak van' starts with an imperative",
    ]


def test_a_glossary_without_the_table_fails() -> None:
    with pytest.raises(AssertionError, match="no '## Checked terms' section"):
        parse_glossary("# Glossary\n\n| English | Dutch |\n")
    with pytest.raises(AssertionError, match="needs terms"):
        parse_glossary(
            f"{CHECKED}\n### Dutch\n| concept | use | never |\n|---|---|---|\n| x | `a` | |\n"
        )
