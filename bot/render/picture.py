"""Draw a group's wheel as a PNG: every topic a segment coloured by how far the partners got.

The shape follows the figure in de Bell & Bakker (2024): three rings for the stages, with
Orientation on the outside and Transformation at the core (collaborations deepen towards the
centre), cut into three sectors for the domains. Within a ring and a sector the topics of that
stage and domain are segments, in wheel order, clockwise; the first domain sits on top.

From the outside in: a dark band with the domains' names; the Orientation topics, with a strip
along their inner edge carrying the stage's name (once per sector); the Integration topics and
their strip; the Transformation topics around a disc with that stage's name. A legend of the
states sits under the wheel, the title (the partners) and a subtitle (the date) above it.

A segment is filled with the colour of its :class:`~bot.report.TopicState`. The colours are
taken from the Okabe-Ito palette (told apart with every common kind of colour blindness), are
light enough for dark text (contrast at least 4.5:1) and step down in lightness from "not yet"
to "agreed", so they stay apart when printed in grey; "skipped" is hatched as well.
A topic with an agreement and an open issue is drawn as two bands: agreed outside, open inside.

Every word on the picture comes in :class:`WheelLabels`, already translated: this module knows no
language, no Telegram and no database. Topic names are fitted into their segments: wrapped at
spaces (and at soft hyphens, U+00AD, should a translation carry them), in the largest size that
fits every name of the ring, never below :data:`MIN_LABEL_SIZE`; a name that still does not fit
is broken inside a word with a hyphen, and as a last resort shortened with "…".

The bundled DejaVu fonts have no emoji: a character they lack is drawn as
:data:`MISSING_GLYPH` ("□"), once per emoji even when it is built from several code points,
so a partner name like "Bakkerij 🥖" shows that something is there instead of silently losing it.

Everything is drawn at twice the size and then averaged down (2 by 2 pixels into one), which
smooths the arcs: Pillow draws shapes without antialiasing. A box filter is exact for halving
and takes 7 ms where Lanczos takes 95. Rendering keeps no state between calls; the loaded fonts are
cached and shared, which is safe across threads (Pillow holds the GIL while FreeType works, and
since 12.2 locks each font on free-threaded builds), so callers may use ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.domain.record import GroupRecord, TopicState

Colour = tuple[int, int, int]
Point = tuple[float, float]

#: The picture's size in pixels: wide enough to read on a phone, tall enough for the legend.
SIZE = (1200, 1460)
WIDTH, HEIGHT = SIZE
#: Drawing scale: shapes are drawn this much larger and scaled down, for smooth edges.
SCALE = 2

#: The fill of each state that is drawn in one colour.
STATE_COLOURS: dict[TopicState, Colour] = {
    TopicState.AGREED: (0, 158, 115),  # Okabe-Ito bluish green
    TopicState.OPEN_ISSUE: (230, 159, 0),  # Okabe-Ito orange
    TopicState.ANSWERED: (160, 205, 240),  # a light tint of Okabe-Ito sky blue
    TopicState.SKIPPED: (226, 226, 226),  # light grey, hatched with HATCH
    TopicState.NOT_YET: (255, 255, 255),
}
#: How each state is drawn, as the states whose colours fill it from the outside in: a topic with
#: both an agreement and an open issue shows both, since hiding either would mislead.
PARTS: dict[TopicState, tuple[TopicState, ...]] = {
    state: (state,) for state in TopicState if state is not TopicState.AGREED_AND_OPEN
} | {TopicState.AGREED_AND_OPEN: (TopicState.AGREED, TopicState.OPEN_ISSUE)}

BACKGROUND: Colour = (255, 255, 255)
TEXT: Colour = (33, 33, 33)
SUBTLE: Colour = (85, 85, 85)
ON_DARK: Colour = (255, 255, 255)
#: The domain band and the stage strips: neutral slate, so that only the topics carry colour.
BAND: Colour = (38, 55, 71)
STRIP: Colour = (84, 104, 124)
#: Segment edges: dark enough that white ("not yet") segments keep their shape on white paper.
OUTLINE: Colour = (150, 150, 150)
HATCH: Colour = (165, 165, 165)
#: How far (px) the hatching keeps from a name's block.
HATCH_CLEARANCE = 7.0

#: Replaces a character the fonts cannot draw (emoji, mostly).
MISSING_GLYPH = "□"

#: Topic names are never drawn smaller than this (px in the final picture), nor larger than that.
MIN_LABEL_SIZE = 20
MAX_LABEL_SIZE = 28

_FONTS = Path(__file__).resolve().parent / "fonts"
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"
_CONDENSED = "DejaVuSansCondensed.ttf"
_CONDENSED_BOLD = "DejaVuSansCondensed-Bold.ttf"

#: The wheel's centre, in pixels of the picture.
CENTRE: Point = (WIDTH / 2, 730.0)
# Geometry, in pixels of the final picture.
_RADIUS = 560.0  # outer edge of the domain band
_TOPIC_OUTER = (506.0, 380.0, 172.0)  # outer edge of each stage's topics, outside in
_HUB = 90.0  # the centre disc carrying the innermost stage's name
_STRIP = 26.0  # the strip carrying a stage's name
_RING_GAP = 6.0  # white space between rings
_SECTOR_GAP = 8.0  # white space between sectors (parallel-sided)
_FIRST_SECTOR = -150.0  # degrees clockwise from 3 o'clock: the first domain centred on top
# How far text keeps from a segment's edges: radial edges (past the half gap and the outline)
# and arcs.
_PAD_SIDE = 10.0
_PAD_ARC = 6.0
_MAX_LINES = 3

_TITLE_BOX = (40.0, 22.0, WIDTH - 40.0, 112.0)  # left, top, right, bottom
_SUBTITLE_Y = 118.0
_LEGEND_TOP = CENTRE[1] + _RADIUS + 36
_LEGEND_ROW = 54.0
_LEGEND_COLUMNS = 3
_SWATCH = 40.0
_LEGEND_TEXT = (WIDTH - 80) / _LEGEND_COLUMNS - _SWATCH - 28  # room for a legend entry's words


@dataclass(frozen=True, slots=True)
class WheelLabels:
    """Every word on the picture, already translated by the caller."""

    #: The heading, e.g. the two partners' names.
    title: str
    #: The line under it, e.g. "Stand op 23 november 2026".
    subtitle: str
    #: Stage id -> name.
    stages: dict[str, str]
    #: Domain id -> name.
    domains: dict[str, str]
    #: Topic id -> name.
    topics: dict[str, str]
    #: Legend text for every state.
    states: dict[TopicState, str]


@dataclass(frozen=True, slots=True)
class Label:
    """A block of text, centred on ``centre`` and turned ``angle`` degrees clockwise."""

    lines: tuple[str, ...]
    #: Font size in px of the final picture.
    size: int
    centre: Point
    angle: float
    width: float
    height: float
    line_height: float

    def axes(self) -> tuple[Point, Point]:
        """The unit vectors along the text and towards its top, in picture coordinates."""
        a = math.radians(self.angle)
        return (math.cos(a), math.sin(a)), (math.sin(a), -math.cos(a))

    def corners(self) -> tuple[Point, ...]:
        """The block's four corners in picture coordinates."""
        (ax, ay), (ux, uy) = self.axes()
        cx, cy = self.centre
        w, h = self.width / 2, self.height / 2
        return tuple(
            (cx + sx * w * ax + sy * h * ux, cy + sx * w * ay + sy * h * uy)
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        )

    def distance(self, point: Point) -> float:
        """How far ``point`` lies from the block (0 inside it)."""
        (ax, ay), (ux, uy) = self.axes()
        dx, dy = point[0] - self.centre[0], point[1] - self.centre[1]
        along = max(abs(dx * ax + dy * ay) - self.width / 2, 0.0)
        across = max(abs(dx * ux + dy * uy) - self.height / 2, 0.0)
        return math.hypot(along, across)


