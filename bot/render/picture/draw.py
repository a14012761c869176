"""Draw the wheel picture with Pillow: the rings' shapes in their colours, the names along arcs
and in blocks, the title and the legend, at twice the size and then averaged down."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw

from bot.domain.record import GroupRecord, TopicState
from bot.render.picture.fit import (
    BOLD,
    CONDENSED,
    REGULAR,
    arc_length,
    ink_width,
    letter_spacing,
    line_height,
    load_font,
    wheel_layout,
)
from bot.render.picture.layout import (
    CENTRE,
    FIRST_SECTOR,
    HEADER,
    HEIGHT,
    LEGEND_COLUMNS,
    LEGEND_ROW,
    LEGEND_TOP,
    PART_GAP,
    PARTS,
    RADIUS,
    RING_GAP,
    RING_OUTER,
    SCALE,
    SECTOR_GAP,
    SEGMENT_GAP,
    SOURCE_Y,
    SUBTITLE_Y,
    SWATCH,
    TITLE_BOX,
    WIDTH,
    Caption,
    Colour,
    Label,
    Point,
    Segment,
    WheelLabels,
    WheelLayout,
    strip_radii,
)

#: The fill of each state that is drawn in one colour.
STATE_COLOURS: dict[TopicState, Colour] = {
    TopicState.AGREED: (0, 158, 115),  # Okabe-Ito bluish green
    TopicState.OPEN_ISSUE: (230, 159, 0),  # Okabe-Ito orange
    TopicState.ANSWERED: (160, 205, 240),  # a light tint of Okabe-Ito sky blue
    TopicState.SKIPPED: (226, 226, 226),  # light grey, hatched with HATCH
    TopicState.NOT_YET: (255, 255, 255),
}

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


def draw_wheel(record: GroupRecord, labels: WheelLabels, *, header: bool = True) -> bytes:
    """Draw the wheel of ``record`` with the words of ``labels``; return PNG bytes of :data:`SIZE`,
    or without ``header`` the picture from the wheel down (for a page that has its own title)."""
    image = render(wheel_layout(record, labels))
    if not header:
        image = image.crop((0, round(HEADER), image.width, image.height))
    out = io.BytesIO()
    # Fast compression: level 1 is a third quicker than the default and only a tenth larger.
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


# --- Drawing ----------------------------------------------------------------------------------


def render(layout: WheelLayout) -> Image.Image:
    """Draw ``layout`` as an RGB image of :data:`SIZE`."""
    canvas = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    sector = 360 / len(layout.domains)
    # The domain band and the stage strips first: the topics' outlines go over their edges.
    for d, domain in enumerate(layout.domains):
        start = FIRST_SECTOR + d * sector
        end = start + sector
        band_inner = RING_OUTER[0] + RING_GAP
        gaps = (SECTOR_GAP / 2, SECTOR_GAP / 2)
        _sector_shape(draw, band_inner, RADIUS, start, end, *gaps, fill=BAND)
        _arc_text(
            canvas,
            layout.domain_names[domain],
            BOLD,
            (band_inner + RADIUS) / 2,
            (start + end) / 2,
            ON_DARK,
        )
        for ring, stage in enumerate(layout.stages):
            inner, outer = strip_radii(ring)
            _sector_shape(draw, inner, outer, start, end, *gaps, fill=STRIP)
            _arc_text(
                canvas,
                layout.stage_names[stage],
                BOLD,
                (inner + outer) / 2,
                (start + end) / 2,
                ON_DARK,
            )
    for segment in layout.segments.values():
        _draw_segment(canvas, draw, segment, sector)
    for segment in layout.segments.values():
        label = segment.label
        _block_text(
            canvas, Caption(label.lines, label.size), CONDENSED, label.centre, label.angle, TEXT
        )
    _draw_header(canvas, layout)
    _draw_legend(canvas, draw, layout)
    if layout.source.lines:
        _block_text(canvas, layout.source, REGULAR, (WIDTH / 2, SOURCE_Y), 0, SUBTLE)
    return canvas.reduce(SCALE)


def _scaled(point: Point) -> Point:
    return point[0] * SCALE, point[1] * SCALE


def _sector_points(
    inner: float, outer: float, start: float, end: float, gap_start: float, gap_end: float
) -> list[Point]:
    """The outline of a ring sector in drawing px; each side leaves the given px between it and
    its ray, so the gaps between sectors and between topics are the same width all along."""

    def arc(radius: float, forward: bool) -> list[Point]:
        if radius <= 0:
            return [_scaled(CENTRE)]
        a = start + math.degrees(math.asin(min(gap_start / radius, 1)))
        b = end - math.degrees(math.asin(min(gap_end / radius, 1)))
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
    gap_start: float,
    gap_end: float,
    *,
    fill: Colour | None = None,
    outline: Colour | None = None,
) -> None:
    points = _sector_points(inner, outer, start, end, gap_start, gap_end)
    if fill is not None:
        draw.polygon(points, fill=fill)
    if outline is not None:
        # A closed line, not polygon(width=...), which builds a mask the size of the canvas.
        draw.line([*points, points[0]], fill=outline, width=SCALE, joint="curve")


def _trims(segment: Segment, sector: float) -> tuple[float, float]:
    """The white each side of the segment leaves to its ray: half the sector gap on a sector's
    edge, half the gap between topics inside a sector."""

    def half_gap(angle: float) -> float:
        on_edge = (
            abs((angle - FIRST_SECTOR) / sector - round((angle - FIRST_SECTOR) / sector)) < 1e-6
        )
        return (SECTOR_GAP if on_edge else SEGMENT_GAP) / 2

    return half_gap(segment.start), half_gap(segment.end)


def _draw_segment(
    canvas: Image.Image, draw: ImageDraw.ImageDraw, segment: Segment, sector: float
) -> None:
    trim = _trims(segment, sector)
    parts = segment.parts()
    for state, lo, hi in parts:
        _sector_shape(draw, lo, hi, segment.start, segment.end, *trim, fill=STATE_COLOURS[state])
        if state is TopicState.SKIPPED:
            hole = _scaled_corners(segment.label, HATCH_CLEARANCE) if segment.label.lines else ()
            _hatch(canvas, _sector_points(lo, hi, segment.start, segment.end, *trim), hole)
    for _, lo, _ in parts[:-1]:
        # A white line between the two colours: each part reads as its own band, not as one
        # patch with the neighbour of the same colour.
        _sector_shape(
            draw, lo - PART_GAP / 2, lo + PART_GAP / 2, segment.start, segment.end, *trim,
            fill=BACKGROUND,
        )  # fmt: skip
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
    font = load_font(font_name, caption.size * SCALE)
    line = line_height(font)
    width = math.ceil(max(ink_width(font, s) for s in caption.lines)) + 4 * SCALE
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
    font = load_font(font_name, caption.size * SCALE)
    tracking = letter_spacing(font)
    total = arc_length(text, font)
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
    left, top, right, bottom = TITLE_BOX
    _block_text(canvas, layout.title, BOLD, ((left + right) / 2, (top + bottom) / 2), 0, TEXT)
    sub = load_font(REGULAR, layout.subtitle.size * SCALE)
    _block_text(
        canvas,
        layout.subtitle,
        REGULAR,
        (WIDTH / 2, SUBTITLE_Y + line_height(sub) / SCALE / 2),
        0,
        SUBTLE,
    )


def _draw_legend(canvas: Image.Image, draw: ImageDraw.ImageDraw, layout: WheelLayout) -> None:
    column = (WIDTH - 80) / LEGEND_COLUMNS
    for n, state in enumerate(TopicState):
        row, col = divmod(n, LEGEND_COLUMNS)
        x = 40 + col * column + 10
        y = LEGEND_TOP + row * LEGEND_ROW + (LEGEND_ROW - SWATCH) / 2
        parts = PARTS[state]
        for i, part in enumerate(parts):
            box = (
                x * SCALE,
                (y + SWATCH * i / len(parts)) * SCALE,
                (x + SWATCH) * SCALE,
                (y + SWATCH * (i + 1) / len(parts)) * SCALE,
            )
            draw.rectangle(box, fill=STATE_COLOURS[part])
            if i:  # the white line between two colours, as on the wheel
                gap = PART_GAP / 2 * SCALE
                draw.rectangle((box[0], box[1] - gap, box[2], box[1] + gap), fill=BACKGROUND)
            if part is TopicState.SKIPPED:
                corners = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
                _hatch(canvas, corners)
        draw.rectangle(
            (x * SCALE, y * SCALE, (x + SWATCH) * SCALE, (y + SWATCH) * SCALE),
            outline=OUTLINE,
            width=SCALE,
        )
        caption = layout.legend[state]
        font = load_font(REGULAR, caption.size * SCALE)
        width = max(ink_width(font, s) for s in caption.lines) / SCALE if caption.lines else 0
        _block_text(
            canvas,
            caption,
            REGULAR,
            (x + SWATCH + 12 + width / 2, y + SWATCH / 2),
            0,
            TEXT,
            left=True,
        )
