"""Every action in the permission table, tried by every kind of person: what happens is what the
table says. The group: Ben set it up and represents De Brug, Anna represents De Brug too and has
proposed an agreement, David represents Van Dam and made an agreement with Ben, Carla is in the
group without a side, Erik represented Van Dam and left, Fleur facilitates (Ben named her), Gijs
asked to join De Brug and waits for a colleague to confirm him, and an anonymous administrator
writes as the group."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.domain.permissions import RULES, Action, Who, markdown
from bot.flows import gate
from bot.flows.turn import Actor, Turn, Where
from bot.jobs import following, reminding
from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import KEY, services
from tests.conftest import ANNA, BEN, CARLA, running
from tests.support.telegram import Group, User
from tests.test_bad_input import ANON_ADMIN, DAVID, ORG_A, ORG_B, card, ready
from tests.test_position import payload_of, private

ERIK = User(1006, "Erik", "en")
FLEUR = User(1007, "Fleur", "en")
GIJS = User(1008, "Gijs", "en")
PEOPLE = {
    "manager": BEN,
    "proposer": ANNA,
    "other partner": DAVID,
    "outsider": CARLA,
    "left": ERIK,
    "facilitator": FLEUR,
    "newcomer": GIJS,
    "anonymous": ANON_ADMIN,
}
#: Who may act, by rule, among the people above.
ALLOWED: dict[Who, set[str]] = {
    Who.ANYONE: set(PEOPLE),
    Who.PERSON: set(PEOPLE) - {"anonymous"},
    # Anna's proposal waits; a facilitator is neither partner.
    Who.SIDE: set(PEOPLE) - {"anonymous", "proposer", "facilitator"},
    Who.REPRESENTATIVE: {"manager", "proposer", "other partner"},
    Who.STEER: {"manager", "proposer", "other partner", "facilitator"},
    Who.OTHER_PARTNER: {"other partner"},
    Who.PROPOSER: {"proposer"},
    Who.NEGOTIATOR: {"proposer", "other partner"},
    Who.MANAGER: {"manager"},
    # Ben set the group up and represents De Brug: every Ready of a representative counts, and
    # a facilitator's moves on at once.
    Who.MOVER: {"manager", "proposer", "other partner", "facilitator"},
    # Gijs asked to join De Brug: Ben and Anna are its representatives.
    Who.COLLEAGUE: {"manager", "proposer"},
    Who.NEWCOMER: {"newcomer"},
}
#: What the bot says when it refuses, in English (and in Dutch in Carla's private chat: her
#: Telegram speaks Dutch).
REFUSALS = (
    "Only the representatives",
    "Alleen de vertegenwoordigers",
    "I can't tell who you are",
    "confirms it",
    "can withdraw this proposal",
    "Only the person who set up",
    "This question is for",
    "Only someone who already represented",
    "can reword this proposal",
    "“Not yet” is for",
    "You facilitate this group",
    "Only a colleague from",
    "still has to confirm you",
    "can't confirm yourself",
    "This briefing is for",
    "Deze briefing is voor",
)


@dataclasses.dataclass
class World:
    group: Group
    proposal: Sent
    issues: Sent
    reminder: Sent
    agreements: Sent
    action: Sent
    #: Gijs's request to join De Brug.
    request: Sent


async def build(group: Group) -> World:
    await ready(group)
    sides = next(m for m in group.sent if ORG_B in m.buttons)
    # The group has started: a colleague confirms each one who joins an organisation.
    await group.press(ANNA, ORG_A, on=sides)
    await group.press(BEN, "Confirm", on=group.last)
    await group.press(ERIK, ORG_B, on=sides)
    await group.press(DAVID, "Confirm", on=group.last)
    await group.feed({"message": group.message_dict(ERIK, left_chat_member=ERIK.to_dict())})
    await group.send(BEN, "/agree We share a coordinator")
    await group.press(DAVID, "Confirm", on=group.last)
    await group.send(BEN, "/agreements")
    agreements = group.last
    await group.send(ANNA, "/agree We meet monthly")
    proposal = group.last
    await group.send(DAVID, "/issue Who pays?")
    await group.send(BEN, "/issues")
    issues = group.last
    await group.send(BEN, "/facilitator", reply_to_message=group.message_dict(FLEUR, "Hi"))
    reminder = await reminder_sent(group, "transformation")
    action = await action_reminded(group)
    await group.press(GIJS, ORG_A, on=sides)
    request = group.last
    return World(group, proposal, issues, reminder, agreements, action, request)


async def reminder_sent(group: Group, stage: str) -> Sent:
    """Ben sets a reminder for ``stage`` a minute ahead; the clock moves past it and it is sent."""
    await group.send(BEN, f"/remind in 1 minute {stage}")
    svc = services(group.app)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    group.app.bot_data[KEY] = dataclasses.replace(svc, clock=lambda: later)
    await reminding.send_due(group.app.bot, services(group.app), later)
    await services(group.app).outbox.idle()
    group.app.bot_data[KEY] = svc
    return group.last


async def action_reminded(group: Group) -> Sent:
    """Ben makes the open issue Van Dam's action item a minute ahead; the clock moves past it
    and its reminder is sent."""
    await group.send(BEN, "/action 1 Van Dam in 1 minute")
    svc = services(group.app)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    group.app.bot_data[KEY] = dataclasses.replace(svc, clock=lambda: later)
    await following.remind_due(group.app.bot, services(group.app), later)
    await services(group.app).outbox.idle()
    group.app.bot_data[KEY] = svc
    return group.last


Act = Callable[[World, User], Awaitable[Any]]


def send(text: str) -> Act:
    return lambda w, who: w.group.send(who, text)


def press(label: str, on: Callable[[World], Sent]) -> Act:
    return lambda w, who: w.group.press(who, label, on=on(w))


def newest_with(label: str) -> Callable[[World], Sent]:
    return lambda w: next(m for m in reversed(w.group.sent) if label in m.buttons)


async def checkup_posted(world: World) -> Sent:
    """A check-up of one agreement, which Ben proposes and David confirms."""
    group = world.group
    await group.send(BEN, "/agree We check our agreements")
    await group.press(DAVID, "Confirm")
    await group.send(BEN, "/checkup")
    return group.last


def mark_checkup(label: str) -> Act:
    async def act(w: World, who: User) -> Sent:
        checkup = await checkup_posted(w)
        await w.group.press(who, label, on=checkup)
        return checkup

    return act


async def answer_privately(w: World, who: User) -> None:
    """Ben switches answering privately on; ``who`` opens the card's link and answers."""
    await w.group.send(BEN, "/private on")
    link = payload_of(newest_with("Answer privately")(w))
    chat = private(w.group, who)
    await chat.send(who, f"/start {link}")
    await chat.send(who, "Mine, privately")


