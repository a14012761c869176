"""The package as a user gets it: built from a clean copy, installed in a fresh virtualenv, run.

The other tests import ``bot`` from the source tree, where ``data/`` and ``locales/`` sit next
to the package. Only an installed wheel shows that the resources are packaged, that the console
script works and that nothing depends on the checkout. The installed ``wheelbot`` talks to the
fake Bot API over HTTP, from an empty working directory and with nothing but its own settings in
the environment.

No package index is needed: the build runs without isolation on the build backend of this
virtualenv (hatchling and build are in the ``test`` extra), and the wheel is installed with
``--no-index --no-deps`` into a new virtualenv whose only link to ours is a ``.pth`` line that
appends our site-packages to its path, so that it finds the dependencies there (a ``.pth`` in a
directory added that way is not run: our editable install of the project stays out of it). What
this does not test is pip resolving the dependencies from an index: `make test`'s own set-up
does that at the versions of constraints.txt, and .ci/run again at the lowest versions allowed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import site
import string
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import __version__
from tests.conftest import TOKEN
from tests.support.botapi_http import BotApiServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

#: Well-formed, but not the token the server knows: Telegram answers such a token with 401.
OTHER_TOKEN = "987654321:AAE" + string.ascii_letters[:32]

#: What the wheel must carry for the bot to start outside the checkout.
PACKAGED_RESOURCES = (
    "bot/_resources/locales/nl/LC_MESSAGES/messages.po",
    "bot/_resources/locales/en/LC_MESSAGES/messages.po",
    "bot/_resources/data/wheel.yaml",
)

DUTCH_GROUP = -1001000000001
ENGLISH_GROUP = -1001000000002

#: Building and installing from local files takes seconds; a loaded machine may take a minute.
INSTALL_TIMEOUT = 300
#: Start-up, shutdown and each exchange with the fake Bot API take seconds, not minutes.
RUN_TIMEOUT = 60


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the built wheel installed in it."""

    venv: Path
    wheel: Path

    @property
    def wheelbot(self) -> Path:
        return self.venv / "bin" / "wheelbot"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def project_files() -> list[str]:
    """The files git would commit (tracked or new, not ignored), relative to the repo root."""
    if shutil.which("git") is None:
        pytest.skip("git is not available: cannot tell the project's files from ignored ones")
    listing = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if listing.returncode != 0:
        pytest.skip(f"not a git checkout, cannot list the project's files: {listing.stderr!r}")
    return [name for name in listing.stdout.decode().split("\0") if name]


def clean_copy(destination: Path) -> Path:
    """Copy the project's files (uncommitted work included; .venv, caches, databases not)."""
    for name in project_files():
        source = ROOT / name
        # A tracked file deleted in the work tree is still listed; the build must do without it.
        if not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def run_checked(command: list[str | Path], timeout: float) -> None:
    """Run a build or install step; fail with its output (not just a status) if it fails."""
    # PYTHONPATH would let the build, or the installed package, see the source tree instead.
    # PIP_NO_INDEX: should any step still reach for an index, it fails here, not only offline.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PIP_NO_INDEX"] = "1"
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


def only(folder: Path, pattern: str) -> Path:
    """The single file in ``folder`` that matches ``pattern``."""
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {folder}, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build an sdist and a wheel from a clean copy and install the wheel in a new venv."""
    if importlib.util.find_spec("hatchling") is None:
        # Failed, not skipped: `make test` installs it, and a skip would pass unnoticed.
        pytest.fail(
            "tests/test_install.py builds with this venv's hatchling, without a package index, "
            "and there is none: install the test extra "
            "(pip install -c constraints.txt -e '.[test]', as `make test` does)"
        )
    base = tmp_path_factory.mktemp("install")
    copy = clean_copy(base / "project")
    dist = base / "dist"
    # By default `build` makes the sdist and then the wheel from the unpacked sdist: a file
    # missing from the sdist makes the wheel fail or miss it, so this checks both.
    # --no-isolation: hatchling from this venv, not a fresh one from the index (`build` still
    # checks that it satisfies [build-system] requires).
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, copy]
    run_checked(command, INSTALL_TIMEOUT)
    only(dist, "*.tar.gz")
    wheel = only(dist, "*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in PACKAGED_RESOURCES if name not in names]
    assert not missing, f"{wheel.name} lacks {missing}"

    venv = base / "venv"
    run_checked([sys.executable, "-m", "venv", venv], INSTALL_TIMEOUT)
    result = Installed(venv, wheel)
    # Installed before the .pth below exists, so that pip sees only the new venv.
    install = [result.python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel]
    run_checked(install, INSTALL_TIMEOUT)
    assert result.wheelbot.is_file(), "the wheel installed no wheelbot command"
    lend_dependencies(result)
    return result


def lend_dependencies(installed: Installed) -> None:
    """Let the new venv import what ours has installed, after its own site-packages.

    Then check, in the new venv, that every dependency the wheel declares is there in a version
    it allows: without an index pip did not resolve them, so this is where a missing or too-old
    dependency shows up.
    """
    own = run_in(installed.python, "import sysconfig; print(sysconfig.get_path('purelib'))")
    lent = "\n".join(site.getsitepackages())
    Path(own.strip(), "_wheelbot_test_dependencies.pth").write_text(lent + "\n", encoding="utf-8")
    unmet = run_in(installed.python, CHECK_REQUIREMENTS)
    assert not unmet.strip(), f"the installed wheel's dependencies are not met:\n{unmet}"


#: Prints each requirement of the installed distribution (extras left aside) that no installed
#: distribution satisfies. ``packaging`` comes with pytest, so it is among the lent packages.
CHECK_REQUIREMENTS = """
from importlib import metadata
from packaging.requirements import Requirement
for line in metadata.requires("impact-wheel-bot") or []:
    requirement = Requirement(line)
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        continue
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        print(requirement, "is missing")
        continue
    if not requirement.specifier.contains(version, prereleases=True):
        print(requirement, "but", version, "is installed")
