"""The position check as data and arithmetic: the twelve components of the paper's Table 2
(``data/position.yaml``), the views of both organisations computed from complete ratings, the
largest differences, and the trajectory of earlier checks as the record carries it.

A rating is a string of one character per component, in the file's order: ``1``-``4`` from the
transactional to the transformational end, or ``0`` for "don't know" (left out of averages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.db import position as sql
from bot.db.tx import Tx
from bot.ops.resources import resource_path

#: The answer that means "don't know".
DONT_KNOW = "0"
#: The scale: 1 is the transactional end, 4 the transformational end.
SCALE = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    domain: str
    #: The wheel topic where a difference on it is best talked about (see the data file).
    topic: str
    name: str
    statement: str
    low: str
    high: str


@dataclass(frozen=True, slots=True)
class Score:
    """One organisation's position on one component: the average of its people's ratings
    (None when nobody knew) and their spread."""

    mean: float | None
    low: float | None
    high: float | None
    raters: int


@dataclass(frozen=True, slots=True)
class View:
    """One revealed check as the picture and the export show it."""

    check_id: int
    #: When it was revealed, in the group's time zone.
    at: dt.datetime
    #: Per partner slot, a score per component in the file's order.
    scores: dict[int, tuple[Score, ...]]


@dataclass(frozen=True, slots=True)
class Difference:
    component: Component
    means: dict[int, float]

    @property
    def size(self) -> float:
        return abs(self.means[1] - self.means[2])


def position_file() -> Path:
    """Return the path of ``data/position.yaml``."""
    return resource_path("data") / "position.yaml"


@cache
def components(path: Path | None = None) -> tuple[Component, ...]:
    """The components, in Table 2's order per domain (loaded once; the tuple never changes)."""
    raw = yaml.safe_load((path or position_file()).read_text(encoding="utf-8"))
    found = tuple(
        Component(
            str(c["id"]),
            str(c["domain"]),
            str(c["topic"]),
            str(c["name"]),
            str(c["statement"]),
            str(c["low"]),
            str(c["high"]),
        )
        for c in raw["components"]
    )
    if len(found) != 12 or len({c.id for c in found}) != 12:
        raise ValueError(f"{path or position_file()}: twelve components with their own ids")
    return found


def valid(answers: str) -> bool:
    """Whether a stored rating (or draft) reads as answers to the components."""
    return len(answers) <= len(components()) and all(a in "01234" for a in answers)


def scores(ratings: list[str]) -> tuple[Score, ...]:
    """One organisation's score per component from its people's complete ratings."""
    result = []
    for index in range(len(components())):
        values = [int(r[index]) for r in ratings if len(r) > index and r[index] != DONT_KNOW]
        if values:
            result.append(Score(sum(values) / len(values), min(values), max(values), len(values)))
        else:
            result.append(Score(None, None, None, 0))
    return tuple(result)


def differences(view: dict[int, tuple[Score, ...]], most: int = 3) -> list[Difference]:
    """The largest differences between the organisations (at least half a point), largest first;
    a component that one side did not know about is left out."""
    found = []
    for index, component in enumerate(components()):
        first, second = view[1][index].mean, view[2][index].mean
        if first is None or second is None:
            continue
        difference = Difference(component, {1: first, 2: second})
        if difference.size >= 0.5:
            found.append(difference)
    found.sort(key=lambda d: -d.size)  # stable: ties keep Table 2's order
    return found[:most]


def domain_means(scores_of: tuple[Score, ...]) -> dict[str, float | None]:
    """An organisation's average per domain (of its component averages), for the trajectory."""
    by_domain: dict[str, list[float]] = {}
    for component, score in zip(components(), scores_of, strict=True):
        values = by_domain.setdefault(component.domain, [])
        if score.mean is not None:
            values.append(score.mean)
    return {d: (sum(v) / len(v) if v else None) for d, v in by_domain.items()}


async def read_views(conn: Tx, chat_id: int, zone: ZoneInfo) -> tuple[View, ...]:
    """The chat's revealed checks, oldest first, each with both organisations' scores."""
    views = []
    for check in await sql.revealed(conn, chat_id):
        complete: dict[int, list[str]] = {1: [], 2: []}
        for rating in await sql.ratings(conn, check.id):
            if rating.answers is not None and valid(rating.answers):
                complete.setdefault(rating.slot, []).append(rating.answers)
        at = dt.datetime.fromisoformat(check.revealed_at or check.started_at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        views.append(View(check.id, at.astimezone(zone), {s: scores(complete[s]) for s in (1, 2)}))
    return tuple(views)
