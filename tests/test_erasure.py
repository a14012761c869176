"""Erasure that erases: after ``/forgetme`` (confirmed in the group or in a private chat) and
after ``/forgetgroup``, every table and column of the database is searched for what was erased.

A realistic group is played first, every update stored in the durable inbox as a running bot
stores it: the set-up, answers (one of them edited), agreements proposed and confirmed both ways,
an open issue, a reminder, a ``/rename`` question, a position check rated privately through its
start deep link, a check-up with marks, *Still holds* presses and ``/mydata`` in a private chat;
and a second group that the bot still owes messages naming the person when they ask to be
forgotten. The search takes the tables from ``sqlite_master`` (a table added later is searched
too) and looks in every cell for the erased names, the ids (as text, JSON included) and each
text typed, in each form the database can hold them: as typed, HTML-escaped (the outbox) and
JSON-escaped (the inbox). It fails on any hit outside what the README's "What the bot keeps,
and what it logs" names.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.db import Store, migration_files
from bot.db import outbox as outbox_sql
from bot.db.processed import message_key
from bot.io.outbox import Outbox
from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import services
from tests.conftest import running
from tests.support.telegram import Group, User
from tests.test_position import payload_of, rate
from tests.test_reminders import Clock, use_clock

#: The person who asks to be forgotten (a realistic Telegram id; a name found nowhere else).
BART = User(731942058, "Bartholomeus", "en", last_name="Quist")
#: His colleague, and the other partner's representative, in the first group only.
ANNEMARIE = User(528816430, "Annemarie", "nl", last_name="Kloosterboer")
DESMOND = User(604127795, "Desmond", "en", last_name="Okafor")
#: The other partner's representative in the second group (Dutch).
EEFJE = User(689034112, "Eefje", "nl", last_name="Brinkhorst")

TITLE, OTHER_TITLE = "Leerwerkpact Noord", "Tuin en werk"
FIRST, SECOND = "Werkplaats Noord", "Drukkerij Lindeboom"
OTHER_FIRST, OTHER_SECOND = "Stichting Overstag", "Hoveniers Veldkamp"
#: What Bart types in the first group (his first answer, then his edit of it, ...).
BART_TYPED = (
    "Twelve trainees from the Noord district",
    "Twelve trainees from Noord, with a coach <each> & fed",
    "We share the coaching hours evenly",
    "Who pays the coach in summer?",
    "A café-style canteen run by the trainees",
)
#: What Bart types in the second group.
BART_TYPED_ELSEWHERE = ("Vijf leerwerkplekken in de kwekerij", "Wij delen één planner")
#: An edit that waits in the inbox, not handled yet, when the erasure comes.
WAITING = "Twelve trainees, and a van for the Noord route"
#: What the others type in the first group.
OTHERS_TYPED = ("Eight printing apprenticeships", "We print the annual report together")

#: Where the README says what a forgotten person said stays ("as said by a representative of
#: your organisation"): the records, and the copies of the bot's messages in the outbox (which
#: name nobody any more, and leave it within 7 days).
KEPT_SAID = {
    ("answers", "text"),
    ("agreements", "text"),
    ("open_issues", "text"),
    ("outbox", "text"),
}


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    needle: str
    value: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} holds {self.needle!r}: {self.value[:200]!r}"


def forms(text: str) -> set[str]:
    """The ways a text can be stored: as typed, HTML-escaped, JSON-escaped (ASCII or not)."""
    return {
        text,
        html.escape(text, quote=False),
        html.escape(text),
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
    }


def search(db_path: Path, needles: Iterable[str]) -> list[Hit]:
    """Every cell of every table (as ``sqlite_master`` lists them) that holds a needle."""
    wanted = {form: needle for needle in needles for form in forms(needle)}
    found: list[Hit] = []
    with sqlite3.connect(db_path) as conn:
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert {"inbox", "outbox", "processed_updates", "members", "links"} <= set(tables)
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = (
                        value.decode("utf-8", "replace")
                        if isinstance(value, bytes)
                        else str(value)
                    )
                    found += [
                        Hit(table, column, needle, text)
                        for form, needle in wanted.items()
                        if form in text
                    ]
    return found


def person(user: User) -> list[str]:
    """What identifies a person: each part of their name, and their id."""
    return [user.first_name, user.last_name or user.first_name, str(user.id)]


def keys_of(db_path: Path, chat_id: int) -> int:
    """How many update keys of a chat's messages are kept (they name the chat by a digest)."""
    start = message_key(chat_id, 0)[: -len("0")]
    with sqlite3.connect(db_path) as conn:
        found = conn.execute(
            "SELECT count(*) FROM processed_updates WHERE substr(key, 1, ?) = ?",
            (len(start), start),
        ).fetchone()
    return int(found[0])


