"""Figure 5's subprocess: start the bot as ``wheelbot run`` does until it would poll, on the
database given, then print how long each step took and the peak resident memory, as one JSON line.

Only the standard library is imported before the clock starts, so the bot's imports count. The
steps: import the bot, build the application (with its rate limiter, as ``run``), ``initialize``
(``getMe``, here from the fake Bot API) and ``post_init`` (opens the database and the catalogs,
replays the inbox, delivers what is owed, warms up dateparser and the fonts, registers commands).

    .venv/bin/python -m bench.start_child /path/to/wheel.sqlite
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def peak_rss_mib() -> float:
    """The process's peak resident size so far, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


async def start(db_path: Path) -> None:
    """Start, report, shut down."""
    started = time.perf_counter()
    from zoneinfo import ZoneInfo

    from bot.app import build_app
    from bot.config import Config
    from bot.offline.fake_api import FakeBotApi

    imported = time.perf_counter()
    config = Config("123456789:AAEbenchTokenNotRealAtAll_abcdefghijk", db_path, ZoneInfo("UTC"))
    app = build_app(config, request=FakeBotApi())
    await app.initialize()
    initialized = time.perf_counter()
    assert app.post_init is not None
    await app.post_init(app)
    ready = time.perf_counter()
    steps: dict[str, Any] = {
        "imports": imported - started,
        "initialize": initialized - imported,
        "post_init": ready - initialized,
        "peak_rss_mib": peak_rss_mib(),
    }
    print(json.dumps(steps), flush=True)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


if __name__ == "__main__":
    asyncio.run(start(Path(sys.argv[1])))
