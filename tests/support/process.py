"""Running the real ``wheelbot`` command in tests: a clean environment, the bot's settings, and
the process started or run to its end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.conftest import TOKEN

#: Start-up, shutdown and each exchange with the fake Bot API take seconds, not minutes.
TIMEOUT = 60


def clean_env(**extra: str) -> dict[str, str]:
    """An environment with nothing of ours in it: only what a shell needs to find programs."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(extra)
    return env


def wheelbot_command() -> list[str]:
    """The installed console script, or ``python -m bot`` where it is not installed."""
    script = Path(sys.executable).with_name("wheelbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


#: The source tree these tests belong to.
SOURCE = Path(__file__).resolve().parents[2]


def source_env(**extra: str) -> dict[str, str]:
    """A clean environment that runs the code of this source tree (see ``bot_env``)."""
    return clean_env(PYTHONPATH=str(SOURCE), **extra)


def bot_env(base_url: str, db: Path, **extra: str) -> dict[str, str]:
    """The settings of a bot talking to the fake Bot API at ``base_url``; ``extra`` wins.

    The process runs the code of this source tree: the virtual environment's editable install
    may point at another checkout of the project.
    """
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "WHEELBOT_DB": str(db),
        "PYTHONPATH": str(SOURCE),
    }
    return clean_env(**{**settings, **extra})


def run_wheelbot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``wheelbot ARGS`` until it exits by itself."""
    return subprocess.run(
        [*wheelbot_command(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def start_wheelbot(
    cwd: Path, env: dict[str, str], log: Path | None = None
) -> subprocess.Popen[str]:
    """Start ``wheelbot run``; the caller stops it (terminate + communicate).

    With ``log``, what it writes goes to the end of that file instead of a pipe, so that a
    long, busy run never fills a pipe nobody reads.
    """
    if log is None:
        out: int | IO[str] = subprocess.PIPE
    else:
        out = log.open("a", encoding="utf-8")
    try:
        return subprocess.Popen(
            [*wheelbot_command(), "run"],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if log is not None else subprocess.PIPE,
            text=True,
        )
    finally:
        if not isinstance(out, int):
            out.close()  # the child has its own copy
