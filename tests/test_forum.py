"""Forum supergroups: the bot answers in the topic thread it was addressed in, and the session's
cards go to the thread where the set-up began."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import BEN
from tests.support.telegram import Group
from tests.test_session_scenario import DAVID

SESSION = 7  # the topic thread "Impact wheel"
OTHER = 9  # another topic thread of the same forum
IN_SESSION = {"message_thread_id": SESSION, "is_topic_message": True}


async def test_the_session_runs_in_the_thread_where_it_was_set_up(group: Group) -> None:
    forum = replace(group, chat_id=-1001555000111, kind="supergroup", title="Partners forum")
    forum.api.forums[forum.chat_id] = {SESSION, OTHER}

    await forum.send(BEN, "/start", **IN_SESSION)
    assert {m.thread_id for m in forum.sent} == {SESSION}
    await forum.reply(BEN, "Alpha Works", to=forum.last)
    await forum.reply(DAVID, "Beta Bakery", to=forum.last)
    await forum.press(BEN, "Alpha Works")
    await forum.press(DAVID, "Beta Bakery")
    await forum.press(BEN, "Orientation")
    card = forum.last
    assert card.thread_id == SESSION
    assert "Ambition" in card.text
    assert all(m.thread_id == SESSION for m in forum.sent)

    # Asked in another thread, the bot answers there.
    await forum.send(DAVID, "/status", message_thread_id=OTHER, is_topic_message=True)
    assert forum.last.thread_id == OTHER
    assert "Alpha Works: Ben" in forum.last.text
    # Asked in General (no thread), the answer goes to General, but the next card goes to the
    # session's thread.
    before = len(forum.sent)
    skip = await forum.send(DAVID, "/skip")
    new = forum.sent[before:]
    assert [m.thread_id for m in new if "Goals" in m.text] == [SESSION]
    assert forum.reacted(skip) == ["👌"]  # acknowledged where it was asked
    # Answers to the card in its thread are taken as usual.
    await forum.reply(BEN, "Twelve jobs", to=forum.last)
    assert forum.last.thread_id == SESSION


async def test_a_group_without_topics_gets_no_thread(group: Group) -> None:
    await group.send(BEN, "/start")
    assert all(m.thread_id is None for m in group.sent)
