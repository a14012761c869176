"""Settings from the environment, read once into a frozen Config."""

from __future__ import annotations

import difflib
import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DB = "wheelbot.sqlite"
DEFAULT_TIMEZONE = "Europe/Amsterdam"

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set.

To get a token, open Telegram, talk to @BotFather, send /newbot and follow its questions.
It answers with a token like 123456789:AAE...; then start the bot with it:

    export TELEGRAM_BOT_TOKEN='<your token>'
    wheelbot run        (or: make run, in a checkout of the source)

Or write the line TELEGRAM_BOT_TOKEN=<your token> into a file named .env in the folder you
start it from, or the token alone into a file named by TELEGRAM_BOT_TOKEN_FILE.
"""


#: The shape of a bot token: the bot's id, a colon, then letters, digits, ``-`` or ``_``
#: (BotFather's are 35 of those; a local Bot API server or a test may use other lengths).
_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")

#: What Telegram accepts as a webhook's secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


#: How long a group's data stays after the bot was removed from it, unless it is added again.
DEFAULT_RETENTION_DAYS = 180
#: How long a stop gives the messages still going out (seconds after SIGTERM): well under the
#: 10 s ``docker stop`` waits before it kills (systemd waits 30 s).
DEFAULT_STOP_SECONDS = 5.0
#: The most a stop may be given: beyond it a supervisor has long killed the process.
MOST_STOP_SECONDS = 60.0
#: How log lines are written: ``text`` (one readable line each) or ``json`` (one object each).
LOG_FORMATS = ("text", "json")


class ConfigError(ValueError):
    """Settings are missing or wrong; ``problems`` says each, and how to fix it, in plain words."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__(report(self.problems))


def report(problems: list[str]) -> str:
    """Every problem at once: one alone as it is, several as a list an operator can work down."""
    if len(problems) == 1:
        return problems[0].rstrip("\n")
    items = ["- " + _indented(p.rstrip("\n")) for p in problems]
    return f"{len(problems)} settings need fixing:\n" + "\n".join(items)


