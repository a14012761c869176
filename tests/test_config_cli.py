"""Settings from the environment and the ``wheelbot`` command."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import main
from bot.config import (
    DEFAULT_DB,
    DEFAULT_TIMEZONE,
    SETTINGS,
    Config,
    ConfigError,
    parse_env_file,
    read_environment,
)
from tests.conftest import TOKEN
from tests.support.process import source_env, wheelbot_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("environ", [{}, {"TELEGRAM_BOT_TOKEN": ""}, {"TELEGRAM_BOT_TOKEN": "  "}])
def test_no_token_points_to_botfather(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="BotFather") as raised:
        Config.from_env(environ)
    assert "TELEGRAM_BOT_TOKEN" in str(raised.value)


def test_defaults() -> None:
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": f" {TOKEN}\n"})
    assert config.token == TOKEN
    assert config.db_path == Path("wheelbot.sqlite") == Path(DEFAULT_DB)
    assert config.timezone.key == "Europe/Amsterdam" == DEFAULT_TIMEZONE
    assert config.webhook_url is None
    assert config.webhook_listen == "127.0.0.1"
    assert config.webhook_port == 8443
    assert config.base_url is None


def test_settings_from_the_environment() -> None:
    config = Config.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WHEELBOT_DB": "/var/lib/wheelbot/wheel.sqlite",
            "WHEELBOT_TIMEZONE": "America/Curacao",
            "WHEELBOT_WEBHOOK_URL": "https://example.org/hook",
            "WHEELBOT_WEBHOOK_PORT": "443",
        }
    )
    assert config.db_path == Path("/var/lib/wheelbot/wheel.sqlite")
    assert config.timezone.key == "America/Curacao"
    assert config.webhook_url == "https://example.org/hook"
    assert config.webhook_port == 443


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "../../etc/passwd", "CEST"])
def test_bad_timezone_is_refused(zone: str) -> None:
    with pytest.raises(ConfigError, match="WHEELBOT_TIMEZONE") as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_TIMEZONE": zone})
    assert "Europe/Amsterdam" in str(raised.value)  # shows what a good value looks like


@pytest.mark.parametrize("port", ["https", "-1", "0", "65536", "²"])
def test_bad_webhook_port_is_refused(port: str) -> None:
    with pytest.raises(ConfigError, match="WHEELBOT_WEBHOOK_PORT"):
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_WEBHOOK_PORT": port})


def test_stop_seconds_and_log_format() -> None:
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert (config.stop_seconds, config.log_format) == (5.0, "text")
    config = Config.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WHEELBOT_STOP_SECONDS": "2.5",
            "WHEELBOT_LOG_FORMAT": "JSON",
        }
    )
    assert (config.stop_seconds, config.log_format) == (2.5, "json")


@pytest.mark.parametrize("seconds", ["-1", "61", "nan", "inf", "1e3", "five", "²"])
def test_bad_stop_seconds_are_refused(seconds: str) -> None:
    with pytest.raises(ConfigError, match="WHEELBOT_STOP_SECONDS") as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_STOP_SECONDS": seconds})
    assert "docker stop" in str(raised.value)


def test_a_bad_log_format_is_refused() -> None:
    with pytest.raises(ConfigError, match="WHEELBOT_LOG_FORMAT") as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_LOG_FORMAT": "xml"})
    assert "json" in str(raised.value)


def test_repr_never_contains_the_token() -> None:
    config = Config.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_WEBHOOK_SECRET": "s3cret-webhook"}
    )
    for text in (repr(config), str(config), f"{config}", f"{config!r}", repr([config])):
        assert TOKEN not in text
        assert TOKEN.split(":")[1] not in text
        assert "s3cret-webhook" not in text
        assert "<hidden>" in text
        assert "wheelbot.sqlite" in text


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"wheelbot {__version__}"


def test_version_from_the_console_command() -> None:
    result = subprocess.run(
        [*wheelbot_command(), "--version"],
        cwd=ROOT,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wheelbot {__version__}"


def test_run_without_token_exits_2_with_botfather_hint() -> None:
    result = subprocess.run(
        [*wheelbot_command(), "run"],
        cwd=ROOT,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "BotFather" in result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_run_with_bad_setting_exits_2_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WHEELBOT_TIMEZONE", "Nowhere/Special")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "WHEELBOT_TIMEZONE='Nowhere/Special'" in err
    assert TOKEN not in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2
    assert "usage: wheelbot" in capsys.readouterr().err


# ---- every problem at once ---------------------------------------------------------------------

WRONG = {
    "WHEELBOT_TIMEZONE": "Mars/Olympus_Mons",
    "WHEELBOT_WEBHOOK_PORT": "0",
    "WHEELBOT_STOP_SECONDS": "99",
    "WHEELBOT_LOG_FORMAT": "xml",
}


def test_every_wrong_setting_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_env(WRONG)  # and no token
    problems = raised.value.problems
    assert len(problems) == 5
    text = str(raised.value)
    assert text.startswith("5 settings need fixing:\n")
    for name in ("TELEGRAM_BOT_TOKEN", *WRONG):
        assert sum(name in line for line in text.splitlines() if line.startswith("- ")) >= 1


def test_one_wrong_setting_is_one_line() -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WHEELBOT_LOG_FORMAT": "xml"})
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith("WHEELBOT_LOG_FORMAT='xml' is not a log format")


def test_run_names_every_wrong_setting_and_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [*wheelbot_command(), "run"],
        cwd=tmp_path,
        env=source_env(TELEGRAM_BOT_TOKEN=TOKEN, **WRONG),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "4 settings need fixing:"
    assert [line.split("=")[0] for line in lines[1:]] == [f"- {name}" for name in WRONG]
    assert list(tmp_path.iterdir()) == []  # no database, no heartbeat


# ---- the token from a file ---------------------------------------------------------------------


def test_the_token_from_a_file_without_its_newline(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(f"{TOKEN}\n")
    config = Config.from_env({"TELEGRAM_BOT_TOKEN_FILE": str(secret)})
    assert config.token == TOKEN


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (None, "cannot be read (No such file or directory)"),
        ("\n", "is empty"),
        (b"\xff\xfe", "cannot be read (not a text file)"),
    ],
)
def test_a_token_file_that_gives_no_token(
    tmp_path: Path, content: str | bytes | None, found: str
) -> None:
    secret = tmp_path / "token"
    if isinstance(content, str):
        secret.write_text(content)
    elif isinstance(content, bytes):
        secret.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN_FILE": str(secret)})
    assert raised.value.problems == [
        f"TELEGRAM_BOT_TOKEN_FILE={str(secret)!r} {found}"
        + (
            "; it must name a file this user may read, holding the token"
            if "read" in found
            else "; put the token in it"
        )
    ]


@pytest.mark.parametrize(
    "pasted",
    [
        "abc",
        f'"{TOKEN}"',
        f"bot{TOKEN}",
        f"https://api.telegram.org/bot{TOKEN}/getMe",
        TOKEN.replace(":", ": "),
        TOKEN + "\u200b",  # a zero-width space copied along from a chat
    ],
)
def test_a_token_of_the_wrong_shape_is_named_never_quoted(pasted: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN": pasted})
    (problem,) = raised.value.problems
    assert problem.startswith("TELEGRAM_BOT_TOKEN does not hold a bot token as @BotFather gives")
    assert "abc" not in problem
    assert TOKEN.split(":")[1] not in problem
    secret = tmp_path / "token"
    secret.write_text(pasted + "\n")
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"TELEGRAM_BOT_TOKEN_FILE": str(secret)})
    (problem,) = raised.value.problems
    assert problem.startswith("the file TELEGRAM_BOT_TOKEN_FILE names does not hold a bot token")


@pytest.mark.parametrize("token", [TOKEN, "123456789:HARNESS-test-token", "1:a"])
def test_a_token_of_the_right_shape_is_taken_as_it_is(token: str) -> None:
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": token}).token == token


def test_a_token_and_a_token_file_are_one_too_many(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN)
    with pytest.raises(ConfigError, match="both set; keep one of them"):
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_TOKEN_FILE": str(secret)})


# ---- the .env file -----------------------------------------------------------------------------

ENV_FILE = f"""\
# the bot's settings
export TELEGRAM_BOT_TOKEN={TOKEN}   # from BotFather

