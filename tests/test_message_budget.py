"""The message budget, counted: two organisations of three people each play a whole Orientation
stage, every member answering every topic, with one agreement proposed and confirmed, one open
issue noted and one Ready from each organisation per topic; once with the invitations of the
quieter organisation on (``/nudge auto on``), which speak up on every topic. Telegram lets a bot
send about 20 messages a minute into a group; a facilitator keeps one whiteboard per topic
instead of a message per step."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.telegram import Group, User

ORG_A, ORG_B = "Werkbedrijf De Brug", "Bakkerij Van Dam"
#: Seconds between two actions of the group: a brisk session.
PACE = 5
#: New messages allowed from one topic card to the next one (that card included).
PER_TOPIC = 4
PER_MINUTE = 20


def people(language: str) -> tuple[list[User], list[User]]:
    first = [User(3001 + n, name, language) for n, name in enumerate(["Anna", "Ahmed", "Amira"])]
    second = [User(3101 + n, name, language) for n, name in enumerate(["Bram", "Bo", "Britt"])]
    return first, second


WORDS = {
    "en": {
        "stage": "Orientation", "confirm": "Confirm", "next": "Ready", "not yet": "Not yet",
        "progress": "Orientation {done}/9 · Integration 0/9 · Transformation 0/3",
        "waiting": "Still waiting for: {who}", "everyone": "Everyone has answered.",
        "countered": "suggested different wording", "reworded": "now worded by Bram", "kept": "made it an open issue",
        "centre": "You have reached the centre of the wheel",
        "open stages": ["Continue with Integration"],
        "later": ["In 1 month", "In 3 months", "In 6 months"],
        "export": "Export as PDF", "rate": "Rate privately", "invited": "how do you see it?",
        "reset no": "No, keep it", "kept setup": "The set-up stays as it is",
    },
    "nl": {
        "stage": "Oriëntatie", "confirm": "Bevestigen", "next": "Klaar", "not yet": "Nog niet: open punt",
        "progress": "Oriëntatie {done}/9 · Integratie 0/9 · Transformatie 0/3",
        "waiting": "We wachten nog op: {who}", "everyone": "Iedereen heeft geantwoord.",
        "countered": "stelt een andere formulering voor",
        "reworded": "nu verwoord door Bram", "kept": "heeft er een open punt van gemaakt",
        "centre": "Jullie zijn in het hart van het wiel aangekomen",
        "open stages": ["Verder met Integratie"],
        "later": ["Over 1 maand", "Over 3 maanden", "Over 6 maanden"],
        "export": "Exporteren als pdf", "rate": "Privé invullen",
        "invited": "hoe kijken jullie ertegenaan?",
        "reset no": "Nee, niets veranderen", "kept setup": "De instellingen blijven zoals ze zijn",
    },
}  # fmt: skip


class Clocked:
    """Plays actions PACE seconds apart and notes when each new bot message was sent."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.second = 0
        self.sent_at: list[int] = []

    def sends(self) -> int:
        return sum(1 for c in self.group.api.calls if c.method == "sendMessage" and not c.error)

    async def act(self, action) -> None:  # type: ignore[no-untyped-def]
        await self.act_on(action)

    async def act_on(self, action):  # type: ignore[no-untyped-def]
        """``act``, returning what the action returned."""
        before = self.sends()
        done = await action
        self.sent_at.extend([self.second] * (self.sends() - before))
        self.second += PACE
        return done

    def busiest_minute(self) -> int:
        per_window = Counter()
        for start in range(0, self.second + 1, PACE):
            per_window[start] = sum(1 for t in self.sent_at if start <= t < start + 60)
        return max(per_window.values(), default=0)


