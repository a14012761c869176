"""A button acts only on the message it belongs to.

A person's client can send any button data with any message of the chat: another kind's data,
another message's, another group's, or a made-up id. The message pressed is what counts: a press
changes something only on a message remembered as carrying that button. These tests press every
kind of data on every kind of message the bot sends in a group that has done a bit of everything,
and check that nothing changed: no message sent or edited, nothing in the database.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.domain import buttons, purposes
from bot.domain.buttons import CancelReminder, ForgetMeAnswer, Press, Resolve
from bot.handlers.routes import PRESSES
from bot.jobs import following
from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA, running
from tests.support.telegram import Group, User
from tests.test_bad_input import DAVID, ORG_A, ORG_B, join, ready
from tests.test_facilitator import FLEUR
from tests.test_permissions import GIJS, reminder_sent
from tests.test_position import payload_of, private

STALE = "This button no longer works. Send /status to see where you are."
ANSWERED = "That question has already been answered."
PEOPLE = {user.id: user for user in (ANNA, BEN, CARLA, DAVID, GIJS)}
#: Bookkeeping of every update, stale or not: left out of the comparison.
BOOKKEEPING = {"inbox", "processed_updates"}
#: A made-up id: no agreement, issue, reminder, check-up or check has it.
FORGED = 99999


async def tables(group: Group) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the database but the bookkeeping of updates, row by row."""
    conn = services(group.app).store.conn
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        names = [str(row[0]) for row in await cursor.fetchall()]
    found = {}
    for name in sorted(set(names) - BOOKKEEPING):
        async with conn.execute(f'SELECT * FROM "{name}" ORDER BY 1') as cursor:
            found[name] = [tuple(row) for row in await cursor.fetchall()]
    return found


def data_of(message: Sent) -> list[str]:
    """The callback data of a message's buttons, as it shows them now."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]


async def purpose_of(group: Group, message: Sent) -> purposes.Purpose | None:
    conn = services(group.app).store.conn
    async with conn.execute(
        "SELECT purpose, ref FROM bot_messages WHERE chat_id = ? AND message_id = ?",
        (message.chat_id, message.message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return purposes.read(row[0], row[1]) if row else None


@dataclass
class World:
    """A group that has done a bit of everything, another group, and Ben's private chat."""

    group: Group
    other: Group
    ben: Group
    #: A message of no purpose (the answer to /help).
    plain: Sent

    @property
    def chats(self) -> tuple[Group, ...]:
        return (self.group, self.other, self.ben)


