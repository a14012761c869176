"""``python -m bench``: the machine first, then figures 1 to 7 in order, then the two lines the
project quotes. Progress goes to stderr, figures to stdout; everything lives in a temporary
folder that is removed at the end.

    .venv/bin/python -m bench              # about 3 minutes on 2 cores
    .venv/bin/python -m bench --quick      # about a minute: one repetition, 100 groups
    .venv/bin/python -m bench --only 1,2 --groups 20 --reps 1
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench import budget, latency, machine, per_answer, startup, takeaway, throughput
from bench.rig import Rig, Settings, progress, rig

FIGURES = frozenset(range(1, 8))
#: Figures that drive the two bots of the rig.
RIG_FIGURES = frozenset({1, 2, 3, 4, 6})
#: Topics a repetition of figures 1, 2 and 3 each use up, plus figures 4 and 6: within 21.
MOST_REPS = 6
SLOW_ROUND_TRIP = 0.1


def figures(text: str) -> frozenset[int]:
    """Parse ``--only 1,2,5``."""
    chosen = frozenset(int(part) for part in text.split(",") if part.strip())
    if not chosen <= FIGURES:
        raise argparse.ArgumentTypeError(f"figures are numbered 1 to 7, not {text}")
    return chosen


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m bench", description="Measure the bot offline and print its figures."
    )
    p.add_argument(
        "--reps", type=int, choices=range(1, MOST_REPS + 1), help="repetitions (default 5)"
    )
    p.add_argument("--groups", type=int, help="groups answering in figures 1–4 (default 200)")
    p.add_argument("--quick", action="store_true", help="one repetition, 100 groups (~1 min)")
    p.add_argument("--only", type=figures, default=FIGURES, help="figures to run, e.g. 1,2,5")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's sizes: the defaults, ``--quick``'s, then what was given explicitly; no
    whole-wheel or confirm groups are played when no chosen figure needs them."""
    settings = Settings()
    if not args.only & {3, 6}:
        settings = dataclasses.replace(settings, wheel_groups=0)
    if 3 not in args.only:
        settings = dataclasses.replace(settings, confirm_groups=0)
    if args.quick:
        settings = dataclasses.replace(settings, reps=1, groups=100, traced_groups=20)
    if args.reps is not None:
        settings = dataclasses.replace(settings, reps=args.reps)
    if args.groups is not None:
        settings = dataclasses.replace(settings, groups=max(1, args.groups))
    return settings


def load() -> str:
    """The machine's load average: other work on it shows in every figure."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


async def run_rig_figures(
    made: Rig, only: frozenset[int], folder: Path, results: dict[str, float]
) -> None:
    """Figures 1 to 6 while both bots run (5 starts its own processes meanwhile)."""
    settings = made.settings
    if 1 in only:
        progress("figure 1: throughput, Bot API instant")
        rates = await throughput.measure(made, 0.0)
        throughput.print_instant(rates, settings.groups)
        results["ratio"] = throughput.ratio(rates)
    if 2 in only:
        progress(f"figure 2: throughput, {SLOW_ROUND_TRIP * 1000:.0f} ms round trip")
        slow = await throughput.measure(made, SLOW_ROUND_TRIP)
        throughput.print_slow(slow, settings.groups, SLOW_ROUND_TRIP)
        results["slow"] = statistics.median(slow.full)
    if 3 in only:
        progress(f"figure 3: latency at {settings.steady_rate:.0f} answers/s")
        latency.print_figure(await latency.measure(made), settings.steady_rate)
    if 4 in only:
        progress("figure 4: per answer (statement trace, then strace in subprocesses)")
        trace = await per_answer.measure(made)
        fsyncs = await asyncio.to_thread(per_answer.fsyncs_per_answer, settings.traced_groups)
        per_answer.print_figure(trace, fsyncs, settings.traced_groups)
    if 5 in only:
        await run_startup(settings, folder)
    if 6 in only:
        progress("figure 6: /wheel and /export while others answer")
        takeaway.print_figure(await takeaway.measure(made))
    # A call Telegram would refuse means a figure timed something other than what it says.
    results["refused"] = len(made.api.refusals()) + len(made.minimal_api.refusals())


async def run_startup(settings: Settings, folder: Path) -> None:
    """Figure 5: build the database, then start a fresh process on it ``reps`` times."""
    progress(
        f"figure 5: start-up ({settings.startup_groups} groups, "
        f"{settings.startup_reminders} reminders)"
    )
    db_path = folder / "startup" / "wheel.sqlite"
    db_path.parent.mkdir()
    await startup.build_database(db_path, settings.startup_groups, settings.startup_reminders)
    size = sum(p.stat().st_size for p in db_path.parent.iterdir()) / 2**20
    starts = [await asyncio.to_thread(startup.start_once, db_path) for _ in range(settings.reps)]
    startup.print_figure(starts, settings.startup_groups, settings.startup_reminders, size)


async def run(settings: Settings, only: frozenset[int]) -> None:
    """Every chosen figure, then the closing lines."""
    results: dict[str, float] = {}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wheelbench-") as tmp:
        folder = Path(tmp)
        print("impact-wheel-bot benchmark: offline, the package's fake Bot API")
        for line in machine.describe(folder):
            print(line)
        print(f"load average at the start: {load()}")
        print(
            f"{settings.reps} repetition(s) of each figure (min and median); "
            f"{settings.groups} groups × 2 partners"
        )
        if only & RIG_FIGURES:
            async with rig(folder, settings) as made:
                await run_rig_figures(made, only, folder, results)
        elif 5 in only:
            await run_startup(settings, folder)
        if 7 in only:
            progress("figure 7: messages per topic")
            budget.print_figure(await budget.play(folder))
    print()
    if "refused" in results:
        print(f"calls the fake Bot API refused (Telegram would have): {results['refused']:.0f}")
    print(f"load average at the end: {load()}; the run took {time.perf_counter() - began:.0f} s")
    ratio = f"{results['ratio']:.2f}" if "ratio" in results else "n/a"
    slow = f"{results['slow']:.0f}" if "slow" in results else "n/a"
    print(f"full-path/minimal-bot throughput ratio: {ratio}")
    print(f"throughput at {SLOW_ROUND_TRIP * 1000:.0f} ms round trip: {slow} updates/s")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run."""
    args = parser().parse_args(argv)
    asyncio.run(run(settings_from(args), args.only))


if __name__ == "__main__":
    main()
