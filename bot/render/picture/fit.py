"""Fonts and text for the wheel picture: which characters the fonts have, how wide a line is,
and fitting translated names into the layout's shapes (wrapped, hyphenated, shortened, one size
per ring). ``wheel_layout`` puts every name, caption and legend entry in the rings' places."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from bot.domain.record import GroupRecord, TopicState
from bot.render.picture.layout import (
    CENTRE,
    LEGEND_ROW,
    LEGEND_TEXT,
    MAX_LINES,
    PAD_SIDE,
    PARTS,
    RADIUS,
    RING_GAP,
    RING_OUTER,
    SCALE,
    SECTOR_GAP,
    STRIP_WIDTH,
    TITLE_BOX,
    WIDTH,
    Caption,
    Label,
    Place,
    Rings,
    Segment,
    WheelLabels,
    WheelLayout,
    strip_radii,
    upright,
)

#: Replaces a character the fonts cannot draw (emoji, mostly).
MISSING_GLYPH = "□"

#: Topic names are never drawn smaller than this (px in the final picture), nor larger than that.
MIN_LABEL_SIZE = 20
MAX_LABEL_SIZE = 40

_FONTS = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
CONDENSED = "DejaVuSansCondensed.ttf"
CONDENSED_BOLD = "DejaVuSansCondensed-Bold.ttf"


# --- Fonts and text ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def load_font(name: str, px: int) -> ImageFont.FreeTypeFont:
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
    for name in (REGULAR, BOLD, CONDENSED, CONDENSED_BOLD):
        _coverage(name)


def displayable(text: str, font: str = REGULAR) -> str:
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


def ink_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    """Width of ``text`` in px of the drawing, counting both its advance and its ink."""
    if not text:
        return 0.0
    left, _, right, _ = font.getbbox(text)
    return max(font.getlength(text), right) - min(left, 0)


def line_height(font: ImageFont.FreeTypeFont) -> float:
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
        self.font = load_font(name, size * SCALE)
        self.line_height = line_height(self.font) / SCALE
        self._widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        if text not in self._widths:
            self._widths[text] = ink_width(self.font, text) / SCALE
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


class _Fitter:
    """Fits text into the picture's shapes. One per layout: it remembers what it measured."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, int], _Type] = {}

    def type(self, name: str, size: int) -> _Type:
        if (name, size) not in self._types:
            self._types[name, size] = _Type(name, size)
        return self._types[name, size]

    def _label_options(self, text: str, size: int, place: Place) -> Iterator[tuple[str, ...]]:
        """Ways to set a topic name in ``place`` at ``size`` that fit, best first."""
        kind = self.type(CONDENSED, size)
        for lines in kind.wrappings(
            _tokens(displayable(text, CONDENSED)), MAX_LINES, place.widest
        ):
            if place.radial_range(*kind.block(lines)) is not None:
                yield lines

    def largest_label(self, text: str, place: Place) -> int:
        """The largest size (down to the minimum) at which a name fits by whole words."""
        for size in range(MAX_LABEL_SIZE, MIN_LABEL_SIZE, -1):
            if next(self._label_options(text, size, place), None) is not None:
                return size
        return MIN_LABEL_SIZE

    def label(self, text: str, size: int, preferred: float, place: Place) -> Label:
        """Set a topic name at ``size`` in ``place``, as near radius ``preferred`` as it fits:
        by whole words on the fewest lines; failing that, with a word broken by a hyphen;
        failing that, shortened with "…" on one line."""
        kind = self.type(CONDENSED, size)
        chosen = next(self._label_options(text, size, place), None)
        tokens = _tokens(displayable(text, CONDENSED))
        if chosen is None:
            broken = (
                lines
                for option in self._hyphenated(tokens, kind)
                for lines in kind.wrappings(option, MAX_LINES, place.widest)
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
        return Label(chosen, size, centre, upright(mid), width, height, kind.line_height)

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
    def _shortened(text: str, kind: _Type, place: Place) -> tuple[str, ...]:
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
        room = math.radians(span) * radius - 2 * (SECTOR_GAP + 3 * PAD_SIDE)
        text = displayable(" ".join(text.split()), name)
        for size in sizes:
            kind = self.type(name, size)
            if kind.line_height <= band and arc_length(text, kind.font) / SCALE <= room:
                return Caption((text,), size)
        kind = self.type(name, sizes[-1])
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if arc_length(text[:mid].rstrip() + "…", kind.font) / SCALE <= room:
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
            fitting = [
                lines
                for lines in kind.wrappings(tokens, max_lines, width)
                if (
                    math.hypot(*(side / 2 for side in kind.block(lines))) <= disc
                    if disc is not None
                    else kind.block(lines)[1] <= height
                )
            ]
            if fitting:
                # The fewest lines, and of those the most even: not one word alone on a line.
                best = min(fitting, key=lambda lines: (len(lines), kind.block(lines)[0]))
                return Caption(best, size)
        kind = self.type(name, sizes[-1])
        if disc is not None:
            width = 2 * math.sqrt(max(disc**2 - (kind.line_height / 2) ** 2, 0))
        return Caption((kind.shorten(_join(tokens), width),), kind.size)


def letter_spacing(font: ImageFont.FreeTypeFont) -> float:
    """Extra space between letters along an arc: capitals and curved runs read better spaced."""
    return font.size * 0.08


def arc_length(text: str, font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(text) + letter_spacing(font) * max(len(text) - 1, 0)


# --- Layout -----------------------------------------------------------------------------------


def wheel_layout(record: GroupRecord, labels: WheelLabels) -> WheelLayout:
    """Decide where every segment and every word goes; raise KeyError for a missing label."""
    rings = Rings.of(record)
    stages, domains, places = rings.stages, rings.domains, rings.places
    missing = (
        [s for s in stages if s not in labels.stages]
        + [d for d in domains if d not in labels.domains]
        + [r.topic.id for r in record.topics if r.topic.id not in labels.topics]
        + [str(s) for s in TopicState if s not in labels.states]
    )
    if missing:
        raise KeyError(f"no label for {', '.join(missing)}")
    fit = _Fitter()
    sector = rings.sector
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
    # Each stage's name in capitals on the strip along its ring's outer edge, once per sector.
    stage_names = {
        stage: fit.arc(
            labels.stages[stage].upper(),
            BOLD,
            range(23, 15, -1),
            sum(strip_radii(ring)) / 2,
            sector,
            STRIP_WIDTH,
        )
        for ring, stage in enumerate(stages)
    }
    band_inner = RING_OUTER[0] + RING_GAP
    domain_names = {
        domain: fit.arc(
            labels.domains[domain],
            BOLD,
            range(30, 19, -1),
            (band_inner + RADIUS) / 2,
            sector,
            RADIUS - band_inner,
        )
        for domain in domains
    }
    left, top, right, bottom = TITLE_BOX
    return WheelLayout(
        segments=segments,
        stages=stages,
        domains=domains,
        stage_names=stage_names,
        domain_names=domain_names,
        title=fit.block(labels.title, BOLD, range(44, 27, -1), right - left, bottom - top),
        subtitle=fit.block(
            labels.subtitle, REGULAR, range(26, 17, -1), right - left, 40, max_lines=1
        ),
        legend={
            state: fit.block(
                labels.states[state], REGULAR, range(24, 17, -1), LEGEND_TEXT, LEGEND_ROW
            )
            for state in TopicState
        },
        source=fit.block(labels.source, REGULAR, range(20, 15, -1), WIDTH - 80, 30, max_lines=1)
        if labels.source
        else Caption((), 0),
    )
