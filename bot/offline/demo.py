"""``wheelbot demo``: a complete scripted session of two partners, played through the real
application offline (the package's fake Bot API, a database in a temporary folder, no token, no
network). It prints the chat as a transcript and writes the wheel picture and the export.

Four people take part, two per organisation: they set the group up, work through the first three
topics of Orientation with answers, propose and confirm agreements, note an open issue, and ask
for the summary, the agreements, the picture and the export.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.offline.fake_api import Call, FakeBotApi, Sent, parse_html
from bot.offline.lifecycle import close_app
from bot.offline.people import Group, User

DEMO_TOKEN = "123456:demo-without-a-token"


@dataclass(frozen=True, slots=True)
class Script:
    """What the people of one language say."""

    first: str
    second: str
    title: str
    people: tuple[User, User, User, User]  # two of the first organisation, two of the second
    answers: tuple[tuple[str, str, str], ...]  # per topic: answers of people 0, 2 and 1
    agreement: str
    counter: str
    issue: str
    second_agreement: str


SCRIPTS = {
    "nl": Script(
        first="Werkplaats Zuid",
        second="Bakkerij De Zon",
        title="Werkplaats Zuid × De Zon",
        people=(
            User(501, "Fatima", "nl", "El Amrani"),
            User(502, "Joost", "nl", "de Wit"),
            User(503, "Sanne", "nl", "Bakker"),
            User(504, "Pieter", "nl", "Jansen"),
        ),
        answers=(
            (
                "Tien mensen met afstand tot de arbeidsmarkt een vaste plek in de bakkerij, binnen twee jaar.",
                "Een stabiel team in de nachtploeg, en laten zien dat inclusief ondernemen loont 🥐",
                "Dat onze deelnemers een diploma halen, niet alleen een baan.",
            ),
            (
                "Samen meten hoeveel mensen doorstromen naar betaald werk.",
                "Minder verloop en een leerlijn die we ook bij andere vestigingen kunnen gebruiken.",
                "Elk kwartaal een gesprek over wie klaar is voor de volgende stap.",
            ),
            (
                "Het is onze missie: iedereen verdient werk dat bij hem of haar past.",
                "Eerlijk gezegd: we vinden geen personeel. En onze klanten vragen erom.",
                "Onze mensen willen echt werk, geen project.",
            ),
        ),
        agreement="We plaatsen binnen twee jaar tien mensen in vaste dienst; elk halfjaar kijken we samen of we op koers liggen.",
        counter="We plaatsen binnen twee jaar tien mensen in vaste dienst, met een werkbegeleider op de vloer; elk halfjaar kijken we samen of we op koers liggen.",
        issue="Wie betaalt de werkbegeleider in het eerste jaar?",
        second_agreement="Onze gezamenlijke drijfveer: echt werk voor mensen die nu aan de kant staan – en een bakkerij die draait 🍞",
    ),
    "en": Script(
        first="Southside Works",
        second="Sunrise Bakery",
        title="Southside Works × Sunrise",
        people=(
            User(501, "Fatima", "en", "El Amrani"),
            User(502, "James", "en", "White"),
            User(503, "Sarah", "en", "Baker"),
            User(504, "Peter", "en", "Johnson"),
        ),
        answers=(
            (
                "Ten people who are far from the job market in a permanent job at the bakery, within two years.",
                "A stable night shift, and showing that inclusive business pays off 🥐",
                "That our participants earn a qualification, not just a job.",
            ),
            (
                "Measure together how many people move on to paid work.",
                "Less staff turnover, and a training path we can use in other branches too.",
                "A talk every quarter about who is ready for the next step.",
            ),
            (
                "It is our mission: everyone deserves work that fits them.",
                "Honestly: we cannot find staff. And our customers ask for it.",
                "Our people want real work, not a project.",
            ),
        ),
        agreement="Within two years we place ten people in permanent jobs; every six months we check together whether we are on track.",
        counter="Within two years we place ten people in permanent jobs, with a job coach on the floor; every six months we check together whether we are on track.",
        issue="Who pays for the job coach in the first year?",
        second_agreement="What drives us both: real work for people who are now left out – and a bakery that runs 🍞",
    ),
}


class Transcript:
    """Prints what people do and what the bot does, in the order the chat shows it."""

    def __init__(self, api: FakeBotApi, chat_id: int, out: TextIO) -> None:
        self.api, self.chat_id, self.out = api, chat_id, out
        self.seen = 0
        #: What each bot message says now, to show only what an edit changes.
        self.shown: dict[int, str] = {}

    def person(self, user: User, action: str) -> None:
        self.flush()
        self.out.write(f"\n👤 {user.first_name}: {action}\n")

    def flush(self) -> None:
        """Print the bot's calls since the last look."""
        calls, self.seen = self.api.calls[self.seen :], len(self.api.calls)
        for call in calls:
            if (
                call.error is None
                and int(call.params.get("chat_id", self.chat_id)) == self.chat_id
            ):
                line = self._line(call)
                if line:
                    self.out.write(line + "\n")

    def _line(self, call: Call) -> str | None:
        p = call.params
        if call.method == "sendMessage":
            if isinstance(call.result, dict):
                self.shown[int(call.result["message_id"])] = _plain(p)
            return "🤖 " + _indent(_plain(p)) + _buttons(p)
        if call.method == "editMessageText":
            # An edited card or list: only the lines that changed, as people notice them.
            key = int(p.get("message_id", 0))
            before = self.shown.get(key, "").splitlines()
            now = _plain(p)
            self.shown[key] = now
            changed = [line for line in now.splitlines() if line.strip() and line not in before]
            return "🤖 ✎ " + _indent("\n".join(changed) or "…")
        if call.method == "setMessageReaction":
            reaction = p.get("reaction") or []
            emoji = reaction[0].get("emoji") if reaction and isinstance(reaction[0], dict) else ""
            return f"🤖 {emoji}"
        if call.method == "answerCallbackQuery" and p.get("text"):
            return f"🤖 (pop-up) {p['text']}"
        if call.method in ("sendPhoto", "sendDocument"):
            name = next(iter(p.get("_files", {}).values()), ("file", b""))[0]
            caption = parse_html(str(p.get("caption", "")))
            return f"🤖 📎 {name}\n   {caption}"
        return None


