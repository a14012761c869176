"""Rules of the codebase that a test can hold: flows never import telegram, and every keyboard a
flow can build fits Telegram's limits in both languages."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.db.progress import Answer
from bot.db.records import Agreement, OpenIssue
from bot.domain import buttons
from bot.domain.wheel import load_wheel
from bot.flows import agreements, board, issues, session
from bot.i18n import load_translators
from bot.ops.resources import locales_dir, wheel_file
from bot.render import html
from bot.render.messages import Reply

FLOWS = Path(__file__).parent.parent / "bot" / "flows"


def test_flows_do_not_import_telegram() -> None:
    for path in FLOWS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("telegram"), f"{path.name} imports {name}"


def every_keyboard() -> list[Reply]:
    wheel = load_wheel(wheel_file())
    names = {1: "Stichting Werk & Ontwikkeling Oost-Nederland – afdeling Ŵ", 2: "Ö" * 60}
    replies = [session.stage_menu(wheel), session.stage_menu(wheel, both_present=True)]
    big = 10**11 - 1
    for topic in wheel.topics:
        answers = [Answer(1, 1, "Anna", "x", 1), Answer(2, 2, "Ben", "y", 2)]
        replies.append(board.answers_view(wheel, topic, names, answers))
        agreement = Agreement(
            big, -1001234567890, topic.id, "t", "proposed", 1, 1, "Anna", None, None, None, None
        )
        replies.append(agreements.proposal_message(wheel, names, agreement))
    # The fullest /issues list: the most issues a message carries, with the largest ids.
    longest = max(wheel.topics, key=lambda t: len(t.id)).id
    full = [(n, OpenIssue(big - n, -1, longest, "t", "open", 1)) for n in range(1, 26)]
    replies.append(issues._list(wheel, full, heading=True))
    return replies


def test_every_keyboard_fits_telegrams_limits_in_both_languages() -> None:
    for translator in load_translators(locales_dir()).values():
        for reply in every_keyboard():
            markup = html.markup(translator, reply)
            assert markup is not None
            rows = markup.inline_keyboard  # type: ignore[union-attr]
            assert sum(len(r) for r in rows) <= 100
            for row in rows:
                assert len(row) <= 8
                for button in row:
                    assert 1 <= len(button.callback_data.encode()) <= 64, button.callback_data
                    assert buttons.read(button.callback_data) is not None  # one codec
                    assert button.text.strip()
