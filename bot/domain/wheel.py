"""The wheel as immutable data: domains, stages and topics loaded and checked from ``wheel.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: Topics per domain in each stage, as the wheel defines them.
TOPICS_PER_DOMAIN = {"orientation": 3, "integration": 3, "transformation": 1}
DOMAIN_COUNT = 3
#: Topics on which a partner may hold back in front of the other: openness (Transparency), risks,
#: trust and responsibility. Their cards suggest answering privately (``bot/flows/private.py``).
SENSITIVE_TOPICS = frozenset(
    {
        "partnership-processes.orientation.transparency",
        "resources.integration.responsibility",
        "partnership-processes.integration.risk",
        "partnership-processes.integration.trust",
    }
)
#: The last part of a topic id: lowercase words joined by hyphens.
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class WheelError(ValueError):
    """A broken wheel file; the message names the file, the line and the problem."""


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    name: str
    subtitle: str
    description: str


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    domain: str
    stage: str
    name: str
    question: str
    hint: str | None
    #: An agreement partners might make on this topic, shown when someone proposes one.
    example: str | None
    order: int


@dataclass(frozen=True, slots=True)
class Wheel:
    domains: tuple[Domain, ...]
    stages: tuple[Stage, ...]
    topics: tuple[Topic, ...]

    def topic(self, topic_id: str) -> Topic:
        """Return the topic with this id (KeyError when unknown)."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def stage(self, stage_id: str) -> Stage:
        """Return the stage with this id (KeyError when unknown)."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def domain(self, domain_id: str) -> Domain:
        """Return the domain with this id (KeyError when unknown)."""
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)

    def stage_topics(self, stage_id: str) -> tuple[Topic, ...]:
        """Return the topics of one stage in wheel order."""
        return tuple(t for t in self.topics if t.stage == stage_id)


def _plain(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_document(node)


class _Reader:
    """Reads mappings from composed YAML nodes so that every error can name its line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, problem: str) -> WheelError:
        line = node.start_mark.line + 1 if node is not None else 1
        return WheelError(f"{self.path}:{line}: {problem}")

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
        """Return the values of a mapping by key; refuse duplicate keys (YAML keeps the last)."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        fields: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = _plain(key) if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str):
                raise self.fail(key, f"the keys of {what} must be text")
            if name in fields:
                raise self.fail(key, f"duplicate key '{name}'")
            fields[name] = value
        return fields

    @staticmethod
    def key(node: yaml.Node, name: str) -> yaml.Node | None:
        """Return the key node ``name`` of a mapping node (for the line of a section)."""
        for key, _ in getattr(node, "value", []):
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return key
        return None

    def sequence(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"'{what}' must be a list")
        return list(node.value)

    def text(
        self, fields: dict[str, yaml.Node], key: str, owner: yaml.Node, *, required: bool = True
    ) -> str | None:
        node = fields.get(key)
        if node is None:
            if required:
                raise self.fail(owner, f"missing '{key}'")
            return None
        value = _plain(node)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"'{key}' must be non-empty text")
        return value.strip()


def load_wheel(path: Path) -> Wheel:
    """Load and check the wheel file; raise WheelError naming file, line and problem."""
    reader = _Reader(path)
    data = path.read_bytes()
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WheelError(f"{path}:{line}: not UTF-8 text ({exc.reason})") from exc
    try:
        root = yaml.compose(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        raise WheelError(
            f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})"
        ) from exc
    if root is None:
        raise WheelError(f"{path}:1: the file is empty")
    top = reader.mapping(root, "the file")
    seen: set[str] = set()

    def unique_id(fields: dict[str, yaml.Node], node: yaml.Node) -> str:
        ident = reader.text(fields, "id", node)
        assert ident is not None
        if ident in seen:
            raise reader.fail(fields["id"], f"duplicate id '{ident}'")
        seen.add(ident)
        return ident

    domains = []
    domain_nodes = reader.sequence(top.get("domains"), "domains")
    for node in domain_nodes:
        f = reader.mapping(node, "a domain")
        domains.append(Domain(unique_id(f, node), reader.text(f, "name", node) or ""))
    stages = []
    stage_nodes = reader.sequence(top.get("stages"), "stages")
    for node in stage_nodes:
        f = reader.mapping(node, "a stage")
        stages.append(
            Stage(
                unique_id(f, node),
                reader.text(f, "name", node) or "",
                reader.text(f, "subtitle", node) or "",
                reader.text(f, "description", node) or "",
            )
        )
    expected_stages = list(TOPICS_PER_DOMAIN)
    if [s.id for s in stages] != expected_stages:
        # Point at the first stage out of place, or at the section when one is missing.
        wrong = [
            n for n, s, e in zip(stage_nodes, stages, expected_stages, strict=False) if s.id != e
        ]
        wrong += stage_nodes[len(expected_stages) :]
        raise reader.fail(
            wrong[0] if wrong else reader.key(root, "stages"),
            f"stages must be {', '.join(expected_stages)}, in that order",
        )
    domain_ids = {d.id for d in domains}
    if len(domains) != DOMAIN_COUNT:
        surplus = domain_nodes[DOMAIN_COUNT] if len(domains) > DOMAIN_COUNT else None
        raise reader.fail(
            surplus or reader.key(root, "domains"),
            f"expected {DOMAIN_COUNT} domains, found {len(domains)}",
        )
    topics: list[Topic] = []
    topic_nodes: list[yaml.Node] = []
    for node in reader.sequence(top.get("topics"), "topics"):
        f = reader.mapping(node, "a topic")
        ident = unique_id(f, node)
        parts = ident.split(".")
        if (
            len(parts) != 3
            or parts[0] not in domain_ids
            or parts[1] not in TOPICS_PER_DOMAIN
            or not _SLUG.fullmatch(parts[2])
        ):
            raise reader.fail(f["id"], f"topic id '{ident}' must be <domain>.<stage>.<topic>")
        topics.append(
            Topic(
                id=ident,
                domain=parts[0],
                stage=parts[1],
                name=reader.text(f, "name", node) or "",
                question=reader.text(f, "question", node) or "",
                hint=reader.text(f, "hint", node, required=False),
                example=reader.text(f, "example", node, required=False),
                order=len(topics),
            )
        )
        topic_nodes.append(node)
    for stage_id, per_domain in TOPICS_PER_DOMAIN.items():
        for domain in domains:
            found = [
                n
                for t, n in zip(topics, topic_nodes, strict=True)
                if t.stage == stage_id and t.domain == domain.id
            ]
            if len(found) != per_domain:
                # Too many: point at the first one too many. Too few: at the 'topics' section.
                where = (
                    found[per_domain] if len(found) > per_domain else reader.key(root, "topics")
                )
                raise reader.fail(
                    where,
                    f"stage '{stage_id}' needs {per_domain} topic(s) in domain '{domain.id}', found {len(found)}",
                )
    # Wheel order: stage by stage, domain by domain, then the file's order.
    stage_rank = {s: i for i, s in enumerate(TOPICS_PER_DOMAIN)}
    domain_rank = {d.id: i for i, d in enumerate(domains)}
    ordered = sorted(topics, key=lambda t: (stage_rank[t.stage], domain_rank[t.domain], t.order))
    final = tuple(
        Topic(t.id, t.domain, t.stage, t.name, t.question, t.hint, t.example, i)
        for i, t in enumerate(ordered)
    )
    return Wheel(tuple(domains), tuple(stages), final)
