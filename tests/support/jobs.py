"""Jobs for the drawing process that fail as a real one can: it dies, or it hangs. They live in
a module of their own, light to import, since the drawing process imports them by name."""

from __future__ import annotations

import os
import time

from bot.domain.record import GroupRecord
from bot.domain.wheel import Wheel

#: The exit status of a drawing process that ``die`` ended.
DIED = 3


def die(what: str, record: GroupRecord, wheel: Wheel) -> bytes:
    """End the drawing process in the middle of a file, as the out-of-memory killer would."""
    os._exit(DIED)


def hang(what: str, record: GroupRecord, wheel: Wheel) -> bytes:
    """Never finish the file."""
    time.sleep(600)
    return b""
