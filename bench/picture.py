"""How long the wheel picture takes to draw and how much memory it needs, measured, not asserted.

Draws the sample record of the tests (every state, accents, emoji) with the names from the
catalog: once cold (loading the fonts and reading which characters they have), then ``--runs``
times warm, and prints the median of each step (layout, drawing, PNG encoding) and of the whole.
Memory: how far the process's peak resident size rose over what it held before, for the cold
picture and (on Linux, which can reset the peak) for a warm one; and the peak of Python's own
allocations (tracemalloc: Pillow's image buffers are C memory and show only in the first two).
With ``--process``, also how long a picture takes as the bot makes it, in its drawing process:
the first (the fork server starting), the next, and the first after the process stopped idle.

    .venv/bin/python bench/picture.py --runs 30 --language nl --out /tmp/wheel-nl.png --process
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.record import TopicState  # noqa: E402
from bot.domain.wheel import load_wheel  # noqa: E402
from bot.i18n import load_translators  # noqa: E402
from bot.ops.resources import locales_dir, wheel_file  # noqa: E402
from bot.render.drawing import DrawingProcess  # noqa: E402
from bot.render.picture import SIZE, WheelLabels, draw_wheel, render, wheel_layout  # noqa: E402
from tests.support.records import FIRST, SECOND, sample_record  # noqa: E402

# The legend's words are the caller's to translate; these stand in for them.
STATE_NAMES = {
    "nl": ("Afgesproken", "Afgesproken, met open punt", "Open punt", "Besproken", "Overgeslagen",
           "Nog niet besproken"),
    "en": ("Agreed", "Agreed, with an open issue", "Open issue", "Discussed", "Skipped",
           "Not discussed yet"),
}  # fmt: skip


def labels(language: str) -> WheelLabels:
    """The picture's words from the catalog, as the bot would pass them."""
    wheel = load_wheel(wheel_file())
    t = load_translators(locales_dir())[language]
    return WheelLabels(
        title=f"{FIRST} & {SECOND}",
        subtitle=t.date(sample_record(language).made_at.date()),
        stages={s.id: t.gettext(s.name) for s in wheel.stages},
        domains={d.id: t.gettext(d.name) for d in wheel.domains},
        topics={x.id: t.gettext(x.name) for x in wheel.topics},
        states=dict(zip(TopicState, STATE_NAMES[language], strict=True)),
    )


def peak_rss_mib() -> float:
    """The process's peak resident size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def status_mib(field: str) -> float:
    """A memory figure of /proc/self/status (VmRSS, VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def warm_peak_mib(draw: Callable[[], object]) -> float | None:
    """How far the peak resident size rises over the current one while ``draw`` runs; None
    where the peak cannot be reset (anything but Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak to the current size
        before = status_mib("VmRSS")
    except OSError:
        return None
    draw()
    return status_mib("VmHWM") - before


async def through_the_drawing_process(language: str) -> None:
    """The picture as the bot makes it: record and wheel sent to the drawing process."""
    record, wheel = sample_record(language), load_wheel(wheel_file())
    drawing = DrawingProcess(idle=0.5)
    try:
        for what in ("first (fork server starts)", "next", "first after an idle stop"):
            if what.startswith("first after"):
                while multiprocessing.active_children():  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.05)
            started = time.perf_counter()
            await drawing.make("wheel", record, wheel)
            print(f"{what:<28}: {(time.perf_counter() - started) * 1000:7.1f} ms")
    finally:
        await drawing.close()


def main() -> None:
    """Parse the options, draw, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--language", choices=("nl", "en"), default="nl")
    parser.add_argument("--out", type=Path, help="also write the picture here")
    parser.add_argument("--process", action="store_true", help="also through the drawing process")
    args = parser.parse_args()
    record, words = sample_record(args.language), labels(args.language)

    before = peak_rss_mib()
    started = time.perf_counter()
    png = draw_wheel(record, words)
    cold = time.perf_counter() - started
    rss = peak_rss_mib() - before
    # Before the timing runs: after many pictures the allocator keeps their memory resident,
    # and the peak no longer rises over the (already high) current size.
    warm = warm_peak_mib(lambda: draw_wheel(record, words))

    steps: dict[str, list[float]] = {"layout": [], "draw": [], "encode": [], "total": []}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        layout = wheel_layout(record, words)
        t1 = time.perf_counter()
        image = render(layout)
        t2 = time.perf_counter()
        image.save(io.BytesIO(), "PNG", compress_level=1)  # as draw_wheel does
        t3 = time.perf_counter()
        steps["layout"].append(t1 - t0)
        steps["draw"].append(t2 - t1)
        steps["encode"].append(t3 - t2)
        steps["total"].append(t3 - t0)

    tracemalloc.start()
    draw_wheel(record, words)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"picture {SIZE[0]}x{SIZE[1]}, {len(png) / 1024:.0f} KiB PNG, language {args.language}")
    print(f"cold (fonts loaded) : {cold * 1000:7.1f} ms")
    for step, times in steps.items():
        print(f"{step:<20}: {statistics.median(times) * 1000:7.1f} ms  (median of {args.runs})")
    print(f"peak RSS added, cold: {rss:7.1f} MiB  (process peak {peak_rss_mib():.0f} MiB)")
    if warm is not None:
        print(f"peak RSS added, warm: {warm:7.1f} MiB")
    print(f"tracemalloc peak    : {traced / 2**20:7.1f} MiB  (Python objects only)")
    if args.out:
        args.out.write_bytes(png)
    if args.process:
        asyncio.run(through_the_drawing_process(args.language))


if __name__ == "__main__":
    main()
