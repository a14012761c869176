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


def _day(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=ZoneInfo(ZONE))


def board_record(language: str = "nl") -> GroupRecord:
    """A group a board would read about: Orientation done twice (the second round a year on),
    two topics of Integration, three agreements (one changed, one with its check-up done), one
    dropped, a proposal waiting, three open issues (one with an action item) and one resolved,
    two position checks, a reminder for Integration and a facilitator."""
    from bot.domain.history import Event, Step
    from bot.domain.position import Score, View, components
    from bot.domain.record import (
        ActionEntry,
        CheckupEntry,
        EarlierRound,
        ReminderEntry,
    )

    wheel = load_wheel(wheel_file())
    fatima, joost = Person("Fatima El Amrani", FIRST), Person("Joost de Wit", FIRST)
    sanne, pieter = Person("Sanne Bakker", "Bakkerij De Zon"), Person(None, "Bakkerij De Zon")
    partners = {1: FIRST, 2: "Bakkerij De Zon"}
    round1, round2 = _day(2026, 3, 2), _day(2027, 3, 1)

    def answers(topic: int, when: dt.datetime) -> tuple[AnswerEntry, ...]:
        return (
            AnswerEntry(
                fatima,
                1,
                f"Tien mensen met afstand tot de arbeidsmarkt een vaste plek, binnen twee jaar "
                f"(onderwerp {topic}).",
                when,
            ),
            AnswerEntry(
                sanne,
                2,
                "Een stabiel team in de nachtploeg, en laten zien dat inclusief ondernemen "
                "loont 🥐",
                when + dt.timedelta(hours=1),
            ),
        )

    def agreement(
        id_: int, text: str, status: str, when: dt.datetime, **more: object
    ) -> AgreementEntry:
        confirmed = status in ("confirmed", "dropped")
        return AgreementEntry(
            id_,
            text,
            status,
            joost,
            when,
            sanne if confirmed else None,
            when + dt.timedelta(days=1) if confirmed else None,
            **more,  # type: ignore[arg-type]
        )

    topics = []
    for n, topic in enumerate(wheel.topics):
        stage = topic.stage
        kwargs: dict[str, object] = {}
        said: tuple[AnswerEntry, ...] = ()
        agreements: list[AgreementEntry] = []
        issues: list[IssueEntry] = []
        dropped: list[AgreementEntry] = []
        resolved: list[IssueEntry] = []
        status: str | None = None
        number = 0
        if stage == "orientation":
            number = 2
            kwargs["earlier"] = (
                EarlierRound(1, round1, answers(n, round1 + dt.timedelta(days=n))),
            )
            status = "answered" if n < 6 else ("skipped" if n == 6 else None)
            if status == "answered":
                said = answers(n, round2 + dt.timedelta(days=n))
        elif topic.id in (
            "value-creation.integration.added-value",
            "value-creation.integration.visibility",
        ):
            number, status = 1, "answered"
            said = answers(n, round2 + dt.timedelta(days=10))
        if topic.id == "value-creation.orientation.ambition":
            agreements.append(
                agreement(
                    1,
                    "Werkplaats Zuid plaatst elk jaar tien deelnemers in de bakkerij; één "
                    "coördinator begeleidt ze 🤝",
                    "confirmed",
                    round1 + dt.timedelta(days=2),
                    history=(
                        Event(
                            Step.CHANGED,
                            round2 + dt.timedelta(days=1),
                            "Werkplaats Zuid plaatst elk jaar acht deelnemers in de bakkerij",
                        ),
                    ),
                    review_due=dt.date(2027, 6, 2),
                    checkups=(CheckupEntry(dt.date(2026, 9, 2), ((1, "kept"), (2, "partly"))),),
                )
            )
        if topic.id == "value-creation.orientation.goals":
            agreements.append(
                agreement(
                    2,
                    "We meten elk halfjaar hoeveel deelnemers doorstromen naar een vaste baan.",
                    "confirmed",
                    round1 + dt.timedelta(days=3),
                    review_due=dt.date(2027, 6, 2),
                )
            )
            resolved.append(
                IssueEntry(
                    11,
                    "Hoe meten we doorstroom precies?",
                    sanne,
                    round1 + dt.timedelta(days=3),
                    resolved_at=round1 + dt.timedelta(days=40),
                    resolved_by=joost,
                )
            )
            issues.append(
                IssueEntry(
                    12,
                    "Wie betaalt de werkbegeleider in de nachtploeg?",
                    sanne,
                    round2 + dt.timedelta(days=2),
                    ActionEntry(2, dt.date(2027, 4, 15), "open"),
                )
            )
        if topic.id == "value-creation.orientation.motivation":
            agreements.append(
                agreement(3, "We spreken elk kwartaal met de deelnemers zelf.", "proposed", round2)
            )
        if topic.id == "resources.orientation.type":
            dropped.append(
                agreement(
                    4,
                    "De bakkerij stelt een bestelbus beschikbaar.",
                    "dropped",
                    round1 + dt.timedelta(days=4),
                    history=(
                        Event(
                            Step.DROPPED,
                            round2 + dt.timedelta(days=3),
                            "De bakkerij stelt een bestelbus beschikbaar.",
                        ),
                    ),
                )
            )
            agreements.append(
                agreement(
                    5,
                    "Werkplaats Zuid levert de begeleiding, de bakkerij de werkplekken en de "
                    "opleiding op de vloer.",
                    "confirmed",
                    round2 + dt.timedelta(days=3),
                    review_due=dt.date(2027, 6, 3),
                )
            )
        if topic.id == "resources.orientation.equality":
            issues.append(
                IssueEntry(
                    13,
                    "Wie beslist als we het oneens zijn?",
                    pieter,
                    round2 + dt.timedelta(days=5),
                )
            )
        if topic.id == "value-creation.integration.visibility":
            issues.append(
                IssueEntry(
                    14,
                    "Willen we samen naar buiten treden, en onder welke naam?",
                    fatima,
                    round2 + dt.timedelta(days=10),
                    ActionEntry(0, None, "open"),
                )
            )
        record = TopicRecord(
            topic,
            topic_state(status, tuple(agreements), tuple(issues)),
            said,
            tuple(agreements),
            tuple(issues),
            tuple(dropped),
            status=status,
            round=number,
            resolved=tuple(resolved),
            **kwargs,  # type: ignore[arg-type]
        )
        topics.append(record)

    def view(check: int, at_: dt.datetime, first: float, second: float) -> View:
        def score(base: float, i: int) -> Score:
            mean = min(4.0, base + (i % 3) * 0.5)
            return Score(mean, mean - 0.5, mean, 2)

        return View(
            check,
            at_,
            {
                1: tuple(score(first, i) for i in range(len(components()))),
                2: tuple(score(second, i + 1) for i in range(len(components()))),
            },
        )

    return GroupRecord(
        chat_id=-200,
        partners=partners,
        language=language,
        timezone=ZONE,
        made_at=_day(2027, 3, 20, 16),
        topics=tuple(topics),
        positions=(view(1, round1, 1.5, 2.0), view(2, round2 + dt.timedelta(days=2), 2.0, 2.5)),
        facilitators=("Marieke Visser",),
        reminders=(ReminderEntry("integration", _day(2027, 5, 4)),),
    )
