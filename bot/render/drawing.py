"""The drawing process, seen from the bot: pictures and exports are made in another process
(``bot.render.worker``), so that fpdf2 laying out pages does not hold up other groups' answers.

It starts with the first file, not with the bot (start-up time and memory), from a fork server
that has the drawing code loaded, so a new drawing process after one died is ready in
milliseconds. The bot's process never loads Pillow or fpdf2. A drawing process that dies while
making a file (killed, out of memory) is replaced and the file tried once more; a second death,
or a file that takes longer than ``timeout``, gives up on that file (``DrawingFailed``). The
drawing process stops after ``idle`` seconds without a file (what a whole export took, some
100 MiB, goes back), with ``close``, and on its own when the bot's process is gone.

multiprocessing imports the main module in the fork server: a script run by its path that makes
files keeps its work under ``if __name__ == "__main__":``, as ``wheelbot`` and ``bench/`` do.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess

from bot.domain.record import GroupRecord
from bot.domain.wheel import Wheel

log = logging.getLogger(__name__)

#: One drawing process: with two cores, one draws while the other answers the groups.
WORKERS = 1
#: Far more than any record takes (a whole wheel answered at length: about 2 s); after that the
#: drawing process is taken to hang, and stopped.
TIMEOUT = 300.0
#: After this long without a file the drawing process stops; the next file starts it again.
IDLE = 600.0
#: Loaded once by the fork server, and so already in every drawing process it starts.
PRELOAD = ["__main__", "bot.render.worker"]

Job = Callable[[str, GroupRecord, Wheel], bytes]


class DrawingFailed(Exception):
    """A file could not be made: the drawing process died twice on it, or hung."""


def _start() -> None:
    # Imported here, in the drawing process: the bot's own process never loads Pillow or fpdf2.
    from bot.render import worker

    worker.start()


def _make(what: str, record: GroupRecord, wheel: Wheel) -> bytes:
    from bot.render import worker

    return worker.make(what, record, wheel)


class DrawingProcess:
    """Makes files in another process: ``await make("export", record, wheel)`` -> PDF bytes."""

    def __init__(
        self,
        *,
        workers: int = WORKERS,
        timeout: float = TIMEOUT,
        idle: float = IDLE,
        job: Job = _make,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.idle = idle
        #: What the drawing process runs for a file (tests give one that dies or hangs).
        self.job = job
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()  # the pool is started in a thread
        # Files wait here, not in the pool's queue: the timeout counts from when drawing starts.
        self._free = asyncio.Semaphore(workers)
        self._making = 0
        self._resting: asyncio.TimerHandle | None = None

    async def make(self, what: str, record: GroupRecord, wheel: Wheel) -> bytes:
        """Make the file ``what`` of ``record`` in the drawing process."""
        async with self._free:
            self._making += 1
            try:
                return await self._make(what, record, wheel)
            finally:
                self._making -= 1
                self._rest()

    async def _make(self, what: str, record: GroupRecord, wheel: Wheel) -> bytes:
        for attempt in (1, 2):
            # In a thread: starting the drawing process (the first time, the fork server
            # loading the drawing code: most of a second) must not stop the event loop.
            pool, future = await asyncio.to_thread(self._submit, what, record, wheel)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
            except BrokenProcessPool:
                code = _exit_codes(pool)
                self._discard(pool)
                again = "trying once more in a new one" if attempt == 1 else "giving up"
                log.error(
                    "The drawing process stopped (exit code %s: killed, or out of memory?) "
                    "while making chat %s's %s; %s",
                    code, record.chat_id, what, again,
                )  # fmt: skip
            except TimeoutError:
                log.error(
                    "Making chat %s's %s took more than %.0f s; stopped the drawing process",
                    record.chat_id, what, self.timeout,
                )  # fmt: skip
                self._discard(pool, kill=True)
                raise DrawingFailed(f"took more than {self.timeout:.0f} s") from None
        raise DrawingFailed("the drawing process stopped twice while making it")

    def _rest(self) -> None:
        """Stop the drawing process once it has had nothing to do for ``idle`` seconds: the
        memory a whole export took goes back to the system."""
        if self._resting is not None:
            self._resting.cancel()
        self._resting = asyncio.get_running_loop().call_later(self.idle, self._stop_if_idle)

    def _stop_if_idle(self) -> None:
        pool = self._pool
        if self._making == 0 and pool is not None:
            self._discard(pool)

    async def close(self) -> None:
        """Stop the drawing process (waiting for a file it is making)."""
        if self._resting is not None:
            self._resting.cancel()
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    def _submit(
        self, what: str, record: GroupRecord, wheel: Wheel
    ) -> tuple[ProcessPoolExecutor, Future[bytes]]:
        pool = self._running()
        try:
            return pool, pool.submit(self.job, what, record, wheel)
        except BrokenProcessPool:
            # It died while it had nothing to do: not this file's doing.
            log.warning("The drawing process had stopped (exit code %s)", _exit_codes(pool))
            self._discard(pool)
            pool = self._running()
            return pool, pool.submit(self.job, what, record, wheel)

    def _running(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the drawing process was stopped")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=_context(), initializer=_start
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
        if kill:
            for process in _processes(pool):
                process.kill()
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    """A fork server where there is one (Linux, macOS): a plain fork of the bot's process would
    copy it with its threads (PTB's, aiosqlite's) mid-step; spawn starts every drawing process
    from scratch."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # applies when the fork server starts: once
    return context


def _processes(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    # ProcessPoolExecutor names its processes only in a private attribute (Python 3.14 adds
    # kill_workers); it has been there since 3.2.
    processes = getattr(pool, "_processes", None) or {}
    return list(processes.values())


def _exit_codes(pool: ProcessPoolExecutor) -> str:
    codes = [str(p.exitcode) for p in _processes(pool) if p.exitcode is not None]
    return ", ".join(codes) or "unknown"
