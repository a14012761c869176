"""The lowest versions pyproject.toml allows, as a pip constraints file.

``python -m tests.support.lowest > lowest.txt`` turns each direct dependency's lower bound
(``>=X``) into ``name==X``; ``pip install -c lowest.txt -e '.[webhooks]'`` with the test
runners (pytest, pytest-asyncio, pytest-xdist) then installs the oldest release of each that the
ranges admit, and the fast tests run against them (``.ci/run``). pip itself has no "lowest" resolution (uv's ``--resolution lowest-direct``),
so we write the pins; a lower bound must therefore name a release that exists (fpdf2 has no 2.8.0).

Constraints name packages without extras; a dependency listed twice (python-telegram-bot, with
different extras) gives one line, from the highest of its lower bounds. A dependency without a
lower bound has no lowest version and stays unconstrained (the newest is installed): the test in
tests/test_dependencies.py keeps that to the type stubs.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

#: ``name[extras] specifier, specifier`` without environment markers, which pyproject does not use.
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")


#: From the test extra, what the fast tests run on. The rest of it (ruff, mypy and its stubs,
#: build) only checks the code in `make test`, at the versions of constraints.txt.
TEST_RUNNERS = ("pytest", "pytest-asyncio", "pytest-xdist")


def canonical(name: str) -> str:
    """A distribution's name as pip compares it (PEP 503): ``PyYAML`` and ``pyyaml`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split(requirement: str) -> tuple[str, list[str]]:
    """The canonical name and the version specifiers (``[">=22.0", "<23"]``) of a requirement."""
    match = REQUIREMENT.match(requirement)
    if match is None or ";" in requirement:
        raise ValueError(f"cannot read the requirement {requirement!r}")
    name, specifiers = match.groups()
    return canonical(name), [part.strip() for part in specifiers.split(",") if part.strip()]


def direct_requirements() -> list[str]:
    """What the bot runs on (its dependencies and the webhooks extra) and what the tests run on."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    runners = [item for item in extras["test"] if split(item)[0] in TEST_RUNNERS]
    return [*project["dependencies"], *extras["webhooks"], *runners]


def lower_bound(specifiers: list[str]) -> str | None:
    """The version after ``>=`` (or ``==``), if the specifiers give one."""
    for specifier in specifiers:
        for operator in (">=", "=="):
            if specifier.startswith(operator):
                return specifier.removeprefix(operator).strip()
    return None


def version_key(version: str) -> tuple[int, ...]:
    """Order plain release numbers (``2.16`` < ``2.16.1``), the only kind our bounds use."""
    return tuple(int(part) for part in version.split("."))


def lowest_pins(requirements: list[str]) -> dict[str, str]:
    """Each requirement's name with its lowest allowed version; unbounded ones are left out."""
    pins: dict[str, str] = {}
    for requirement in requirements:
        name, specifiers = split(requirement)
        bound = lower_bound(specifiers)
        if bound is None:
            continue
        if name not in pins or version_key(bound) > version_key(pins[name]):
            pins[name] = bound
    return pins


def main() -> None:
    pins = lowest_pins(direct_requirements())
    sys.stdout.write("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))


if __name__ == "__main__":
    main()