def card(group: Group, word: str = "topic") -> Sent:
    return next(m for m in reversed(group.sent) if m.force_reply and word in m.text)


def private(group: Group, user: User) -> Group:
    return Group(
        group.app, group.api, chat_id=user.id, kind="private", title="", through_inbox=True
    )


async def play_first_group(group: Group, clock: Clock) -> None:
    """Bart and Annemarie (Werkplaats Noord) and Desmond (Drukkerij Lindeboom) take the first
    group through a session, and three months on check their agreements."""
    await group.send(BART, "/start")
    await group.reply(BART, FIRST, to=group.last)
    await group.reply(DESMOND, SECOND, to=group.last)
    sides = group.last
    await group.press(BART, FIRST, on=sides)
    await group.press(ANNEMARIE, FIRST, on=sides)
    await group.press(DESMOND, SECOND, on=sides)
    await group.press(BART, "Orientation")
    topic = card(group)
    # A nudge names the people who have not answered yet: Bart, Annemarie and Desmond himself.
    await group.send(DESMOND, "/nudge")
    answer = await group.reply(BART, BART_TYPED[0], to=topic)
    await group.edit(answer, BART_TYPED[1])  # an edited message: an inbox row of its own
    await group.reply(DESMOND, OTHERS_TYPED[0], to=topic)
    await group.send(BART, f"/agree {BART_TYPED[2]}")
    await group.press(DESMOND, "Confirm", on=group.last)
    await group.send(DESMOND, f"/agree {OTHERS_TYPED[1]}")
    await group.press(BART, "Confirm", on=group.last)
    await group.send(BART, f"/issue {BART_TYPED[3]}")
    await group.send(BART, "/remind in 3 months integration")
    await group.send(BART, "/rename 2")  # a question only Bart may answer, left unanswered
    await group.send(BART, "/skip")
    await group.reply(BART, BART_TYPED[4], to=card(group))

    # A position check, rated privately through its start deep link: Bart completes his
    # rating, Annemarie stops after two statements.
    await group.send(BART, "/position")
    offer = group.last
    await rate(group, BART, payload_of(offer), "133343420332")
    await rate(group, ANNEMARIE, payload_of(offer), "23", stop=2)

    # Three months on: a check-up with marks, and Still holds pressed on both agreements.
    clock.set("2027-06-03 09:00")
    await group.send(BART, "/checkup")
    checkup = group.last
    await group.press(BART, "1 · Kept", on=checkup)
    await group.press(DESMOND, "1 · Partly", on=checkup)
    await group.press(BART, "2 · Kept", on=checkup)
    await group.send(DESMOND, "/agreements")
    listed = group.last
    await group.press(BART, "1 · Still holds", on=listed)
    await group.press(BART, "2 · Still holds", on=listed)

    # Bart asks what is kept about him, in a private chat: the answer lists it all.
    mine = private(group, BART)
    await mine.send(BART, "/mydata")
    assert "What I keep about you" in mine.last.text
    assert BART_TYPED[1] in mine.last.text


async def play_second_group(other: Group) -> None:
    """Bart and Eefje in a Dutch group: he answers the first topic."""
    await other.send(EEFJE, "/start")  # Eefje's Telegram speaks Dutch: so does the group
    await other.reply(BART, OTHER_FIRST, to=other.last)
    await other.reply(EEFJE, OTHER_SECOND, to=other.last)
    sides = other.last
    await other.press(BART, OTHER_FIRST, on=sides)
    await other.press(EEFJE, OTHER_SECOND, on=sides)
    await other.press(EEFJE, "Oriëntatie")
    await other.reply(BART, BART_TYPED_ELSEWHERE[0], to=card(other, "thema"))


