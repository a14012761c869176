"""The picture and the export are drawn in another process: they arrive as before; a drawing
process that dies or hangs costs the group that one file, never its later messages; the drawing
process ends with the bot, also when the bot is SIGKILLed; the bot's own process never loads
Pillow or fpdf2."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.domain.wheel import load_wheel
from bot.io import outbox
from bot.offline.fake_api import FakeBotApi
from bot.ops.resources import wheel_file
from bot.render import worker
from bot.render.drawing import DrawingFailed, DrawingProcess
from bot.render.files import FileMaker
from bot.render.messages import Reply, msg
from bot.services import services
from tests.conftest import BEN, CARLA, running
from tests.support import jobs
from tests.support.records import sample_record
from tests.support.telegram import Group
from tests.test_summary import agreed, files

WHEEL = load_wheel(wheel_file())
ROOT = Path(__file__).resolve().parent.parent


def drawing_processes() -> list[multiprocessing.process.BaseProcess]:
    return multiprocessing.active_children()


def survivors(pids: list[int], within: float = 10.0) -> list[int]:
    """The processes of ``pids`` still running after a while (a zombie counts as ended)."""
    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def descendants(pid: int) -> list[int]:
    """Every process under ``pid``: children, their children, and so on (Linux)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, p in parents.items() if p == parent]
        found += children
        todo += children
    return found


def test_the_worker_makes_a_picture_and_an_export() -> None:
    record = sample_record("nl")
    assert worker.make("wheel", record, WHEEL).startswith(b"\x89PNG")
    assert worker.make("export", record, WHEEL).startswith(b"%PDF-")
    with pytest.raises(ValueError, match="no such file"):
        worker.make("poster", record, WHEEL)


async def test_the_picture_and_the_export_come_from_a_process_that_ends_with_the_bot(
    tmp_path: Path, api: FakeBotApi
) -> None:
    async with running(tmp_path / "wheel.sqlite", api) as group:
        await agreed(group, "Monthly")
        assert drawing_processes() == []  # not started with the bot
        await group.send(CARLA, "/wheel")
        await group.send(CARLA, "/export")
        [drawing] = drawing_processes()
        assert drawing.pid != os.getpid()
    assert [name.rsplit(".", 1)[1] for name, _ in files(group)] == ["png", "pdf"]
    assert files(group)[0][1].startswith(b"\x89PNG")
    assert files(group)[1][1].startswith(b"%PDF-")
    assert not drawing.is_alive()


async def test_a_drawing_process_killed_while_idle_is_replaced(
    group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    await agreed(group, "Monthly")
    await group.send(CARLA, "/wheel")
    [drawing] = drawing_processes()
    assert drawing.pid is not None
    os.kill(drawing.pid, signal.SIGKILL)
    drawing.join(10)
    await group.send(CARLA, "/wheel")
    assert [name.rsplit(".", 1)[1] for name, _ in files(group)] == ["png", "png"]
    assert "The drawing process had stopped (exit code " in caplog.text  # -9, or 255: see below


async def test_a_drawing_process_that_dies_on_a_file_does_not_hold_up_the_group(
    group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    """It dies twice on the export (once in a new one): the export is given up, and what the
    group is owed after it still comes."""
    await agreed(group, "Monthly")
    svc = services(group.app)
    dying = FileMaker(svc.store, svc.wheel, svc.translators, drawing=DrawingProcess(job=jobs.die))
    made, svc.outbox.files = svc.outbox.files, dying
    try:
        async with svc.store.transaction() as conn:
            await outbox.owe(conn, svc.translators["en"], group.chat_id,
                             [Reply(parts=(msg("Your record"),), file="export"),
                              Reply(parts=(msg("After it"),))], [None, None])  # fmt: skip
        async with asyncio.timeout(30):
            await svc.outbox.deliver(group.app.bot, group.chat_id)
    finally:
        svc.outbox.files = made
        await dying.close()
    assert files(group) == []
    assert group.last.text == "After it"
    stopped = [r.getMessage() for r in caplog.records if "drawing process stopped" in r.message]
    assert len(stopped) == 2
    # The exit code itself comes through the fork server, which may report the pipe it closed
    # (255) before the status (3): the log names one, and that is all the operator needs.
    assert "(exit code " in stopped[0]
    assert stopped[0].endswith("trying once more in a new one")
    assert stopped[1].endswith("giving up")
    caplog.clear()
    await group.send(BEN, "/wheel")  # the bot's own drawing process was never touched
    assert [name.rsplit(".", 1)[1] for name, _ in files(group)] == ["png"]


async def test_a_drawing_process_that_hangs_is_stopped(caplog: pytest.LogCaptureFixture) -> None:
    drawing = DrawingProcess(job=jobs.hang, timeout=1.0)
    try:
        making = asyncio.create_task(drawing.make("export", sample_record(), WHEEL))
        while not drawing_processes():  # noqa: ASYNC110 - waiting for another process
            await asyncio.sleep(0.01)
        [hung] = drawing_processes()
        with pytest.raises(DrawingFailed, match="took more than 1 s"):
            await making
        hung.join(10)
        assert not hung.is_alive()  # killed (its exit code comes through the fork server)
    finally:
        await drawing.close()
    assert "Making chat -100's export took more than 1 s" in caplog.text


async def test_the_drawing_process_stops_when_it_has_nothing_to_do() -> None:
    drawing = DrawingProcess(idle=0.2)
    try:
        await drawing.make("wheel", sample_record(), WHEEL)
        [first] = drawing_processes()
        async with asyncio.timeout(10):
            while first.is_alive():  # noqa: ASYNC110 - waiting for another process
                await asyncio.sleep(0.05)
        assert first.exitcode is not None  # it stopped (the code may come as 255: see below)
        assert (await drawing.make("wheel", sample_record(), WHEEL)).startswith(b"\x89PNG")
    finally:
        await drawing.close()


async def test_a_stopped_drawing_process_makes_no_more_files() -> None:
    drawing = DrawingProcess()
    await drawing.close()
    with pytest.raises(RuntimeError, match="stopped"):
        await drawing.make("wheel", sample_record(), WHEEL)
    assert drawing_processes() == []


def test_the_drawing_process_does_not_outlive_a_killed_bot() -> None:
    """A bot SIGKILLed cannot stop its drawing process: it goes by itself, and so do the fork
    server and multiprocessing's resource tracker."""
    script = (
        "import asyncio\n"
        "from bot.domain.wheel import load_wheel\n"
        "from bot.ops.resources import wheel_file\n"
        "from bot.render.drawing import DrawingProcess\n"
        "from tests.support.records import sample_record\n"
        "async def main():\n"
        "    drawing = DrawingProcess()\n"
        "    await drawing.make('wheel', sample_record(), load_wheel(wheel_file()))\n"
        "    print('drawn', flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as bot:
        try:
            assert bot.stdout is not None
            assert bot.stdout.readline() == "drawn\n"
            left = descendants(bot.pid)
            # The fork server, the drawing process under it, multiprocessing's resource tracker.
            assert len(left) == 3, left
        finally:
            bot.kill()
    lingering = survivors(left)
    for pid in lingering:
        os.kill(pid, signal.SIGKILL)
    assert lingering == []


def test_the_bots_process_does_not_load_pillow_or_fpdf2() -> None:
    """Start-up time and memory: only the drawing process needs them."""
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, bot.app, bot.cli\n"
         "print(*sorted(m for m in ('PIL', 'fpdf', 'fontTools') if m in sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert loaded.split() == []
