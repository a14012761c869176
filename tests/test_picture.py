"""The wheel picture: a PNG of the promised size, every topic in its state's colour, every name
inside its segment in both languages, and no crash on whatever the partners are called."""

from __future__ import annotations

import io
import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import cache

import pytest
from PIL import Image, ImageChops, ImageDraw

from bot.domain.record import GroupRecord, TopicState
from bot.domain.wheel import load_wheel
from bot.i18n import load_translators
from bot.ops.resources import locales_dir, wheel_file
from bot.render.picture import (
    CENTRE,
    HATCH_CLEARANCE,
    MIN_LABEL_SIZE,
    MISSING_GLYPH,
    PARTS,
    SIZE,
    STATE_COLOURS,
    TEXT,
    Segment,
    WheelLabels,
    displayable,
    draw_wheel,
    render,
    wheel_layout,
)
from tests.support.records import FIRST, SECOND, STATES, sample_record

LANGUAGES = ("nl", "en")

# The legend's words are the caller's; these are what the bot is expected to say.
STATE_NAMES = {
    "nl": {
        TopicState.AGREED: "Afgesproken",
        TopicState.AGREED_AND_OPEN: "Afgesproken, met open punt",
        TopicState.OPEN_ISSUE: "Open punt",
        TopicState.ANSWERED: "Besproken",
        TopicState.SKIPPED: "Overgeslagen",
        TopicState.NOT_YET: "Nog niet besproken",
    },
    "en": {
        TopicState.AGREED: "Agreed",
        TopicState.AGREED_AND_OPEN: "Agreed, with an open issue",
        TopicState.OPEN_ISSUE: "Open issue",
        TopicState.ANSWERED: "Discussed",
        TopicState.SKIPPED: "Skipped",
        TopicState.NOT_YET: "Not discussed yet",
    },
}
SUBTITLES = {"nl": "Stand op 23 november 2026", "en": "As of 23 November 2026"}


@cache
def labels_for(language: str) -> WheelLabels:
    """The picture's words as the bot would give them: names from the catalog."""
    wheel = load_wheel(wheel_file())
    t = load_translators(locales_dir())[language]
    return WheelLabels(
        title=f"{FIRST} & {SECOND}",
        subtitle=SUBTITLES[language],
        stages={s.id: t.gettext(s.name) for s in wheel.stages},
        domains={d.id: t.gettext(d.name) for d in wheel.domains},
        topics={x.id: t.gettext(x.name) for x in wheel.topics},
        states=STATE_NAMES[language],
    )


@cache
def picture(language: str) -> Image.Image:
    png = draw_wheel(sample_record(language), labels_for(language))
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def colour_at(image: Image.Image, point: tuple[int, int]) -> tuple[int, ...]:
    """The commonest colour in a 7 px square around ``point`` (hatching, if any, is thinner)."""
    x, y = point
    colours = image.convert("RGB").crop((x - 3, y - 3, x + 4, y + 4)).getcolors()
    assert colours
    return max(colours)[1]


def every_state(language: str = "en") -> GroupRecord:
    """A record with every state in every ring, each topic taking the states in turn."""
    wheel = load_wheel(wheel_file())
    states = list(TopicState)
    return sample_record(
        language, {t.id: states[n % len(states)] for n, t in enumerate(wheel.topics)}
    )


def clearance(segment: Segment, point: tuple[float, float]) -> float:
    """How far ``point`` lies inside the segment's ring sector (negative outside), worked out
    here again rather than trusting the module's own geometry."""
    dx, dy = point[0] - CENTRE[0], point[1] - CENTRE[1]
    radius = math.hypot(dx, dy)
    angle = math.degrees(math.atan2(dy, dx))
    offset = (angle - segment.start) % 360
    span = segment.end - segment.start
    if offset > span:
        return -math.inf
    # Distance to the rays along the sides (the segments are narrower than a half circle).
    sides = min(
        radius * math.sin(math.radians(min(offset, 90))),
        radius * math.sin(math.radians(min(span - offset, 90))),
    )
    return min(radius - segment.inner, segment.outer - radius, sides)