@dataclass(frozen=True, slots=True)
class Segment:
    """One topic's place on the wheel: the ring between two radii and two angles.

    Angles are degrees clockwise from 3 o'clock, radii px from the wheel's centre, as in Pillow.
    """

    topic_id: str
    state: TopicState
    inner: float
    outer: float
    start: float
    end: float
    label: Label

    def parts(self) -> tuple[tuple[TopicState, float, float], ...]:
        """Each drawn part as (state, inner radius, outer radius), outside in."""
        states = PARTS[self.state]
        step = (self.outer - self.inner) / len(states)
        return tuple(
            (state, self.outer - (i + 1) * step, self.outer - i * step)
            for i, state in enumerate(states)
        )

    def clearance(
        self, point: Point, inner: float | None = None, outer: float | None = None
    ) -> float:
        """How far ``point`` lies inside the segment (negative outside): from its arcs (or the
        given radii) and from the rays along its sides."""
        radius, angle = polar(point)
        offset = (angle - self.start) % 360
        span = self.end - self.start
        if offset > span:
            return -1.0
        side = min(
            radius * math.sin(math.radians(min(offset, 90))),
            radius * math.sin(math.radians(min(span - offset, 90))),
        )
        lo = self.inner if inner is None else inner
        hi = self.outer if outer is None else outer
        return min(radius - lo, hi - radius, side)

    def sample_points(self) -> dict[TopicState, tuple[int, int]]:
        """For each drawn part, the pixel farthest from the part's edges and from the label:
        where the fill colour can be read without meeting text, outline or the other part."""
        points = {}
        for state, lo, hi in self.parts():
            best: tuple[float, Point] = (-math.inf, (0.0, 0.0))
            for i in range(1, 16):
                radius = lo + (hi - lo) * i / 16
                for j in range(1, 24):
                    angle = math.radians(self.start + (self.end - self.start) * j / 24)
                    point = (
                        CENTRE[0] + radius * math.cos(angle),
                        CENTRE[1] + radius * math.sin(angle),
                    )
                    score = min(self.clearance(point, lo, hi), self.label.distance(point))
                    best = max(best, (score, point))
            points[state] = (round(best[1][0]), round(best[1][1]))
        return points


