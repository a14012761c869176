"""Every button that changes something does it once: a second press of the same button (a double
tap, or an old copy of the message) leaves the database as the first press left it and posts
nothing new."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA, running
from tests.support.telegram import Group, User
from tests.test_bad_input import DAVID, ORG_B
from tests.test_permissions import World, build, reminder_sent

#: What the partners keep; inbox, outbox and bookkeeping are left out.
TABLES = (
    "chats", "partners", "members", "topic_states", "answers", "open_issues", "agreements",
    "reminders", "rounds", "checkups", "checkup_items", "checkup_marks", "newcomers",
)  # fmt: skip


async def snapshot(group: Group) -> dict[str, list[tuple[object, ...]]]:
    conn = services(group.app).store.conn
    found = {}
    for table in TABLES:
        async with conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cursor:
            found[table] = [tuple(row) for row in await cursor.fetchall()]
    return found


async def reminder_due(world: World) -> Sent:
    """A reminder for Integration, sent (the world's own is for Transformation)."""
    return await reminder_sent(world.group, "integration")


def newest_with(group: Group, label: str) -> Sent:
    return next(m for m in reversed(group.sent) if label in m.buttons)


Setup = Callable[[World], Awaitable[Sent]]


async def proposal(world: World) -> Sent:
    return world.proposal


async def issues(world: World) -> Sent:
    return world.issues


async def sides(world: World) -> Sent:
    return newest_with(world.group, ORG_B)


async def request(world: World) -> Sent:
    return world.request


async def stage_menu(world: World) -> Sent:
    await world.group.send(BEN, "/stage")
    return world.group.last


async def card_with_next(world: World) -> Sent:
    await world.group.reply(DAVID, "Our answer", to=_card(world.group))
    await world.group.reply(BEN, "And ours", to=_card(world.group))
    await world.group.send(DAVID, "/agree Something")
    await world.group.press(BEN, "Confirm")
    return newest_with(world.group, "Ready")


def _card(group: Group) -> Sent:
    return next(m for m in reversed(group.sent) if m.force_reply and "topic" in m.text)


def asked(command: str, who: User) -> Setup:
    async def ask(world: World) -> Sent:
        await world.group.send(who, command)
        return world.group.last

    return ask


async def reminders_list(world: World) -> Sent:
    await world.group.send(BEN, "/remind in 3 months integration")
    await world.group.send(BEN, "/reminders")
    return world.group.last


async def checkup(world: World) -> Sent:
    await world.group.send(BEN, "/agree We check our agreements")
    await world.group.press(DAVID, "Confirm")
    await world.group.send(DAVID, "/checkup")
    return world.group.last


#: (what is pressed, by whom, on which message)
PRESSES: dict[str, tuple[str, User, Setup]] = {
    "Confirm": ("Confirm", DAVID, proposal),
    "Not yet": ("Not yet", DAVID, proposal),
    "Withdraw": ("Withdraw", ANNA, proposal),
    "Resolved": ("1 · Mark resolved", BEN, issues),
    "side": (ORG_B, CARLA, sides),
    "Confirm (a newcomer)": ("Confirm", BEN, request),
    "Not a colleague": ("Not a colleague", ANNA, request),
    "stage": ("Integration", BEN, stage_menu),
    "Ready": ("Ready", BEN, card_with_next),
    "Start now": ("Start Integration now", BEN, reminder_due),
    "In a week": ("Remind us in a week", BEN, reminder_due),
    "Cancel (reminder)": ("Cancel", BEN, reminder_due),
    "Cancel (list)": ("Cancel Integration reminder", BEN, reminders_list),
    "Kept (check-up)": ("1 · Kept", BEN, checkup),
    "/reset Yes": ("Yes, start again", BEN, asked("/reset", BEN)),
    "/forgetgroup Yes": ("Yes, erase everything", BEN, asked("/forgetgroup", BEN)),
    "/forgetme Yes": ("Yes, forget me", ANNA, asked("/forgetme", ANNA)),
}


@pytest.mark.parametrize("name", list(PRESSES))
async def test_a_second_press_changes_nothing(name: str, tmp_path: Path, api: FakeBotApi) -> None:
    label, who, setup = PRESSES[name]
    async with running(tmp_path / "wheel.sqlite", api) as group:
        world = await build(group)
        # The message as the client first showed it: the first press may edit it.
        message = copy.deepcopy(await setup(world))
        assert label in message.buttons, message.buttons
        before = await snapshot(group)
        await group.press(who, label, on=message)
        once = await snapshot(group)
        assert once != before, (
            f"{name}: the first press changed nothing, so the test proves nothing"
        )
        calls = len(api.calls)
        await group.press(who, label, on=message)
        twice = await snapshot(group)
        posted = [c.method for c in api.calls[calls:] if c.method.startswith("send")]
    assert twice == once, f"{name}: the second press changed the record"
    assert posted == [], f"{name}: the second press posted {posted}"