async def owed_texts(group: Group) -> list[str]:
    async def owed(conn):  # type: ignore[no-untyped-def]
        async with conn.execute(
            "SELECT text FROM outbox WHERE chat_id = ? AND status = 'pending'", (group.chat_id,)
        ) as cursor:
            return [str(row[0]) for row in await cursor.fetchall()]

    return list(await services(group.app).store.read(owed))


async def owe_the_second_group(other: Group, api: FakeBotApi) -> None:
    """Bart proposes an agreement in the second group while the Bot API fails there: the
    proposal, which names him, stays owed."""
    outbox: Outbox = services(other.app).outbox

    async def no_wait(seconds: float) -> None:
        return None

    outbox.sleep = no_wait
    for _ in range(4):  # the first try and its three retries
        api.fail_next("sendMessage", 502, "Bad Gateway")
    await other.send(BART, f"/agree {BART_TYPED_ELSEWHERE[1]}")
    api.calls[:] = [c for c in api.calls if c.error is None]  # those failures were the test's
    assert any("Bartholomeus Quist" in text for text in await owed_texts(other))


async def left_waiting(group: Group, update_id: int, payload: dict[str, Any]) -> None:
    """An update stored in the inbox and not handled yet (as a process that stopped right after
    storing it leaves it)."""
    update = Update.de_json({"update_id": update_id, **payload}, group.app.bot)
    await group.app.update_queue.put(update)
    assert group.app.update_queue.get_nowait() is update


def private_chat_row(hit: Hit) -> bool:
    """A person's private chat with the bot (its id and language), which the README names
    as kept: not the group's, and no answer, name or text."""
    return hit.table == "chats" and hit.column == "chat_id" and int(hit.value) > 0


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    use_clock(group, found)
    return found


@pytest.fixture
def played(group: Group, api: FakeBotApi, clock: Clock) -> tuple[Group, Group]:
    group.through_inbox = True
    group.title = TITLE
    other = Group(group.app, api, chat_id=-4009876543, title=OTHER_TITLE, through_inbox=True)
    return group, other


@pytest.mark.parametrize("where", ["private chat", "group"])
async def test_forgetme_leaves_no_name_or_id_in_any_table(
    played: tuple[Group, Group], clock: Clock, db_path: Path, api: FakeBotApi, where: str
) -> None:
    first, other = played
    await play_first_group(first, clock)
    await play_second_group(other)
    await owe_the_second_group(other, api)
    # Updates not handled yet: Bart's edit of his answer; Desmond's reply to Bart's proposal
    # (its text names Bart), and Desmond's command in reply to a message of Bart's.
    edited = {**first.message_dict(BART, BART_TYPED[0]), "text": WAITING, "edit_date": 1}
    await left_waiting(first, 90001, {"edited_message": edited})
    proposal_text = f"Proposed agreement on Ambition, by Bartholomeus Quist ({FIRST}): …"
    quoted = {"message_id": 1, "date": 1, "chat": first.chat_dict(), "text": proposal_text}
    reply = first.message_dict(
        DESMOND, "Yes, monthly", reply_to_message={**quoted, "from": first.api.bot_user}
    )
    await left_waiting(first, 90002, {"message": reply})
    command = first.message_dict(
        DESMOND, "/issue Who drives?", reply_to_message={**quoted, "from": BART.to_dict()}
    )
    await left_waiting(first, 90003, {"message": command})
    typed = [*BART_TYPED, *BART_TYPED_ELSEWHERE, WAITING]
    before = search(db_path, [*person(BART), *typed])
    assert {"inbox"} <= {h.table for h in before}
    assert {(h.table, h.column) for h in before} - KEPT_SAID, "the play left nothing to erase"
    assert keys_of(db_path, BART.id) > 0  # his messages in his private chat

    chat = private(first, BART) if where == "private chat" else first
    await chat.send(BART, "/forgetme")
    await chat.press(BART, "Yes, forget me")
    assert "Done: your name and ID are erased from 2 groups." in chat.last.text

    # What the second group was still owed comes as it is written now: without his name.
    calls = len(api.calls)
    await services(first.app).outbox.deliver_all(first.app.bot)
    assert await owed_texts(other) == []
    proposal = other.last
    assert proposal.text.startswith(
        f"Voorstel voor een afspraak bij Ambitie, van een vertegenwoordiger ({OTHER_FIRST}):"
    )
    delivered = [json.dumps(c.params, ensure_ascii=False) for c in api.calls[calls:]]
    assert any("Voorstel" in text for text in delivered)
    assert not any(name in text for text in delivered for name in person(BART))

    hits = search(db_path, [*person(BART), *typed])
    named = [str(h) for h in hits if h.needle in person(BART)]
    assert named == [], "\n".join(named)
    kept = [str(h) for h in hits if (h.table, h.column) not in KEPT_SAID]
    assert kept == [], "\n".join(kept)
    # What he said stays, as said by a representative; the others stay as they were.
    assert {h.needle for h in hits if h.table == "answers"} == {
        BART_TYPED[1],
        BART_TYPED[4],
        BART_TYPED_ELSEWHERE[0],
    }
    assert search(db_path, [DESMOND.last_name or ""]), "the search finds what is there"
    assert keys_of(db_path, BART.id) == 0
    assert keys_of(db_path, first.chat_id) > 0  # the group's keep recognising its updates
    # Desmond's updates wait still, to be handled; Bart's own is gone.
    with sqlite3.connect(db_path) as conn:
        waiting = [
            r[0] for r in conn.execute("SELECT update_id FROM inbox WHERE handled_at IS NULL")
        ]
    assert waiting == [90002, 90003]

    # The bot has forgotten him: /mydata says so, in his private chat.
    mine = private(first, BART)
    await mine.send(BART, "/mydata")
    assert mine.last.text == "I keep nothing about you."


