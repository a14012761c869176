"""The position check, played through the real application in English and Dutch: a /position
message in the group, private ratings through its start deep link, the group message that says
who rated and never what, the reveal (a photo and the three largest differences with their wheel
topics), refusals (an outsider, a forged link, a link of a closed check, a reset group, an erased
group), and a second check months later that adds a point to the trajectory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

from PIL import Image

from bot.db import position as position_sql
from bot.domain.buttons import RatePosition
from bot.offline.fake_api import Sent
from bot.render import worker
from bot.render.picture import position as picture
from bot.services import KEY, services
from tests.conftest import ANNA, BEN, CARLA, DAAN
from tests.support.telegram import Group, User
from tests.test_export import read
from tests.test_session_scenario import set_up

DAVID = User(1005, "David", "en")
EVA = User(1007, "Eva", "nl")
ORG_A, ORG_B = "Werkbedrijf <De Brug> & Co", "Bakkerij *Van Dam*"
LINK = re.compile(r"^https://t\.me/ImpactWheelBot\?start=([A-Za-z0-9_-]{1,64})$")


def payload_of(message: Sent) -> str:
    """The start payload of a message's one URL button."""
    rows = (message.reply_markup or {})["inline_keyboard"]
    url = rows[0][0]["url"]
    found = LINK.match(url)
    assert found is not None, url
    return found.group(1)


def private(group: Group, user: User) -> Group:
    """The user's private chat with the bot."""
    return Group(group.app, group.api, chat_id=user.id, kind="private", title="")


async def rate(group: Group, user: User, payload: str, answers: str, *, stop: int = 12) -> Group:
    """The user opens the link and answers (``0``: don't know) up to statement ``stop``."""
    chat = private(group, user)
    await chat.send(user, f"/start {payload}")
    question = chat.last
    for step, answer in enumerate(answers[:stop]):
        label = chat.last.buttons[-1] if answer == "0" else answer
        assert f"{step + 1}/12" in chat.last.text or step > 0
        await chat.press(user, label, on=question)
    return chat


def move_clock(group: Group, days: int) -> None:
    """Move the bot's clock ``days`` ahead (for the turns, and the files made)."""
    svc = services(group.app)
    later = svc.clock() + dt.timedelta(days=days)
    files = dataclasses.replace(svc.files, clock=lambda: later)
    group.app.bot_data[KEY] = dataclasses.replace(svc, clock=lambda: later, files=files)
    svc.outbox.files = files