def _plain(params: dict[str, Any]) -> str:
    return parse_html(str(params.get("text", "")))


def _indent(text: str) -> str:
    return text.replace("\n", "\n   ")


def _buttons(params: dict[str, Any]) -> str:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard") or []
    if not rows:
        return ""
    return "\n   " + "\n   ".join(" ".join(f"[{b['text']}]" for b in row) for row in rows)


def _with_data(group: Group, prefix: str) -> tuple[Sent, str]:
    """The newest message with a button whose data starts with ``prefix``, and its label."""
    for message in reversed(group.sent):
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if str(button.get("callback_data", "")).startswith(prefix):
                    return message, str(button["text"])
    raise LookupError(prefix)


def _card(group: Group) -> Sent:
    return next(m for m in reversed(group.sent) if m.force_reply)


async def play(language: str, out: TextIO) -> list[tuple[str, bytes]]:
    """Play the scripted session; print the transcript to ``out``; return the files the bot
    sent (name, content)."""
    from bot.app import build_app
    from bot.config import Config

    script = SCRIPTS[language]
    a1, a2, b1, b2 = script.people
    api = FakeBotApi()
    with tempfile.TemporaryDirectory(prefix="wheelbot-demo-") as folder:
        config = Config(
            token=DEMO_TOKEN,
            db_path=Path(folder) / "demo.sqlite",
            timezone=ZoneInfo("Europe/Amsterdam"),
        )
        app = build_app(config, request=api, rate_limit=False)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        group = Group(app, api, title=script.title)
        log = Transcript(api, group.chat_id, out)
        log.seen = len(api.calls)  # the start-up calls (getMe, setMyCommands) are not the chat
        try:
            await _session(group, log, script, a1, a2, b1, b2)
            log.flush()
        finally:
            await close_app(app)  # PTB's order: stop, post_stop, shutdown, post_shutdown
    return [m.file for m in api.sent_to(group.chat_id) if m.file is not None]


async def _session(
    group: Group, log: Transcript, s: Script, a1: User, a2: User, b1: User, b2: User
) -> None:
    async def say(user: User, text: str) -> None:
        log.person(user, text)
        await group.send(user, text)

    async def answer(user: User, text: str, to: Callable[[Group], Sent] = _card) -> None:
        log.person(user, f"↩ {text}")
        await group.reply(user, text, to=to(group))

    async def press(user: User, prefix: str) -> None:
        message, label = _with_data(group, prefix)
        log.person(user, f"[{label}]")
        await group.press(user, label, on=message)

    log.person(a1, "(adds the bot to the group)")
    await group.add_bot(a1)
    await say(a1, "/start")
    await answer(a1, s.first)
    await answer(b1, s.second)
    for user, slot in ((a1, 1), (b1, 2), (a2, 1), (b2, 2)):
        await press(user, f"side:{slot}")
    await press(a1, "stage:orientation")
    first, second, third = s.answers
    # Ambition: three answers, an agreement proposed, worded differently by the other partner,
    # and confirmed.
    await answer(a1, first[0])
    await answer(b1, first[1])
    await answer(a2, first[2])
    await say(a1, f"/agree {s.agreement}")
    proposal = group.last
    await answer(b1, s.counter, to=lambda _: proposal)
    await press(a2, "conf:")
    # Moving on takes one Ready from each organisation.
    await press(b2, "next:")
    await press(a2, "next:")
    # Goals: answers and an open issue.
    await answer(a2, second[0])
    await answer(b2, second[1])
    await say(b2, f"/issue {s.issue}")
    await press(a1, "next:")  # a1 set the group up: one press of theirs moves on
    # Motivation: answers and a second agreement.
    await answer(a1, third[0])
    await answer(b1, third[1])
    await answer(a2, third[2])
    await say(b1, f"/agree {s.second_agreement}")
    await press(a1, "conf:")
    # What they take away.
    await say(a2, "/summary")
    await say(b2, "/agreements")
    await say(a1, "/wheel")
    await say(b1, "/export")


def main(language: str, out_dir: Path, out: TextIO) -> int:
    """Run the demo; 0 when it played through."""
    files = asyncio.run(play(language, out))
    out_dir.mkdir(parents=True, exist_ok=True)
    out.write("\n")
    for name, content in files:
        path = out_dir / name
        path.write_bytes(content)
        out.write(f"Written: {path}\n")
    return 0
