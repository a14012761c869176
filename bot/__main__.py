"""``python -m bot``: the same as the ``wheelbot`` command."""

import sys

from bot.cli import main

sys.exit(main())