@pytest.mark.parametrize("invitations", [False, True], ids=["quiet", "inviting"])
@pytest.mark.parametrize("language", ["en", "nl"])
async def test_a_stage_with_six_people_stays_within_the_budget(
    group: Group, language: str, invitations: bool
) -> None:
    words = WORDS[language]
    first, second = people(language)
    play = Clocked(group)
    await play.act(group.send(first[0], "/start"))
    await play.act(group.reply(first[0], ORG_A, to=group.last))
    await play.act(group.reply(second[0], ORG_B, to=group.last))
    sides = group.last
    for person in first:
        await play.act(group.press(person, ORG_A, on=sides))
    for person in second:
        await play.act(group.press(person, ORG_B, on=sides))
    if invitations:
        await play.act(group.send(second[0], "/nudge auto on"))
    await play.act(group.press(first[0], words["stage"]))

    per_topic: list[int] = []
    for number in range(1, 10):
        card = group.last
        assert f"{number}/9" in card.text
        assert words["progress"].format(done=number - 1) in card.text
        assert words["waiting"].format(who=f"{ORG_A}, {ORG_B}") in card.text
        at_card = play.sends()
        for a, b in zip(first, second, strict=True):
            await play.act(group.reply(a, f"{a.first_name} on topic {number}", to=card))
            if a is first[0]:
                # De Brug has answered: the card waits for Van Dam only, and names nobody.
                assert words["waiting"].format(who=ORG_B) in card.text
                assert first[1].first_name not in card.text
            await play.act(group.reply(b, f"{b.first_name} on topic {number}", to=card))
        assert words["everyone"] in card.text
        # Van Dam had one voice when De Brug had two: invited once, by name, when asked for.
        invited = [t for t in group.texts_since(0) if f"{ORG_B}: " in t and words["invited"] in t]
        assert len(invited) == (number if invitations else 0)
        await play.act(group.send(first[1], f"/agree We agree on topic {number}"))
        proposal = group.last
        if number == 1:
            # The other partner answers with other wording; the first partner confirms that.
            other_words = await play.act_on(
                group.reply(second[0], "We agree, with a date", to=proposal)
            )
            if invitations:
                # The topic's spare message was the invitation: a reaction acknowledges it, and
                # the proposal, edited, says who worded it.
                assert group.reacted(other_words) == ["✍"]
                assert words["reworded"] in proposal.text
            else:
                assert words["countered"] in group.last.text
            await play.act(group.press(first[0], words["confirm"], on=proposal))
        elif number == 2:
            await play.act(group.press(second[2], words["not yet"], on=proposal))
            assert words["kept"] in proposal.text
        else:
            await play.act(group.press(second[2], words["confirm"], on=proposal))
        await play.act(group.send(second[1], f"/issue Still open on topic {number}"))
        # One Ready from each organisation (Anna set the group up; Amira and Britt press). The
        # first Ready only edits the card and the view.
        sends = play.sends()
        await play.act(group.press(first[2], words["next"], on=proposal))
        assert play.sends() == sends
        await play.act(group.press(second[2], words["next"], on=proposal))
        # From this card up to and including the next card (or the recap after the last).
        per_topic.append(play.sends() - at_card)

    print(
        f"{language}: new messages per topic {per_topic}, busiest minute {play.busiest_minute()}"
    )
    assert max(per_topic) <= PER_TOPIC, per_topic
    assert play.busiest_minute() < PER_MINUTE, play.sent_at
    # Every answer, and every open issue, got its reaction instead of a message.
    reactions = Counter(emoji for _, _, emoji in group.api.reactions)
    assert reactions == {"👍": 9 * 6, "✍": 9 + invitations}

    # The end of the wheel offers what is still open, and reminders; /reset can be declined.
    await group.send(first[0], "/stage transformation")
    for _ in range(3):
        await group.send(first[0], "/skip")
    end = group.last
    assert words["centre"] in end.text
    assert end.buttons == [
        *words["open stages"], *words["later"], words["export"], words["rate"]
    ]  # fmt: skip
    await group.send(first[0], "/reset")
    question = group.last
    await group.press(first[0], words["reset no"], on=question)
    assert words["kept setup"] in question.text