@dataclass(frozen=True, slots=True)
class Caption:
    """A line or lines of text in one size (for the title, names and the legend)."""

    lines: tuple[str, ...]
    size: int


@dataclass(frozen=True, slots=True)
class WheelLayout:
    """Where everything goes, decided before drawing (and what the tests check)."""

    #: Topic id -> its segment, in wheel order.
    segments: dict[str, Segment]
    #: Stage ids, outside in.
    stages: tuple[str, ...]
    #: Domain ids, clockwise from the top.
    domains: tuple[str, ...]
    stage_names: dict[str, Caption]
    domain_names: dict[str, Caption]
    title: Caption
    subtitle: Caption
    legend: dict[TopicState, Caption]


def polar(point: Point) -> tuple[float, float]:
    """A picture point as (radius, degrees clockwise from 3 o'clock) around the wheel's centre."""
    dx, dy = point[0] - CENTRE[0], point[1] - CENTRE[1]
    return math.hypot(dx, dy), math.degrees(math.atan2(dy, dx)) % 360


def draw_wheel(record: GroupRecord, labels: WheelLabels) -> bytes:
    """Draw the wheel of ``record`` with the words of ``labels``; return PNG bytes of :data:`SIZE`."""
    image = render(wheel_layout(record, labels))
    out = io.BytesIO()
    # Fast compression: level 1 is a third quicker than the default and only a tenth larger.
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


# --- Fonts and text ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: the same measurements whether or not Pillow was built with libraqm, and the
    # names here need kerning, not shaping.
    return ImageFont.truetype(str(_FONTS / name), px, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=8)
def _coverage(name: str) -> frozenset[int]:
    # Reading the cmap with fontTools is the one sure way to know
    # which characters a font has, since Pillow silently draws its "missing" box.
    from fontTools.ttLib import TTFont

    with TTFont(str(_FONTS / name), lazy=True) as font:
        return frozenset(font.getBestCmap())


_ZWJ = "\u200d"
_SOFT_HYPHEN = "\u00ad"


def _regional(ch: str) -> bool:
    """Whether ``ch`` is a regional indicator letter (two of them make a flag)."""
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def warm_up() -> None:
    """Read the fonts' character tables now (at start-up), not during the first picture."""
    for name in (_REGULAR, _BOLD, _CONDENSED, _CONDENSED_BOLD):
        _coverage(name)


def displayable(text: str, font: str = _REGULAR) -> str:
    """``text`` as the font can draw it: NFC, control characters as spaces, and every character
    the font lacks as one :data:`MISSING_GLYPH`, an emoji built of several code points (joined,
    with a skin tone, a flag) as one."""
    have = _coverage(font)
    out: list[str] = []
    replaced = joined = flag = False  # what the last character written stood for
    for ch in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(ch)
        if kind == "Cc":
            out.append(" ")
            replaced = False
        elif ch == _ZWJ:
            joined = replaced
        elif replaced and (joined or kind in ("Mn", "Me", "Cf", "Sk") or (flag and _regional(ch))):
            # The rest of the emoji just replaced: what a joiner glued on, a variation selector,
            # a skin tone, a flag's second letter.
            joined = flag = False
        elif ch == _SOFT_HYPHEN or ord(ch) in have:
            out.append(ch)
            replaced = False
        elif kind not in ("Mn", "Me", "Cf"):  # marks and format characters are invisible anyway
            out.append(MISSING_GLYPH)
            replaced, joined, flag = True, False, _regional(ch)
    return "".join(out)


def _ink_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    """Width of ``text`` in px of the drawing, counting both its advance and its ink."""
    if not text:
        return 0.0
    left, _, right, _ = font.getbbox(text)
    return max(font.getlength(text), right) - min(left, 0)


def _line_height(font: ImageFont.FreeTypeFont) -> float:
    ascent, descent = font.getmetrics()
    return float(ascent + descent)


def _tokens(text: str) -> list[str]:
    """Split a name into pieces a line may break after: words, and parts at soft hyphens (each
    but a word's last ending in the soft hyphen)."""
    tokens = []
    for word in text.split():
        parts = [p for p in word.split(_SOFT_HYPHEN) if p]
        tokens += [p + _SOFT_HYPHEN for p in parts[:-1]] + parts[-1:]
    return tokens


def _join(tokens: Sequence[str]) -> str:
    """One line of tokens: a word joins the next with a space, a soft-hyphen part joins it
    directly, and a soft-hyphen part at the end of the line shows its hyphen."""
    line = ""
    for i, token in enumerate(tokens):
        if token.endswith(_SOFT_HYPHEN):
            line += token[:-1] + ("-" if i == len(tokens) - 1 else "")
        else:
            line += token + (" " if i < len(tokens) - 1 else "")
    return line


