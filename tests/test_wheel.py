"""The wheel file: its content matches the published wheel, and broken files are refused clearly."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.wheel import TOPICS_PER_DOMAIN, Wheel, WheelError, load_wheel
from bot.flows.agreements import text_prompt
from bot.i18n import load_translators
from bot.ops.resources import locales_dir, wheel_file
from bot.render.html import render

#: Table 3 of de Bell & Bakker (2024), copied from /work/shared/wheel-reference.md:
#: (domain, stage, topic name, guiding question), in the table's order.
TABLE_3: list[tuple[str, str, str, str]] = [
    ("Value creation", "Orientation", "Ambition", "What economic and social impact do we want to achieve?"),
    ("Value creation", "Orientation", "Goals", "What are our common impact goals?"),
    ("Value creation", "Orientation", "Motivation", "Why do we want to make social impact?"),
    ("Value creation", "Integration", "Added value", "Do we achieve economic and social value together?"),
    ("Value creation", "Integration", "Visibility", "How do we convey the social value of our collaboration?"),
    ("Value creation", "Integration", "Innovation", "Are we able to change our organisations?"),
    ("Value creation", "Transformation", "Synergy", "How can we create even more social value together?"),
    ("Resources", "Orientation", "Type", "What do we have to offer each other?"),
    ("Resources", "Orientation", "Willingness to invest", "How much time and resources are we willing to invest?"),
    ("Resources", "Orientation", "Equality", "How do we think about equality in the collaboration?"),
    ("Resources", "Integration", "Complementarity", "How do we complement each other?"),
    ("Resources", "Integration", "Commitment", "How much time and resources do we each commit?"),
    ("Resources", "Integration", "Responsibility", "To what extent do we share risks and rewards?"),
    ("Resources", "Transformation", "Ecosystem", "Who else do we need to create (more) social value?"),
    ("Partnership processes", "Orientation", "Selection", "How and where do you find a suitable partner?"),
    ("Partnership processes", "Orientation", "Formation", "What agreements do we make with each other?"),
    ("Partnership processes", "Orientation", "Transparency", "What are we willing to be open about?"),
    ("Partnership processes", "Integration", "Risk", "Where do we think collaboration can fail?"),
    ("Partnership processes", "Integration", "Trust", "Do we keep our agreements?"),
    ("Partnership processes", "Integration", "Flexibility", "How do we deal with differences in methods or insights?"),
    ("Partnership processes", "Transformation", "Embeddedness", "How do we embed the social value for the long term?"),
]  # fmt: skip

ID_FORM = re.compile(
    r"[a-z]+(?:-[a-z]+)*\.(orientation|integration|transformation)\.[a-z]+(?:-[a-z]+)*"
)


@pytest.fixture(scope="module")
def wheel() -> Wheel:
    return load_wheel(wheel_file())


@pytest.fixture(scope="module")
def source() -> str:
    return wheel_file().read_text(encoding="utf-8")


# -- the real file ------------------------------------------------------------------------------


def test_three_domains_three_stages_twenty_one_topics(wheel: Wheel) -> None:
    assert [d.name for d in wheel.domains] == [
        "Value creation",
        "Resources",
        "Partnership processes",
    ]
    assert [s.name for s in wheel.stages] == ["Orientation", "Integration", "Transformation"]
    assert [s.id for s in wheel.stages] == list(TOPICS_PER_DOMAIN)
    assert len(wheel.topics) == 21
    assert all(s.subtitle and s.description for s in wheel.stages)


def test_every_question_is_table_3_verbatim(wheel: Wheel) -> None:
    assert len(TABLE_3) == 21
    loaded = {
        (wheel.domain(t.domain).name, wheel.stage(t.stage).name, t.name, t.question)
        for t in wheel.topics
    }
    assert loaded == set(TABLE_3), (
        f"not in Table 3: {sorted(loaded - set(TABLE_3))}; "
        f"missing from wheel.yaml: {sorted(set(TABLE_3) - loaded)}"
    )


def test_topics_per_stage_and_domain_are_3_3_1(wheel: Wheel) -> None:
    counts = Counter((t.stage, t.domain) for t in wheel.topics)
    expected = {
        (stage, domain.id): per_domain
        for stage, per_domain in {"orientation": 3, "integration": 3, "transformation": 1}.items()
        for domain in wheel.domains
    }
    assert counts == expected
    assert [len(wheel.stage_topics(s.id)) for s in wheel.stages] == [9, 9, 3]


def test_ids_are_unique_and_domain_stage_topic(wheel: Wheel) -> None:
    ids = [t.id for t in wheel.topics]
    assert len(set(ids)) == len(ids) == 21
    all_ids = ids + [d.id for d in wheel.domains] + [s.id for s in wheel.stages]
    assert len(set(all_ids)) == len(all_ids)
    for topic in wheel.topics:
        assert ID_FORM.fullmatch(topic.id), topic.id
        domain, stage, _ = topic.id.split(".")
        assert (domain, stage) == (topic.domain, topic.stage)
    # Topic ids are used in callback data (64 bytes at most) with a short prefix.
    assert max(len(i.encode()) for i in ids) <= 50


def test_wheel_order_is_stage_by_stage_then_domain(wheel: Wheel) -> None:
    assert [t.order for t in wheel.topics] == list(range(21))
    stage_rank = {s.id: i for i, s in enumerate(wheel.stages)}
    domain_rank = {d.id: i for i, d in enumerate(wheel.domains)}
    keys = [(stage_rank[t.stage], domain_rank[t.domain]) for t in wheel.topics]
    assert keys == sorted(keys)
    # Within a stage and domain, Table 3's order is kept (a stable sort of the table).
    stages = [s.name for s in wheel.stages]
    domains = [d.name for d in wheel.domains]
    in_wheel_order = sorted(TABLE_3, key=lambda row: (stages.index(row[1]), domains.index(row[0])))
    assert [t.name for t in wheel.topics] == [name for _, _, name, _ in in_wheel_order]
    assert [t.name for t in wheel.topics][:4] == ["Ambition", "Goals", "Motivation", "Type"]


def test_every_topic_has_an_example_agreement_of_its_own(wheel: Wheel) -> None:
    """The proposal prompt shows an agreement that fits the topic (the language review found one
    about impact goals under all 21, Trust and Risk included); shown in the group's language."""
    examples = [t.example for t in wheel.topics]
    assert all(examples)
    assert len(set(examples)) == 21
    trust = "partnership-processes.integration.trust"
    translators = load_translators(locales_dir())
    [dutch] = render(translators["nl"], text_prompt(wheel, trust))
    assert dutch.text == (
        "Wat spreken jullie af bij <b>Vertrouwen</b>? Reageer op dit bericht met één of twee "
        "zinnen.\n\nBijvoorbeeld: <i>Elk overleg begint met wat we de vorige keer hebben "
        "afgesproken: gedaan, of nog niet?</i>"
    )
    [english] = render(translators["en"], text_prompt(wheel, trust))
    assert "For example: <i>Every meeting starts with what we agreed last time" in english.text


