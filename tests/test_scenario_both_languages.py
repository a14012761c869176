"""The Orientation stage played from a script, in Dutch and in English, and again with a
restart of the application between every step: the outcome must be the same."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.offline.fake_api import FakeBotApi
from tests.conftest import running
from tests.support.telegram import Group, User

ORG_A, ORG_B = "Werkbedrijf De Brug", "Bakkerij & Co <Van Dam>"


@dataclass(frozen=True)
class Step:
    user: str
    action: str  # send | reply (to the newest prompt/card) | press
    arg: str | dict[str, str]
    expect: dict[str, str]


def both(en: str, nl: str) -> dict[str, str]:
    return {"en": en, "nl": nl}


def topic_steps(n: int, *, skip: bool = False) -> list[Step]:
    """Both partners answer topic ``n`` and move on (or someone skips it)."""
    if n < 9:
        then = both(f"topic {n + 1}/9", f"thema {n + 1}/9")
    else:
        then = both("last topic of Orientation", "laatste thema van Oriëntatie")
    if skip:
        return [Step("a", "send", "/skip", then)]
    return [
        Step(
            "a",
            "reply",
            f"A's view on topic {n}",
            both("Still waiting for:", "We wachten nog op:"),
        ),
        Step("b", "reply", f"B's view on topic {n}", both("side by side", "naast elkaar")),
        # One Ready from each organisation: B's is shown on the card, A's moves on.
        Step("b", "press", both("Ready", "Klaar"), both(f"Ready: {ORG_B}", f"Klaar: {ORG_B}")),
        Step("a", "press", both("Ready", "Klaar"), then),
    ]


SCRIPT: list[Step] = [
    Step("a", "send", "/start", both("first partner", "eerste partnerorganisatie")),
    Step("a", "reply", ORG_A, both("second partner", "tweede partnerorganisatie")),
    Step("b", "reply", ORG_B, both("Who represents", "Wie vertegenwoordigt")),
    Step("a", "press", {"en": ORG_A, "nl": ORG_A}, both("Who represents", "Wie vertegenwoordigt")),
    Step(
        "b", "press", {"en": ORG_B, "nl": ORG_B}, both("Where do you want", "Waar willen jullie")
    ),
    Step("b", "press", both("Orientation", "Oriëntatie"), both("topic 1/9", "thema 1/9")),
    # Topic 1: an answer changed, then an agreement proposed by A and confirmed by B.
    Step("a", "reply", "Ten jobs", both("Still waiting for:", "We wachten nog op:")),
    Step("a", "reply", "Twelve jobs <b>and</b> training", both("replaced", "vervangen")),
    Step(
        "b",
        "reply",
        "A stable team",
        both("Twelve jobs <b>and</b> training", "Twelve jobs <b>and</b> training"),
    ),
    Step(
        "a",
        "send",
        "/agree We create 12 jobs in 2027",
        both("Proposed agreement", "Voorstel voor een afspraak"),
    ),
    Step(
        "b",
        "press",
        both("Confirm", "Bevestigen"),
        both("Agreement recorded", "Afspraak vastgelegd"),
    ),
    Step("a", "press", both("Ready", "Klaar"), both("topic 2/9", "thema 2/9")),
    # Topic 2: answers, an open issue, and a second agreement proposed by B.
    Step("a", "reply", "Jobs", both("Still waiting for:", "We wachten nog op:")),
    Step("b", "reply", "Jobs and visibility", both("side by side", "naast elkaar")),
    Step(
        "b",
        "send",
        "/issue How do we measure visibility?",
        both(
            "Still open\n• How do we measure visibility?",
            "Nog open\n• How do we measure visibility?",
        ),
    ),
    Step(
        "b",
        "send",
        "/agree We report on impact twice a year",
        both("Proposed agreement", "Voorstel voor een afspraak"),
    ),
    Step(
        "a",
        "press",
        both("Confirm", "Bevestigen"),
        both("Agreement recorded", "Afspraak vastgelegd"),
    ),
    Step("a", "send", "/skip", both("topic 3/9", "thema 3/9")),
    # Topic 3 skipped, topics 4-9 answered.
    *topic_steps(3, skip=True),
    *[step for n in range(4, 10) for step in topic_steps(n)],
]


class Play:
    """Plays the script against one application, or a fresh one for every step."""

    def __init__(self, group: Group, users: dict[str, User], language: str) -> None:
        self.group, self.users, self.language = group, users, language

    async def step(self, step: Step) -> None:
        group, user = self.group, self.users[step.user]
        before = _snapshot(group.api)
        if step.action == "send":
            assert isinstance(step.arg, str)
            await group.send(user, step.arg)
        elif step.action == "reply":
            assert isinstance(step.arg, str)
            prompt = next(m for m in reversed(group.sent) if m.force_reply)
            await group.reply(user, step.arg, to=prompt)
        else:
            assert isinstance(step.arg, dict)
            label = step.arg[self.language]
            message = next(m for m in reversed(group.sent) if label in m.buttons)
            await group.press(user, label, on=message)
        seen = " | ".join(_changed_since(group.api, before))
        assert step.expect[self.language] in seen, (step, seen)


def _snapshot(api: FakeBotApi) -> dict[tuple[int, int], int]:
    return {key: sent.edits for key, sent in api.messages.items()}


def _changed_since(api: FakeBotApi, before: dict[tuple[int, int], int]) -> list[str]:
    """Texts of the bot messages that a step sent or edited, as users see them."""
    return [
        sent.text
        for key, sent in api.messages.items()
        if key not in before or before[key] != sent.edits
    ]


USERS = {
    "en": {"a": User(2001, "Anna", "en"), "b": User(2002, "Bram", "en")},
    "nl": {"a": User(2001, "Anna", "nl"), "b": User(2002, "Bram", "nl")},
}


def outcome(db_path: Path) -> dict[str, Any]:
    """What the database holds at the end, without timestamps and ids of messages."""
    with sqlite3.connect(db_path) as conn:
        q = conn.execute
        return {
            "partners": q("SELECT slot, name FROM partners ORDER BY slot").fetchall(),
            "members": q("SELECT user_id, slot FROM members ORDER BY user_id").fetchall(),
            "answers": q(
                "SELECT topic_id, user_id, text FROM answers ORDER BY topic_id, user_id"
            ).fetchall(),
            "agreements": q(
                "SELECT topic_id, text, status, proposed_by, confirmed_by FROM agreements ORDER BY id"
            ).fetchall(),
            "issues": q("SELECT topic_id, text, status FROM open_issues ORDER BY id").fetchall(),
            "topics": q("SELECT topic_id, status FROM topic_states ORDER BY topic_id").fetchall(),
            "position": q("SELECT stage, topic, language FROM chats").fetchall(),
        }


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_orientation_scenario(tmp_path: Path, language: str) -> None:
    api = FakeBotApi()
    async with running(tmp_path / "db.sqlite", api) as group:
        play = Play(group, USERS[language], language)
        for step in SCRIPT:
            await play.step(step)
        # The recap, then who picks up the stage's open issue, and by when.
        recap, walk = (m.text for m in group.sent[-2:])
    assert api.refusals() == []
    assert walk.startswith({"en": "Who picks up what", "nl": "Wie pakt wat op"}[language])
    words = {
        "en": ["last topic of Orientation", "2 agreements", "1 open issue", "Skipped: Motivation"],
        "nl": [
            "laatste thema van Oriëntatie",
            "2 afspraken",
            "1 open punt",
            "Overgeslagen: Motivatie",
        ],
    }[language]
    for word in words:
        assert word in recap
    result = outcome(tmp_path / "db.sqlite")
    assert len(result["agreements"]) == 2
    assert all(a[2] == "confirmed" for a in result["agreements"])
    assert result["issues"] == [
        ("value-creation.orientation.goals", "How do we measure visibility?", "open")
    ]
    assert ("value-creation.orientation.motivation", "skipped") in result["topics"]
    assert (
        "value-creation.orientation.ambition",
        2001,
        "Twelve jobs <b>and</b> training",
    ) in result["answers"]
    assert result["position"][0][2] == language


async def test_restart_between_every_step_gives_the_same_outcome(tmp_path: Path) -> None:
    straight, restarted = tmp_path / "straight.sqlite", tmp_path / "restarted.sqlite"
    api = FakeBotApi()
    async with running(straight, api) as group:
        for step in SCRIPT:
            await Play(group, USERS["en"], "en").step(step)
    api_restarted = FakeBotApi()
    for step in SCRIPT:
        app: AbstractAsyncContextManager[Group] = running(restarted, api_restarted)
        async with app as group:
            await Play(group, USERS["en"], "en").step(step)
    assert outcome(restarted) == outcome(straight)
    assert api_restarted.refusals() == []
    assert [m.text for m in api_restarted.sent_to(-4001234567)] == [
        m.text for m in api.sent_to(-4001234567)
    ]