"""


def run_in(python: Path, code: str) -> str:
    """Run ``code`` with ``python`` outside the checkout's path; fail with its output; its stdout."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run(
        [str(python), "-c", code],
        # Not the checkout, whose folder `python -c` would put first on the path.
        cwd=python.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{python} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty current directory: the installed bot must not find anything of the checkout."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(TOKEN) as api_server:
        yield api_server


def bot_env(server: BotApiServer, token: str, db: Path) -> dict[str, str]:
    """Only what the bot needs: no PYTHONPATH, no virtualenv of ours, no other settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_BASE_URL": server.base_url,
        "WHEELBOT_DB": str(db),
    }


def bot_added(server: BotApiServer, chat_id: int, user_id: int, language: str) -> dict[str, Any]:
    """The update Telegram sends when a user with this language adds the bot to a group."""
    user = {"id": user_id, "is_bot": False, "first_name": "Anna", "language_code": language}
    return server.bot_added(chat_id, user)


def read_output(folder: Path) -> tuple[str, str]:
    """What a bot started with ``start_bot`` wrote to stdout and stderr."""
    return (
        (folder / "stdout.txt").read_text(encoding="utf-8", errors="replace"),
        (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace"),
    )


def start_bot(
    installed: Installed, env: dict[str, str], workdir: Path, logs: Path
) -> subprocess.Popen[bytes]:
    """Start ``wheelbot run`` writing to files, which (unlike pipes) can never fill and block it."""
    with (logs / "stdout.txt").open("wb") as out, (logs / "stderr.txt").open("wb") as err:
        return subprocess.Popen(
            [str(installed.wheelbot), "run"], cwd=workdir, env=env, stdout=out, stderr=err
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the bot if it still runs, so that a failing test leaves no process behind."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=RUN_TIMEOUT)


def test_installed_wheel_polls_and_greets_in_dutch_and_english(
    installed: Installed, server: BotApiServer, workdir: Path, tmp_path: Path
) -> None:
    env = bot_env(server, TOKEN, tmp_path / "wheel.sqlite")
    process = start_bot(installed, env, workdir, tmp_path)
    try:
        server.wait_until(lambda: server.polls() > 0 or process.poll() is not None, RUN_TIMEOUT)
        assert process.poll() is None, f"wheelbot exited early:\n{read_output(tmp_path)[1]}"
        assert server.polls() > 0, f"wheelbot never polled:\n{read_output(tmp_path)[1]}"

        server.push(bot_added(server, DUTCH_GROUP, 5001, "nl"))
        server.push(bot_added(server, ENGLISH_GROUP, 5002, "en"))
        greeted = server.wait_until(
            lambda: all(server.api.sent_to(chat) for chat in (DUTCH_GROUP, ENGLISH_GROUP)),
            RUN_TIMEOUT,
        )
        assert greeted, f"no greeting in both groups:\n{read_output(tmp_path)[1]}"

        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=RUN_TIMEOUT)
    finally:
        stop(process)

    # Read the chats only now: while the bot ran, the server thread could still change them.
    assert server.api.sent_to(DUTCH_GROUP)[0].text.startswith("Hallo allemaal")
    assert server.api.sent_to(ENGLISH_GROUP)[0].text.startswith("Hello everyone")
    assert {"", "nl"} <= server.api.commands.keys()
    stdout, stderr = read_output(tmp_path)
    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert TOKEN not in stdout + stderr


def test_installed_wheel_with_rejected_token_says_so_in_one_line(
    installed: Installed, server: BotApiServer, workdir: Path, tmp_path: Path
) -> None:
    assert OTHER_TOKEN != TOKEN
    done = subprocess.run(
        [str(installed.wheelbot), "run"],
        cwd=workdir,
        env=bot_env(server, OTHER_TOKEN, tmp_path / "wheel.sqlite"),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, done.stderr
    assert "Telegram refused the token" in done.stderr
    assert "TELEGRAM_BOT_TOKEN" in done.stderr
    assert "Traceback" not in output
    assert OTHER_TOKEN not in output
    assert TOKEN not in output
    # The refusal is the last word: no log line or shutdown noise after it.
    assert done.stderr.strip().splitlines()[-1].startswith("wheelbot: Telegram refused the token")


def test_installed_wheel_version(installed: Installed, workdir: Path) -> None:
    done = subprocess.run(
        [str(installed.wheelbot), "--version"],
        cwd=workdir,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wheelbot {__version__}"