def test_lookups_by_id(wheel: Wheel) -> None:
    trust = wheel.topic("partnership-processes.integration.trust")
    assert trust.question == "Do we keep our agreements?"
    assert wheel.stage("transformation").name == "Transformation"
    assert wheel.domain("resources").name == "Resources"
    for lookup in (wheel.topic, wheel.stage, wheel.domain):
        with pytest.raises(KeyError):
            lookup("nope")


# -- broken files -------------------------------------------------------------------------------


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "wheel.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing ``fragment``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) >= occurrence, f"{fragment!r} not in the wheel file"
    return hits[occurrence - 1]


def refused(path: Path) -> str:
    with pytest.raises(WheelError) as info:
        load_wheel(path)
    return str(info.value)


def test_the_test_helpers_work_on_the_real_file(tmp_path: Path, source: str) -> None:
    assert len(load_wheel(write(tmp_path, source)).topics) == 21


def test_missing_question(tmp_path: Path, source: str) -> None:
    broken = source.replace("    question: Why do we want to make social impact?\n", "")
    assert broken != source
    path = write(tmp_path, broken)
    line = line_of(broken, "- id: value-creation.orientation.motivation")
    assert refused(path) == f"{path}:{line}: missing 'question'"


def test_empty_question(tmp_path: Path, source: str) -> None:
    broken = source.replace("question: What are our common impact goals?", 'question: " "')
    path = write(tmp_path, broken)
    line = line_of(broken, 'question: " "')
    assert refused(path) == f"{path}:{line}: 'question' must be non-empty text"


def test_duplicate_id(tmp_path: Path, source: str) -> None:
    broken = source.replace(
        "id: value-creation.orientation.goals", "id: value-creation.orientation.ambition"
    )
    path = write(tmp_path, broken)
    line = line_of(broken, "id: value-creation.orientation.ambition", occurrence=2)
    assert refused(path) == f"{path}:{line}: duplicate id 'value-creation.orientation.ambition'"


