"""Draw the position checks as a PNG: per component of the paper's Table 2, where each
organisation puts the collaboration on the scale from 1 (transactional) to 4 (transformational).

One row per component, grouped by domain. Each organisation is a dot at its people's average,
with a bar from the lowest to the highest rating when several people rated (their spread); the two
organisations sit just above and below the row's line, so equal positions stay visible. The gap
between them is a pale band with its size written at the right end. Earlier checks show as faint
rings at their averages, wider than the dots, so the movement since then can be seen and a
position that did not move shows as a ring around its dot. The colours are the Okabe-Ito
blue and vermillion (told apart with every common kind of colour blindness), and the two are also
told apart by their place (above, below the line) when printed in grey.

Like the wheel picture, every word comes in :class:`PositionLabels`, already translated; drawn at
twice the size and averaged down, for smooth circles.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.domain.position import Score, View, components
from bot.render.picture.fit import BOLD, REGULAR, displayable, ink_width, load_font

Colour = tuple[int, int, int]
#: Writes text on the picture at 1x coordinates: (x, y, text, font, colour, anchor).
Say = Callable[..., None]
BACKGROUND: Colour = (255, 255, 255)
TEXT: Colour = (33, 33, 33)
SUBTLE: Colour = (100, 100, 100)
GRID: Colour = (215, 215, 215)
HEADING: Colour = (38, 55, 71)
GAP: Colour = (252, 232, 178)
GAP_TEXT: Colour = (140, 90, 0)
#: The two organisations: Okabe-Ito blue and vermillion.
PARTNER_COLOURS: dict[int, Colour] = {1: (0, 114, 178), 2: (213, 94, 0)}
#: Where each organisation's marks sit, above or below the row's line (at 1x).
OFFSET = {1: -9, 2: 9}

SCALE = 2  # drawn at twice the size, then averaged down
WIDTH = 1240
LEFT = 40  # the components' names
X1, X4 = 470, 1110  # the scale's ends (1 and 4)
TOP = 232
DOMAIN_HEIGHT = 46
ROW_HEIGHT = 52
BOTTOM = 36


@dataclass(frozen=True, slots=True)
class PositionLabels:
    """Every word on the picture, translated."""

    title: str
    subtitle: str
    #: The organisations' names, by slot.
    partners: dict[int, str]
    #: Domain id -> name.
    domains: dict[str, str]
    #: Component id -> name.
    components: dict[str, str]
    #: The scale's ends.
    low: str
    high: str
    #: The legend of the faint rings ("earlier: 3 March 2026"); empty without earlier checks.
    earlier: str
    #: The legend of the band between the two.
    gap: str
    #: The legend of the bar from the lowest to the highest rating of one organisation.
    spread: str
    #: Next to an organisation that did not know about a component.
    unknown: str
    #: The decimal mark of the language ("1,5" in Dutch).
    decimal: str = "."


def _faint(colour: Colour, strength: float = 0.4) -> Colour:
    """The colour mixed with white: ``strength`` of it remains."""
    r, g, b = colour
    return (
        round(255 - (255 - r) * strength),
        round(255 - (255 - g) * strength),
        round(255 - (255 - b) * strength),
    )


def _x(value: float) -> float:
    return X1 + (value - 1) * (X4 - X1) / 3


def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return load_font(name, px * SCALE)


def _fitted(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """The text, shortened with "…" when it is wider than ``width`` (at 2x)."""
    text = displayable(text)
    if ink_width(font, text) <= width:
        return text
    while text and ink_width(font, text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def height() -> int:
    domains = len({c.domain for c in components()})
    return TOP + domains * DOMAIN_HEIGHT + len(components()) * ROW_HEIGHT + BOTTOM


def draw_position(views: Sequence[View], labels: PositionLabels) -> bytes:
    """The picture of the latest check, with the earlier ones faint (PNG bytes)."""
    canvas = Image.new("RGB", (WIDTH * SCALE, height() * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(canvas)

    def text(
        x: float,
        y: float,
        words: str,
        font: ImageFont.FreeTypeFont,
        fill: Colour,
        anchor: str = "ls",
    ) -> None:
        draw.text((x * SCALE, y * SCALE), words, font=font, fill=fill, anchor=anchor)

    text(
        LEFT,
        52,
        _fitted(labels.title, _font(BOLD, 34), (WIDTH - 2 * LEFT) * SCALE),
        _font(BOLD, 34),
        TEXT,
    )
    text(
        LEFT,
        88,
        _fitted(labels.subtitle, _font(REGULAR, 22), (WIDTH - 2 * LEFT) * SCALE),
        _font(REGULAR, 22),
        SUBTLE,
    )
    _legend(draw, labels, text)
    # The scale: its numbers and what its ends mean.
    small = _font(REGULAR, 18)
    for value in (1, 2, 3, 4):
        text(_x(value), TOP - 14, str(value), _font(BOLD, 20), TEXT, "ms")
    text(X1, TOP - 38, labels.low, small, SUBTLE, "ls")
    text(X4, TOP - 38, labels.high, small, SUBTLE, "rs")

    latest = views[-1] if views else None
    earlier = list(views[:-1])
    y = float(TOP)
    domain = ""
    for index, component in enumerate(components()):
        if component.domain != domain:
            domain = component.domain
            y += DOMAIN_HEIGHT
            text(
                LEFT, y - 14, labels.domains.get(domain, domain).upper(), _font(BOLD, 19), HEADING
            )
            draw.line(
                [(LEFT * SCALE, (y - 6) * SCALE), ((WIDTH - LEFT) * SCALE, (y - 6) * SCALE)],
                fill=GRID, width=SCALE,
            )  # fmt: skip
        centre = y + ROW_HEIGHT / 2
        name = labels.components.get(component.id, component.id)
        text(
            LEFT,
            centre + 8,
            _fitted(name, _font(REGULAR, 23), (X1 - LEFT - 40) * SCALE),
            _font(REGULAR, 23),
            TEXT,
        )
        # The row's line and its four ticks.
        draw.line(
            [(X1 * SCALE, centre * SCALE), (X4 * SCALE, centre * SCALE)],
            fill=GRID,
            width=2 * SCALE,
        )
        for value in (1, 2, 3, 4):
            x = _x(value) * SCALE
            draw.line(
                [(x, (centre - 14) * SCALE), (x, (centre + 14) * SCALE)], fill=GRID, width=SCALE
            )
        if latest is not None:
            _row(draw, text, latest, earlier, index, centre, labels)
        y += ROW_HEIGHT
    canvas = canvas.resize((WIDTH, height()), Image.Resampling.BOX)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _row(
    draw: ImageDraw.ImageDraw,
    text: Say,
    latest: View,
    earlier: list[View],
    index: int,
    centre: float,
    labels: PositionLabels,
) -> None:
    """One component: the gap, the earlier rings, each organisation's spread and dot."""
    say = text
    now = {slot: latest.scores[slot][index] for slot in (1, 2)}
    first, second = now[1].mean, now[2].mean
    if first is not None and second is not None and abs(first - second) >= 0.25:
        left, right = sorted((_x(first), _x(second)))
        draw.rectangle(
            [(left * SCALE, (centre - 20) * SCALE), (right * SCALE, (centre + 20) * SCALE)],
            fill=GAP,
        )
        size = f"{abs(first - second):.1f}".rstrip("0").rstrip(".").replace(".", labels.decimal)
        say(X4 + 26, centre + 7, f"Δ {size}", _font(BOLD, 19), GAP_TEXT, "ls")
        # The row's line and ticks again, over the band.
        draw.line(
            [(left * SCALE, centre * SCALE), (right * SCALE, centre * SCALE)],
            fill=GRID,
            width=2 * SCALE,
        )
        for value in (1, 2, 3, 4):
            x = _x(value) * SCALE
            draw.line(
                [(x, (centre - 14) * SCALE), (x, (centre + 14) * SCALE)], fill=GRID, width=SCALE
            )
    for view in earlier:
        for slot in (1, 2):
            score = view.scores[slot][index]
            if score.mean is None:
                continue
            x, y = _x(score.mean) * SCALE, (centre + OFFSET[slot]) * SCALE
            r = 13 * SCALE
            draw.ellipse(
                [(x - r, y - r), (x + r, y + r)],
                outline=_faint(PARTNER_COLOURS[slot], 0.45),
                width=2 * SCALE,
            )
    for slot in (1, 2):
        _mark(draw, say, now[slot], slot, centre, labels)