async def build(group: Group) -> World:
    """Ben (De Brug) set the group up with David (Van Dam); Anna joined De Brug (Ben confirmed
    her), Gijs asked to join it and waits, Carla is there without a side. Every proposal is De
    Brug's, so David is the one to confirm it."""
    g = group
    await ready(g)
    await join(g, ANNA, ORG_A, BEN)
    await g.press(GIJS, ORG_A, on=next(m for m in reversed(g.sent) if ORG_B in m.buttons))
    card = next(m for m in reversed(g.sent) if m.force_reply and "topic" in m.text)
    await g.reply(BEN, "Ten jobs", to=card)
    await g.send(BEN, "/nudge")  # names David, who has not answered: a nudge on the card
    await g.reply(DAVID, "A stable team", to=card)
    answers = g.last  # the answers side by side
    await g.press(BEN, "Propose an agreement", on=answers)  # its prompt
    await g.press(BEN, "Note an open issue", on=answers)  # its prompt
    # Two agreements, confirmed on the topic the group is at: each offers the next topic.
    for text in ("We share a coordinator", "We check our agreements"):
        await g.send(BEN, f"/agree {text}")
        await g.press(DAVID, "Confirm", on=g.last)
    await g.send(ANNA, "/agree We meet monthly")  # stays open
    await g.send(BEN, "/agreements")
    await g.press(BEN, "2 · Drop", on=g.last)  # a proposal to drop
    await g.send(BEN, "/agreements")
    await g.press(BEN, "1 · Change", on=g.last)  # its prompt
    await g.send(BEN, "/checkup")
    checkup = g.last
    await g.press(BEN, "1 · Partly", on=checkup)
    await g.press(DAVID, "1 · Partly", on=checkup)  # the check-up's open issue
    await g.send(DAVID, "/issue Who pays?")
    await g.send(BEN, "/issues")
    await g.press(BEN, "2 · Turn into agreement", on=g.last)  # its prompt
    await g.send(BEN, "/issues")
    await reminder_sent(g, "integration")
    await g.send(BEN, "/remind in 3 months transformation")
    await g.send(BEN, "/reminders")
    await g.send(BEN, "/remind in 2 months")  # which stage?
    await g.send(BEN, "/rename 2")
    await g.send(BEN, "/reset")
    await g.press(BEN, "No, keep it", on=g.last)  # answered
    await g.send(BEN, "/reset")
    await g.send(BEN, "/forgetgroup")
    await g.send(ANNA, "/forgetme")
    await g.send(DAVID, "/forgetme")
    await g.send(BEN, "/language")
    await g.send(BEN, "/position")
    offer = g.last
    # Answering privately: the card carries the Answer privately link; Ben opens it, and his
    # private chat has the topic's question (a reply to it is his answer).
    await g.send(BEN, "/private on")
    card = next(m for m in reversed(g.sent) if "topic " in m.text and m.reply_markup)
    await private(g, BEN).send(BEN, f"/start {payload_of(card)}")
    await g.send(BEN, "/topics")  # the map: a button per topic
    await g.send(BEN, "/help")
    plain = g.last
    # On to the end of Orientation: its recap.
    while "That was the last topic" not in "".join(m.text for m in g.sent[-3:]):
        await g.send(BEN, "/skip")
    # Action items: one with an owner and a date, whose day came (its reminder), and one whose
    # date is still asked.
    await g.send(BEN, "/action 2 van dam")
    await g.press(BEN, "2 · In 2 weeks", on=g.last)
    svc = services(g.app)
    await following.remind_due(g.app.bot, svc, svc.clock() + dt.timedelta(days=400))
    await svc.outbox.idle()
    # An open issue that the end of Orientation did not ask about, its date still asked.
    await g.send(BEN, "/issue Who hosts?")
    await g.send(BEN, "/action 3 both")
    # A facilitator, and /facilitator's list of who facilitates.
    await g.send(BEN, "/facilitator", reply_to_message=g.message_dict(FLEUR, "Hallo"))
    await g.send(BEN, "/facilitator")

    # Ben's private chat (which has the private answer's question): a statement of the
    # position check, and two questions.
    ben = private(g, BEN)
    await ben.send(BEN, f"/start {payload_of(offer)}")
    await ben.send(BEN, "/language")
    await ben.send(BEN, "/forgetme")

    # Another group, of the same people: its own proposal, open issues and a long summary.
    other = Group(g.app, g.api, chat_id=-4007654321, title="Other partners")
    await ready(other)
    await other.send(BEN, "/agree Another group's agreement")
    for n in range(6):
        await other.send(DAVID, f"/issue {n} " + "Long open issue. " * 230)
    await other.send(BEN, "/issues")
    await other.send(BEN, "/summary")
    return World(g, other, ben, plain)


@dataclass(frozen=True)
class Sample:
    """Button data to press, and who would press it on its own message."""

    data: str
    who: User
    #: Where it comes from: (chat, message id), or None for data nobody's message carries.
    origin: tuple[int, int] | None


def presser(press: Press, proposers: dict[int, int]) -> User:
    """Someone who may do what the press does, so that only its message stops it."""
    if isinstance(press, ForgetMeAnswer):
        return PEOPLE.get(press.asker, BEN)
    kind = press.kind
    if kind in ("conf", "nyet"):
        return DAVID
    if kind == "wdr":
        return PEOPLE.get(proposers.get(getattr(press, "agreement", 0), 0), BEN)
    if kind == "side":
        return CARLA
    return BEN


def forged(press: Press) -> Press:
    """The press with each id made up (a yes/no, a word or a number that is not an id kept)."""
    ids = {
        f.name: FORGED
        for f in dataclasses.fields(press)
        if f.name
        in (
            "agreement",
            "issue",
            "reminder",
            "checkup",
            "check",
            "asker",
            "slot",
            "revision",
            "user",
            "request",
        )
    }
    return dataclasses.replace(press, **ids)


