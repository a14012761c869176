"""Every topic has a hint in both languages: short, a question or prompt a facilitator would use."""

from __future__ import annotations

import re

import pytest

from bot.domain.wheel import Topic, Wheel, load_wheel
from bot.i18n import Translator, load_translators
from bot.ops.resources import locales_dir, wheel_file

#: One short sentence or two: longer than this and the card stops being glanced at.
MAX_HINT_CHARS = 160
MAX_HINT_SENTENCES = 2
_SENTENCE_END = re.compile(r"[.?!](?=\s|$)")


@pytest.fixture(scope="module")
def wheel() -> Wheel:
    return load_wheel(wheel_file())


@pytest.fixture(scope="module")
def translators() -> dict[str, Translator]:
    return load_translators(locales_dir())


def hint_in(t: Translator, topic: Topic) -> str:
    assert topic.hint is not None
    return t.gettext(topic.hint)


def test_every_topic_has_a_hint(wheel: Wheel) -> None:
    without = [topic.id for topic in wheel.topics if not topic.hint]
    assert without == []


@pytest.mark.parametrize("language", ["en", "nl"])
def test_hints_are_one_or_two_short_sentences(
    wheel: Wheel, translators: dict[str, Translator], language: str
) -> None:
    problems = []
    for topic in wheel.topics:
        hint = hint_in(translators[language], topic)
        sentences = len(_SENTENCE_END.findall(hint))
        if not 1 <= sentences <= MAX_HINT_SENTENCES or len(hint) > MAX_HINT_CHARS:
            problems.append(f"{topic.id}: {sentences} sentence(s), {len(hint)} characters: {hint}")
        if hint.casefold() == translators[language].gettext(topic.question).casefold():
            problems.append(f"{topic.id}: the hint repeats the question")
    assert problems == []


def test_dutch_hints_are_translated(wheel: Wheel, translators: dict[str, Translator]) -> None:
    same = [topic.id for topic in wheel.topics if hint_in(translators["nl"], topic) == topic.hint]
    assert same == []


def test_selection_helps_partners_who_already_found_each_other(
    wheel: Wheel, translators: dict[str, Translator]
) -> None:
    # The question is about finding a partner; the people in the group have usually found theirs.
    topic = wheel.topic("partnership-processes.orientation.selection")
    assert "find each other" in hint_in(translators["en"], topic)
    assert "elkaar gevonden" in hint_in(translators["nl"], topic)


def test_stage_descriptions_read_well_the_first_time(
    wheel: Wheel, translators: dict[str, Translator]
) -> None:
    # Shown at the start of a stage, also the first time: nothing about doing it "again".
    for stage in wheel.stages:
        assert "revisit" not in stage.description
        assert "opnieuw" not in translators["nl"].gettext(stage.description)
