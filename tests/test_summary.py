"""``/summary`` and ``/agreements``: grouped by stage and domain, named by topic, with who and
when; pending proposals marked; split within Telegram's limit; user text exactly as written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.domain.record import AgreementEntry, Person, TopicState
from bot.domain.wheel import load_wheel
from bot.flows.summary import MOST_MESSAGES, summary
from bot.i18n import load_translators
from bot.io import outbox
from bot.io.outbox import NothingToSend
from bot.offline.fake_api import FakeBotApi, parse_html
from bot.ops.resources import locales_dir, wheel_file
from bot.render import html
from bot.render.messages import Reply, msg
from bot.services import services
from tests.conftest import BEN, CARLA, running
from tests.support.records import FIRST, SECOND, at, sample_record
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ready

WHEEL = load_wheel(wheel_file())
T = load_translators(locales_dir())


def shown(result, language: str = "en") -> list[str]:  # type: ignore[no-untyped-def]
    """The messages as people see them (HTML parsed as Telegram parses it)."""
    return [
        parse_html(out.text) for reply in result.replies for out in html.render(T[language], reply)
    ]


def test_the_summary_is_grouped_by_stage_domain_and_topic() -> None:
    [text] = shown(summary(sample_record("en"), WHEEL, None))
    assert text.startswith(f"Summary – {FIRST} and {SECOND}, 23 November 2026")
    assert "3 agreements · 1 proposal waiting · 2 open issues" in text
    # Progress as the cards count it: topics answered by both or skipped, per stage.
    progress = "Discussed: Orientation 6/9 · Integration 0/9 · Transformation 0/3"
    assert progress in text
    text = text.replace(progress, "")
    order = ["Orientation", "Value creation", "Ambition", "Goals", "Motivation", "Partnership processes", "Selection"]  # fmt: skip
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions), text
    # Topics with nothing recorded are left out: answered, skipped and not yet discussed.
    assert "Type" not in text
    assert "Willingness to invest" not in text
    assert "Integration" not in text


def test_an_agreement_says_who_proposed_and_confirmed_it_and_when() -> None:
    [text] = shown(summary(sample_record("en"), WHEEL, None))
    assert "✅ “Jobs <first> & profit second: één coördinator 🤝\nElke maand evalueren”" in text
    assert (
        f"proposed by Anna de Vries ({FIRST}) on 4 November 2026, confirmed by José Müller 🥖 "
        f"({SECOND}) on 5 November 2026"
    ) in text


def test_a_proposal_waiting_for_confirmation_is_marked_as_such() -> None:
    [text] = shown(summary(sample_record("en"), WHEEL, None))
    assert (
        f"⏳ “We spreken elk kwartaal af” – proposed by José Müller 🥖 ({SECOND}) on 7 November "
        f"2026, waiting for confirmation by {FIRST}"
    ) in text


def test_an_open_issue_shows_its_age_and_a_forgotten_person_stays_anonymous() -> None:
    [text] = shown(summary(sample_record("en"), WHEEL, None))
    assert (
        f"❓ Wie betaalt de reiskosten? 🚲 – open for 17 days, raised by José Müller 🥖 ({SECOND})"
        in text
    )
    record = sample_record("en")
    goals = record.topics[1]
    forgotten = dataclasses.replace(
        goals, issues=(dataclasses.replace(goals.issues[0], raised_by=Person(None, SECOND)),)
    )
    record = dataclasses.replace(record, topics=(record.topics[0], forgotten, *record.topics[2:]))
    [text] = shown(summary(record, WHEEL, None))
    assert f"raised by a representative ({SECOND})" in text


def test_the_summary_in_dutch() -> None:
    [text] = shown(summary(sample_record("nl"), WHEEL, None), "nl")
    assert text.startswith(f"Overzicht – {FIRST} en {SECOND}, 23 november 2026")
    assert "Oriëntatie" in text
    assert "Waardecreatie" in text
    assert "Ambitie" in text


def test_one_stage_and_an_empty_stage() -> None:
    [text] = shown(summary(sample_record("en"), WHEEL, "orientation"))
    assert "Ambition" in text
    [empty] = shown(summary(sample_record("en"), WHEEL, "integration"))
    assert empty.startswith("Nothing recorded on Integration yet.")
    assert "/agree" in empty
    assert "/issue" in empty


def test_an_empty_summary_says_what_to_do_next() -> None:
    [text] = shown(summary(sample_record("en", states={}), WHEEL, None))
    assert text.startswith("Nothing recorded yet.")
    assert "/agree" in text
    assert "/start" in text


def long_record(n: int, size: int):  # type: ignore[no-untyped-def]
    """A record with ``n`` confirmed agreements of ``size`` characters on every topic, full of
    markup characters, accents and emoji (two UTF-16 units each)."""
    record = sample_record("en", states={t.id: TopicState.AGREED for t in WHEEL.topics})
    anna, jose = Person("Anna", FIRST), Person("José", SECOND)
    piece = "<&> één 🤝 "
    text = (piece * (size // len(piece) + 1))[:size]
    topics = tuple(
        dataclasses.replace(
            r,
            agreements=tuple(
                AgreementEntry(i, f"{i}: {text}", "confirmed", anna, at(4), jose, at(5))
                for i in range(n)
            ),
        )
        for r in record.topics
    )
    return dataclasses.replace(record, topics=topics)


@pytest.mark.parametrize(("n", "size"), [(1, 300), (1, 4000), (2, 900)])
def test_long_summaries_are_split_within_the_limit_on_line_boundaries(n: int, size: int) -> None:
    reply = summary(long_record(n, size), WHEEL, None).replies[0]
    messages = html.render(T["en"], dataclasses.replace(reply, overflow=None))
    assert len(messages) > 1
    for out in messages:
        plain = parse_html(out.text)
        assert len(plain.encode("utf-16-le")) // 2 <= 4096
        assert plain.strip()
    together = "\n".join(parse_html(out.text) for out in messages)
    # Nothing lost: every agreement's number is there, and only whole pieces of text.
    for i in range(n):
        assert together.count(f"“{i}: <&> één") == 21


def test_a_summary_longer_than_five_messages_sends_its_first_part_and_offers_the_export() -> None:
    reply = summary(long_record(2, 2000), WHEEL, None).replies[0]
    whole = html.render(T["en"], dataclasses.replace(reply, overflow=None))
    assert len(whole) > MOST_MESSAGES
    sent = html.render(T["en"], reply)
    assert len(sent) == 2
    assert sent[0].text == whole[0].text
    assert "The export has everything" in parse_html(sent[1].text)
    assert sent[1].markup is not None
    [[button]] = sent[1].markup.inline_keyboard
    assert (button.text, button.callback_data) == ("Export as PDF", "export")


async def test_agreements_lists_one_line_each_with_its_topic(group: Group) -> None:
    await ready(group)
    await group.send(BEN, "/agreements")
    assert group.last.text.startswith("No agreements yet.")
    await group.send(BEN, "/agree Jobs <first> & profit second")
    await group.press(DAVID, "Confirm")
    await group.send(DAVID, "/agree We meet monthly")
    await group.press(BEN, "Confirm")
    await group.send(BEN, "/agree Still open")
    await group.send(CARLA, "/agreements")
    lines = group.last.text.splitlines()
    assert lines[0] == "2 agreements"
    assert lines[1] == "1. Ambition: “Jobs <first> & profit second”"
    assert lines[2] == "2. Ambition: “We meet monthly”"
    assert "1 proposal waits for confirmation; /summary shows it." in group.last.text
    # Each with Still holds, Change and Drop (bot/flows/agreement_review.py).
    assert group.last.buttons[:3] == ["1 · Still holds", "1 · Change", "1 · Drop"]


# -- in the group -------------------------------------------------------------------------------


async def agreed(group: Group, text: str) -> None:
    await ready(group)
    await group.send(BEN, f"/agree {text}")
    await group.press(DAVID, "Confirm")


async def test_user_text_appears_exactly_as_written(group: Group) -> None:
    await agreed(group, "Jobs <first> & profit second")
    await group.send(CARLA, "/summary")
    assert "✅ “Jobs <first> & profit second”" in group.last.text
    assert "Jobs &lt;first&gt; &amp; profit second" in group.last.html
    await group.send(CARLA, "/agreements")
    assert group.last.text.splitlines()[1] == "1. Ambition: “Jobs <first> & profit second”"


async def test_an_unknown_stage_lists_the_valid_ones(group: Group) -> None:
    await agreed(group, "Monthly")
    await group.send(BEN, "/summary later")
    assert "I don't know the stage “later”" in group.last.text
    assert "orientation, integration or transformation" in group.last.text
    await group.send(BEN, "/summary integratie")
    assert group.last.text.startswith("Nothing recorded on Integration yet.")


@pytest.mark.parametrize("command", ["/summary", "/agreements", "/wheel", "/export"])
async def test_before_the_set_up_they_say_how_to_start(group: Group, command: str) -> None:
    await group.send(BEN, command)
    assert "Send /start" in group.last.text


@pytest.mark.parametrize("command", ["/summary", "/agreements", "/wheel", "/export"])
async def test_in_a_private_chat_they_say_they_work_in_the_group(
    group: Group, command: str
) -> None:
    private = dataclasses.replace(group, chat_id=BEN.id, kind="private")
    await private.send(BEN, command)
    assert "works in the group" in private.last.text


# -- files --------------------------------------------------------------------------------------


def files(group: Group) -> list[tuple[str, bytes]]:
    return [m.file for m in group.sent if m.file is not None]


async def test_two_exports_at_once_make_two_correct_documents(group: Group) -> None:
    await agreed(group, "Één coördinator 🤝 <samen> & betaald")
    await group.send(BEN, "/export", settle=False)
    await group.send(DAVID, "/export", settle=False)
    await group.send(CARLA, "/wheel")
    made = files(group)
    assert [name.rsplit(".", 1)[1] for name, _ in made] == ["pdf", "pdf", "png"]
    first, second = made[0][1], made[1][1]
    assert first.startswith(b"%PDF-")
    assert second.startswith(b"%PDF-")
    assert made[2][1].startswith(b"\x89PNG")


async def test_a_full_length_answer_of_markup_and_emoji_fits_every_output(group: Group) -> None:
    """4096 UTF-16 units (Telegram's most) of ``<``, ``&`` and emoji, as an answer, an agreement
    and an open issue: the summary, the agreements, the picture and the export all come."""
    await ready(group)
    piece = "<&🤝 é"  # six UTF-16 units
    longest = piece * 682 + "<&<&"
    assert len(longest.encode("utf-16-le")) // 2 == 4096
    card = next(m for m in reversed(group.sent) if m.force_reply)
    await group.reply(BEN, longest, to=card)
    await group.send(BEN, "/agree " + longest[:3000])
    await group.press(DAVID, "Confirm")
    await group.send(DAVID, "/issue " + longest[:3000])
    for command in ("/summary", "/agreements", "/wheel", "/export"):
        await group.send(CARLA, command)
    assert [name.rsplit(".", 1)[1] for name, _ in files(group)] == ["png", "pdf"]
    summary_text = next(m.text for m in group.sent if m.text.startswith("Summary"))
    assert "<&🤝 é<&🤝" in summary_text
    # (the group fixture fails the test if Telegram would have refused any message)


def test_file_names_carry_the_partners_and_the_day_and_nothing_file_systems_refuse() -> None:
    from bot.render.files import file_name

    record = dataclasses.replace(
        sample_record("nl"), partners={1: "Werkplaats/Zuid", 2: 'Bakkerij <De Zon> "&" Co'}
    )
    assert file_name(record, T["nl"], "pdf") == (
        "Impactwiel Werkplaats Zuid & Bakkerij De Zon & Co 2026-11-23.pdf"
    )
    assert file_name(record, T["en"], "png").startswith("Impact wheel Werkplaats Zuid")


async def test_the_export_button_of_a_long_summary_sends_the_document(group: Group) -> None:
    await ready(group)
    piece = "<&🤝 é" * 600
    for n in range(7):
        await group.send(BEN, f"/agree {n} {piece}")
        await group.press(DAVID, "Confirm")
    await group.send(CARLA, "/summary")
    offer = group.last
    assert "The export has everything" in offer.text
    assert group.sent[-2].text.startswith("Summary")
    await group.press(CARLA, "Export as PDF", on=offer)
    assert [name.rsplit(".", 1)[1] for name, _ in files(group)] == ["pdf"]


async def test_a_file_that_can_no_longer_be_made_does_not_hold_up_the_group(group: Group) -> None:
    """An export owed when the group is set up anew (or erased) has no partners to name: it is
    dropped, and what the group is owed after it still comes."""
    await agreed(group, "Monthly")
    svc = services(group.app)
    await group.send(BEN, "/reset")
    await group.press(BEN, "Yes, start again")
    with pytest.raises(NothingToSend):
        await svc.outbox.files(group.chat_id, "export")
    made = svc.outbox.files
    calls = []

    async def once_gone(chat_id: int, what: str) -> tuple[str, bytes]:
        calls.append(what)
        raise NothingToSend("erased")

    svc.outbox.files = once_gone
    try:
        await group.send(BEN, "/export")  # refused now: not set up
        assert "Send /start" in group.last.text
        # Owed by an earlier run, say: the entry is written directly.
        async with svc.store.transaction() as conn:
            await outbox.owe(conn, svc.translators["en"], group.chat_id,
                             [Reply(parts=(msg("Your record"),), file="export"),
                              Reply(parts=(msg("After it"),))], [None, None])  # fmt: skip
        await svc.outbox.deliver(group.app.bot, group.chat_id)
    finally:
        svc.outbox.files = made
    assert calls == ["export"]
    assert group.last.text == "After it"


async def test_a_group_that_allows_no_files_is_told_so(tmp_path: Path, api: FakeBotApi) -> None:
    async with running(tmp_path / "wheel.sqlite", api) as group:
        await agreed(group, "Monthly")
        api.fail_next(
            "sendPhoto", 400, "Bad Request: not enough rights to send photos to the chat"
        )
        await group.send(CARLA, "/wheel")
        assert group.last.text.startswith(
            "I'm not allowed to send pictures or files in this group."
        )
        assert files(group) == []
