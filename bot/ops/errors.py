"""Why the bot cannot start, as one or two plain lines and an exit status (standard library only:
``wheelbot health`` imports it, and must stay light)."""

from __future__ import annotations

#: Exit status for a failure someone has to fix (a setting, the installation, the database, the
#: token); a supervisor should not restart the bot for it (``RestartPreventExitStatus=2``).
#: Other failures exit with 1.
MUST_FIX = 2


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do, without a traceback."""

    def __init__(self, message: str, status: int = MUST_FIX) -> None:
        super().__init__(message)
        self.status = status
