"""Telling systemd how the bot is (``sd_notify``): ready, alive, stopping.

With ``Type=notify`` systemd counts the bot as started only once it says ``READY=1`` (it then
receives updates), and with ``WatchdogSec=`` it restarts a bot that stops saying ``WATCHDOG=1``:
a bot that hangs without crashing. The protocol is one datagram on the Unix socket named by
``NOTIFY_SOCKET``, so it needs no library. Outside systemd (no ``NOTIFY_SOCKET``) every call does
nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notifier:
    """Where to tell systemd, and how often it wants to hear that the bot is alive."""

    #: The socket's address (``NOTIFY_SOCKET``), None outside systemd.
    address: str | None = None
    #: ``WatchdogSec=`` of the unit, None when it has none (or it is meant for another process).
    watchdog: dt.timedelta | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], pid: int | None = None) -> Notifier:
        address = environ.get("NOTIFY_SOCKET", "").strip() or None
        usec = environ.get("WATCHDOG_USEC", "").strip()
        owner = environ.get("WATCHDOG_PID", "").strip()
        watchdog = None
        # WATCHDOG_PID: systemd sets it for the main process; a child that inherited the
        # environment (the drawing worker) must not pretend to be the bot.
        mine = not owner or owner == str(os.getpid() if pid is None else pid)
        if address and usec.isdigit() and int(usec) > 0 and mine:
            watchdog = dt.timedelta(microseconds=int(usec))
        return cls(address, watchdog)

    def every(self, at_most: dt.timedelta) -> dt.timedelta:
        """How often to say the bot is alive: ``at_most``, or half the watchdog's time if shorter
        (as ``sd_watchdog_enabled(3)`` advises)."""
        return at_most if self.watchdog is None else min(at_most, self.watchdog / 2)

    def ready(self, status: str) -> None:
        self.send(f"READY=1\nSTATUS={status}")

    def alive(self) -> None:
        if self.watchdog is not None:
            self.send("WATCHDOG=1")

    def stopping(self) -> None:
        self.send("STOPPING=1\nSTATUS=Stopping")

    def send(self, state: str) -> bool:
        """Send ``state``; False outside systemd or when the socket cannot be reached."""
        if not self.address:
            return False
        # "@name" is an address in the abstract namespace, which starts with a NUL byte.
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(address)
                sock.sendall(state.encode())
        except OSError as exc:
            # systemd gone or the socket not ours: the bot goes on; systemd, if any, acts.
            with contextlib.suppress(Exception):
                log.warning("Cannot notify systemd at %s: %s", self.address, exc)
            return False
        return True
