"""How many updates a bot loses when it is killed while it works, measured, not asserted.

Runs a ``wheelbot`` (this checkout's, or any other install, to compare versions) against the
fake Bot API over HTTP, which keeps Telegram's offset rule and takes ``--latency`` seconds a
call. It pushes ``/help`` from a few groups, SIGKILLs the bot at random moments, restarts it, and
finally counts the handed-out updates whose handling never reached the database, and the answers
the groups never got (or got twice).

    .venv/bin/python bench/lost_updates.py                       # this checkout
    .venv/bin/python bench/lost_updates.py --wheelbot /other/venv/bin/wheelbot --seed 2
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.db.processed import message_key  # noqa: E402
from tests.support.botapi_http import BotApiServer  # noqa: E402
from tests.support.process import bot_env, wheelbot_command  # noqa: E402
from tests.test_inbox import group_help  # noqa: E402

TOKEN = "123456789:AAEfakeTokenForOfflineTestsOnly_abcdefg"


def measure(command: list[str], seed: int, kills: int, groups: int, latency: float) -> None:
    chance = random.Random(seed)
    user = {"id": 1, "is_bot": False, "first_name": "Anna", "language_code": "nl"}
    folder = Path(tempfile.mkdtemp())
    db = folder / "wheel.sqlite"
    pushed: list[tuple[int, int, int]] = []
    with BotApiServer(TOKEN, latency=latency) as server:
        env = bot_env(server.base_url, db)

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [*command, "run"],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        for _ in range(kills):
            bot = start()
            polls = server.polls()
            server.wait_until(lambda b=bot, p=polls: server.polls() > p or b.poll() is not None)
            for _ in range(chance.randint(10, 40)):
                chat_id = -1000 - chance.randrange(groups)
                update = group_help(server, chat_id, user)
                pushed.append((server.push(update), chat_id, update["message"]["message_id"]))
            time.sleep(chance.uniform(0.0, 0.4))
            bot.send_signal(signal.SIGKILL)
            bot.wait(timeout=30)
        bot = start()
        last = pushed[-1][0]
        server.wait_until(lambda: server.confirmed > last, timeout=60)
        time.sleep(3)  # let the last run finish what it fetched
        bot.terminate()
        bot.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        keys = {row[0] for row in conn.execute("SELECT key FROM processed_updates")}
        statuses = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    # Keys as this version makes them, or as a wheelbot before schema 13 did (--wheelbot).
    lost = [
        u
        for u, chat, message in pushed
        if message_key(chat, message) not in keys and f"m:{chat}:{message}" not in keys
    ]
    # Each /help owes its group one answer: count what each group was sent against what it asked.
    owed = Counter(chat for _, chat, _ in pushed)
    announced = Counter(chat for chat, _ in server.api.messages)
    missing = sum(max(0, owed[chat] - announced[chat]) for chat in owed)
    twice = sum(max(0, announced[chat] - owed[chat]) for chat in announced)
    print(
        f"{' '.join(command)}: seed {seed}, {kills} kills, {len(pushed)} updates handed out, "
        f"{len(lost)} lost ({100 * len(lost) / len(pushed):.0f} %); answers: {missing} missing, "
        f"{twice} sent twice; outbox {statuses}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheelbot", help="the wheelbot command to measure (default: this one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    command = [args.wheelbot] if args.wheelbot else wheelbot_command()
    measure(command, args.seed, args.kills, args.groups, args.latency)


if __name__ == "__main__":
    main()
