"""Catalog upkeep for developers: ``python -m bot.i18n.catalog_tools fill-english PO``.

English msgids are the English text, so the English catalog starts as a copy of them; an editor
may then improve the English wording there without touching code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill_english(path: Path) -> int:
    """Give every untranslated English entry its msgid as translation; return how many."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string or ()):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=False, width=99)
    return filled


def main(argv: list[str]) -> int:
    """Command-line entry."""
    if len(argv) != 2 or argv[0] != "fill-english":
        print(__doc__, file=sys.stderr)
        return 2
    print(f"filled {fill_english(Path(argv[1]))} English entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
