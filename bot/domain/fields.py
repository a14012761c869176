"""What the button codec and the purpose codec share: a frozen dataclass read from its fields'
texts in order, where fields with a default may be missing at the end (so data written before a
field existed still reads)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import MISSING, Field, fields
from itertools import zip_longest
from typing import Any, TypeVar, get_type_hints

T = TypeVar("T")
#: A field of a dataclass with its type, as ``typed_fields`` lists them.
Typed = tuple[Field[Any], Any]


def typed_fields(kind: type, allowed: Collection[object], what: str) -> tuple[Typed, ...]:
    """A dataclass's fields with their types; a type the codec cannot write fails at import."""
    hints = get_type_hints(kind)
    typed = tuple((field, hints[field.name]) for field in fields(kind))
    for field, field_type in typed:
        if field_type not in allowed:
            raise TypeError(f"{kind.__name__}.{field.name}: a {what} cannot hold {field_type}")
    return typed


def read_fields(
    kind: Callable[..., T],
    typed: tuple[Typed, ...],
    parts: list[str],
    value: Callable[[Any, str], object | None],
) -> T | None:
    """Build ``kind`` from ``parts``, one per field in order (``value`` reads one, None when it
    cannot); None when a part is unreadable, one is missing without a default, or one is extra."""
    values: list[object] = []
    for field_and_type, part in zip_longest(typed, parts):
        if field_and_type is None:
            return None  # more parts than fields
        field, field_type = field_and_type
        if part is None:
            if field.default is MISSING:
                return None
            break  # the fields after a default have defaults too
        read = value(field_type, part)
        if read is None:
            return None
        values.append(read)
    return kind(*values)
