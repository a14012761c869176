"""Figure 7: what a topic costs in Telegram's currency, new messages in the group (about 20 a
minute are allowed), for two organisations of three people each, as tests/test_message_budget.py
plays it: all six answer, one proposes an agreement, the other side confirms (on topic 1 after a
counter-proposal, on topic 2 with "Not yet"), someone notes an open issue, and on to the next.

Edits, reactions and button answers are counted beside: they fall under the bot's overall limit
(about 30 calls a second), not under the group's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import harness, report
from bench.api import TimedApi
from bench.groups import topic_card
from bot.offline.people import Group, User

ORG_A, ORG_B = "Werkbedrijf De Brug", "Bakkerij Van Dam"
#: The calls that count against the bot's overall limit; sendMessage also against the group's.
METHODS = ("sendMessage", "editMessageText", "setMessageReaction", "answerCallbackQuery")


@dataclass(frozen=True, slots=True)
class Topic:
    """The calls one topic took, from its card up to and including the next card."""

    calls: Counter[str]

    @property
    def new_messages(self) -> int:
        return self.calls["sendMessage"]


async def play(folder: Path) -> list[Topic]:
    """Play the nine topics of Orientation; count each topic's calls."""
    api = TimedApi()
    app = harness.full_app(folder / "budget.sqlite", api)
    first = [User(3001 + n, name) for n, name in enumerate(["Anna", "Ahmed", "Amira"])]
    second = [User(3101 + n, name) for n, name in enumerate(["Bram", "Bo", "Britt"])]
    topics = []
    async with harness.running(app):
        group = Group(app, api, chat_id=-4_600_000_000)
        await group.send(first[0], "/start")
        await group.reply(first[0], ORG_A, to=group.last)
        await group.reply(second[0], ORG_B, to=group.last)
        sides = group.last
        for person in first:
            await group.press(person, ORG_A, on=sides)
        for person in second:
            await group.press(person, ORG_B, on=sides)
        await group.press(first[0], "Orientation")
        for number in range(1, 10):
            card = topic_card(group)
            before = Counter(c.method for c in api.calls if not c.error)
            for a, b in zip(first, second, strict=True):
                await group.reply(a, f"{a.first_name} on topic {number}", to=card)
                await group.reply(b, f"{b.first_name} on topic {number}", to=card)
            await group.send(first[1], f"/agree We agree on topic {number}")
            proposal = group.last
            if number == 1:
                await group.reply(second[0], "We agree, with a date", to=proposal)
                await group.press(first[0], "Confirm", on=proposal)
            elif number == 2:
                await group.press(second[2], "Not yet", on=proposal)
            else:
                await group.press(second[2], "Confirm", on=proposal)
            await group.send(second[1], f"/issue Still open on topic {number}")
            # One Ready from each organisation: the first one is an edit.
            await group.press(first[2], "Ready", on=proposal)
            await group.press(second[2], "Ready", on=proposal)
            after = Counter(c.method for c in api.calls if not c.error)
            topics.append(Topic(Counter({m: after[m] - before[m] for m in METHODS})))
    return topics


def print_figure(topics: list[Topic]) -> None:
    """Figure 7."""
    report.title(7, "New group messages per topic: two organisations of three people each")
    report.note(
        "Orientation's 9 topics: 6 answers, /agree, confirm, /issue, a Ready from each side"
    )
    report.note("(the same script each run: counted once)")
    report.value(
        "new messages per topic", " ".join(str(t.new_messages) for t in topics), "≤ 4 each"
    )
    report.value("most in one topic", str(max(t.new_messages for t in topics)), "≤ 4")
    for method in METHODS[1:]:
        report.value(
            f"{method} per topic (mean)",
            f"{sum(t.calls[method] for t in topics) / len(topics):.1f}",
        )
    total = sum(sum(t.calls.values()) for t in topics) / len(topics)
    report.value("all Bot API calls per topic (mean)", f"{total:.1f}")
