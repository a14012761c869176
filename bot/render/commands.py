"""The bot's command list with its descriptions, in each language (``bot.io.commands`` sends it),
and the Dutch names of the commands, which work beside the English ones."""

from __future__ import annotations

from telegram import BotCommand

from bot.i18n import Translator
from bot.render import html
from bot.render.messages import Msg, msg

COMMANDS: tuple[tuple[str, Msg], ...] = (
    ("start", msg("Start, or pick up where you left off")),
    ("help", msg("What I can do")),
    ("language", msg("Choose Dutch or English")),
    ("status", msg("Where you are")),
    ("partners", msg("Who represents which organisation")),
    ("stage", msg("Go to a stage of the wheel")),
    ("topics", msg("The wheel's topics: go to any of them")),
    ("skip", msg("Skip this topic")),
    ("back", msg("Back to the previous topic")),
    ("nudge", msg("Remind who has not answered this topic yet")),
    ("agree", msg("Propose an agreement")),
    ("issue", msg("Note an open issue")),
    ("issues", msg("List the open issues")),
    ("action", msg("Make an open issue an action item: who picks it up, by when")),
    ("summary", msg("Agreements and open issues, stage by stage")),
    ("agreements", msg("The agreements, one line each")),
    ("wheel", msg("A picture of where you stand on the wheel")),
    ("position", msg("Where does our collaboration stand? Rate it privately")),
    ("private", msg("Answer the topics privately first: on or off")),
    ("export", msg("A document with everything, to keep and share")),
    ("checkup", msg("Check together whether the agreements are kept")),
    ("remind", msg("Set a reminder for a stage")),
    ("reminders", msg("The reminders that are set")),
    ("timezone", msg("The group's time zone")),
    ("forgetgroup", msg("Erase everything kept about this group")),
    ("mydata", msg("What the bot keeps about you")),
    ("forgetme", msg("Have the bot forget you")),
    ("facilitator", msg("Name a facilitator, who represents neither partner")),
    ("rename", msg("Rename a partner organisation")),
    ("reset", msg("Start the set-up again")),
)


#: The Dutch name of a command, beside its English one: both work in every group, the Dutch menu
#: and the Dutch texts show the Dutch one. Telegram takes a-z, 0-9 and _ in a command.
DUTCH: dict[str, str] = {
    "help": "hulp",
    "language": "taal",
    "stage": "fase",
    "topics": "themas",
    "skip": "overslaan",
    "back": "terug",
    "nudge": "seintje",
    "agree": "afspraak",
    "issue": "openpunt",
    "issues": "openpunten",
    "action": "actiepunt",
    "summary": "overzicht",
    "agreements": "afspraken",
    "wheel": "wiel",
    "position": "positie",
    "private": "prive",
    "export": "pdf",
    "remind": "herinner",
    "reminders": "herinneringen",
    "timezone": "tijdzone",
    "facilitator": "gespreksleider",
    "rename": "hernoem",
    "mydata": "mijngegevens",
    "forgetme": "vergeetmij",
    "forgetgroup": "vergeetgroep",
}


def names(command: str) -> list[str]:
    """A command's names: the English one, and its Dutch one if it has one."""
    return [command, *([DUTCH[command]] if command in DUTCH else [])]


def command_list(t: Translator, *, dutch: bool = False) -> list[BotCommand]:
    """Return the commands with descriptions in one language (``dutch``: by their Dutch
    names)."""
    return [
        BotCommand(DUTCH.get(name, name) if dutch else name, html.label(t, description))
        for name, description in COMMANDS
    ]
