"""A group's record built by hand, with every topic state, for tests of the take-away outputs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.domain.record import (
    AgreementEntry,
    AnswerEntry,
    GroupRecord,
    IssueEntry,
    Person,
    TopicRecord,
    TopicState,
    topic_state,
)
from bot.domain.wheel import load_wheel
from bot.ops.resources import wheel_file

ZONE = "Europe/Amsterdam"
FIRST = "Werkplaats Zuid"
SECOND = "Bakkerij Müller & Zonen"

#: Topic id -> the state the sample gives it; topics not named are not discussed yet.
STATES: dict[str, TopicState] = {
    "value-creation.orientation.ambition": TopicState.AGREED,
    "value-creation.orientation.goals": TopicState.AGREED_AND_OPEN,
    "value-creation.orientation.motivation": TopicState.OPEN_ISSUE,
    "resources.orientation.type": TopicState.ANSWERED,
    "resources.orientation.willingness-to-invest": TopicState.SKIPPED,
    "partnership-processes.orientation.selection": TopicState.AGREED,
}


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=ZoneInfo(ZONE))


def sample_record(
    language: str = "nl", states: dict[str, TopicState] | None = None
) -> GroupRecord:
    """A record whose topics have the states of ``states`` (default ``STATES``), with user text
    full of accents, emoji and markup characters."""
    wheel = load_wheel(wheel_file())
    states = STATES if states is None else states
    anna = Person("Anna de Vries", FIRST)
    jose = Person("José Müller 🥖", SECOND)
    forgotten = Person(None, SECOND)
    topics = []
    for n, topic in enumerate(wheel.topics):
        state = states.get(topic.id, TopicState.NOT_YET)
        answers: tuple[AnswerEntry, ...] = ()
        agreements: list[AgreementEntry] = []
        issues: list[IssueEntry] = []
        if state is not TopicState.NOT_YET and state is not TopicState.SKIPPED:
            answers = (
                AnswerEntry(
                    anna, 1, f"Wij willen 12 mensen aan werk helpen 👍 <{n}> & meer", at(2)
                ),
                AnswerEntry(forgotten, 2, "Ons café levert één keer per week brood ☕", at(3)),
            )
        if state in (TopicState.AGREED, TopicState.AGREED_AND_OPEN):
            agreements.append(
                AgreementEntry(
                    10 + n,
                    "Jobs <first> & profit second: één coördinator 🤝\nElke maand evalueren",
                    "confirmed",
                    anna,
                    at(4),
                    jose,
                    at(5, 14),
                )
            )
        if state in (TopicState.AGREED_AND_OPEN, TopicState.OPEN_ISSUE):
            issues.append(IssueEntry(40 + n, "Wie betaalt de reiskosten? 🚲", jose, at(6)))
        if state is TopicState.OPEN_ISSUE:
            agreements.append(
                AgreementEntry(
                    70 + n, "We spreken elk kwartaal af", "proposed", jose, at(7), None, None
                )
            )
        status = "skipped" if state is TopicState.SKIPPED else ("answered" if answers else None)
        record = TopicRecord(
            topic, state, answers, tuple(agreements), tuple(issues), status=status, round=1
        )
        assert topic_state(status, record.agreements, record.issues) is state, topic.id
        topics.append(record)
    return GroupRecord(
        chat_id=-100,
        partners={1: FIRST, 2: SECOND},
        language=language,
        timezone=ZONE,
        made_at=at(23, 16),
        topics=tuple(topics),
    )
