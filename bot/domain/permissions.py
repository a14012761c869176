"""Who may do what in a group: one rule per command, button and reply.

This table is the one place that says them: ``bot/flows/gate.py`` applies it (every flow asks the
gate with its action, and a test checks that each action is asked for), ``docs/permissions.md`` is
written from it, and ``tests/test_permissions.py`` plays every action as every kind of person and
compares what happens with the table.
"""

from __future__ import annotations

from enum import StrEnum


class Who(StrEnum):
    """Who may use an action."""

    ANYONE = "anyone in the group"
    PERSON = "anyone writing as themselves (not anonymously, not as a channel)"
    SIDE = (
        "anyone writing as themselves, except a facilitator, and except to switch sides while a "
        "proposal of theirs waits for confirmation"
    )
    REPRESENTATIVE = "a representative of either partner"
    #: Steering the session: a facilitator may, though they never answer, propose, confirm or
    #: rate. A new action that moves the group along rather than saying something for a
    #: partner belongs here.
    STEER = "a representative of either partner, or a facilitator"
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
    #: Admitting a newcomer: nobody joins an organisation alone once the group has started.
    COLLEAGUE = (
        "a representative of the organisation the newcomer asked to join (never the newcomer, "
        "never a facilitator)"
    )
    NEWCOMER = "the newcomer it was made for, while they represent a partner of the group"
    MOVER = (
        "a representative of either partner (a Ready counts for their organisation: one from "
        "each moves on), or a facilitator or the person who set up the group (one press moves on)"
    )


class Action(StrEnum):
    """Every command, button and reply that does something in a group, written as people see it."""

    START = "/start"
    HELP = "/help"
    STATUS = "/status"
    TOPICS = "/topics"
    PARTNERS = "/partners"
    ISSUES = "/issues"
    REMINDERS = "/reminders"
    TIMEZONE_SHOW = "/timezone (show)"
    LANGUAGE_SHOW = "/language (show)"
    SUMMARY = "/summary [stage]"
    AGREEMENTS = "/agreements"
    WHEEL = "/wheel"
    EXPORT = "/export, Export as PDF"
    MYDATA = "/mydata"
    FORGETME = "/forgetme"
    SIDE = "side button (I represent …)"
    LANGUAGE = "/language nl|en, language button"
    STAGE = "/stage <name>, stage button"
    GO_TO_TOPIC = "a topic on the map of /topics"
    SKIP = "/skip"
    BACK = "/back"
    ANSWER = "reply to a topic card (an answer)"
    NEXT = "Ready (to move on to the next topic)"
    AGREE = "/agree <text>, Propose an agreement"
    ISSUE = "/issue <text>, Note an open issue"
    RESOLVE = "Resolved (an open issue)"
    ISSUE_TO_AGREEMENT = "Make it an agreement (an open issue)"
    REMIND = "/remind <when> [stage], In 1/3/6 months"
    TIMEZONE = "/timezone <zone>"
    REMINDER_BUTTONS = "reminder buttons (Start now, In a week, Cancel)"
    CHECKUP = "/checkup"
    CHECKUP_MARK = "check-up buttons (Kept, Partly, Not kept)"
    CHECKUP_DATE = "/checkup date <n> <date>"
    CONFIRM = "Confirm"
    NOT_YET = "Not yet"
    REWORD = "reply to a proposal"
    WITHDRAW = "Withdraw"
    STILL_HOLDS = "Still holds (an earlier agreement)"
    CHANGE = "Change (an earlier agreement), and the reply with its new wording"
    DROP = "Drop (an earlier agreement)"
    RENAME = "/rename"
    RESET = "/reset"
    FORGETGROUP = "/forgetgroup"
    POSITION = "/position"
    PRIVATE_SHOW = "/private (show)"
    PRIVATE = "/private on|off"
    ANSWER_PRIVATELY = "Answer privately (a card's link), and the answer in the private chat"
    NUDGE = "/nudge"
    NUDGE_AUTO = "/nudge auto on, /nudge auto off"
    FACILITATOR = "/facilitator (replying to someone's message), Facilitate, End role"
    ACTION = "/action <n> <owner> <date>, owner and date buttons of an open issue"
    ACTION_STATUS = "action item buttons (Done, Not feasible, Remind us in a week)"
    ADMIT = "Confirm, Not a colleague (someone asking to join an organisation)"
    BRIEFING = "Read the briefing (a confirmed newcomer's link), in the private chat"