async def test_forgetgroup_leaves_no_answer_name_or_text_in_any_table(
    played: tuple[Group, Group], clock: Clock, db_path: Path, api: FakeBotApi
) -> None:
    first, other = played
    await play_first_group(first, clock)
    await play_second_group(other)
    gone = [TITLE, FIRST, SECOND, *BART_TYPED, *OTHERS_TYPED, *person(ANNEMARIE), *person(DESMOND)]
    # Desmond's edit of his answer, stored but not handled yet (the case).
    edited = {**first.message_dict(DESMOND, OTHERS_TYPED[0]), "text": WAITING, "edit_date": 1}
    await left_waiting(first, 90001, {"edited_message": edited})
    gone.append(WAITING)
    assert {h.table for h in search(db_path, gone)} >= {"answers", "members", "outbox", "inbox"}
    assert keys_of(db_path, first.chat_id) > 0

    await first.send(BART, "/forgetgroup")
    await first.press(BART, "Yes, erase everything")
    assert "Everything I kept about this group is erased" in first.last.text

    hits = [str(h) for h in search(db_path, gone) if not private_chat_row(h)]
    assert hits == [], "\n".join(hits)
    # The keys of its messages went too (the key of a press names no chat).
    assert keys_of(db_path, first.chat_id) == 0
    # The other group is untouched.
    assert {h.table for h in search(db_path, [OTHER_FIRST, BART_TYPED_ELSEWHERE[0]])} >= {
        "partners",
        "answers",
    }


async def test_a_message_held_back_by_telegram_goes_out_without_the_forgotten_name(
    played: tuple[Group, Group], api: FakeBotApi
) -> None:
    """The second group's delivery already read what it owes when Telegram holds it back
    (flood control); the person is forgotten meanwhile. What goes out is what is owed now."""
    _, other = played
    await play_second_group(other)
    outbox: Outbox = services(other.app).outbox
    release = asyncio.Event()

    async def held(seconds: float) -> None:
        await release.wait()

    outbox.sleep = held
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    await other.send(BART, f"/agree {BART_TYPED_ELSEWHERE[1]}", settle=False)
    assert any("Bartholomeus Quist" in text for text in await owed_texts(other))

    mine = private(other, BART)
    await mine.send(BART, "/forgetme", settle=False)
    await until(lambda: bool(mine.sent))
    await mine.press(BART, "Yes, forget me", settle=False)
    await until(lambda: "Done" in mine.last.text)
    release.set()
    await outbox.idle()
    proposal = other.last
    assert "van een vertegenwoordiger" in proposal.text
    api.calls[:] = [c for c in api.calls if c.error is None]  # the flood wait was the test's
    delivered = [str(c.params.get("text", "")) for c in api.calls if c.method == "sendMessage"]
    assert not any("Bartholomeus" in text for text in delivered if "Voorstel" in text)