def test_a_png_of_the_promised_size() -> None:
    png = draw_wheel(sample_record("nl"), labels_for("nl"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == SIZE
    assert image.width >= 1000
    assert image.mode == "RGB"


def test_the_sample_has_every_state() -> None:
    # The colour tests below are only as good as the record they sample.
    assert set(STATES.values()) | {TopicState.NOT_YET} == set(TopicState)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_segment_in_its_states_colour(language: str) -> None:
    layout = wheel_layout(sample_record(language), labels_for(language))
    image = picture(language)
    for topic_id, segment in layout.segments.items():
        assert segment.state is STATES.get(topic_id, TopicState.NOT_YET)
        points = segment.sample_points()
        assert list(points) == list(PARTS[segment.state]), topic_id
        for state, point in points.items():
            assert colour_at(image, point) == STATE_COLOURS[state], (topic_id, state)


def test_every_state_in_every_ring() -> None:
    record = every_state()
    layout = wheel_layout(record, labels_for("en"))
    image = Image.open(io.BytesIO(draw_wheel(record, labels_for("en"))))
    seen = set()
    for topic_id, segment in layout.segments.items():
        for state, point in segment.sample_points().items():
            assert colour_at(image, point) == STATE_COLOURS[state], (topic_id, state)
        seen.add((topic_id.split(".")[1], segment.state))
    assert {stage for stage, _ in seen} == {"orientation", "integration", "transformation"}
    assert {state for _, state in seen} == set(TopicState)


def test_both_parts_of_an_agreed_and_open_topic() -> None:
    segment = wheel_layout(sample_record("nl"), labels_for("nl")).segments[
        "value-creation.orientation.goals"
    ]
    points = segment.sample_points()
    image = picture("nl")
    # Agreed on the outside, the open issue inside, each in its own colour.
    outer, inner = points[TopicState.AGREED], points[TopicState.OPEN_ISSUE]
    assert math.dist(outer, CENTRE) > math.dist(inner, CENTRE)
    assert colour_at(image, outer) == STATE_COLOURS[TopicState.AGREED]
    assert colour_at(image, inner) == STATE_COLOURS[TopicState.OPEN_ISSUE]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_name_fits_its_segment_whole(language: str) -> None:
    labels = labels_for(language)
    layout = wheel_layout(sample_record(language), labels)
    for topic_id, segment in layout.segments.items():
        label = segment.label
        # Whole: not shortened, wrapped at spaces, and broken inside a word only where the
        # catalog put a soft hyphen.
        name = labels.topics[topic_id]
        joined = "".join(line[:-1] if line.endswith("-") else line + " " for line in label.lines)
        assert joined.strip() == name.replace("\u00ad", ""), topic_id
        for line in label.lines:
            if line.endswith("-"):
                assert line.split()[-1][:-1] + "\u00ad" in name, (topic_id, line)
        assert label.size >= MIN_LABEL_SIZE, topic_id
        for corner in label.corners():
            assert clearance(segment, corner) >= 5, (topic_id, label)


@pytest.mark.parametrize("language", LANGUAGES)
def test_names_are_drawn_only_where_the_layout_put_them(language: str) -> None:
    # Draw the wheel with and without the topic names: every pixel that differs must lie in a
    # name's block (which the test above keeps inside its segment).
    record = sample_record(language)
    labels = labels_for(language)
    blank = replace(labels, topics=dict.fromkeys(labels.topics, ""))
    layout = wheel_layout(record, labels)
    named, unnamed = render(layout), render(wheel_layout(record, blank))
    diff = ImageChops.difference(named, unnamed).convert("L").point(lambda v: 255 if v else 0)
    assert diff.getbbox() is not None  # the names were drawn at all
    pen = ImageDraw.Draw(diff)
    for segment in layout.segments.values():
        # A pixel for smoothing; on a hatched segment the hatching leaves room round the name.
        margin = 1 + (HATCH_CLEARANCE if segment.state is TopicState.SKIPPED else 0)
        label = replace(
            segment.label,
            width=segment.label.width + 2 * margin,
            height=segment.label.height + 2 * margin,
        )
        pen.polygon(label.corners(), fill=0)
    assert diff.getbbox() is None


def test_a_name_that_fits_nowhere_is_shortened_inside_its_segment() -> None:
    labels = labels_for("nl")
    long_word = "Verantwoordelijkheidsverdelingsovereenkomstonderhandelingen"
    topics = dict(labels.topics)
    topics["resources.integration.responsibility"] = long_word
    topics["resources.integration.commitment"] = "Heel veel woorden " * 12
    layout = wheel_layout(sample_record("nl"), replace(labels, topics=topics))
    for topic_id in ("resources.integration.responsibility", "resources.integration.commitment"):
        segment = layout.segments[topic_id]
        assert segment.label.lines
        assert segment.label.size >= MIN_LABEL_SIZE
        for corner in segment.label.corners():
            assert clearance(segment, corner) >= 5, topic_id
    assert "…" in "".join(layout.segments["resources.integration.commitment"].label.lines)


def test_a_soft_hyphen_is_a_place_to_break() -> None:
    labels = labels_for("nl")
    topics = dict(labels.topics)
    topics["resources.integration.responsibility"] = "Verantwoordelijk\u00adheidsverdeling"
    layout = wheel_layout(sample_record("nl"), replace(labels, topics=topics))
    assert layout.segments["resources.integration.responsibility"].label.lines == (
        "Verantwoordelijk-",
        "heidsverdeling",
    )


def test_characters_the_font_lacks_show_as_a_box() -> None:
    assert displayable("Bakkerij 🥖") == f"Bakkerij {MISSING_GLYPH}"
    # One box per emoji, however many code points make it up.
    assert displayable("👍🏽 👨‍👩‍👧 🇳🇱 🤝🏻") == " ".join([MISSING_GLYPH] * 4)
    # What the font has, it draws: a heart, even with the emoji variation selector.
    assert displayable("❤️").startswith("❤")
    assert displayable("Müller & Zonen <b>") == "Müller & Zonen <b>"
    assert displayable("a\nb\x00c") == "a b c"
    assert displayable("José") == "José"  # decomposed é, composed for the font


def test_names_with_emoji_accents_and_markup_do_not_break_it() -> None:
    labels = replace(
        labels_for("nl"),
        title='<b>Bakkerij</b> Müller & Zonen 🥖 & Café ☕ "Ål" 👨‍👩‍👧\n\x00 ' + "lang " * 40,
        subtitle="Stand op 23 november 2026 🤝",
    )
    layout = wheel_layout(sample_record("nl"), labels)
    assert len(layout.title.lines) <= 2
    assert MISSING_GLYPH in "".join(layout.title.lines)
    assert layout.title.lines[-1].endswith("…")
    image = Image.open(io.BytesIO(draw_wheel(sample_record("nl"), labels)))
    assert image.size == SIZE


def test_a_missing_label_is_named() -> None:
    labels = labels_for("en")
    topics = dict(labels.topics)
    del topics["resources.orientation.type"]
    with pytest.raises(KeyError, match=r"resources\.orientation\.type"):
        wheel_layout(sample_record("en"), replace(labels, topics=topics))


def test_renders_the_same_from_several_threads() -> None:
    record, labels = sample_record("nl"), labels_for("nl")
    with ThreadPoolExecutor(4) as pool:
        pictures = list(pool.map(lambda _: draw_wheel(record, labels), range(4)))
    assert len(set(pictures)) == 1


def luminance(colour: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_colours_carry_dark_text_and_stay_apart_in_grey() -> None:
    for state, colour in STATE_COLOURS.items():
        contrast = (luminance(colour) + 0.05) / (luminance(TEXT) + 0.05)
        assert contrast >= 4.5, state
    # Printed in grey, neighbouring fills differ by at least 20 of 255 levels (hatching tells
    # "skipped" from "not yet" on top).
    greys = sorted(
        Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0)) for c in STATE_COLOURS.values()
    )
    assert all(b - a >= 20 for a, b in itertools.pairwise(greys)), greys
