"""Draw a group's wheel as a PNG: every topic a segment coloured by how far the partners got.

The shape follows the figure in de Bell & Bakker (2024): three rings for the stages, with
Orientation on the outside and Transformation at the core (collaborations deepen towards the
centre), cut into three sectors for the domains. Within a ring and a sector the topics of that
stage and domain are segments, in wheel order, clockwise; the first domain sits on top.

From the outside in: a dark band with the domains' names; the Orientation topics, with a strip
along their inner edge carrying the stage's name (once per sector); the Integration topics and
their strip; the Transformation topics around a disc with that stage's name. A legend of the
states sits under the wheel, the title (the partners) and a subtitle (the date) above it.

A segment is filled with the colour of its :class:`~bot.domain.record.TopicState`. The colours are
taken from the Okabe-Ito palette (told apart with every common kind of colour blindness), are
light enough for dark text (contrast at least 4.5:1) and step down in lightness from "not yet"
to "agreed", so they stay apart when printed in grey; "skipped" is hatched as well.
A topic with an agreement and an open issue is drawn as two bands: agreed outside, open inside.

Every word on the picture comes in :class:`WheelLabels`, already translated: this package knows no
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
since 12.2 locks each font on free-threaded builds), so callers may use ``asyncio.to_thread``;
the bot draws it in its drawing process (``bot.render.worker``).

Three rooms, each using the one before it: ``layout`` (the measures, the rings and sectors, the
shapes; no Pillow), ``fit`` (fonts, and the words fitted into the shapes: ``wheel_layout``) and
``draw`` (Pillow: ``render`` and ``draw_wheel``).
"""

from bot.render.picture.draw import (
    BACKGROUND,
    BAND,
    HATCH,
    HATCH_CLEARANCE,
    ON_DARK,
    OUTLINE,
    STATE_COLOURS,
    STRIP,
    SUBTLE,
    TEXT,
    draw_wheel,
    render,
)
from bot.render.picture.fit import (
    MAX_LABEL_SIZE,
    MIN_LABEL_SIZE,
    MISSING_GLYPH,
    displayable,
    warm_up,
    wheel_layout,
)
from bot.render.picture.layout import (
    CENTRE,
    HEIGHT,
    PARTS,
    SCALE,
    SIZE,
    WIDTH,
    Caption,
    Colour,
    Label,
    Point,
    Segment,
    WheelLabels,
    WheelLayout,
    polar,
)

__all__ = [
    "BACKGROUND",
    "BAND",
    "CENTRE",
    "HATCH",
    "HATCH_CLEARANCE",
    "HEIGHT",
    "MAX_LABEL_SIZE",
    "MIN_LABEL_SIZE",
    "MISSING_GLYPH",
    "ON_DARK",
    "OUTLINE",
    "PARTS",
    "SCALE",
    "SIZE",
    "STATE_COLOURS",
    "STRIP",
    "SUBTLE",
    "TEXT",
    "WIDTH",
    "Caption",
    "Colour",
    "Label",
    "Point",
    "Segment",
    "WheelLabels",
    "WheelLayout",
    "displayable",
    "draw_wheel",
    "polar",
    "render",
    "warm_up",
    "wheel_layout",
]