async def test_position_check_in_english(group: Group, tmp_path: Path) -> None:
    await set_up(group, BEN, DAVID, extra=ANNA)
    before = len(group.sent)
    await group.send(BEN, "/position")
    offer = group.last
    assert "Where does our collaboration stand?" in offer.text
    assert f"{ORG_A}: not yet · {ORG_B}: not yet" in offer.text
    assert offer.buttons == ["Rate privately"]
    payload = payload_of(offer)

    # Ben rates all twelve in one private message, edited from statement to statement.
    ben = private(group, BEN)
    await ben.send(BEN, f"/start {payload}")
    assert len(ben.sent) == 1
    first = ben.last
    assert "You rate for Werkbedrijf <De Brug> & Co" in first.text
    assert "1/12 · Transaction" in first.text
    assert "Our collaboration is more than supplying products or services for a fee." in first.text
    assert "1 = it is mainly that exchange" in first.text
    assert "4 = the exchange is a small part of what we do together" in first.text
    assert first.buttons == ["1", "2", "3", "4", "Don't know"]
    for step, answer in enumerate("133343420332"):
        label = "Don't know" if answer == "0" else answer
        await ben.press(BEN, label, on=first)
        if step == 0:
            assert "2/12 · Reputation" in first.text
    assert len(ben.sent) == 1  # one message, edited twelve times
    assert "Thank you, your rating is in." in first.text
    assert f"stay hidden until {ORG_B} has rated too" in first.text
    assert f"{ORG_A}: 1 person rated · {ORG_B}: not yet" in offer.text

    # A second press on an answered statement changes nothing.
    query = await ben.press_data(BEN, RatePosition(1, 3, 1).pack(), first)
    assert "Already answered" in ben.answers_to(query)[0]["text"]

    # Ben rates again: his latest complete rating is the one that counts (Transaction 3, below).
    await ben.send(BEN, f"/start {payload}")
    again = ben.last
    assert "You rated before in this check" in again.text
    assert "1/12 · Transaction" in again.text
    for answer in "333343420332":
        await ben.press(BEN, "Don't know" if answer == "0" else answer, on=again)
    assert "Thank you, your rating is in." in again.text
    assert f"{ORG_A}: 1 person rated · {ORG_B}: not yet" in offer.text

    # Anna stops halfway and comes back with the same link; her Telegram speaks Dutch, and so
    # does her private chat.
    anna = await rate(group, ANNA, payload, "342333340232", stop=5)
    assert "6/12 · Richting" in anna.last.text
    assert f"{ORG_A}: 1 person rated" in offer.text  # a rating half done does not count
    await anna.send(ANNA, f"/start {payload}")
    assert "Welkom terug: je gaat verder waar je gebleven was." in anna.last.text
    resumed = anna.last
    assert "6/12 · Richting" in resumed.text
    for answer in "342333340232"[5:]:
        await anna.press(ANNA, answer if answer != "0" else "Weet ik niet", on=resumed)
    assert "Dank je, je antwoorden zijn binnen." in resumed.text
    assert f"{ORG_A}: 2 people rated · {ORG_B}: not yet" in offer.text

    # The group is told who rated, never what; nothing is revealed yet.
    assert len(group.sent) == before + 1
    assert not any(m.file for m in group.sent)
    assert not re.search(r"\b[1-4](\.5)?\b(?! (person|people))", offer.text.split("\n\n", 2)[-1])

    # Refusals: someone who represents no partner, and a link that is not ours.
    daan = private(group, DAAN)
    await daan.send(DAAN, f"/start {payload}")
    assert "Only the representatives of Werkbedrijf <De Brug> & Co and Bakkerij *Van Dam*" in (
        daan.last.text
    )
    assert daan.last.buttons == []
    await daan.send(DAAN, "/start " + "A" * 22)
    assert "This link does not work (any more)" in daan.last.text
    await daan.send(DAAN, "/start ../../etc/passwd")
    assert "This link does not work (any more)" in daan.last.text
    query = await daan.press_data(DAAN, RatePosition(1, 0, 4).pack(), daan.last)
    assert daan.answers_to(query)[0]["show_alert"] is True
    # A rating button pressed in the group (a forged press) changes nothing there.
    query = await group.press_data(BEN, RatePosition(1, 5, 4).pack(), offer)
    assert group.answers_to(query)[0]["show_alert"] is True
    assert f"{ORG_A}: 2 people rated · {ORG_B}: not yet" in offer.text

    # David rates: both organisations have rated, both views are revealed together.
    await rate(group, DAVID, payload, "123032221121")
    assert len(group.sent) == before + 2  # the /position message and the photo: the budget
    photo = group.last
    assert photo.file is not None
    assert photo.file[0].endswith(".png")
    assert "Where we stand: both views" in photo.text
    assert "The largest differences, to talk about:" in photo.text
    numbered = [line for line in photo.text.splitlines() if re.match(r"^[1-3]\. ", line)]
    assert len(numbered) == 3, photo.text
    # Transaction: De Brug 3, Van Dam 1 (difference 2), the largest, with its wheel topic.
    assert numbered[0] == f"1. Transaction: {ORG_A} 3 · {ORG_B} 1 → topic Added value"
    assert all("→ topic " in line for line in numbered)
    assert "Both organisations have rated." in offer.text
    assert f"{ORG_A}: 2 people rated · {ORG_B}: 1 person rated" in offer.text
    assert offer.buttons == []
    image = Image.open(io.BytesIO(photo.file[1]))
    assert image.format == "PNG"
    assert image.width > 1000
    Path("/tmp/position-scenario-en-1.png").write_bytes(photo.file[1])

    # The check is closed: opening its link again says so.
    await ben.send(BEN, f"/start {payload}")
    assert "This check is closed: both views were shown in the group." in ben.last.text

    # Months later a new check adds a point to the trajectory.
    move_clock(group, 120)
    before = len(group.sent)
    await group.send(DAVID, "/position")
    second = group.last
    again = payload_of(second)
    assert again != payload
    await rate(group, BEN, again, "343344430443")
    await rate(group, DAVID, again, "233243332232")
    assert len(group.sent) == before + 2
    shown = group.last
    assert shown.file is not None
    Path("/tmp/position-scenario-en-2.png").write_bytes(shown.file[1])
    record = await services(group.app).files.record(group.chat_id)
    assert len(record.positions) == 2
    first_at, second_at = (view.at.date() for view in record.positions)
    assert (second_at - first_at).days == 120
    # The picture shows the earlier check (faint rings): it is not the latest alone.
    labels = worker.position_labels(record, services(group.app).wheel, worker.translators()["en"])
    alone = picture.draw_position(record.positions[-1:], labels)
    assert alone != shown.file[1]

    # The export has the page "Where we stand", with both checks dated, per domain.
    await group.send(BEN, "/export")
    document = group.last
    assert document.file is not None
    assert document.file[0].endswith(".pdf")
    text = read(document.file[1]).flat
    assert "Where we stand" in text
    assert "Value creation" in text
    assert "Partnership processes" in text
    for when in (first_at, second_at):
        day = f"{when.day} {when.strftime('%B')} {when.year}"
        assert f"{day}: {ORG_A}" in text, day

    # /mydata tells Ben about his ratings, without showing them.
    await ben.send(BEN, "/mydata")
    assert "2 ratings you gave in position checks; the group sees them only in your " in (
        ben.last.text
    )

    # /forgetme: Anna's complete rating stays, as her organisation's, without her id.
    anna_chat = private(group, ANNA)
    await anna_chat.send(ANNA, "/forgetme")
    await anna_chat.press(ANNA, "Ja, vergeet mij")

    async def anna_ratings(conn):  # type: ignore[no-untyped-def]
        return [
            r
            for check in (1, 2)
            for r in await position_sql.ratings(conn, check)
            if r.user_id == ANNA.id
        ]

    assert await services(group.app).store.read(anna_ratings) == []
    record = await services(group.app).files.record(group.chat_id)
    assert record.positions[0].scores[1][0].raters == 2


