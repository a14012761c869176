"""How figures are printed: each repeated measure as its minimum and median, beside its goal.

A benchmark prints; it never fails because a figure misses its goal.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

LABEL = 44


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile by nearest rank (p99 of 200 values is the 2nd largest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def title(number: int | str, text: str) -> None:
    """Print a figure's heading."""
    print(f"\n{number}. {text}")


def note(text: str) -> None:
    """Print a line of explanation under a figure."""
    print(f"   {text}")


def header(unit: str = "") -> None:
    """Print the column heads of a figure's table."""
    print(f"   {unit:<{LABEL}}{'min':>10}{'median':>10}   goal")


def row(label: str, values: Sequence[float], digits: int = 1, goal: str = "") -> None:
    """Print a repeated measure as its minimum and median."""
    if not values:
        print(f"   {label:<{LABEL}}{'–':>10}{'–':>10}   {goal}".rstrip())
        return
    low, mid = min(values), statistics.median(values)
    print(f"   {label:<{LABEL}}{low:>10.{digits}f}{mid:>10.{digits}f}   {goal}".rstrip())


def value(label: str, text: str, goal: str = "") -> None:
    """Print a single value (a count, a list) in a figure's table."""
    print(f"   {label:<{LABEL}}{text:>20}   {goal}".rstrip())
