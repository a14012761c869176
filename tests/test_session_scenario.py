"""Two partners play the whole Orientation stage, in English and in Dutch, as users see it."""

from __future__ import annotations

from tests.conftest import ANNA, BEN
from tests.support.telegram import Group, User

DAVID = User(1005, "David", "en")


async def set_up(group: Group, first: User, second: User, extra: User | None = None) -> None:
    """Run /start, name both partners, and have each member pick their side."""
    await group.send(first, "/start")
    await group.reply(first, "Werkbedrijf <De Brug> & Co", to=group.last)
    await group.reply(second, "Bakkerij *Van Dam*", to=group.last)
    sides = group.last
    await group.press(first, "Werkbedrijf <De Brug> & Co", on=sides)
    if extra is not None:
        await group.press(extra, "Werkbedrijf <De Brug> & Co", on=sides)
    await group.press(second, "Bakkerij *Van Dam*", on=sides)


def card_for(group: Group, topic_words: str):  # type: ignore[no-untyped-def]
    return next(m for m in reversed(group.sent) if m.force_reply and topic_words in m.text)


async def test_orientation_in_english(group: Group) -> None:
    await set_up(group, BEN, DAVID, extra=ANNA)
    sides = next(m for m in group.sent if "Who represents" in m.text)
    assert "Werkbedrijf <De Brug> & Co: Ben, Anna" in sides.text  # in the order they joined
    assert "Bakkerij *Van Dam*: David" in sides.text
    assert "Both partners are represented" in group.last.text
    assert group.last.buttons == ["Orientation", "Integration", "Transformation"]

    await group.press(BEN, "Orientation")
    card = group.last
    assert "Let's start Orientation: 9 topics, about 45 minutes in all" in (group.sent[-2].text)
    assert "Orientation · Value creation · topic 1/9" in card.text
    assert "What economic and social impact do we want to achieve?" in card.text
    assert card.force_reply

    assert "Orientation 0/9 · Integration 0/9 · Transformation 0/3" in card.text
    assert "How to answer: reply to this message (on a phone: swipe left on it)" in card.text
    assert "Still waiting for: Werkbedrijf <De Brug> & Co, Bakkerij *Van Dam*" in card.text

    # Topic 1: both answer, Ben changes his answer, then an agreement is proposed and confirmed.
    before = len(group.sent)
    first = await group.reply(BEN, "Ten jobs for people far from work", to=card)
    assert len(group.sent) == before  # acknowledged without a message of its own
    assert group.reacted(first) == ["👍"]
    assert (
        "Answered: Werkbedrijf <De Brug> & Co – Ben · Bakkerij *Van Dam* – nobody yet" in card.text
    )
    # Anna has not answered for her organisation yet; the other one has not at all.
    assert "Still waiting for: Bakkerij *Van Dam*" in card.text
    await group.reply(BEN, "Twelve <jobs> & training", to=card)
    assert "I've replaced your earlier answer on Ambition" in group.last.text
    await group.reply(DAVID, "A stable team for the bakery", to=card)
    assert "Can still add: Anna" in card.text
    view = group.last
    assert "Ambition – the answers side by side" in view.text
    assert "— Ben: Twelve <jobs> & training" in view.text
    assert "— David: A stable team for the bakery" in view.text
    assert view.buttons == ["Propose an agreement", "Note an open issue", "Ready"]
    # The view says who may move on: one Ready per organisation, or Ben, who set the group up.
    assert (
        "Talked it through? Once someone from each organisation has pressed Ready, you go on to "
        "the next topic. Ben, who set up this group, can move you on with one press." in view.text
    )
    await group.reply(ANNA, "Pride in good bread", to=card)
    assert "— Anna: Pride in good bread" in view.text
    assert "Everyone has answered." in card.text

    await group.press(BEN, "Propose an agreement", on=view)
    await group.reply(BEN, "We create 12 jobs in 2027", to=group.last)
    proposal = group.last
    assert "Proposed agreement on Ambition, by Ben (Werkbedrijf <De Brug> & Co)" in proposal.text
    query = await group.press(ANNA, "Confirm", on=proposal)
    assert group.answers_to(query)[0]["show_alert"] is True
    await group.press(DAVID, "Confirm", on=proposal)
    assert "Agreement recorded on Ambition" in proposal.text
    assert "confirmed by David (Bakkerij *Van Dam*)" in proposal.text
    assert "Agreed\n✓ We create 12 jobs in 2027" in view.text
    assert proposal.buttons == ["Ready"]  # no dead end
    first_card, sent = card, len(group.sent)
    query = await group.press(DAVID, "Ready", on=proposal)
    # One organisation is ready: nothing new in the chat; the card and the view show it.
    assert len(group.sent) == sent
    assert group.answers_to(query)[0]["text"] == (
        "Noted: Bakkerij *Van Dam* is ready. Waiting for a Ready from Werkbedrijf <De Brug> & Co."
    )
    waiting = "Ready: Bakkerij *Van Dam* (David) · waiting for Werkbedrijf <De Brug> & Co"
    assert waiting in view.text
    assert waiting in card.text
    await group.press(DAVID, "Ready", on=view)  # a second press of his side changes nothing
    assert len(group.sent) == sent
    await group.press(ANNA, "Ready", on=view)
    assert "topic 2/9" in group.last.text
    # The card the group left is closed, and says what came of the topic.
    assert first_card.buttons == []
    assert "Discussed on " in first_card.text
    assert ": 1 agreement, 0 open issues; reply to this message to add something." in (
        first_card.text
    )
    assert "Waiting for" not in first_card.text
    # An old Ready now changes nothing.
    query = await group.press(DAVID, "Ready", on=view)
    assert group.answers_to(query)[0]["text"] == "You have already moved on from this topic."
    assert "Orientation 1/9 · Integration 0/9" in group.last.text
    assert "How to answer" not in group.last.text  # said once, on the first card

    # Topic 2: an open issue by command, and an agreement by /agree with text.
    card = group.last
    await group.reply(ANNA, "Jobs", to=card)
    await group.reply(DAVID, "Jobs and visibility", to=card)
    noted = await group.send(DAVID, "/issue How do we measure visibility?")
    assert group.reacted(noted) == ["✍"]
    assert "Still open\n• How do we measure visibility?" in group.last.text
    await group.send(DAVID, "/agree We report impact twice a year")
    await group.press(BEN, "Confirm")
    assert "Agreement recorded on Goals" in group.last.text
    await group.send(BEN, "/skip")
    assert "topic 3/9" in group.last.text

    # Topic 3 skipped; the rest answered by both.
    before = len(group.sent)
    skip = await group.send(ANNA, "/skip")
    assert group.reacted(skip) == ["👌"]  # no message of its own: the old card says it
    assert len(group.sent) == before + 1  # the next card only
    assert "Motivation" in group.sent[before - 1].text
    assert "Skipped on" in group.sent[before - 1].text
    for position in range(4, 10):
        card = group.last
        assert f"topic {position}/9" in card.text
        await group.reply(BEN, f"Ben on {position}", to=card)
        await group.reply(DAVID, f"David on {position}", to=card)
        await group.press(BEN, "Ready")  # Ben set up the group: his press moves on at once
        assert "Discussed on" in card.text
    recap, walk = group.sent[-2:]
    assert walk.text.startswith("Who picks up what, and by when?")  # the open issue's owner
    assert "That was the last topic of Orientation" in recap.text
    assert "2 agreements" in recap.text
    assert "1 open issue" in recap.text
    assert "Skipped: Motivation" in recap.text
    assert recap.buttons == [
        "Continue with Integration", "In 1 month", "In 3 months", "In 6 months", "Export as PDF",
        "Rate privately",
    ]  # fmt: skip
    await group.press(DAVID, "In 3 months", on=recap)
    assert "I'll remind you about Integration" in group.last.text

    await group.send(ANNA, "/status")
    assert "Orientation: 8/9 answered, 1 skipped" in group.last.text
    assert "2 agreements · 1 open issue" in group.last.text
