"""Rules of the codebase that a test can hold: flows never import telegram, and every keyboard a
flow can build fits Telegram's limits in both languages."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from bot.db.checkups import Checkup, Item
from bot.db.progress import Answer
from bot.db.records import Agreement, OpenIssue
from bot.domain import buttons
from bot.domain.wheel import load_wheel
from bot.flows import agreements, board, checkups, issues, position, session
from bot.i18n import load_translators
from bot.ops.resources import locales_dir, wheel_file
from bot.render import html
from bot.render.messages import Reply

BOT = Path(__file__).parent.parent / "bot"
FLOWS = BOT / "flows"
#: Words that start an SQL statement in a string literal.
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK)\b"
)


def modules(room: str = "") -> list[Path]:
    """The modules of a room (a folder of bot/), or of all of bot/."""
    return sorted((BOT / room).rglob("*.py"))


def imported(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


@pytest.mark.parametrize("room", ["flows", "domain"])
def test_decisions_do_not_import_telegram(room: str) -> None:
    for path in modules(room):
        for name in imported(path):
            assert not name.startswith("telegram"), f"{path.relative_to(BOT)} imports {name}"


def test_flows_do_not_read_the_clock() -> None:
    """Flows take the turn's time: a test can move it, and one turn has one 'now'."""
    for path in modules("flows"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                reads = node.func.attr in ("now", "utcnow", "today") or (
                    isinstance(owner, ast.Name) and owner.id == "time"
                )
                assert not reads, (
                    f"{path.relative_to(BOT)}:{node.lineno} reads the clock ({node.func.attr})"
                )


def test_only_the_data_layer_holds_sql() -> None:
    for path in modules():
        if path.is_relative_to(BOT / "db"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL.match(node.value), (
                    f"{path.relative_to(BOT)}:{node.lineno} holds SQL"
                )


#: PTB's Bot API methods (and the shortcuts that call them) that the bot could use.
BOT_API = {
    "send_message", "edit_message_text", "edit_message_reply_markup", "set_message_reaction",
    "send_photo", "send_document", "delete_message", "set_my_commands", "get_chat_member",
    "get_chat_administrators", "answer", "answer_callback_query", "reply_text", "reply_html",
    "get_me", "get_updates", "set_webhook", "delete_webhook", "leave_chat",
}  # fmt: skip


def test_only_the_telegram_seam_calls_the_bot_api() -> None:
    """Messages reach Telegram through bot/io (the outbox, and the two calls that cannot wait
    for it in bot/io/direct.py); bot/offline is the fake that answers them."""
    for path in modules():
        if path.is_relative_to(BOT / "io") or path.is_relative_to(BOT / "offline"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in BOT_API, (
                    f"{path.relative_to(BOT)}:{node.lineno} calls the Bot API ({node.func.attr})"
                )


def test_the_store_is_used_one_call_at_a_time() -> None:
    """Outside bot/db the store is read and written with ``read``/``write``: one call into the
    database thread each, so no read runs inside another coroutine's open transaction."""
    for path in modules():
        if path.is_relative_to(BOT / "db"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("conn", "transaction"):
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                assert name != "store", (
                    f"{path.relative_to(BOT)}:{node.lineno} uses store.{node.attr}"
                )


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
    # The fullest check-up message, and the open issue a check-up opens.
    day = "2027-06-01"
    items = [
        Item(big, big - n, n + 1, 0, longest, "t" * 300, "confirmed", False, {})
        for n in range(checkups.PART_ITEMS)
    ]
    replies.append(checkups.part_message(wheel, names, Checkup(big, -1, "due", day), items, 0))
    marks = {1: "partly", 2: "not-kept"}
    replies.append(
        checkups.issue_message(wheel, names, big, longest, "t", marks, dt.date(2027, 6, 1), big)
    )
    # A position check's statements: the largest check id, the last statement.
    replies.append(position._question(big, 11, []))
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
