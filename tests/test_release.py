"""What a release says about itself: the licence pyproject declares, and a changelog that names
the version the code reports and every schema migration it brings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_the_licence_file_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_the_changelog_has_this_version_first() -> None:
    headings = re.findall(r"^## (\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings, "no version headings in CHANGELOG.md"
    assert headings[0] == __version__


def test_the_changelog_lists_every_schema_migration() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    numbers = sorted(p.name[:4] for p in (ROOT / "bot/db/migrations").glob("*.sql"))
    assert len(numbers) >= 17
    missing = [n for n in numbers if not re.search(rf"^- {n} ", changelog, re.M)]
    assert not missing, f"CHANGELOG.md does not list migrations {missing}"