def test_duplicate_key_is_not_silently_dropped(tmp_path: Path, source: str) -> None:
    broken = source.replace(
        "    question: Do we keep our agreements?\n",
        "    question: Do we keep our agreements?\n    question: Do we trust each other?\n",
    )
    path = write(tmp_path, broken)
    line = line_of(broken, "question: Do we trust each other?")
    assert refused(path) == f"{path}:{line}: duplicate key 'question'"


def test_too_few_topics_in_a_stage_and_domain(tmp_path: Path, source: str) -> None:
    # Motivation moves from Orientation to Integration: Orientation/Value creation has 2.
    broken = source.replace(
        "id: value-creation.orientation.motivation", "id: value-creation.integration.motivation"
    )
    path = write(tmp_path, broken)
    line = line_of(broken, "topics:")
    message = refused(path)
    assert message.startswith(f"{path}:{line}: ")
    assert "stage 'orientation' needs 3 topic(s) in domain 'value-creation', found 2" in message


def test_too_many_topics_in_a_stage_and_domain(tmp_path: Path, source: str) -> None:
    extra = (
        "  - id: resources.transformation.legacy\n"
        "    name: Legacy\n"
        "    question: What do we leave behind?\n"
    )
    broken = source + extra
    path = write(tmp_path, broken)
    line = line_of(broken, "- id: resources.transformation.legacy")
    assert refused(path) == (
        f"{path}:{line}: stage 'transformation' needs 1 topic(s) in domain 'resources', found 2"
    )


def test_topic_missing_altogether(tmp_path: Path, source: str) -> None:
    start = source.index("  - id: partnership-processes.integration.trust")
    end = source.index("  - id: partnership-processes.integration.flexibility")
    broken = source[:start] + source[end:]
    path = write(tmp_path, broken)
    message = refused(path)
    assert message.startswith(f"{path}:{line_of(broken, 'topics:')}: ")
    assert "'integration' needs 3 topic(s) in domain 'partnership-processes', found 2" in message


def test_wrong_number_of_domains(tmp_path: Path, source: str) -> None:
    broken = source.replace(
        "  - id: partnership-processes\n    name: Partnership processes\n",
        "  - id: partnership-processes\n    name: Partnership processes\n"
        "  - id: people\n    name: People\n",
    )
    path = write(tmp_path, broken)
    assert (
        refused(path) == f"{path}:{line_of(broken, '- id: people')}: expected 3 domains, found 4"
    )


def test_stages_out_of_order(tmp_path: Path, source: str) -> None:
    broken = source.replace("- id: integration", "- id: TMP").replace(
        "- id: transformation", "- id: integration"
    )
    broken = broken.replace("- id: TMP", "- id: transformation")
    path = write(tmp_path, broken)
    line = line_of(broken, "- id: transformation")
    assert refused(path) == (
        f"{path}:{line}: stages must be orientation, integration, transformation, in that order"
    )


@pytest.mark.parametrize(
    "bad_id",
    [
        "value-creation.ambition",
        "value-creation.orientation.",
        "value-creation.orientation.Ambition Two",
        "values.orientation.ambition",
        "value-creation.centre.ambition",
    ],
)
def test_malformed_topic_id(tmp_path: Path, source: str, bad_id: str) -> None:
    broken = source.replace("id: value-creation.orientation.ambition", f"id: {bad_id}")
    path = write(tmp_path, broken)
    line = line_of(broken, f"id: {bad_id}")
    assert refused(path) == f"{path}:{line}: topic id '{bad_id}' must be <domain>.<stage>.<topic>"


def test_invalid_yaml(tmp_path: Path, source: str) -> None:
    broken = source.replace("    name: Goals\n", "    name: Goals: and more\n")
    path = write(tmp_path, broken)
    line = line_of(broken, "name: Goals: and more")
    assert refused(path) == f"{path}:{line}: not valid YAML (mapping values are not allowed here)"


def test_unclosed_flow_list(tmp_path: Path) -> None:
    path = write(tmp_path, "domains: [a, b\nstages: []\n")
    message = refused(path)
    assert message.startswith(f"{path}:2: not valid YAML (")


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)
    assert refused(path) == f"{path}:1: the file is empty"


def test_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- just\n- a list\n")
    assert refused(path) == f"{path}:1: the file must be a mapping"


def test_missing_section(tmp_path: Path, source: str) -> None:
    broken = source[: source.index("topics:")]
    path = write(tmp_path, broken)
    assert refused(path) == f"{path}:1: 'topics' must be a list"


def test_not_utf8(tmp_path: Path, source: str) -> None:
    broken = source.encode("utf-8").replace(b"name: Trust", b"name: Trust \xe9")
    path = write(tmp_path, broken)
    line = line_of(source, "name: Trust")
    assert refused(path).startswith(f"{path}:{line}: not UTF-8 text")
