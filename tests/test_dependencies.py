"""Dependencies known to work: ranges in pyproject.toml, the versions tested in constraints.txt,
the lowest versions that CI tests, and the install steps that use them.

``packaging`` (which reads requirements and versions as pip does) comes with pytest.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.lowest import TEST_RUNNERS, direct_requirements, lowest_pins

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

#: Where the next major release is likely to break the bot: these must stop before it.
CAPPED = ("python-telegram-bot", "fpdf2")


def constraints() -> dict[str, str]:
    """constraints.txt as {canonical name: version}; every line must be an exact pin."""
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s=<>!~;]+)", line)
        assert match, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        name = canonicalize_name(match[1])
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = match[2]
    return pins


def all_direct() -> Iterator[Requirement]:
    """Every requirement pyproject.toml names: the bot's, each extra's and the build backend's."""
    project = PYPROJECT["project"]
    lines = [*project["dependencies"], *PYPROJECT["build-system"]["requires"]]
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    return (Requirement(line) for line in lines)


def runtime() -> list[Requirement]:
    """What a deploy installs: the bot's dependencies and the webhooks extra."""
    project = PYPROJECT["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"]["webhooks"]]
    return [Requirement(line) for line in lines]


def test_constraints_pin_every_direct_dependency_within_its_range() -> None:
    pins = constraints()
    for requirement in all_direct():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement}"
        )


def test_constraints_pin_everything_a_deploy_installs() -> None:
    """The dependencies of the dependencies too (as installed here), or a deploy is not repeatable."""
    pins = constraints()
    seen: set[str] = set()
    todo = [(requirement.name, frozenset(requirement.extras)) for requirement in runtime()]
    while todo:
        name, extras = todo.pop()
        key = f"{canonicalize_name(name)}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        assert canonicalize_name(name) in pins, f"constraints.txt does not pin {name}"
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in {"", *extras}):
                todo.append((requirement.name, frozenset(requirement.extras)))
    assert len(seen) >= 20, seen  # the bot, PTB's extras, httpx, APScheduler, ...


def test_the_capped_dependencies_stop_before_their_next_major_release() -> None:
    bounds = {canonicalize_name(r.name): r.specifier for r in runtime()}
    pins = constraints()
    for name in CAPPED:
        tested = Version(pins[name])
        upper = [spec for spec in bounds[name] if spec.operator == "<"]
        assert upper, f"{name} has no upper bound in pyproject.toml"
        assert Version(upper[0].version) == Version(f"{tested.major + 1}"), upper


def test_each_upper_bound_is_the_release_line_after_the_tested_version() -> None:
    """A cap shuts out only what is untested: `<23` over 22.x, `<1.5` over 1.4.x, not `<22.5`."""
    pins = constraints()
    for requirement in all_direct():
        tested = Version(pins[canonicalize_name(requirement.name)]).release
        for spec in requirement.specifier:
            if spec.operator != "<":
                continue
            cap = Version(spec.version).release
            following = (*tested[: len(cap) - 1], tested[len(cap) - 1] + 1)
            assert cap == following, f"{requirement}: tested {pins[requirement.name]}"


def test_the_lowest_run_covers_every_runtime_dependency_and_the_test_runners() -> None:
    pins = lowest_pins(direct_requirements())
    for requirement in runtime():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} has no lower bound: the lowest run cannot test it"
        assert requirement.specifier.contains(pins[name], prereleases=True)
    assert set(TEST_RUNNERS) <= pins.keys()
    # python-telegram-bot appears three times (extras); it gets one pin.
    assert pins["python-telegram-bot"] == "22.2"


def test_lowest_pins_take_the_highest_lower_bound_and_skip_unbounded() -> None:
    pins = lowest_pins(
        ["A_b[x]>=1.2,<2", "a-b[y]>=1.10", "c>=0.3", "types-d", "e==2.0", "F<3,>=2.8.1"]
    )
    assert pins == {"a-b": "1.10", "c": "0.3", "e": "2.0", "f": "2.8.1"}


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("Dockerfile", r"RUN pip wheel .*"),
        ("docs/operating.md", r"sudo .*pip install .*"),
        # The set-up of .venv (make test, demo, run), not the lowest run's own pins.
        ("Makefile", r"\t\$\(BIN\)/python -m pip install .*-e .*"),
    ],
)
def test_installs_use_the_constraints(path: str, command: str) -> None:
    text = (ROOT / path).read_text()
    lines = re.findall(f"^{command}$", text, re.M)
    assert lines, f"{path} has no line like {command}"
    for line in lines:
        assert "-c constraints.txt" in line, f"{path}: {line.strip()}"
    if path == "Dockerfile":
        assert re.search(r"^COPY .*constraints\.txt", text, re.M), "the build stage lacks it"


def test_ci_runs_the_whole_suite_then_the_lowest_versions() -> None:
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert ci[-2:] == ["make test", "make test-lowest"]
    makefile = (ROOT / "Makefile").read_text()

    def recipe(target: str) -> str:
        return makefile.split(f"\n{target}: ", 1)[1].split("\n\n", 1)[0]

    # Everything: the fast tests and the slow ones (the install test among them), side by side.
    assert "-j2 --output-sync=target test-fast test-slow" in recipe("test")
    assert '-m pytest -q -p no:cacheprovider -m "not slow"' in recipe("test-fast")
    assert "-m pytest -q -p no:cacheprovider -m slow" in recipe("test-slow")
    lowest = makefile.split("\ntest-lowest:", 1)[1].split("\n\n", 1)[0]
    assert "tests.support.lowest" in lowest
    assert '-m "not slow"' in lowest
    # The fast tests in a process per core, at the tested and at the lowest versions alike.
    assert "$(WORKERS)" in recipe("test-fast")
    assert "$(WORKERS)" in lowest
    assert "\nWORKERS := -n auto" in makefile


def test_this_environment_satisfies_pyproject() -> None:
    """Whatever venv runs the tests (.venv, .venv-lowest) has each dependency within its range."""
    for requirement in runtime():
        version = metadata.version(requirement.name)
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