#: Action → who may use it. ``bot/flows/gate.py`` applies it; every flow that changes something
#: asks the gate with its action.
RULES: dict[Action, Who] = {
    # reading
    Action.START: Who.ANYONE,
    Action.HELP: Who.ANYONE,
    Action.STATUS: Who.ANYONE,
    Action.TOPICS: Who.ANYONE,
    Action.PARTNERS: Who.ANYONE,
    Action.ISSUES: Who.ANYONE,
    Action.REMINDERS: Who.ANYONE,
    Action.TIMEZONE_SHOW: Who.ANYONE,
    Action.LANGUAGE_SHOW: Who.ANYONE,
    Action.PRIVATE_SHOW: Who.ANYONE,
    Action.SUMMARY: Who.ANYONE,
    Action.AGREEMENTS: Who.ANYONE,
    Action.WHEEL: Who.ANYONE,
    Action.EXPORT: Who.ANYONE,
    Action.MYDATA: Who.PERSON,
    Action.FORGETME: Who.PERSON,
    # taking part
    Action.SIDE: Who.SIDE,
    Action.LANGUAGE: Who.STEER,
    Action.STAGE: Who.STEER,
    Action.GO_TO_TOPIC: Who.STEER,
    Action.SKIP: Who.STEER,
    Action.BACK: Who.STEER,
    Action.ANSWER: Who.REPRESENTATIVE,
    Action.ANSWER_PRIVATELY: Who.REPRESENTATIVE,
    Action.NEXT: Who.MOVER,
    Action.AGREE: Who.REPRESENTATIVE,
    Action.ISSUE: Who.REPRESENTATIVE,
    Action.RESOLVE: Who.REPRESENTATIVE,
    Action.ISSUE_TO_AGREEMENT: Who.REPRESENTATIVE,
    Action.REMIND: Who.STEER,
    Action.TIMEZONE: Who.STEER,
    Action.REMINDER_BUTTONS: Who.STEER,
    Action.CHECKUP: Who.STEER,
    Action.CHECKUP_MARK: Who.REPRESENTATIVE,
    Action.CHECKUP_DATE: Who.STEER,
    Action.POSITION: Who.STEER,
    Action.PRIVATE: Who.STEER,
    Action.NUDGE: Who.STEER,
    Action.NUDGE_AUTO: Who.STEER,
    Action.ACTION: Who.STEER,
    Action.ACTION_STATUS: Who.REPRESENTATIVE,
    # agreements
    Action.CONFIRM: Who.OTHER_PARTNER,
    Action.NOT_YET: Who.OTHER_PARTNER,
    Action.REWORD: Who.NEGOTIATOR,
    Action.WITHDRAW: Who.PROPOSER,
    Action.STILL_HOLDS: Who.REPRESENTATIVE,
    Action.CHANGE: Who.REPRESENTATIVE,
    Action.DROP: Who.REPRESENTATIVE,
    # the set-up
    Action.RENAME: Who.MANAGER,
    Action.RESET: Who.MANAGER,
    Action.FORGETGROUP: Who.MANAGER,
    Action.FACILITATOR: Who.MANAGER,
    # newcomers
    Action.ADMIT: Who.COLLEAGUE,
    Action.BRIEFING: Who.NEWCOMER,
}


def markdown() -> str:
    """The table as ``docs/permissions.md`` shows it."""
    rows = "\n".join(f"| {action} | {who.value} |" for action, who in RULES.items())
    return (
        "# Who may do what\n\n"
        "Written from `bot/domain/permissions.py` (a test fails when the two differ). In a private\n"
        "chat only `/start`, `/help`, `/language` and `/mydata` do anything, and the answer that an\n"
        "*Answer privately* link asks for there (checked against the group of the link). A\n"
        "representative who leaves the group stops being one; their answers stay. A facilitator\n"
        "(named with `/facilitator`) represents neither partner: they steer, and never answer,\n"
        "propose, confirm or rate; one who leaves the group stops being one. Once the group has\n"
        "started (its set-up done and a stage chosen), someone who taps an organisation that\n"
        "already has a representative asks to join it, and represents it only once a colleague\n"
        "has confirmed them.\n\n"
        "| action | who |\n|---|---|\n" + rows + "\n"
    )
