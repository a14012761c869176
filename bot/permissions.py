"""Who may do what in a group: one rule per command, button and reply.

The flows enforce these rules (``representative``, the proposer and side checks of agreements,
``may_manage`` for the set-up); this table is the one place that says them, for people
(``docs/permissions.md`` is written from it) and for ``tests/test_permissions.py``, which plays
every action as every kind of person and compares what happens with the table.
"""

from __future__ import annotations

from enum import StrEnum


class Who(StrEnum):
    """Who may use an action."""

    ANYONE = "anyone in the group"
    PERSON = "anyone writing as themselves (not anonymously, not as a channel)"
    SIDE = (
        "anyone writing as themselves, except to switch sides while a proposal of theirs waits "
        "for confirmation"
    )
    REPRESENTATIVE = "a representative of either partner"
    OTHER_PARTNER = (
        "a representative of the other partner than the proposer's, who already represented it "
        "when it was proposed (never the proposer)"
    )
    PROPOSER = "the person who proposed it"
    NEGOTIATOR = (
        "the proposer (to reword it) or a representative of the other partner (other wording, "
        "which they then propose)"
    )
    MANAGER = "the person who set up the group, or a group administrator"


#: Action → who may use it. Commands are written as sent, buttons by what they say.
RULES: dict[str, Who] = {
    # reading
    "/start": Who.ANYONE,
    "/help": Who.ANYONE,
    "/status": Who.ANYONE,
    "/partners": Who.ANYONE,
    "/issues": Who.ANYONE,
    "/reminders": Who.ANYONE,
    "/timezone (show)": Who.ANYONE,
    "/language (show)": Who.ANYONE,
    "/mydata": Who.PERSON,
    "/forgetme": Who.PERSON,
    # taking part
    "side button (I represent …)": Who.SIDE,
    "/language nl|en, language button": Who.REPRESENTATIVE,
    "/stage <name>, stage button": Who.REPRESENTATIVE,
    "/skip": Who.REPRESENTATIVE,
    "/back": Who.REPRESENTATIVE,
    "reply to a topic card (an answer)": Who.REPRESENTATIVE,
    "Next topic": Who.REPRESENTATIVE,
    "/agree <text>, Record an agreement": Who.REPRESENTATIVE,
    "/issue <text>, Note an open issue": Who.REPRESENTATIVE,
    "Resolved (an open issue)": Who.REPRESENTATIVE,
    "Make it an agreement (an open issue)": Who.REPRESENTATIVE,
    "/remind <when> [stage], In 1/3/6 months": Who.REPRESENTATIVE,
    "/timezone <zone>": Who.REPRESENTATIVE,
    "reminder buttons (Start now, In a week, Cancel)": Who.REPRESENTATIVE,
    # agreements
    "Confirm": Who.OTHER_PARTNER,
    "Not yet": Who.OTHER_PARTNER,
    "reply to a proposal": Who.NEGOTIATOR,
    "Withdraw": Who.PROPOSER,
    # the set-up
    "/rename": Who.MANAGER,
    "/reset": Who.MANAGER,
    "/forgetgroup": Who.MANAGER,
}


def markdown() -> str:
    """The table as ``docs/permissions.md`` shows it."""
    rows = "\n".join(f"| {action} | {who.value} |" for action, who in RULES.items())
    return (
        "# Who may do what\n\n"
        "Written from `bot/permissions.py` (a test fails when the two differ). In a private\n"
        "chat only `/start`, `/help`, `/language` and `/mydata` do anything. A representative who\n"
        "leaves the group stops being one; their answers stay.\n\n"
        "| action | who |\n|---|---|\n" + rows + "\n"
    )
