"""Where everything goes on the wheel picture: its measures (size, the wheel's centre, the radii
of the rings, the sectors' angles) and the shapes decided before drawing (segments, text blocks,
captions), in pixels of the final picture and degrees clockwise from 3 o'clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain.record import GroupRecord, TopicState

Colour = tuple[int, int, int]
Point = tuple[float, float]

#: The picture's size in pixels: wide enough to read on a phone, tall enough for the legend.
SIZE = (1200, 1572)
WIDTH, HEIGHT = SIZE
#: Drawing scale: shapes are drawn this much larger and scaled down, for smooth edges.
SCALE = 2

#: How each state is drawn, as the states whose colours fill it from the outside in: a topic with
#: both an agreement and an open issue shows both, since hiding either would mislead.
PARTS: dict[TopicState, tuple[TopicState, ...]] = {
    state: (state,) for state in TopicState if state is not TopicState.AGREED_AND_OPEN
} | {TopicState.AGREED_AND_OPEN: (TopicState.AGREED, TopicState.OPEN_ISSUE)}

#: The wheel's centre, in pixels of the picture.
CENTRE: Point = (WIDTH / 2, 730.0)
# Geometry, in pixels of the final picture.
RADIUS = 560.0  # outer edge of the domain band
#: The outer edge of each stage's ring, outside in. A ring is its stage's strip (its name) on
#: its outer edge, then its topics: the name heads its own topics, and the white gap before the
#: next ring sets it apart from those, so no name reads as belonging to the ring beside it.
RING_OUTER = (500.0, 362.0, 178.0)
HUB = 44.0  # the white centre, inside the innermost stage's topics
STRIP_WIDTH = 30.0  # the strip carrying a stage's name
RING_GAP = 12.0  # white space between rings (and between the domain band and the first ring)
SECTOR_GAP = 8.0  # white space between sectors (parallel-sided)
SEGMENT_GAP = 4.0  # white space between the topics of a sector: neighbours never touch
PART_GAP = 3.0  # white line between the two parts of a topic drawn in two colours
FIRST_SECTOR = -150.0  # degrees clockwise from 3 o'clock: the first domain centred on top
# How far text keeps from a segment's edges: radial edges (past the half gap and the outline)
# and arcs.
PAD_SIDE = 10.0
PAD_ARC = 6.0
MAX_LINES = 3

#: The part of the picture above the wheel: the title and the subtitle (left out where the
#: picture sits under a heading of its own, as in the export).
HEADER = 150.0
TITLE_BOX = (40.0, 22.0, WIDTH - 40.0, 112.0)  # left, top, right, bottom
SUBTITLE_Y = 118.0
LEGEND_TOP = CENTRE[1] + RADIUS + 30
LEGEND_ROW = 62.0
LEGEND_COLUMNS = 2
SWATCH = 40.0
LEGEND_TEXT = (WIDTH - 80) / LEGEND_COLUMNS - SWATCH - 28  # room for a legend entry's words
#: The line under the legend that credits the instrument.
SOURCE_Y = HEIGHT - 40.0


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
    #: The line that credits the instrument (empty: none).
    source: str = ""


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
    source: Caption = Caption((), 0)


def polar(point: Point) -> tuple[float, float]:
    """A picture point as (radius, degrees clockwise from 3 o'clock) around the wheel's centre."""
    dx, dy = point[0] - CENTRE[0], point[1] - CENTRE[1]
    return math.hypot(dx, dy), math.degrees(math.atan2(dy, dx)) % 360


@dataclass(frozen=True, slots=True)
class Place:
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
        return min(2 * (self.outer - PAD_ARC), chord)

    def radial_range(self, width: float, height: float) -> tuple[float, float] | None:
        """How far from the wheel's centre a block of ``width`` by ``height`` px, set square to
        the radius on the sector's middle line, may sit inside it; None if nowhere.

        The block's inner edge must clear the inner arc, its outer corners the outer arc, and
        its inner corners (nearest the sides) the rays along the sector's sides."""
        half = (self.end - self.start) / 2
        a = math.radians(half)
        lowest = self.inner + PAD_ARC + height / 2
        if half < 90:
            lowest = max(lowest, (PAD_SIDE + width / 2 * math.cos(a)) / math.sin(a) + height / 2)
        room = (self.outer - PAD_ARC) ** 2 - (width / 2) ** 2
        if room <= 0:
            return None
        highest = math.sqrt(room) - height / 2
        return (lowest, highest) if lowest <= highest else None


def upright(angle: float) -> float:
    """How far to turn text square to the radius at ``angle`` so it never reads upside down:
    its top points outwards on the upper half of the wheel and inwards on the lower half."""
    return angle + 90 if math.sin(math.radians(angle)) <= 0 else angle - 90


def topic_radii(ring: int) -> tuple[float, float]:
    """Inner and outer radius of the topics of ring ``ring`` (0 outermost): inside its strip."""
    outer = RING_OUTER[ring] - STRIP_WIDTH
    if ring == len(RING_OUTER) - 1:
        return HUB, outer
    return RING_OUTER[ring + 1] + RING_GAP, outer


def strip_radii(ring: int) -> tuple[float, float]:
    """Inner and outer radius of the strip carrying ring ``ring``'s name: its outer edge."""
    return RING_OUTER[ring] - STRIP_WIDTH, RING_OUTER[ring]


@dataclass(frozen=True, slots=True)
class Rings:
    """The wheel cut into rings (stages) and sectors (domains): every topic's place."""

    #: Stage ids, outside in.
    stages: tuple[str, ...]
    #: Domain ids, clockwise from the top.
    domains: tuple[str, ...]
    #: Topic id -> its ring sector, in wheel order.
    places: dict[str, Place]

    @property
    def sector(self) -> float:
        """The angle of a domain's sector, in degrees."""
        return 360 / len(self.domains)

    @classmethod
    def of(cls, record: GroupRecord) -> Rings:
        """Place every topic of ``record``: its stage's ring, its domain's sector, and within
        them its turn in wheel order, clockwise; raise ValueError for a wheel of another number
        of stages than the picture has rings."""
        stages = tuple(dict.fromkeys(r.topic.stage for r in record.topics))
        domains = tuple(dict.fromkeys(r.topic.domain for r in record.topics))
        if len(stages) != len(RING_OUTER):
            raise ValueError(f"the picture has {len(RING_OUTER)} rings, the wheel {len(stages)}")
        sector = 360 / len(domains)
        places: dict[str, Place] = {}
        for ring, stage in enumerate(stages):
            inner, outer = topic_radii(ring)
            for d, domain in enumerate(domains):
                cell = [
                    r for r in record.topics if r.topic.stage == stage and r.topic.domain == domain
                ]
                step = sector / len(cell)
                for i, r in enumerate(cell):
                    start = FIRST_SECTOR + d * sector + i * step
                    places[r.topic.id] = Place(inner, outer, start, start + step)
        return cls(stages, domains, places)