async def go_on_map(w: World, who: User) -> None:
    """Ben shows the map of /topics; ``who`` presses a topic the group is not at."""
    await w.group.send(BEN, "/topics")
    shown = w.group.last
    await w.group.press(who, shown.buttons[4], on=shown)


async def agreed_then(w: World, who: User, text: str) -> None:
    await w.group.send(BEN, "/agree We check our agreements")
    await w.group.press(DAVID, "Confirm")
    await w.group.send(who, text)


async def read_briefing(w: World, who: User) -> None:
    """Ben confirms Gijs; ``who`` opens the briefing link in their private chat."""
    await w.group.press(BEN, "Confirm", on=w.request)
    await private(w.group, who).send(who, f"/start {payload_of(w.request)}")


ACTIONS: dict[str, list[Act]] = {
    "/start": [send("/start")],
    "/help": [send("/help")],
    "/status": [send("/status")],
    "/topics": [send("/topics")],
    "/partners": [send("/partners")],
    "/issues": [send("/issues")],
    "/reminders": [send("/reminders")],
    "/timezone (show)": [send("/timezone")],
    "/language (show)": [send("/language")],
    "/summary [stage]": [send("/summary")],
    "/agreements": [send("/agreements")],
    "/wheel": [send("/wheel")],
    "/export, Export as PDF": [send("/export")],
    "/mydata": [send("/mydata")],
    "/forgetme": [send("/forgetme")],
    "side button (I represent …)": [press(ORG_B, newest_with(ORG_B))],
    "/language nl|en, language button": [send("/language en")],
    "/stage <name>, stage button": [send("/stage integration")],
    "a topic on the map of /topics": [go_on_map],
    "/skip": [send("/skip")],
    "/back": [send("/back")],
    "reply to a topic card (an answer)": [
        lambda w, who: w.group.reply(who, "Mine", to=card(w.group))
    ],
    "Ready (to move on to the next topic)": [press("Ready", newest_with("Ready"))],
    "/agree <text>, Propose an agreement": [send("/agree Something else")],
    "/issue <text>, Note an open issue": [send("/issue Something open")],
    "Resolved (an open issue)": [press("1 · Mark resolved", lambda w: w.issues)],
    "Make it an agreement (an open issue)": [press("1 · Turn into agreement", lambda w: w.issues)],
    "/remind <when> [stage], In 1/3/6 months": [send("/remind in 3 months integration")],
    "/timezone <zone>": [send("/timezone Europe/London")],
    "reminder buttons (Start now, In a week, Cancel)": [
        press("Remind us in a week", lambda w: w.reminder)
    ],
    "/checkup": [send("/checkup")],
    "check-up buttons (Kept, Partly, Not kept)": [mark_checkup("1 · Partly")],
    "/checkup date <n> <date>": [
        lambda w, who: agreed_then(w, who, "/checkup date 1 in 6 months")
    ],
    "Confirm": [press("Confirm", lambda w: w.proposal)],
    "Not yet": [press("Not yet", lambda w: w.proposal)],
    "reply to a proposal": [lambda w, who: w.group.reply(who, "Other words", to=w.proposal)],
    "Withdraw": [press("Withdraw", lambda w: w.proposal)],
    "Still holds (an earlier agreement)": [press("1 · Still holds", lambda w: w.agreements)],
    "Change (an earlier agreement), and the reply with its new wording": [
        press("1 · Change", lambda w: w.agreements)
    ],
    "Drop (an earlier agreement)": [press("1 · Drop", lambda w: w.agreements)],
    "/rename": [send("/rename 1")],
    "/reset": [send("/reset")],
    "/forgetgroup": [send("/forgetgroup")],
    "/position": [send("/position")],
    "/private (show)": [send("/private")],
    "/private on|off": [send("/private on")],
    "Answer privately (a card's link), and the answer in the private chat": [answer_privately],
    "/nudge": [send("/nudge")],
    "/nudge auto on, /nudge auto off": [send("/nudge auto on")],
    "/facilitator (replying to someone's message), Facilitate, End role": [
        lambda w, who: w.group.send(
            who, "/facilitator", reply_to_message=w.group.message_dict(CARLA, "Hello")
        )
    ],
    "/action <n> <owner> <date>, owner and date buttons of an open issue": [
        send("/action 1 De Brug in 2 weeks")
    ],
    "action item buttons (Done, Not feasible, Remind us in a week)": [
        press("Done", lambda w: w.action)
    ],
    "Confirm, Not a colleague (someone asking to join an organisation)": [
        press("Confirm", lambda w: w.request)
    ],
    "Read the briefing (a confirmed newcomer's link), in the private chat": [read_briefing],
}


