"""``wheelbot demo`` plays a whole session offline: the transcript shows a confirmed agreement and
the summary, and the picture and the export are written."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main


@pytest.mark.parametrize(
    ("language", "confirmed", "summary"),
    [
        (
            "nl",
            "Afspraak vastgelegd bij Ambitie",
            "Overzicht – Werkplaats Zuid en Bakkerij De Zon",
        ),
        ("en", "Agreement recorded on Ambition", "Summary – Southside Works and Sunrise Bakery"),
    ],
)
def test_the_demo_plays_a_session_and_writes_the_picture_and_the_export(
    language: str, confirmed: str, summary: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo", "--lang", language, "--out", str(tmp_path)]) == 0
    transcript = out.getvalue()
    assert confirmed in transcript
    assert summary in transcript
    assert "✅" in transcript  # the agreement in the summary
    assert "❓" in transcript  # the open issue in the summary
    [picture] = tmp_path.glob("*.png")
    [document] = tmp_path.glob("*.pdf")
    with Image.open(picture) as image:
        assert image.format == "PNG"
        assert image.width >= 1000
    assert document.read_bytes().startswith(b"%PDF-")
    assert f"Written: {document}" in transcript


def test_the_console_command_runs_the_demo_without_a_token(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no TELEGRAM_BOT_TOKEN
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lang", "en", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Agreement confirmed." in done.stdout
    assert len(list((tmp_path / "out").iterdir())) == 2