def _mark(
    draw: ImageDraw.ImageDraw,
    say: Say,
    score: Score,
    slot: int,
    centre: float,
    labels: PositionLabels,
) -> None:
    colour = PARTNER_COLOURS[slot]
    y = (centre + OFFSET[slot]) * SCALE
    if score.mean is None:
        say(
            X1 - 20,
            centre + OFFSET[slot] + 6,
            labels.unknown,
            _font(REGULAR, 15),
            _faint(colour, 0.9),
            "rs",
        )
        return
    if score.low is not None and score.high is not None and score.high > score.low:
        draw.line(
            [(_x(score.low) * SCALE, y), (_x(score.high) * SCALE, y)],
            fill=_faint(colour, 0.6),
            width=5 * SCALE,
        )
        for end in (score.low, score.high):
            x = _x(end) * SCALE
            draw.line(
                [(x, y - 6 * SCALE), (x, y + 6 * SCALE)], fill=_faint(colour, 0.6), width=3 * SCALE
            )
    x, r = _x(score.mean) * SCALE, 9 * SCALE
    draw.ellipse(
        [(x - r, y - r), (x + r, y + r)], fill=colour, outline=BACKGROUND, width=2 * SCALE
    )


def _legend(draw: ImageDraw.ImageDraw, labels: PositionLabels, text: Say) -> None:
    """Under the title: a dot per organisation; under it the faint ring, the band, the bar."""
    font = _font(REGULAR, 19)
    x, y = float(LEFT), 128.0
    for slot in (1, 2):
        colour = PARTNER_COLOURS[slot]
        r = 9 * SCALE
        draw.ellipse(
            [(x * SCALE + 0, y * SCALE - r), (x * SCALE + 2 * r, y * SCALE + r)], fill=colour
        )
        name = _fitted(labels.partners.get(slot, ""), font, 500 * SCALE)
        text(x + 26, y + 7, name, font, TEXT)
        x += 26 + ink_width(font, name) / SCALE + 30
    # What the marks mean, on a line of its own: long names leave no room beside them.
    x, y = float(LEFT), 160.0
    if labels.earlier:
        r = 13 * SCALE
        colour = _faint(PARTNER_COLOURS[1], 0.45)
        draw.ellipse(
            [(x * SCALE, y * SCALE - r), (x * SCALE + 2 * r, y * SCALE + r)],
            outline=colour,
            width=2 * SCALE,
        )
        text(x + 34, y + 7, labels.earlier, font, SUBTLE)
        x += 34 + ink_width(font, labels.earlier) / SCALE + 30
    draw.rectangle([(x * SCALE, (y - 10) * SCALE), ((x + 30) * SCALE, (y + 10) * SCALE)], fill=GAP)
    text(x + 38, y + 7, labels.gap, font, SUBTLE)
    x += 38 + ink_width(font, labels.gap) / SCALE + 30
    bar = _faint(PARTNER_COLOURS[1], 0.6)
    draw.line([(x * SCALE, y * SCALE), ((x + 34) * SCALE, y * SCALE)], fill=bar, width=5 * SCALE)
    for end in (x, x + 34):
        draw.line(
            [(end * SCALE, (y - 6) * SCALE), (end * SCALE, (y + 6) * SCALE)],
            fill=bar,
            width=3 * SCALE,
        )
    text(x + 44, y + 7, labels.spread, font, SUBTLE)