def _indented(text: str) -> str:
    """``text``'s second and later lines indented under a list item's first."""
    return "\n".join(f"  {line}" if line else "" for line in text.split("\n")).removeprefix("  ")


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting, as ``wheelbot --help`` lists it (the README's table says more)."""

    name: str
    default: str
    meaning: str


#: Every setting the bot reads. ``wheelbot --help`` lists them; a test holds the README's table
#: to the same names.
SETTINGS = (
    Setting("TELEGRAM_BOT_TOKEN", "", "the bot's token from @BotFather (this or the next is required)"),
    Setting("TELEGRAM_BOT_TOKEN_FILE", "", "a file holding the token (a Docker or systemd secret)"),
    Setting("TELEGRAM_BASE_URL", "Telegram's", "a Bot API compatible server"),
    Setting("TELEGRAM_BASE_FILE_URL", "Telegram's", "its file URL"),
    Setting("WHEELBOT_ENV_FILE", ".env", "a file of KEY=VALUE settings; the environment wins over it"),
    Setting("WHEELBOT_DB", DEFAULT_DB, "the SQLite database file"),
    Setting("WHEELBOT_TIMEZONE", DEFAULT_TIMEZONE, "time zone for groups that chose none"),
    Setting("WHEELBOT_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS), "days a removed group's data is kept"),
    Setting("WHEELBOT_STOP_SECONDS", f"{DEFAULT_STOP_SECONDS:g}", "seconds a stop gives what is still going out (0-60)"),
    Setting("WHEELBOT_LOG_FORMAT", "text", "text, or json (one object a line)"),
    Setting("WHEELBOT_WEBHOOK_URL", "", "public https:// URL: webhook instead of long polling"),
    Setting("WHEELBOT_WEBHOOK_LISTEN", "127.0.0.1", "address the webhook server listens on"),
    Setting("WHEELBOT_WEBHOOK_PORT", "8443", "port the webhook server listens on"),
    Setting("WHEELBOT_WEBHOOK_SECRET", "random at each start", "secret Telegram sends with each webhook call"),
)  # fmt: skip


def settings_help() -> str:
    """The settings as ``wheelbot --help`` shows them."""
    width = max(len(s.name) for s in SETTINGS)
    lines = [
        f"  {s.name:<{width}}  {s.meaning}" + (f"; default {s.default}" if s.default else "")
        for s in SETTINGS
    ]
    return (
        "settings (from the environment, or from a .env file in the working folder):\n"
        + "\n".join(lines)
        + '\n\ncheck, backup and health need only WHEELBOT_DB. See README.md, "Settings".'
    )


@dataclass(frozen=True, slots=True)
class Config:
    token: str
    db_path: Path
    timezone: ZoneInfo
    base_url: str | None = None
    base_file_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    #: Days a group's data is kept after the bot was removed from it.
    retention_days: int = DEFAULT_RETENTION_DAYS
    #: Seconds after SIGTERM for delivering what is still going out (the rest stays owed).
    stop_seconds: float = DEFAULT_STOP_SECONDS
    #: ``text`` or ``json`` log lines.
    log_format: str = "text"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read the configuration; raise ConfigError naming every wrong setting at once."""
        problems: list[str] = []
        token = _token(environ, problems)
        zone_name = environ.get("WHEELBOT_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
        zone = ZoneInfo("UTC")
        try:
            zone = ZoneInfo(zone_name)
        # OSError: with the tzdata package, a folder such as "Europe" fails to open as a file.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            problems.append(
                f"WHEELBOT_TIMEZONE={zone_name!r} is not an IANA timezone (e.g. Europe/Amsterdam)"
            )
        port = environ.get("WHEELBOT_WEBHOOK_PORT", "").strip() or "8443"
        # isascii(): "²".isdigit() is true, but int("²") fails.
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            problems.append(f"WHEELBOT_WEBHOOK_PORT={port!r} is not a port number (1–65535)")
            port = "8443"
        webhook_url = environ.get("WHEELBOT_WEBHOOK_URL", "").strip() or None
        if webhook_url is not None:
            problems += _webhook_url_problems(webhook_url)
        listen = environ.get("WHEELBOT_WEBHOOK_LISTEN", "").strip() or "127.0.0.1"
        try:
            ipaddress.ip_address(listen)
        except ValueError:
            problems.append(
                f"WHEELBOT_WEBHOOK_LISTEN={listen!r} is not an IP address "
                "(127.0.0.1 behind a reverse proxy, 0.0.0.0 in a container)"
            )
        secret = environ.get("WHEELBOT_WEBHOOK_SECRET", "").strip() or None
        if secret is not None and not _SECRET.match(secret):
            problems.append(
                "WHEELBOT_WEBHOOK_SECRET must be 1–256 characters of A–Z, a–z, 0–9, _ and - "
                "(what Telegram accepts)"
            )
        retention = environ.get("WHEELBOT_RETENTION_DAYS", "").strip() or str(
            DEFAULT_RETENTION_DAYS
        )
        if not (retention.isascii() and retention.isdigit() and int(retention) >= 1):
            problems.append(
                f"WHEELBOT_RETENTION_DAYS={retention!r} is not a number of days (1 or more)"
            )
            retention = str(DEFAULT_RETENTION_DAYS)
        stop = environ.get("WHEELBOT_STOP_SECONDS", "").strip() or str(DEFAULT_STOP_SECONDS)
        stop_seconds = _seconds(stop)
        if stop_seconds is None or not 0 <= stop_seconds <= MOST_STOP_SECONDS:
            problems.append(
                f"WHEELBOT_STOP_SECONDS={stop!r} is not a number of seconds from 0 to "
                f"{MOST_STOP_SECONDS:.0f} (how long a stop may take to send what is still "
                "going out; keep it under what docker stop or systemd wait, 10 and 30 s)"
            )
            stop_seconds = DEFAULT_STOP_SECONDS
        log_format = environ.get("WHEELBOT_LOG_FORMAT", "").strip().lower() or "text"
        if log_format not in LOG_FORMATS:
            problems.append(
                f"WHEELBOT_LOG_FORMAT={log_format!r} is not a log format: text (the default) "
                "or json (one JSON object a line)"
            )
        if problems:
            raise ConfigError(*problems)
        if webhook_url is not None and secret is None:
            # Without a secret anyone who finds the URL could post updates; Telegram learns a
            # fresh one from setWebhook at every start, so a random one serves as well.
            secret = secrets.token_urlsafe(32)
        return cls(
            token=token,
            db_path=database_path(environ),
            timezone=zone,
            base_url=environ.get("TELEGRAM_BASE_URL", "").strip() or None,
            base_file_url=environ.get("TELEGRAM_BASE_FILE_URL", "").strip() or None,
            webhook_url=webhook_url,
            webhook_listen=listen,
            webhook_port=int(port),
            webhook_secret=secret,
            retention_days=int(retention),
            stop_seconds=stop_seconds,
            log_format=log_format,
        )

    @property
    def api_host(self) -> str:
        """The host of the Bot API, for messages (never the URL: it may carry the token)."""
        return urlsplit(self.base_url or "https://api.telegram.org").netloc or "api.telegram.org"

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL, which the local server listens on as well.

        A reverse proxy then passes requests on unchanged: ``https://host/telegram`` arrives at
        ``http://127.0.0.1:8443/telegram``.
        """
        return urlsplit(self.webhook_url or "").path.strip("/")

    def __repr__(self) -> str:
        return f"Config(db_path={str(self.db_path)!r}, timezone={self.timezone.key!r}, token=<hidden>)"


def database_path(environ: Mapping[str, str]) -> Path:
    """The database file (``WHEELBOT_DB``); the only setting ``check``, ``backup`` and ``health`` need."""
    return Path(environ.get("WHEELBOT_DB", "").strip() or DEFAULT_DB)


def _seconds(text: str) -> float | None:
    """``text`` as a number of seconds (``5``, ``2.5``), or None when it is none."""
    if not text.isascii() or not text.replace(".", "", 1).isdigit():
        return None  # also rules out "nan", "inf", "-1" and "1e3"
    return float(text)


def _token(environ: Mapping[str, str], problems: list[str]) -> str:
    """The token from ``TELEGRAM_BOT_TOKEN`` or from the file ``TELEGRAM_BOT_TOKEN_FILE`` names,
    checked for its shape: a token pasted with quotes, a ``bot`` prefix or a URL around it would
    otherwise fail only at the first call, as "Unauthorized" or "Not Found"."""
    token, where = _token_as_given(environ, problems)
    if token and not _TOKEN.match(token):
        # Never quote it: even a token pasted wrongly is mostly the secret.
        problems.append(
            f"{where} does not hold a bot token as @BotFather gives it: digits, a colon, then "
            "letters, digits, - or _ (like 123456789:AAE...), without quotes, spaces, a "
            "'bot' in front or a link around it; copy it again from @BotFather"
        )
    return token


def _token_as_given(environ: Mapping[str, str], problems: list[str]) -> tuple[str, str]:
    """The token from ``TELEGRAM_BOT_TOKEN`` or from the file ``TELEGRAM_BOT_TOKEN_FILE`` names,
    and where it came from, in the words of a problem about it."""
    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    file = environ.get("TELEGRAM_BOT_TOKEN_FILE", "").strip()
    if token and file:
        problems.append(
            "TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_TOKEN_FILE are both set; keep one of them"
        )
        return token, "TELEGRAM_BOT_TOKEN"
    if file:
        from_file = "the file TELEGRAM_BOT_TOKEN_FILE names"
        try:
            # strip(): a secret file usually ends with a newline, which is not part of the token.
            token = Path(file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not a text file"
            problems.append(
                f"TELEGRAM_BOT_TOKEN_FILE={file!r} cannot be read ({reason}); it must name a "
                "file this user may read, holding the token"
            )
            return "", from_file
        if not token:
            problems.append(f"TELEGRAM_BOT_TOKEN_FILE={file!r} is empty; put the token in it")
        return token, from_file
    if not token:
        problems.append(NO_TOKEN_HELP)
    return token, "TELEGRAM_BOT_TOKEN"


def _webhook_url_problems(url: str) -> list[str]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # "https://host:abc/": not a port at all
    if parts.scheme != "https" or not parts.hostname:
        return [
            f"WHEELBOT_WEBHOOK_URL={url!r} must be an https:// URL "
            "(Telegram delivers webhooks only over HTTPS), e.g. https://bot.example.org/telegram"
        ]
    if port not in (None, 443, 80, 88, 8443):
        return [
            f"WHEELBOT_WEBHOOK_URL={url!r} has a port Telegram does not deliver to; Telegram "
            "delivers only to ports 443, 80, 88 and 8443"
        ]
    return []


#: The settings file read when ``WHEELBOT_ENV_FILE`` names no other (in the working folder).
DEFAULT_ENV_FILE = ".env"
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_environment(
    environ: Mapping[str, str], cwd: Path | None = None
) -> tuple[dict[str, str], list[str]]:
    """``environ`` with the settings of the ``.env`` file beneath it, and what is wrong there.

    The file is ``WHEELBOT_ENV_FILE`` if set (then it must exist), else ``.env`` in the working
    folder if there is one. What the environment sets wins over the file, as in Docker Compose
    and systemd: a setting given for one run need not be edited out of the file.
    """
    named = environ.get("WHEELBOT_ENV_FILE", "").strip()
    path = Path(named or DEFAULT_ENV_FILE)
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    merged = dict(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if named:
            return merged, [f"WHEELBOT_ENV_FILE={named!r} names no file; create it or unset it"]
        return merged, []
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a text file"
        return merged, [f"The settings file {path} cannot be read ({reason})"]
    values, problems = parse_env_file(text, str(path))
    for key, value in values.items():
        merged.setdefault(key, value)
    return merged, problems


def parse_env_file(text: str, name: str = DEFAULT_ENV_FILE) -> tuple[dict[str, str], list[str]]:
    """The ``KEY=VALUE`` lines of a settings file, and a problem for each line that is not one.

    Blank lines and lines starting with ``#`` are skipped; ``export`` before a key is allowed.
    A value may be in single quotes (taken as it is) or double quotes (with ``\\"``, ``\\\\``,
    ``\\n`` inside); an unquoted value ends at `` #``. A problem never quotes the line: it may hold the
    token.
    """
    values: dict[str, str] = {}
    problems: list[str] = []
    known = [s.name for s in SETTINGS]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, rest = line.removeprefix("export ").partition("=")
        key = key.strip()
        where = f"{name}, line {number}"
        if not sep or not _KEY.match(key):
            problems.append(f"{where} is not a setting: write KEY=VALUE, e.g. WHEELBOT_DB=...")
            continue
        value = _value(rest.strip())
        if value is None:
            problems.append(f"{where} ({key}): a quote is not closed, or text follows it")
            continue
        if key.startswith(("WHEELBOT_", "TELEGRAM_")) and key not in known:
            near = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {near[0]}?" if near else " (wheelbot --help lists them)"
            problems.append(f"{where}: {key} is not a setting{hint}")
            continue
        values[key] = value
    return values, problems


def _value(text: str) -> str | None:
    """The value after ``=``, unquoted; None when its quotes are wrong."""
    if text[:1] == "'":
        end = text.find("'", 1)
        if end < 0 or not _only_comment(text[end + 1 :]):
            return None
        return text[1:end]
    if text[:1] == '"':
        chars: list[str] = []
        i = 1
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                following = text[i + 1]
                chars.append({"n": "\n", "t": "\t"}.get(following, following))
                i += 2
                continue
            if char == '"':
                return "".join(chars) if _only_comment(text[i + 1 :]) else None
            chars.append(char)
            i += 1
        return None
    # Unquoted: a comment starts at a # after a space, so a # inside a value stays.
    return re.split(r"\s#", text, maxsplit=1)[0].strip()


def _only_comment(rest: str) -> bool:
    rest = rest.strip()
    return not rest or rest.startswith("#")