async def samples(world: World) -> list[Sample]:
    """Per kind of press: its data from each kind of message that carries it, in every chat,
    and the data with its ids made up."""
    conn = services(world.group.app).store.conn
    async with conn.execute("SELECT id, proposed_by FROM agreements") as cursor:
        proposers = {int(r[0]): int(r[1]) for r in await cursor.fetchall()}
    found: dict[tuple[str, int, str | None], Sample] = {}
    made_up: dict[str, Sample] = {}
    for chat in world.chats:
        for message in chat.sent:
            shown = await purpose_of(chat, message)
            for data in data_of(message):
                press = buttons.read(data)
                assert press is not None, data
                key = (press.kind, chat.chat_id, shown.kind if shown else None)
                if press.kind == "forgetme":  # each person's own answer
                    key = (press.kind, chat.chat_id, data)
                who = presser(press, proposers)
                found.setdefault(key, Sample(data, who, (chat.chat_id, message.message_id)))
                fake = forged(press)
                if fake != press:
                    made_up.setdefault(press.kind, Sample(fake.pack(), who, None))
    return [*found.values(), *made_up.values()]


async def targets(world: World) -> list[tuple[Group, Sent]]:
    """Per chat, a message of each purpose, and one of none."""
    chosen: list[tuple[Group, Sent]] = [(world.group, world.plain)]
    for chat in world.chats:
        kinds: set[str] = set()
        for message in chat.sent:
            shown = await purpose_of(chat, message)
            if shown is not None and shown.kind not in kinds:
                kinds.add(shown.kind)
                chosen.append((chat, message))
    return chosen


async def test_every_button_shown_works_on_its_own_message(
    tmp_path: Path, api: FakeBotApi
) -> None:
    """The other side of the rule: each button the bot shows is one its message carries."""
    async with running(tmp_path / "wheel.sqlite", api) as group:
        world = await build(group)
        wrong = []
        for chat in world.chats:
            for message in chat.sent:
                shown = await purpose_of(chat, message)
                for data in data_of(message):
                    press = buttons.read(data)
                    assert press is not None
                    if shown is None or not PRESSES[type(press)].on(press, shown):
                        wrong.append((data, shown, message.text[:60]))
    assert wrong == []


async def test_no_press_acts_on_a_message_that_does_not_carry_it(
    tmp_path: Path, api: FakeBotApi
) -> None:
    async with running(tmp_path / "wheel.sqlite", api) as group:
        world = await build(group)
        pressed = await samples(world)
        messages = await targets(world)
        # New kinds of press or of message are tried here too: the world must have them.
        kinds = {press.kind for s in pressed if s.origin and (press := buttons.read(s.data))}
        assert kinds == set(buttons.KINDS)
        shown = {(await purpose_of(chat, m) or purposes.Answered()).kind for chat, m in messages}
        assert shown == set(purposes.KINDS)

        changed: list[str] = []
        started, count = time.monotonic(), 0
        for chat, message in messages:
            kind = await purpose_of(chat, message)
            own = set(data_of(message))
            before = await tables(group)
            # The message as the person's client has it: a press must not change it.
            as_shown = copy.deepcopy(message)
            for sample in pressed:
                if sample.data in own:
                    continue  # its own button: the flow decides
                who = BEN if chat.kind == "private" else sample.who
                calls = len(api.calls)
                query = await chat.press_data(who, sample.data, as_shown)
                count += 1
                made = [c.method for c in api.calls[calls:] if c.method != "answerCallbackQuery"]
                [answer] = chat.answers_to(query)
                said = answer.get("text")
                expected = (STALE, ANSWERED) if isinstance(kind, purposes.Answered) else (STALE,)
                if made or said not in expected:
                    changed.append(f"{sample.data} by {who.first_name} on {kind}: {made} {said!r}")
            after = await tables(group)
            if after != before:
                diff = [t for t in after if after[t] != before.get(t)]
                changed.append(f"on {kind}: the tables {diff} changed")
            if (message.text, message.edits) != (as_shown.text, as_shown.edits):
                changed.append(f"on {kind}: the message was edited")
        took = time.monotonic() - started
    print(f"\n{count} presses on {len(messages)} messages in {took:.1f} s")
    assert changed == [], "\n".join(changed[:40]) + f"\n({len(changed)} in all)"


# -- the cases found, one by one ------------------------------------------------------------------


async def proposed(group: Group) -> Sent:
    await ready(group)
    await group.send(BEN, "/agree We meet monthly")
    return group.last