WHEELBOT_DB="/srv/wheel \\"one\\".sqlite"
WHEELBOT_TIMEZONE='America/Curacao'
NOTE=with#hash
COMPOSE_PROJECT_NAME=wheel
"""


def test_a_settings_file_is_read_as_compose_and_systemd_read_theirs() -> None:
    values, problems = parse_env_file(ENV_FILE)
    assert problems == []
    assert values == {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WHEELBOT_DB": '/srv/wheel "one".sqlite',
        "WHEELBOT_TIMEZONE": "America/Curacao",
        "NOTE": "with#hash",
        "COMPOSE_PROJECT_NAME": "wheel",
    }


def test_what_is_wrong_in_a_settings_file_is_named_by_line_never_quoted() -> None:
    text = f"WHEELBOT_TIMEZON=Europe/Amsterdam\n{TOKEN}\nWHEELBOT_DB='open\nWHEELBOT_DB=ok\n"
    values, problems = parse_env_file(text, "/etc/x.env")
    assert values == {"WHEELBOT_DB": "ok"}
    assert problems == [
        "/etc/x.env, line 1: WHEELBOT_TIMEZON is not a setting; did you mean WHEELBOT_TIMEZONE?",
        "/etc/x.env, line 2 is not a setting: write KEY=VALUE, e.g. WHEELBOT_DB=...",
        "/etc/x.env, line 3 (WHEELBOT_DB): a quote is not closed, or text follows it",
    ]
    assert not any(TOKEN.split(":")[1] in problem for problem in problems)


def test_the_environment_wins_over_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(ENV_FILE)
    environ, problems = read_environment({"WHEELBOT_TIMEZONE": "Europe/Berlin"}, tmp_path)
    assert problems == []
    config = Config.from_env(environ)
    assert config.token == TOKEN
    assert config.timezone.key == "Europe/Berlin"
    assert config.db_path == Path('/srv/wheel "one".sqlite')


def test_wheelbot_env_file_names_another_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WHEELBOT_DB=from-dot-env.sqlite\n")
    (tmp_path / "wheel.env").write_text("WHEELBOT_DB=from-wheel-env.sqlite\n")
    environ, problems = read_environment({"WHEELBOT_ENV_FILE": "wheel.env"}, tmp_path)
    assert (environ["WHEELBOT_DB"], problems) == ("from-wheel-env.sqlite", [])
    environ, problems = read_environment({"WHEELBOT_ENV_FILE": "gone.env"}, tmp_path)
    assert problems == ["WHEELBOT_ENV_FILE='gone.env' names no file; create it or unset it"]
    # Without a .env and without WHEELBOT_ENV_FILE: the environment alone, and no complaint.
    assert read_environment({"A": "b"}, tmp_path / "nowhere") == ({"A": "b"}, [])


def test_the_commands_read_dot_env_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nWHEELBOT_DB=in-env.sqlite\nWHEELBOT_TIMEZONE=Nowhere/Special\n"
        "WHEELBOT_LOG_FORMT=json\n"
    )

    def wheelbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*wheelbot_command(), *args],
            cwd=tmp_path,
            env=source_env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    run = wheelbot("run")
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "2 settings need fixing:",
        "- .env, line 4: WHEELBOT_LOG_FORMT is not a setting; did you mean WHEELBOT_LOG_FORMAT?",
        "- WHEELBOT_TIMEZONE='Nowhere/Special' is not an IANA timezone (e.g. Europe/Amsterdam)",
    ]
    (tmp_path / ".env").write_text("WHEELBOT_DB=in-env.sqlite\n")
    check = wheelbot("check")
    assert check.returncode == 2
    assert check.stderr.startswith("No database at in-env.sqlite (WHEELBOT_DB)")


# ---- --help ------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_lists_every_setting(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 0
    shown = capsys.readouterr().out
    for setting in SETTINGS:
        assert f"\n  {setting.name} " in shown


def test_the_readme_lists_the_settings_the_bot_reads() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Settings", 1)[1]
    table = next(block for block in section.split("\n\n") if block.startswith("| variable"))
    listed = re.findall(r"^\| `([A-Z_]+)` \|", table, re.M)
    assert listed == [setting.name for setting in SETTINGS]
    read = set(
        re.findall(r"\b(?:WHEELBOT|TELEGRAM)_[A-Z_]+\b", (ROOT / "bot/config.py").read_text())
    )
    assert read == set(listed)