async def test_position_check_in_dutch_refuses_stale_links(group: Group) -> None:
    await set_up(group, ANNA, EVA, extra=CARLA)
    await group.send(ANNA, "/position")
    offer = group.last
    assert "Waar staat onze samenwerking?" in offer.text
    assert offer.buttons == ["Privé invullen"]
    assert f"{ORG_A}: nog niet · {ORG_B}: nog niet" in offer.text
    payload = payload_of(offer)

    anna = private(group, ANNA)
    await anna.send(ANNA, f"/start {payload}")
    question = anna.last
    assert "1/12 · Transactie" in question.text
    assert (
        "Onze samenwerking is meer dan elkaar tegen betaling producten of diensten leveren."
        in (question.text)
    )
    assert question.buttons == ["1", "2", "3", "4", "Weet ik niet"]
    for answer in "344443430333":
        await anna.press(ANNA, "Weet ik niet" if answer == "0" else answer, on=question)
    assert "Dank je, je antwoorden zijn binnen." in question.text
    assert f"{ORG_A}: 1 persoon heeft ingevuld · {ORG_B}: nog niet" in offer.text

    # Someone outside the partners (Daan, in German, gets English) and a forged token.
    daan = private(group, DAAN)
    await daan.send(DAAN, f"/start {payload}")
    assert "Only the representatives" in daan.last.text
    carla = private(group, CARLA)
    await carla.send(CARLA, "/start bm90LWEtdG9rZW4")
    assert "Deze link werkt niet (meer)" in carla.last.text

    # Carla stops halfway; Eva rates; the reveal is in Dutch, with wheel topics.
    await rate(group, CARLA, payload, "333333333333", stop=4)
    await rate(group, EVA, payload, "111211010111")
    photo = group.last
    assert photo.file is not None
    assert "Waar jullie staan: beide beelden" in photo.text
    assert "De grootste verschillen, om samen te bespreken:" in photo.text
    assert photo.text.count("→ thema ") == 3
    Path("/tmp/position-scenario-nl.png").write_bytes(photo.file[1])
    # Carla's half-done rating cannot go on in a revealed check.
    await carla.send(CARLA, f"/start {payload}")
    assert "Deze peiling is gesloten" in carla.last.text

    # A new check, then /reset: its link is refused with the reason.
    await group.send(EVA, "/position")
    fresh = payload_of(group.last)
    await group.send(ANNA, "/reset")
    await group.press(ANNA, "Ja, opnieuw instellen")
    await anna.send(ANNA, f"/start {fresh}")
    assert "De groep is sindsdien opnieuw ingericht, dus deze peiling is gesloten." in (
        anna.last.text
    )

    # /forgetgroup erases the checks, their ratings and their links.
    await group.send(ANNA, "/forgetgroup")
    await group.press(ANNA, "Ja, alles wissen")
    await anna.send(ANNA, f"/start {payload}")
    assert "Deze link werkt niet (meer)" in anna.last.text

    async def left(conn):  # type: ignore[no-untyped-def]
        async with conn.execute("SELECT count(*) FROM position_ratings") as cursor:
            ratings = (await cursor.fetchone())[0]
        async with conn.execute("SELECT count(*) FROM links") as cursor:
            links = (await cursor.fetchone())[0]
        return ratings, links

    assert await services(group.app).store.read(left) == (0, 0)