async def test_resolve_pressed_on_a_proposal_leaves_it_a_proposal(
    group: Group, db_path: Path
) -> None:
    proposal = await proposed(group)
    await group.send(DAVID, "/issue Who pays?")
    await group.send(BEN, "/issues")
    resolve = group.last.button_data("1 · Mark resolved")
    assert buttons.read(resolve) == Resolve(1)
    shown, sent = proposal.text, len(group.sent)
    query = await group.press_data(BEN, resolve, proposal)
    assert group.answers_to(query)[0]["text"] == STALE
    assert proposal.text == shown
    assert "Confirm" in proposal.buttons
    assert len(group.sent) == sent
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM open_issues").fetchall() == [("open",)]
    # It still works where it belongs.
    await group.press(DAVID, "Confirm", on=proposal)
    assert "Agreement recorded" in proposal.text


async def test_a_reminders_cancel_button_pressed_elsewhere_cancels_nothing(
    group: Group, db_path: Path
) -> None:
    proposal = await proposed(group)
    await group.send(BEN, "/remind in 3 months integration")
    await group.send(BEN, "/reminders")
    listing = group.last
    cancel = listing.button_data("Cancel Integration reminder")
    shown, sent = proposal.text, len(group.sent)
    for data, on in (
        (cancel, proposal),
        (CancelReminder(FORGED).pack(), proposal),
        (CancelReminder(FORGED).pack(), listing),  # made up, on the list itself
    ):
        before = on.text
        query = await group.press_data(BEN, data, on)
        assert group.answers_to(query)[0]["text"] == STALE
        assert on.text == before
    assert proposal.text == shown
    assert len(group.sent) == sent
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM reminders").fetchall() == [("pending",)]
    await group.press(BEN, "Cancel Integration reminder", on=listing)
    assert "No reminders are set." in listing.text


async def test_a_double_tap_on_a_language_confirms_once(group: Group, db_path: Path) -> None:
    await group.send(ANNA, "/language")
    question = copy.deepcopy(group.last)
    sent = len(group.sent)
    first = await group.press(BEN, "Nederlands", on=question)
    second = await group.press(BEN, "Nederlands", on=question)
    sends = [c for c in group.api.calls if c.method == "sendMessage"]
    assert len(group.sent) == sent, [m.text for m in group.sent[sent:]]
    assert group.last.text == "Vanaf nu spreek ik Nederlands in deze chat."
    assert group.last.buttons == []
    assert len(sends) == sent  # the question was the last message sent
    assert [a.get("text") for a in group.answers_to(first)] == [None]
    assert group.answers_to(second)[0]["text"] == "Die vraag is al beantwoord."
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT language FROM chats").fetchone() == ("nl",)


async def test_ones_own_forget_me_answer_does_not_answer_someone_elses_question(
    group: Group, db_path: Path
) -> None:
    await ready(group)
    await group.send(ANNA, "/forgetme")
    mine = group.last
    await group.send(BEN, "/forgetme")
    bens = group.last
    shown = bens.text
    for label in ("No, keep it", "Yes, forget me"):
        query = await group.press_data(ANNA, mine.button_data(label), bens)
        assert group.answers_to(query)[0]["text"] == STALE
    assert bens.text == shown
    assert bens.buttons == ["Yes, forget me", "No, keep it"]
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM members ORDER BY user_id")]
    assert "Ben" in names
    # Ben's question still waits for Ben.
    await group.press(BEN, "No, keep it", on=bens)
    assert "Nothing was erased." in bens.text


async def test_a_press_on_the_first_copy_of_a_message_sent_again_after_a_crash_works(
    db_path: Path, api: FakeBotApi
) -> None:
    """A message with buttons in flight at a crash is sent again (its buttons must work); its
    first copy, whose id never came back, is recognised by its text, as for a reply."""
    async with running(db_path, api) as group:
        await ready(group)
        await group.send(BEN, "/agree We meet monthly")
        first = group.last  # the proposal reached Telegram...
    # ...but the process died before it marked the entry sent and remembered the message.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE outbox SET status = 'sending', message_id = NULL WHERE remember = 'proposal'"
        )
        conn.execute("DELETE FROM bot_messages WHERE message_id = ?", (first.message_id,))
    async with running(db_path, api) as again:
        assert [m.text for m in again.sent].count(first.text) == 2
        query = await again.press(DAVID, "Confirm", on=first)
        assert again.answers_to(query)[0]["text"] == "Agreement confirmed."
        assert "Agreement recorded" in first.text
        # Another kind's data on that copy still counts for nothing.
        query = await again.press_data(BEN, Resolve(1).pack(), first)
        assert again.answers_to(query)[0]["text"] == STALE
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM agreements").fetchall() == [("confirmed",)]