async def until(condition, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - waiting for deliveries in the background
            await asyncio.sleep(0.01)


async def test_the_last_word_in_a_private_chat_comes_in_its_language(group: Group) -> None:
    """The private chat is erased with the person; its last message still speaks Dutch."""
    mine = private(group, EEFJE)
    await mine.send(EEFJE, "/forgetme")
    await mine.press(EEFJE, "Ja, vergeet mij")
    assert mine.last.text.startswith("Klaar:")


async def test_keys_and_inbox_of_an_earlier_release_are_rewritten_and_still_recognised(
    tmp_path: Path, api: FakeBotApi
) -> None:
    """Schema 13 rewrites the update keys that held chat ids, and lets go of what handled
    updates said; a message Telegram delivers again is still recognised by its key."""
    older = tmp_path / "migrations"
    older.mkdir()
    for path in migration_files():
        if path.name.startswith("0013-"):
            break
        shutil.copy(path, older / path.name)
    db_path = tmp_path / "wheel.sqlite"
    chat = -4001234567
    store = await Store.open(db_path, older)
    try:
        async with store.transaction() as conn:
            for key in (f"m:{chat}:500", f"m:{BART.id}:77", "cb:4242"):
                await conn.execute(
                    "INSERT INTO processed_updates (key, processed_at) VALUES (?, '2027-03-01')",
                    (key,),
                )
            payload = {"update_id": 1, "message": {"from": BART.to_dict(), "text": "hello"}}
            await conn.execute(
                "INSERT INTO inbox (update_id, payload, received_at, handled_at)"
                " VALUES (1, ?, '2027-03-01', '2027-03-01')",
                (json.dumps(payload),),
            )
    finally:
        await store.close()

    async with running(db_path, api) as group:
        with sqlite3.connect(db_path) as conn:
            keys = {row[0] for row in conn.execute("SELECT key FROM processed_updates")}
            assert conn.execute("SELECT payload FROM inbox").fetchall() == [("{}",)]
        assert keys == {message_key(chat, 500), message_key(BART.id, 77), "cb:4242"}
        assert not any(str(BART.id) in key or str(chat) in key for key in keys)
        # The message Telegram delivers again is skipped; a new one is answered.
        again = {**group.message_dict(BART, "/help"), "message_id": 500}
        await group.feed({"message": again})
        assert group.sent == []
        await group.send(BART, "/help")
        assert len(group.sent) == 1


async def test_a_name_is_taken_out_of_the_text_and_never_out_of_the_html(tmp_path: Path) -> None:
    """Names in the outbox become "a representative" where they stand as a whole name in the
    text: not in tags, entities or longer words, and only in the chats the person was in."""
    store = await Store.open(tmp_path / "wheel.sqlite")
    texts = {
        "<b>Proposed</b> by b (X)": "<b>Proposed</b> by een vertegenwoordiger (X)",
        "<i>Tom &amp; Jerry</i>: yes": "<i>een vertegenwoordiger</i>: yes",
        "Benjamin and Ben, Ben.": "Benjamin and een vertegenwoordiger, een vertegenwoordiger.",
        "&amp; amp": "&amp; een vertegenwoordiger",
    }
    try:
        async with store.transaction() as conn:
            for chat, language in ((-1, "nl"), (-2, "en")):
                await conn.execute(
                    "INSERT INTO chats (chat_id, kind, language, timezone, created_at,"
                    " updated_at) VALUES (?, 'group', ?, 'UTC', 'x', 'x')",
                    (chat, language),
                )
            for chat, text in [*((-1, t) for t in texts), (-2, "Ben, in another group")]:
                await conn.execute(
                    "INSERT INTO outbox (chat_id, text, created_at) VALUES (?, ?, 'x')",
                    (chat, text),
                )

        async def forget(conn):  # type: ignore[no-untyped-def]
            names = ["Tom &amp; Jerry", "Ben", "amp", "b"]
            words = {"en": "a representative", "nl": "een vertegenwoordiger"}
            await outbox_sql.forget_person(conn, 7, [-1, 7], names, words)

        await store.write(forget)
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "wheel.sqlite") as conn:
        rows = conn.execute("SELECT text FROM outbox ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [*texts.values(), "Ben, in another group"]
