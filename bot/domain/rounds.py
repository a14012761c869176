"""Rounds and progress, decided in one place.

A topic is *discussed* in a round when both organisations answered it or the group skipped it
(its status is ``answered`` or ``skipped``: ``answered`` is set once both have). Progress counts
the discussed topics of the latest round of each stage; the card's progress line, ``/status``,
``/summary``, the wheel picture and the export all count with ``stage_progress``.

A stage chosen again continues its latest round unless that round is complete (every topic
discussed) or has had no activity for more than ``STALE_AFTER``; then a new round starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.wheel import Wheel

#: A round left alone for longer than this is over: choosing its stage starts a new one.
STALE_AFTER = dt.timedelta(days=30)
#: How much of an earlier answer a revisit card quotes.
QUOTE_CHARS = 120
#: How much of an agreement or open issue a list quotes (``/agreements``, ``/issues``, a
#: check-up), so that the list stays one message with its buttons, and edits of it too.
LIST_QUOTE = 280


def is_discussed(status: str | None) -> bool:
    """Whether a topic with this status (in its stage's latest round) counts as discussed."""
    return status in ("answered", "skipped")


@dataclass(frozen=True, slots=True)
class StageProgress:
    """How far the latest round of one stage got."""

    answered: int
    skipped: int
    total: int

    @property
    def discussed(self) -> int:
        return self.answered + self.skipped


def stage_progress(topics: Iterable[tuple[str, str | None]]) -> dict[str, StageProgress]:
    """{stage id: progress}, in the order given, from each topic of the wheel as (its stage id,
    its status in the latest round of that stage)."""
    by_stage: dict[str, list[str | None]] = {}
    for stage_id, status in topics:
        by_stage.setdefault(stage_id, []).append(status)
    return {
        stage_id: StageProgress(
            answered=sum(1 for s in said if s == "answered"),
            skipped=sum(1 for s in said if s == "skipped"),
            total=len(said),
        )
        for stage_id, said in by_stage.items()
    }


def complete(wheel: Wheel, stage_id: str, statuses: Mapping[str, str | None]) -> bool:
    """Whether every topic of the stage is discussed in its latest round."""
    return all(is_discussed(statuses.get(t.id)) for t in wheel.stage_topics(stage_id))


def new_round_due(*, is_complete: bool, last_activity: dt.datetime, now: dt.datetime) -> bool:
    """Whether choosing a stage whose latest round is like this starts a new round."""
    return is_complete or now - last_activity > STALE_AFTER


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, cut at a word near ``limit`` characters with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def quote(text: str, limit: int = LIST_QUOTE) -> str:
    """``text`` as written when it has at most ``limit`` characters, else ``shorten``ed."""
    return text if len(text) <= limit else shorten(text, limit)
