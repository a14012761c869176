"""The wheel as immutable data: domains, stages and topics loaded and checked from ``wheel.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: Topics per domain in each stage, as the wheel defines them.
TOPICS_PER_DOMAIN = {"orientation": 3, "integration": 3, "transformation": 1}


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
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        return {_plain(k): v for k, v in node.value}

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
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise WheelError(
            f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', exc)})"
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
    for node in reader.sequence(top.get("domains"), "domains"):
        f = reader.mapping(node, "a domain")
        domains.append(Domain(unique_id(f, node), reader.text(f, "name", node) or ""))
    stages = []
    for node in reader.sequence(top.get("stages"), "stages"):
        f = reader.mapping(node, "a stage")
        stages.append(
            Stage(
                unique_id(f, node),
                reader.text(f, "name", node) or "",
                reader.text(f, "subtitle", node) or "",
                reader.text(f, "description", node) or "",
            )
        )
    if [s.id for s in stages] != list(TOPICS_PER_DOMAIN):
        raise reader.fail(
            top.get("stages"), f"stages must be {', '.join(TOPICS_PER_DOMAIN)}, in that order"
        )
    domain_ids = {d.id for d in domains}
    if len(domains) != 3:
        raise reader.fail(top.get("domains"), f"expected 3 domains, found {len(domains)}")
    topics: list[Topic] = []
    for node in reader.sequence(top.get("topics"), "topics"):
        f = reader.mapping(node, "a topic")
        ident = unique_id(f, node)
        parts = ident.split(".")
        if len(parts) != 3 or parts[0] not in domain_ids or parts[1] not in TOPICS_PER_DOMAIN:
            raise reader.fail(f["id"], f"topic id '{ident}' must be <domain>.<stage>.<topic>")
        topics.append(
            Topic(
                id=ident,
                domain=parts[0],
                stage=parts[1],
                name=reader.text(f, "name", node) or "",
                question=reader.text(f, "question", node) or "",
                hint=reader.text(f, "hint", node, required=False),
                order=len(topics),
            )
        )
    for stage_id, per_domain in TOPICS_PER_DOMAIN.items():
        for domain in domains:
            count = sum(1 for t in topics if t.stage == stage_id and t.domain == domain.id)
            if count != per_domain:
                raise reader.fail(
                    top.get("topics"),
                    f"stage '{stage_id}' needs {per_domain} topic(s) in domain '{domain.id}', found {count}",
                )
    # Wheel order: stage by stage, domain by domain, then the file's order.
    stage_rank = {s: i for i, s in enumerate(TOPICS_PER_DOMAIN)}
    domain_rank = {d.id: i for i, d in enumerate(domains)}
    ordered = sorted(topics, key=lambda t: (stage_rank[t.stage], domain_rank[t.domain], t.order))
    final = tuple(
        Topic(t.id, t.domain, t.stage, t.name, t.question, t.hint, i)
        for i, t in enumerate(ordered)
    )
    return Wheel(tuple(domains), tuple(stages), final)
