"""Where the wheel file and the gettext catalogs live, in a source checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

# bot/ops/resources.py: the package is two folders up.
_PACKAGE = Path(__file__).resolve().parent.parent


def resource_path(name: str) -> Path:
    """Return the path of a top-level resource folder (``data`` or ``locales``)."""
    installed = _PACKAGE / "_resources" / name
    if installed.exists():
        return installed
    return _PACKAGE.parent / name


def wheel_file() -> Path:
    """Return the path of ``data/wheel.yaml``."""
    return resource_path("data") / "wheel.yaml"


def locales_dir() -> Path:
    """Return the folder holding ``<lang>/LC_MESSAGES/messages.po|mo``."""
    return resource_path("locales")