class _Type:
    """One font in one size, measuring in px of the final picture and remembering every width
    it measured (fitting tries the same lines many times)."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.font = _font(name, size * SCALE)
        self.line_height = _line_height(self.font) / SCALE
        self._widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        if text not in self._widths:
            self._widths[text] = _ink_width(self.font, text) / SCALE
        return self._widths[text]

    def block(self, lines: Sequence[str]) -> tuple[float, float]:
        """Width and height of lines set one under the other."""
        return max(map(self.width, lines), default=0.0), self.line_height * len(lines)

    def wrappings(
        self, tokens: Sequence[str], max_lines: int, limit: float
    ) -> list[tuple[str, ...]]:
        """Every way to set the tokens in order on at most ``max_lines`` lines no wider than
        ``limit``, fewest lines first."""
        if not tokens:
            return [()]
        found: list[tuple[str, ...]] = []

        def split(start: int, lines_left: int, head: tuple[str, ...]) -> None:
            rest = _join(tokens[start:])
            if self.width(rest) <= limit:
                found.append((*head, rest))
            if lines_left == 1:
                return
            for cut in range(start + 1, len(tokens)):
                line = _join(tokens[start:cut])
                if self.width(line) > limit:
                    break  # a longer line only gets wider
                split(cut, lines_left - 1, (*head, line))

        split(0, max_lines, ())
        return sorted(found, key=len)

    def shorten(self, text: str, limit: float) -> str:
        """The longest start of ``text`` that, with "…" after it, is no wider than ``limit``."""
        if self.width(text) <= limit:
            return text
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.width(text[:mid].rstrip() + "…") <= limit:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class _Place:
    """A topic's ring sector, before it has a label."""

    inner: float
    outer: float
    start: float
    end: float

    @property
    def widest(self) -> float:
        """No block wider than this can fit: the chord across the sector's outer corners."""
        half = (self.end - self.start) / 2
        chord = 2 * self.outer * math.sin(math.radians(half)) if half < 90 else math.inf
        return min(2 * (self.outer - _PAD_ARC), chord)

    def radial_range(self, width: float, height: float) -> tuple[float, float] | None:
        """How far from the wheel's centre a block of ``width`` by ``height`` px, set square to
        the radius on the sector's middle line, may sit inside it; None if nowhere.

        The block's inner edge must clear the inner arc, its outer corners the outer arc, and
        its inner corners (nearest the sides) the rays along the sector's sides."""
        half = (self.end - self.start) / 2
        a = math.radians(half)
        lowest = self.inner + _PAD_ARC + height / 2
        if half < 90:
            lowest = max(lowest, (_PAD_SIDE + width / 2 * math.cos(a)) / math.sin(a) + height / 2)
        room = (self.outer - _PAD_ARC) ** 2 - (width / 2) ** 2
        if room <= 0:
            return None
        highest = math.sqrt(room) - height / 2
        return (lowest, highest) if lowest <= highest else None


