"""Groups of the full bot, set up through the real flows (``/start``, naming the partners,
choosing sides, choosing a stage, as the tests' ``ready`` does), and the updates they send.

A ``Pool`` holds many such groups, each at a topic card. One topic gives every group two answers
(one per partner); ``take`` hands them out, moving every group to its next topic (``/skip``,
untimed) once the current topic's answers were used. The 21 topics of the wheel give 21 rounds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application

from bench import harness
from bench.api import TimedApi
from bot.offline.fake_api import Sent
from bot.offline.people import Group, User

ORG_A, ORG_B = "Works", "Bakery"
#: The wheel's topics: how many rounds a pool has before its groups reach the centre.
TOPICS = 21


def topic_card(group: Group) -> Sent:
    """The newest topic card in the group (the message partners answer by replying to it)."""
    return next(m for m in reversed(group.sent) if m.force_reply and "topic" in m.text)


async def ready(group: Group, first: User, second: User) -> None:
    """Set the group up at topic 1 of Orientation, as a pair of partners would."""
    await group.send(first, "/start")
    await group.reply(first, ORG_A, to=group.last)
    await group.reply(second, ORG_B, to=group.last)
    await group.press(first, ORG_A)
    await group.press(second, ORG_B, on=next(m for m in group.sent if ORG_B in m.buttons))
    await group.press(first, "Orientation")


async def continue_after_recap(group: Group, first: User) -> None:
    """At the end of a stage, press the recap's *Continue with* (the recap may be followed by
    the question who picks up the open issues)."""
    for message in reversed(group.sent[-3:]):
        offered = [label for label in message.buttons if label.startswith("Continue with")]
        if offered:
            await group.press(first, offered[0], on=message)
            return


async def next_topic(group: Group, first: User, button: str) -> None:
    """Press ``button`` ("Ready": ``first`` set the group up, so one press moves on) and, at the
    end of a stage, go on with the next one."""
    await group.press(first, button)
    await continue_after_recap(group, first)


async def full_wheel(group: Group, first: User, second: User) -> None:
    """Play the whole wheel: every topic answered by both, agreed, some with an open issue."""
    await ready(group, first, second)
    for number in range(1, TOPICS + 1):
        card = topic_card(group)
        await group.reply(first, f"What {ORG_A} hopes for on topic {number} 🤝", to=card)
        await group.reply(second, f"What {ORG_B} hopes for on topic {number}", to=card)
        await group.send(first, f"/agree We work together on topic {number}; we check monthly")
        proposal = group.last
        await group.press(second, "Confirm", on=proposal)
        if number % 3 == 0:
            await group.send(second, f"/issue Who pays for topic {number}?")
        await next_topic(group, first, "Ready")


@dataclass
class Pair:
    """A group and its two partners' representatives."""

    group: Group
    first: User
    second: User


def pairs(app: Application, api: TimedApi, count: int, first_chat: int) -> list[Pair]:
    """``count`` groups (chat ids counting down from ``first_chat``), two people each."""
    made = []
    for n in range(count):
        chat = first_chat - n
        base = -2 * chat  # user ids from the chat id: unique, and the same in every run
        made.append(
            Pair(Group(app, api, chat_id=chat), User(base, "Ben", "en"), User(base + 1, "David"))
        )
    return made


class Pool:
    """Groups waiting at a topic card; each topic is a round of two answers per group."""

    def __init__(self, app: Application, api: TimedApi, count: int, first_chat: int) -> None:
        self.app = app
        self.pairs = pairs(app, api, count, first_chat)
        self.rounds = 0
        self._used: set[int] = set()

    async def set_up(self) -> None:
        """Set every group up, all at once (each group's steps in order)."""
        await asyncio.gather(*(ready(p.group, p.first, p.second) for p in self.pairs))
        self.rounds = 1

    async def advance(self) -> None:
        """Move every group to its next topic (``/skip``), untimed."""
        if self.rounds >= TOPICS:
            raise RuntimeError("the groups are through the whole wheel: use fewer repetitions")
        await asyncio.gather(*(self._skip(p) for p in self.pairs))
        self.rounds += 1
        self._used.clear()

    async def _skip(self, pair: Pair) -> None:
        await pair.group.send(pair.first, "/skip")
        await continue_after_recap(pair.group, pair.first)

    async def take(self, who: tuple[int, ...] = (0, 1)) -> list[Update]:
        """Answers to the current topic card: every group's first partner (0), then every
        group's second (1). A topic already answered by ``who`` is left for the next one first.
        """
        if self._used & set(who):
            await self.advance()
        self._used |= set(who)
        updates = []
        for index in who:
            for pair in self.pairs:
                card = topic_card(pair.group)
                user = pair.second if index else pair.first
                payload = harness.reply(
                    pair.group, user, f"{user.first_name}'s answer, round {self.rounds}",
                    card.message_id, card.text,
                )  # fmt: skip
                updates.append(harness.update(self.app, payload))
        return updates