async def test_position_needs_a_representative(group: Group) -> None:
    await set_up(group, BEN, DAVID)
    await group.send(CARLA, "/position")
    assert "Only the representatives" in group.last.text
    assert group.last.buttons == []


async def test_a_check_left_open_for_months_is_superseded(group: Group) -> None:
    await set_up(group, BEN, DAVID)
    await group.send(BEN, "/position")
    first = payload_of(group.last)
    ben = await rate(group, BEN, first, "222222222222", stop=3)
    # Within a month /position offers the same check: what was rated so far is kept.
    await group.send(DAVID, "/position")
    assert payload_of(group.last) == first
    move_clock(group, 45)
    await group.send(DAVID, "/position")
    second = payload_of(group.last)
    assert second != first
    await ben.send(BEN, f"/start {first}")
    assert "A newer position check was started in the group." in ben.last.text
    await ben.send(BEN, f"/start {second}")
    assert "1/12 · Transaction" in ben.last.text


def test_the_picture_takes_long_names_emoji_and_no_answers() -> None:
    """Names that do not fit are shortened, an emoji shows as a box, a component nobody knew
    about says so, and the Dutch decimal comma is used."""
    from bot.domain.position import scores

    when = dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
    views = (
        position_view(1, when, ["000000000000"], ["123412341234", "432143214321"]),
        position_view(2, when + dt.timedelta(days=90), ["111111111111"], ["444444444444"]),
    )
    labels = picture.PositionLabels(
        title="Waar staat onze samenwerking?",
        subtitle="Stichting " + "Werk " * 30 + "🥖",
        partners={1: "Stichting Werk & Ontwikkeling Oost-Nederland – afdeling Ŵ 🥖", 2: "Ö" * 60},
        domains={},
        components={},
        low="transactioneel",
        high="transformationeel",
        earlier="eerder: 3 maart 2026",
        gap="verschil",
        spread="spreiding tussen collega’s",
        unknown="weet ik niet",
        decimal=",",
    )
    png = picture.draw_position(views, labels)
    image = Image.open(io.BytesIO(png))
    assert image.size == (picture.WIDTH, picture.height())
    assert scores(["000000000000"])[0].mean is None
    Path("/tmp/position-edge.png").write_bytes(png)


def position_view(check: int, at: dt.datetime, first: list[str], second: list[str]):  # type: ignore[no-untyped-def]
    from bot.domain.position import View, scores

    return View(check, at, {1: scores(first), 2: scores(second)})


async def test_a_button_offered_on_another_message_posts_the_count_at_the_first_rating(
    group: Group,
) -> None:
    """What a stage's end or a reminder may offer: only the button (``offer_button``). The
    first complete rating then posts the message saying who has rated; the reveal follows."""
    from bot.flows import position

    await set_up(group, BEN, DAVID)
    svc = services(group.app)
    button = await svc.store.write(
        lambda conn: position.offer_button(conn, group.chat_id, BEN.id, svc.clock())
    )
    assert button.start is not None
    before = len(group.sent)
    await rate(group, BEN, button.start, "222222222222")
    assert len(group.sent) == before + 1
    assert f"{ORG_A}: 1 person rated · {ORG_B}: not yet" in group.last.text
    await rate(group, DAVID, button.start, "333333333333")
    assert len(group.sent) == before + 2
    assert group.last.file is not None
    assert "Your views are close on every component" not in group.last.text
