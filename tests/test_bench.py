"""``python -m bench`` at its smallest: figures 1 and 2 on three groups, once, in-process. Checks
what the run prints, never how fast anything was (a benchmark prints; it does not fail)."""

from __future__ import annotations

import re

import pytest

from bench.__main__ import main


def test_the_benchmark_ends_with_the_two_lines_the_project_quotes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--only", "1,2", "--groups", "3", "--reps", "1"])
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    assert lines[0].startswith("impact-wheel-bot benchmark")
    assert lines[1].startswith("machine: ")
    assert re.fullmatch(r"full-path/minimal-bot throughput ratio: \d+\.\d\d", lines[-2])
    assert re.fullmatch(r"throughput at 100 ms round trip: \d+ updates/s", lines[-1])
