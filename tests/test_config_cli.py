"""Settings from the environment and the ``wheelbot`` command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import main
from bot.config import DEFAULT_DB, DEFAULT_TIMEZONE, Config, ConfigError
from tests.conftest import TOKEN
from tests.support.process import clean_env, wheelbot_command

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
        env=clean_env(),
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
        env=clean_env(),
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
