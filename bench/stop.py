"""How long ``wheelbot run`` takes to exit on SIGTERM while groups are still owed messages, and
whether the next start delivers the rest exactly once. Measured, not asserted.

Runs the real process (this checkout's code, or ``--wheelbot`` to compare an install) against
the fake Bot API over HTTP, where every call takes ``--latency`` seconds. Each scenario pushes
``/help`` from some groups, sends SIGTERM as soon as the first answer has arrived, times the
exit, then starts the bot again and counts the answers each group got in the end.

    PYTHONPATH=$PWD .venv/bin/python bench/stop.py                  # all three scenarios
    PYTHONPATH=$PWD .venv/bin/python bench/stop.py --only flood --latency 0.5

Scenarios (the ones of issue 28): ``groups``, ten groups with three commands each; ``flood``,
one group with 30 commands (over Telegram's 20 messages a minute in a group, so the bot's rate
limiter holds the later answers back); ``queued``, the flood and then 40 replies to the bot's
first answer, queued behind each other in that group's turn (each waits, as a quick reply does,
for the group's delivery under way to record what the message it replies to is for);
``restart``, ten groups with three commands each, the bot SIGKILLed as soon as it has stored
them and started again: the SIGTERM comes while the start-up delivers what the last run owed.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.botapi_http import BotApiServer  # noqa: E402
from tests.support.process import bot_env, wheelbot_command  # noqa: E402
from tests.test_inbox import group_help  # noqa: E402

TOKEN = "123456789:AAEfakeTokenForOfflineTestsOnly_abcdefg"
USER = {"id": 1, "is_bot": False, "first_name": "Anna", "language_code": "en"}
#: Scenario name -> (groups, commands per group, replies queued after the first answer, whether
#: the bot is killed and started again before the SIGTERM).
SCENARIOS = {
    "groups": (10, 3, 0, False),
    "flood": (1, 30, 0, False),
    "queued": (1, 30, 40, False),
    "restart": (10, 3, 0, True),
}
#: How long a stop may take before the script gives up on it (and kills the process).
GIVE_UP = 120.0


@dataclass
class Result:
    """What one scenario showed."""

    name: str
    took: float
    code: int | None
    before: int  # answers delivered before the stop
    after: int  # answers delivered in the end
    owed: int  # answers there should be


def run(command: list[str], name: str, latency: float, extra: dict[str, str]) -> Result:
    groups, per_group, replies, restart = SCENARIOS[name]
    chats = [-1000 - n for n in range(groups)]
    folder = Path(tempfile.mkdtemp())
    db = folder / "wheel.sqlite"
    with BotApiServer(TOKEN, latency=latency) as server:
        env = bot_env(server.base_url, db, **extra)

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [*command, "run"],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(folder / "log.txt").open("ab"),
            )

        def answers() -> int:
            """Messages the groups got: one per command is right, more were sent twice."""
            return sum(len(server.api.sent_to(chat_id)) for chat_id in chats)

        bot = start()
        polls = server.polls()
        server.wait_until(lambda: server.polls() > polls or bot.poll() is not None, timeout=60)
        last = 0
        for _ in range(per_group):
            for chat_id in chats:
                last = server.push(group_help(server, chat_id, USER))
        server.wait_until(lambda: server.confirmed > last, timeout=60)
        if restart:
            bot.send_signal(signal.SIGKILL)
            bot.wait()
            time.sleep(latency + 0.5)  # what was on its way arrives
            sent = answers()
            bot = start()
            server.wait_until(lambda: answers() > sent, timeout=60)
        server.wait_until(lambda: answers() > 0, timeout=60)
        if replies:
            first = server.api.sent_to(chats[0])[0]
            for _ in range(replies):
                last = server.push(server.reply(chats[0], USER, first, "ok"))
            server.wait_until(lambda: server.confirmed > last, timeout=60)
        began = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        try:
            code: int | None = bot.wait(timeout=GIVE_UP)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()
            code = None
        took = time.monotonic() - began
        before = answers()
        owed = groups * per_group
        bot = start()
        server.wait_until(lambda: answers() >= owed, timeout=GIVE_UP)
        time.sleep(2 * latency + 1)  # a copy sent twice would arrive by now
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=GIVE_UP)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()
        return Result(name, took, code, before, answers(), owed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds a Bot API call takes")
    parser.add_argument("--wheelbot", help="the wheelbot command to run (default: this checkout)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="an extra setting"
    )
    args = parser.parse_args()
    command = [args.wheelbot] if args.wheelbot else wheelbot_command()
    extra = dict(item.split("=", 1) for item in args.set)
    if args.wheelbot:
        # The install's own code, not this checkout's (which bot_env puts first on the path).
        extra.setdefault("PYTHONPATH", "")
    print(f"latency {args.latency} s a call; SIGTERM once the first answer arrived")
    print(
        f"{'scenario':8} {'SIGTERM to exit':>15} {'code':>5} {'answers before':>15} {'in the end':>11}"
    )
    for name in args.only or list(SCENARIOS):
        r = run(command, name, args.latency, extra)
        print(
            f"{r.name:8} {r.took:14.1f}s {r.code!s:>5} {r.before:>11}/{r.owed:<3}"
            f" {r.after:>7}/{r.owed:<3}",
            flush=True,
        )


if __name__ == "__main__":
    main()