def test_every_rule_is_tried() -> None:
    assert set(ACTIONS) == set(RULES)


def test_the_documentation_is_the_table() -> None:
    assert Path("docs/permissions.md").read_text(encoding="utf-8") == markdown()


async def outcome(world: World, act: Act, who: User) -> bool:
    """True when the bot went along; False when it refused."""
    api = world.group.api
    calls = len(api.calls)
    await act(world, who)
    said = [
        str(c.params.get("text", ""))
        for c in api.calls[calls:]
        if c.method in ("sendMessage", "editMessageText", "answerCallbackQuery")
    ]
    alerts = [c for c in api.calls[calls:] if c.params.get("show_alert")]
    return not alerts and not any(marker in text for marker in REFUSALS for text in said)


@pytest.mark.parametrize("kind", list(PEOPLE))
@pytest.mark.parametrize("action", list(RULES))
async def test_the_table_holds(action: str, kind: str, tmp_path: Path, api: FakeBotApi) -> None:
    async with running(tmp_path / "wheel.sqlite", api) as group:
        world = await build(group)
        went_along = await outcome(world, ACTIONS[action][0], PEOPLE[kind])
    expected = kind in ALLOWED[RULES[action]]
    assert went_along == expected, f"{action} by {kind}: {'allowed' if went_along else 'refused'}"


def test_every_guarded_action_asks_the_gate() -> None:
    """The flows decide who may act only through ``gate`` with an action of the table: each
    action that is not for anyone is named there, and nothing else checks the people."""
    flows = {
        path.name: path.read_text(encoding="utf-8")
        for path in Path("bot/flows").glob("*.py")
        if path.name != "gate.py"
    }
    everything = "\n".join(flows.values())
    for action, who in RULES.items():
        if who is not Who.ANYONE:
            assert f"Action.{action.name}" in everything, f"no flow asks the gate for {action}"
    for name, source in flows.items():
        for own_check in ("may_manage(", "proposed_by !=", "await representative("):
            assert own_check not in source, f"{name} checks {own_check} itself"


@pytest.mark.parametrize(
    ("action", "ask"),
    [(Action.CONFIRM, "check"), (Action.RESET, "member"), (Action.STATUS, "member")],
)
async def test_the_gate_refuses_to_guess(action: Action, ask: str) -> None:
    """Asking the wrong question of the gate is a programming error, not a quiet yes."""
    where = Where(-1, "group", None, None, "Europe/Amsterdam")
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    turn = Turn(None, None, where, Actor(1, "Ben"), now, None)  # type: ignore[arg-type]  # no db needed
    with pytest.raises(ValueError, match=action.value.split()[0]):
        await getattr(gate, ask)(turn, action, button=False)


async def test_the_gate_asks_telegram_about_administrators_only_when_it_must(
    group: Group, api: FakeBotApi
) -> None:
    """A manager action by an administrator goes through, by anyone else is refused; the flow
    cannot ask Telegram itself, so its turn is decided again once Telegram has answered."""
    await ready(group)

    def asked() -> int:
        return sum(1 for c in api.calls if c.method == "getChatMember")

    await group.send(BEN, "/rename 1")  # Ben set the group up: nobody needs to ask
    assert "What is the new name of" in group.last.text
    assert asked() == 0

    sent = len(group.sent)
    await group.send(DAVID, "/rename 1")
    assert group.last.text.startswith("Only the person who set up this group")
    assert len(group.sent) == sent + 1  # the first try rolled back: one refusal, not two
    assert asked() == 1

    api.administrators[group.chat_id] = [CARLA.id]
    await group.send(CARLA, "/rename 2")
    assert "What is the new name of" in group.last.text
    await group.send(CARLA, "/reset")
    await group.press(CARLA, "Yes, start again")
    assert "Carla started the set-up again." in [m.text for m in group.sent]
    assert "first partner organisation" in group.last.text
    assert asked() == 2  # Carla's answer is kept a minute: the press did not ask again
