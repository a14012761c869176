"""An agreement's history: the wordings a confirmed change replaced, and its drop.

One function, ``history``, reads it from the chat's versions (``records.versions``): a change is a
new agreement whose ``replaces`` names the one it replaced (now ``changed``); a drop is a
confirmed proposal with ``lapse`` whose ``replaces`` names the agreement let lapse (both
``dropped``). The summary, the export and the messages of the bot all show what it gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    CHANGED = "changed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class Version:
    """One row of ``records.versions``."""

    id: int
    text: str
    status: str
    replaces: int | None
    lapse: bool
    confirmed_at: str | None
    ended_at: str | None


@dataclass(frozen=True, slots=True)
class Event:
    """A step in an agreement's history."""

    step: Step
    #: When it happened, in UTC.
    on: dt.datetime
    #: For a change: the wording it had before; for a drop: the wording that lapsed.
    text: str


def versions(
    rows: Iterable[tuple[int, str, str, int | None, bool, str | None, str | None]],
) -> dict[int, Version]:
    """The chat's versions by id, from ``records.versions``."""
    return {row[0]: Version(*row) for row in rows}


def history(agreement_id: int, known: Mapping[int, Version]) -> tuple[Event, ...]:
    """What happened to an agreement, newest first: its drop (if it was dropped), then each
    earlier wording it replaced, back to the first. Empty for an agreement never changed."""
    events: list[Event] = []
    current = known.get(agreement_id)
    if current is None:
        return ()
    if current.status == "dropped" and current.ended_at is not None:
        events.append(Event(Step.DROPPED, moment(current.ended_at), current.text))
    seen = {current.id}
    while current.replaces is not None and current.replaces not in seen:
        earlier = known.get(current.replaces)
        if earlier is None or earlier.ended_at is None:
            break
        seen.add(earlier.id)
        events.append(Event(Step.CHANGED, moment(earlier.ended_at), earlier.text))
        current = earlier
    return tuple(events)


def moment(stamp: str) -> dt.datetime:
    """A stored moment (UTC text) as an aware datetime."""
    read = dt.datetime.fromisoformat(stamp)
    return read if read.tzinfo is not None else read.replace(tzinfo=dt.UTC)
