"""Babel extractor for ``data/wheel.yaml`` (every name, subtitle, description, question, hint and example)
and ``data/position.yaml`` (every component's name, statement and both ends)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

_TRANSLATED_KEYS = (
    "name",
    "subtitle",
    "description",
    "question",
    "hint",
    "example",
    "statement",
    "low",
    "high",
)


def extract_wheel_yaml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, funcname, message, comments) for each translatable string of the wheel."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if not isinstance(root, yaml.MappingNode):
        return  # empty or not a wheel file; load_wheel reports what is wrong with it
    for name, section in root.value:
        if not isinstance(section, yaml.SequenceNode):
            continue
        for item in section.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            fields = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
            ident = fields["id"].value if isinstance(fields.get("id"), yaml.ScalarNode) else "?"
            for key in _TRANSLATED_KEYS:
                node = fields.get(key)
                if isinstance(node, yaml.ScalarNode) and node.value.strip():
                    source = getattr(fileobj, "name", "wheel.yaml").rsplit("/", 1)[-1]
                    comment = f"{source} {name.value[:-1]} {key} ({ident})"
                    yield node.start_mark.line + 1, "gettext", node.value.strip(), [comment]