class _Fitter:
    """Fits text into the picture's shapes. One per layout: it remembers what it measured."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, int], _Type] = {}

    def type(self, name: str, size: int) -> _Type:
        if (name, size) not in self._types:
            self._types[name, size] = _Type(name, size)
        return self._types[name, size]

    def _label_options(self, text: str, size: int, place: _Place) -> Iterator[tuple[str, ...]]:
        """Ways to set a topic name in ``place`` at ``size`` that fit, best first."""
        kind = self.type(_CONDENSED, size)
        for lines in kind.wrappings(
            _tokens(displayable(text, _CONDENSED)), _MAX_LINES, place.widest
        ):
            if place.radial_range(*kind.block(lines)) is not None:
                yield lines

    def largest_label(self, text: str, place: _Place) -> int:
        """The largest size (down to the minimum) at which a name fits by whole words."""
        for size in range(MAX_LABEL_SIZE, MIN_LABEL_SIZE, -1):
            if next(self._label_options(text, size, place), None) is not None:
                return size
        return MIN_LABEL_SIZE

    def label(self, text: str, size: int, preferred: float, place: _Place) -> Label:
        """Set a topic name at ``size`` in ``place``, as near radius ``preferred`` as it fits:
        by whole words on the fewest lines; failing that, with a word broken by a hyphen;
        failing that, shortened with "…" on one line."""
        kind = self.type(_CONDENSED, size)
        chosen = next(self._label_options(text, size, place), None)
        tokens = _tokens(displayable(text, _CONDENSED))
        if chosen is None:
            broken = (
                lines
                for option in self._hyphenated(tokens, kind)
                for lines in kind.wrappings(option, _MAX_LINES, place.widest)
                if place.radial_range(*kind.block(lines)) is not None
            )
            chosen = next(broken, None)
        if chosen is None:
            chosen = self._shortened(_join(tokens).replace(_SOFT_HYPHEN, ""), kind, place)
        width, height = kind.block(chosen)
        limits = place.radial_range(width, height)
        assert limits is not None
        radius = min(max(preferred, limits[0]), limits[1])
        mid = (place.start + place.end) / 2
        a = math.radians(mid)
        centre = (CENTRE[0] + radius * math.cos(a), CENTRE[1] + radius * math.sin(a))
        return Label(chosen, size, centre, _upright(mid), width, height, kind.line_height)

    @staticmethod
    def _hyphenated(tokens: Sequence[str], kind: _Type) -> Iterator[list[str]]:
        """The tokens with one long word broken where its halves are most even: a last resort
        for a name that does not fit (an odd break beats text outside its segment)."""
        for i, token in enumerate(tokens):
            word = token.rstrip(_SOFT_HYPHEN)
            if len(word) < 8:
                continue
            cut = min(
                range(3, len(word) - 2),
                key=lambda k: abs(kind.width(word[:k] + "-") - kind.width(word[k:])),
            )
            rest = word[cut:] + token[len(word) :]  # keeps the soft hyphen the token ended with
            yield [*tokens[:i], word[:cut] + _SOFT_HYPHEN, rest, *tokens[i + 1 :]]

    @staticmethod
    def _shortened(text: str, kind: _Type, place: _Place) -> tuple[str, ...]:
        """One line: the longest start of ``text`` that fits with "…" after it."""
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            line = text[:mid].rstrip() + "…"
            if place.radial_range(*kind.block((line,))) is not None:
                lo = mid
            else:
                hi = mid - 1
        return (text[:lo].rstrip() + "…",)

    def arc(
        self, text: str, name: str, sizes: range, radius: float, span: float, band: float
    ) -> Caption:
        """The largest size at which ``text`` runs along an arc of ``span`` degrees and fits
        the band's width; failing that the smallest, shortened with "…"."""
        room = math.radians(span) * radius - 2 * (_SECTOR_GAP + 3 * _PAD_SIDE)
        text = displayable(" ".join(text.split()), name)
        for size in sizes:
            kind = self.type(name, size)
            if kind.line_height <= band and _arc_length(text, kind.font) / SCALE <= room:
                return Caption((text,), size)
        kind = self.type(name, sizes[-1])
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _arc_length(text[:mid].rstrip() + "…", kind.font) / SCALE <= room:
                lo = mid
            else:
                hi = mid - 1
        return Caption((text[:lo].rstrip() + "…",), kind.size)

    def block(
        self,
        text: str,
        name: str,
        sizes: range,
        width: float,
        height: float,
        *,
        max_lines: int = 2,
        disc: float | None = None,
    ) -> Caption:
        """The largest size and fewest lines at which ``text`` fits a box of ``width`` by
        ``height`` (or, given ``disc``, a circle of that radius); failing that the smallest
        size, shortened with "…" on one line."""
        tokens = _tokens(displayable(" ".join(text.split()), name))
        for size in sizes:
            kind = self.type(name, size)
            for lines in kind.wrappings(tokens, max_lines, width):
                w, h = kind.block(lines)
                if (math.hypot(w / 2, h / 2) <= disc) if disc is not None else h <= height:
                    return Caption(lines, size)
        kind = self.type(name, sizes[-1])
        if disc is not None:
            width = 2 * math.sqrt(max(disc**2 - (kind.line_height / 2) ** 2, 0))
        return Caption((kind.shorten(_join(tokens), width),), kind.size)


def _upright(angle: float) -> float:
    """How far to turn text square to the radius at ``angle`` so it never reads upside down:
    its top points outwards on the upper half of the wheel and inwards on the lower half."""
    return angle + 90 if math.sin(math.radians(angle)) <= 0 else angle - 90


def _tracking(font: ImageFont.FreeTypeFont) -> float:
    """Extra space between letters along an arc: capitals and curved runs read better spaced."""
    return font.size * 0.08


def _arc_length(text: str, font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(text) + _tracking(font) * max(len(text) - 1, 0)


# --- Layout -----------------------------------------------------------------------------------


def wheel_layout(record: GroupRecord, labels: WheelLabels) -> WheelLayout:
    """Decide where every segment and every word goes; raise KeyError for a missing label."""
    stages = tuple(dict.fromkeys(r.topic.stage for r in record.topics))
    domains = tuple(dict.fromkeys(r.topic.domain for r in record.topics))
    if len(stages) != len(_TOPIC_OUTER):
        raise ValueError(f"the picture has {len(_TOPIC_OUTER)} rings, the wheel {len(stages)}")
    missing = (
        [s for s in stages if s not in labels.stages]
        + [d for d in domains if d not in labels.domains]
        + [r.topic.id for r in record.topics if r.topic.id not in labels.topics]
        + [str(s) for s in TopicState if s not in labels.states]
    )
    if missing:
        raise KeyError(f"no label for {', '.join(missing)}")
    fit = _Fitter()
    sector = 360 / len(domains)
    places: dict[str, _Place] = {}
    for ring, stage in enumerate(stages):
        inner, outer = _topic_radii(ring)
        for d, domain in enumerate(domains):
            cell = [
                r for r in record.topics if r.topic.stage == stage and r.topic.domain == domain
            ]
            step = sector / len(cell)
            for i, r in enumerate(cell):
                start = _FIRST_SECTOR + d * sector + i * step
                places[r.topic.id] = _Place(inner, outer, start, start + step)
    # One size per ring, the largest at which every name of the ring fits: a ring in mixed sizes
    # looks untidy, and the longest name decides.
    ring_size = {
        stage: min(
            fit.largest_label(labels.topics[r.topic.id], places[r.topic.id])
            for r in record.topics
            if r.topic.stage == stage
        )
        for stage in stages
    }
    segments = {}
    for r in record.topics:
        place = places[r.topic.id]
        # Centre the name on the first (outer) part: on a split topic, text across the line
        # between the two colours reads worse.
        preferred = place.outer - (place.outer - place.inner) / len(PARTS[r.state]) / 2
        label = fit.label(labels.topics[r.topic.id], ring_size[r.topic.stage], preferred, place)
        segments[r.topic.id] = Segment(
            r.topic.id, r.state, place.inner, place.outer, place.start, place.end, label
        )
    stage_names = {}
    for ring, stage in enumerate(stages):
        if ring == len(stages) - 1:
            # The centre disc; the name in full, not in capitals, for it to stay large.
            stage_names[stage] = fit.block(
                labels.stages[stage],
                _CONDENSED_BOLD,
                range(24, 13, -1),
                2 * _HUB,
                2 * _HUB,
                disc=_HUB - 6,
            )
        else:
            inner = _topic_radii(ring)[0] - _STRIP
            stage_names[stage] = fit.arc(
                labels.stages[stage].upper(),
                _BOLD,
                range(20, 15, -1),
                inner + _STRIP / 2,
                sector,
                _STRIP,
            )
    band_inner = _TOPIC_OUTER[0] + _RING_GAP
    domain_names = {
        domain: fit.arc(
            labels.domains[domain],
            _BOLD,
            range(30, 19, -1),
            (band_inner + _RADIUS) / 2,
            sector,
            _RADIUS - band_inner,
        )
        for domain in domains
    }
    left, top, right, bottom = _TITLE_BOX
    return WheelLayout(
        segments=segments,
        stages=stages,
        domains=domains,
        stage_names=stage_names,
        domain_names=domain_names,
        title=fit.block(labels.title, _BOLD, range(44, 27, -1), right - left, bottom - top),
        subtitle=fit.block(
            labels.subtitle, _REGULAR, range(26, 17, -1), right - left, 40, max_lines=1
        ),
        legend={
            state: fit.block(
                labels.states[state], _REGULAR, range(24, 17, -1), _LEGEND_TEXT, _LEGEND_ROW
            )
            for state in TopicState
        },
    )


def _topic_radii(ring: int) -> tuple[float, float]:
    """Inner and outer radius of the topics of ring ``ring`` (0 outermost)."""
    outer = _TOPIC_OUTER[ring]
    if ring == len(_TOPIC_OUTER) - 1:
        return _HUB + _RING_GAP, outer
    return _TOPIC_OUTER[ring + 1] + _RING_GAP + _STRIP, outer


# --- Drawing ----------------------------------------------------------------------------------


def render(layout: WheelLayout) -> Image.Image:
    """Draw ``layout`` as an RGB image of :data:`SIZE`."""
    canvas = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    sector = 360 / len(layout.domains)
    # The domain band and the stage strips first: the topics' outlines go over their edges.
    for d, domain in enumerate(layout.domains):
        start = _FIRST_SECTOR + d * sector
        end = start + sector
        band_inner = _TOPIC_OUTER[0] + _RING_GAP
        _sector_shape(draw, band_inner, _RADIUS, start, end, True, True, fill=BAND)
        _arc_text(
            canvas,
            layout.domain_names[domain],
            _BOLD,
            (band_inner + _RADIUS) / 2,
            (start + end) / 2,
            ON_DARK,
        )
        for ring, stage in enumerate(layout.stages[:-1]):
            inner = _topic_radii(ring)[0] - _STRIP
            _sector_shape(draw, inner, inner + _STRIP, start, end, True, True, fill=STRIP)
            _arc_text(
                canvas,
                layout.stage_names[stage],
                _BOLD,
                inner + _STRIP / 2,
                (start + end) / 2,
                ON_DARK,
            )
    hub = _scaled(CENTRE)
    r = _HUB * SCALE
    draw.ellipse((hub[0] - r, hub[1] - r, hub[0] + r, hub[1] + r), fill=STRIP)
    _block_text(canvas, layout.stage_names[layout.stages[-1]], _CONDENSED_BOLD, CENTRE, 0, ON_DARK)
    for segment in layout.segments.values():
        _draw_segment(canvas, draw, segment, sector)
    for segment in layout.segments.values():
        label = segment.label
        _block_text(
            canvas, Caption(label.lines, label.size), _CONDENSED, label.centre, label.angle, TEXT
        )
    _draw_header(canvas, layout)
    _draw_legend(canvas, draw, layout)
    return canvas.reduce(SCALE)


def _scaled(point: Point) -> Point:
    return point[0] * SCALE, point[1] * SCALE


def _sector_points(
    inner: float, outer: float, start: float, end: float, trim_start: bool, trim_end: bool
) -> list[Point]:
    """The outline of a ring sector in drawing px; a trimmed side leaves half the sector gap
    between it and the ray, so gaps between sectors are the same width all along."""
    half_gap = _SECTOR_GAP / 2

    def arc(radius: float, forward: bool) -> list[Point]:
        if radius <= 0:
            return [_scaled(CENTRE)]
        a = start + (math.degrees(math.asin(min(half_gap / radius, 1))) if trim_start else 0)
        b = end - (math.degrees(math.asin(min(half_gap / radius, 1))) if trim_end else 0)
        steps = max(2, math.ceil(math.radians(abs(b - a)) * radius * SCALE / 16))
        angles = [a + (b - a) * i / steps for i in range(steps + 1)]
        if not forward:
            angles.reverse()
        return [
            (
                (CENTRE[0] + radius * math.cos(math.radians(t))) * SCALE,
                (CENTRE[1] + radius * math.sin(math.radians(t))) * SCALE,
            )
            for t in angles
        ]

    return arc(outer, True) + arc(inner, False)


def _sector_shape(
    draw: ImageDraw.ImageDraw,
    inner: float,
    outer: float,
    start: float,
    end: float,
    trim_start: bool,
    trim_end: bool,
    *,
    fill: Colour | None = None,
    outline: Colour | None = None,
) -> None:
    points = _sector_points(inner, outer, start, end, trim_start, trim_end)
    if fill is not None:
        draw.polygon(points, fill=fill)
    if outline is not None:
        # A closed line, not polygon(width=...), which builds a mask the size of the canvas.
        draw.line([*points, points[0]], fill=outline, width=SCALE, joint="curve")


def _trims(segment: Segment, sector: float) -> tuple[bool, bool]:
    """Whether the segment's sides lie on a sector's edge (and so leave half the gap)."""

    def on_edge(angle: float) -> bool:
        return (
            abs((angle - _FIRST_SECTOR) / sector - round((angle - _FIRST_SECTOR) / sector)) < 1e-6
        )

    return on_edge(segment.start), on_edge(segment.end)


def _draw_segment(
    canvas: Image.Image, draw: ImageDraw.ImageDraw, segment: Segment, sector: float
) -> None:
    trim = _trims(segment, sector)
    for state, lo, hi in segment.parts():
        _sector_shape(draw, lo, hi, segment.start, segment.end, *trim, fill=STATE_COLOURS[state])
        if state is TopicState.SKIPPED:
            hole = _scaled_corners(segment.label, HATCH_CLEARANCE) if segment.label.lines else ()
            _hatch(canvas, _sector_points(lo, hi, segment.start, segment.end, *trim), hole)
    _sector_shape(
        draw, segment.inner, segment.outer, segment.start, segment.end, *trim, outline=OUTLINE
    )


def _scaled_corners(label: Label, margin: float) -> list[Point]:
    """The label's block grown by ``margin`` px on every side, in drawing px."""
    grown = Label(
        label.lines,
        label.size,
        label.centre,
        label.angle,
        label.width + 2 * margin,
        label.height + 2 * margin,
        label.line_height,
    )
    return [_scaled(p) for p in grown.corners()]


def _hatch(canvas: Image.Image, points: list[Point], hole: Sequence[Point] = ()) -> None:
    """Diagonal lines over a shape, so "skipped" stays apart from "not yet" in print; none in
    ``hole`` (around the name, which reads badly over lines)."""
    left = int(min(x for x, _ in points))
    top = int(min(y for _, y in points))
    right = math.ceil(max(x for x, _ in points))
    bottom = math.ceil(max(y for _, y in points))
    size = (right - left + 1, bottom - top + 1)
    shape = Image.new("L", size, 0)
    ImageDraw.Draw(shape).polygon([(x - left, y - top) for x, y in points], fill=255)
    if hole:
        ImageDraw.Draw(shape).polygon([(x - left, y - top) for x, y in hole], fill=0)
    lines = Image.new("L", size, 0)
    pen = ImageDraw.Draw(lines)
    spacing = 14 * SCALE
    # Lines are anchored to the picture, not the shape, so neighbouring hatches line up.
    first = -((left + top) % spacing)
    for offset in range(first, size[0] + size[1], spacing):
        pen.line((offset, 0, offset - size[1], size[1]), fill=255, width=2 * SCALE)
    canvas.paste(HATCH, (left, top), ImageChops.multiply(shape, lines))


def _block_text(
    canvas: Image.Image,
    caption: Caption,
    font_name: str,
    centre: Point,
    angle: float,
    colour: Colour,
    *,
    left: bool = False,
) -> None:
    """Draw lines centred on each other (or, with ``left``, flush left), their block centred on
    ``centre`` and turned ``angle`` degrees clockwise."""
    if not caption.lines:
        return
    font = _font(font_name, caption.size * SCALE)
    line = _line_height(font)
    width = math.ceil(max(_ink_width(font, s) for s in caption.lines)) + 4 * SCALE
    height = math.ceil(line * len(caption.lines)) + 4 * SCALE
    # Even sizes keep the block's centre on a pixel corner, so turning it does not shift it.
    mask = Image.new("L", (width + width % 2, height + height % 2), 0)
    pen = ImageDraw.Draw(mask)
    top = (mask.height - line * len(caption.lines)) / 2
    for i, text in enumerate(caption.lines):
        if left:
            pen.text((2 * SCALE, top + i * line), text, font=font, fill=255, anchor="la")
        else:
            pen.text((mask.width / 2, top + i * line), text, font=font, fill=255, anchor="ma")
    if angle % 360:
        mask = mask.rotate(-angle, resample=Image.Resampling.BILINEAR, expand=True)
    x, y = _scaled(centre)
    _paste(canvas, colour, mask, round(x - mask.width / 2), round(y - mask.height / 2))


def _paste(canvas: Image.Image, colour: Colour, mask: Image.Image, x: int, y: int) -> None:
    """Paint ``colour`` through ``mask`` with its corner at (x, y), over the inked part only
    (a turned block is mostly empty corners)."""
    box = mask.getbbox()
    if box is not None:
        canvas.paste(colour, (x + box[0], y + box[1]), mask.crop(box))


def _arc_text(
    canvas: Image.Image,
    caption: Caption,
    font_name: str,
    radius: float,
    mid: float,
    colour: Colour,
) -> None:
    """Draw one line along a circle, centred on angle ``mid``, reading left to right: along the
    outside on the upper half of the wheel and along the inside on the lower half."""
    text = caption.lines[0]
    font = _font(font_name, caption.size * SCALE)
    tracking = _tracking(font)
    total = _arc_length(text, font)
    ascent, descent = font.getmetrics()
    # Centre the capitals on the band: the baseline sits half a cap height off its middle, and a
    # glyph is drawn around the point midway between ascender and descender lines.
    cap = -font.getbbox("H", anchor="ls")[1]
    middle = radius * SCALE + ((ascent - descent) - cap) / 2
    upper = math.sin(math.radians(mid)) <= 0
    if not upper:
        middle = radius * SCALE - ((ascent - descent) - cap) / 2
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        along = (font.getlength(text[:i]) + font.getlength(text[: i + 1])) / 2 + i * tracking
        angle = mid + math.degrees((along - total / 2) / middle) * (1 if upper else -1)
        # A box just big enough for the glyph around its anchor (turning is about the centre).
        left, top, right, bottom = font.getbbox(ch, anchor="mm")
        half_w = math.ceil(max(-left, right)) + 1
        half_h = math.ceil(max(-top, bottom)) + 1
        glyph = Image.new("L", (2 * half_w, 2 * half_h), 0)
        ImageDraw.Draw(glyph).text((half_w, half_h), ch, font=font, fill=255, anchor="mm")
        turn = angle + 90 if upper else angle - 90
        glyph = glyph.rotate(-turn, resample=Image.Resampling.BILINEAR, expand=True)
        a = math.radians(angle)
        x = CENTRE[0] * SCALE + middle * math.cos(a)
        y = CENTRE[1] * SCALE + middle * math.sin(a)
        _paste(canvas, colour, glyph, round(x - glyph.width / 2), round(y - glyph.height / 2))


def _draw_header(canvas: Image.Image, layout: WheelLayout) -> None:
    left, top, right, bottom = _TITLE_BOX
    _block_text(canvas, layout.title, _BOLD, ((left + right) / 2, (top + bottom) / 2), 0, TEXT)
    sub = _font(_REGULAR, layout.subtitle.size * SCALE)
    _block_text(
        canvas,
        layout.subtitle,
        _REGULAR,
        (WIDTH / 2, _SUBTITLE_Y + _line_height(sub) / SCALE / 2),
        0,
        SUBTLE,
    )


def _draw_legend(canvas: Image.Image, draw: ImageDraw.ImageDraw, layout: WheelLayout) -> None:
    column = (WIDTH - 80) / _LEGEND_COLUMNS
    for n, state in enumerate(TopicState):
        row, col = divmod(n, _LEGEND_COLUMNS)
        x = 40 + col * column + 10
        y = _LEGEND_TOP + row * _LEGEND_ROW + (_LEGEND_ROW - _SWATCH) / 2
        parts = PARTS[state]
        for i, part in enumerate(parts):
            box = (
                x * SCALE,
                (y + _SWATCH * i / len(parts)) * SCALE,
                (x + _SWATCH) * SCALE,
                (y + _SWATCH * (i + 1) / len(parts)) * SCALE,
            )
            draw.rectangle(box, fill=STATE_COLOURS[part])
            if part is TopicState.SKIPPED:
                corners = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
                _hatch(canvas, corners)
        draw.rectangle(
            (x * SCALE, y * SCALE, (x + _SWATCH) * SCALE, (y + _SWATCH) * SCALE),
            outline=OUTLINE,
            width=SCALE,
        )
        caption = layout.legend[state]
        font = _font(_REGULAR, caption.size * SCALE)
        width = max(_ink_width(font, s) for s in caption.lines) / SCALE if caption.lines else 0
        _block_text(
            canvas,
            caption,
            _REGULAR,
            (x + _SWATCH + 12 + width / 2, y + _SWATCH / 2),
            0,
            TEXT,
            left=True,
        )
