"""Build the Application: resources in ``post_init``, and the table of contents of handlers."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import (
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Config
from bot.domain import moments
from bot.handlers import (
    agreements,
    checkups,
    faults,
    issues,
    position,
    privacy,
    private,
    reminders,
    routes,
    session,
    setup,
    takeaway,
    welcome,
)
from bot.handlers.turn import Context
from bot.io import conflict
from bot.io.commands import register_commands
from bot.io.inbox import DurableUpdateQueue, mark_handled
from bot.io.outbox import RateLimiter, StopBegan
from bot.io.processor import PerChatUpdateProcessor
from bot.io.requests import BotRequest, Reachability
from bot.jobs import checking, following, nudging, reminding
from bot.ops.startup import open_services
from bot.render.commands import names as command_names
from bot.services import KEY, App, services

log = logging.getLogger(__name__)

#: ``bot_data`` key: True while ``post_init`` runs (a stop signal then waits for its end).
STARTING = "starting"
#: ``bot_data`` key: whether the Bot API can be reached (``bot.io.requests.Reachability``).
REACH = "reach"

#: Commands run once, when sent; editing a command message does not run it again.
NEW = filters.UpdateType.MESSAGE
#: Session commands make sense only in a group with both partners.
GROUPS = filters.ChatType.GROUPS
GROUP_COMMANDS = [
    "partners", "rename", "reset", "stage", "skip", "back", "agree", "issue", "issues", "status",
    "topics",
    "remind", "reminders", "timezone", "forgetgroup", "summary", "agreements", "wheel", "export",
    "checkup",
    "position", "private", "nudge", "action", "facilitator",
]  # fmt: skip


class _CommandForOtherBot(filters.MessageFilter):
    """True for ``/cmd@OtherBot``: a command addressed to a different bot."""

    def filter(self, message: Message) -> bool:
        text = message.text or ""
        if not text.startswith("/"):
            return False
        head = text.split()[0]
        if "@" not in head:
            return False
        return head.split("@", 1)[1].lower() != (message.get_bot().username or "").lower()


def build_app(
    config: Config,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    update_processor: BaseUpdateProcessor | None = None,
) -> App:
    """Build the bot; pass a fake ``request`` to run it offline."""
    processor = update_processor or PerChatUpdateProcessor()
    queue = DurableUpdateQueue()
    # Typed as App's builder: rate_limiter() below changes ExtBot's parameter (see App).
    builder: ApplicationBuilder[
        ExtBot[Any], Any, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[Context]
    ] = (
        ApplicationBuilder()
        .token(config.token)
        .defaults(Defaults(tzinfo=config.timezone))
        .update_queue(queue)
        .concurrent_updates(processor)
        .post_init(_open_resources(config))
        .post_stop(_deliver_owed)
        .post_shutdown(_close_resources)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if config.base_file_url:
        builder = builder.base_file_url(config.base_file_url)
    watch = conflict.PollingWatch()
    reach = Reachability()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # Long polling confirms updates by the next getUpdates: the inbox rows may commit with
        # their turns, as long as they are committed before that request goes out.
        queue.confirm_at_next_poll = not config.webhook_url
        # PTB's request, but an answer that is not JSON is one exception, not a logged traceback
        # quoting the message (bot/io/requests.py).
        # While the Bot API cannot be reached, one warning a minute (Reachability).
        builder = builder.request(BotRequest(reach))
        # A pool of one, as PTB's own default for getUpdates; it also counts answered polls.
        builder = builder.get_updates_request(
            conflict.WatchedPollRequest(
                watch, before_poll=queue.stored, reach=reach, connection_pool_size=1
            )
        )
    if rate_limit:
        # Retry after RetryAfter instead of giving up on the first flood-limit answer.
        builder = builder.rate_limiter(RateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data[conflict.KEY] = watch
    app.bot_data[REACH] = reach
    if isinstance(processor, PerChatUpdateProcessor):

        async def leave_inbox(update: object) -> None:
            if KEY in app.bot_data:
                await mark_handled(services(app).store, queue, update)

        processor.after = leave_inbox
        processor.stopping = lambda: KEY in app.bot_data and services(app).outbox.stopping
    add_handlers(app)
    app.add_error_handler(_log_error)
    return app


def add_handlers(app: App) -> None:
    """Register every handler, in the order they are tried."""
    # Membership of the bot itself: greet once when added, forget when removed.
    app.add_handler(ChatMemberHandler(welcome.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, welcome.on_bot_added))

    # A group that becomes a supergroup gets a new id; the data follows it.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, welcome.on_migrate))
    app.add_handler(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, setup.on_member_left))

    # Commands, by their English and Dutch names (also /cmd@ThisBot; /cmd@OtherBot never matches
    # a CommandHandler).
    app.add_handler(CommandHandler(command_names("start"), setup.on_start, filters=NEW))
    app.add_handler(CommandHandler(command_names("help"), welcome.on_help, filters=NEW))
    app.add_handler(CommandHandler(command_names("language"), welcome.on_language, filters=NEW))
    app.add_handler(
        CommandHandler(command_names("partners"), setup.on_partners, filters=NEW & GROUPS)
    )
    app.add_handler(CommandHandler(command_names("rename"), setup.on_rename, filters=NEW & GROUPS))
    app.add_handler(CommandHandler(command_names("reset"), setup.on_reset, filters=NEW & GROUPS))
    app.add_handler(CommandHandler(command_names("stage"), session.on_stage, filters=NEW & GROUPS))
    app.add_handler(CommandHandler(command_names("skip"), session.on_skip, filters=NEW & GROUPS))
    app.add_handler(CommandHandler(command_names("back"), session.on_back, filters=NEW & GROUPS))
    app.add_handler(
        CommandHandler(command_names("agree"), agreements.on_agree, filters=NEW & GROUPS)
    )
    app.add_handler(CommandHandler(command_names("issue"), issues.on_issue, filters=NEW & GROUPS))
    app.add_handler(
        CommandHandler(command_names("issues"), issues.on_issues, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("action"), issues.on_action, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("facilitator"), setup.on_facilitator, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("status"), session.on_status, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("topics"), session.on_topics, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("checkup"), checkups.on_checkup, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("remind"), reminders.on_remind, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("reminders"), reminders.on_reminders, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("timezone"), reminders.on_timezone, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("forgetgroup"), privacy.on_forget_group, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("summary"), takeaway.on_summary, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("agreements"), takeaway.on_agreements, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("wheel"), takeaway.on_wheel, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("export"), takeaway.on_export, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("position"), position.on_position, filters=NEW & GROUPS)
    )
    app.add_handler(
        CommandHandler(command_names("private"), private.on_private, filters=NEW & GROUPS)
    )
    app.add_handler(CommandHandler(command_names("nudge"), session.on_nudge, filters=NEW & GROUPS))
    app.add_handler(CommandHandler(command_names("mydata"), privacy.on_my_data, filters=NEW))
    app.add_handler(CommandHandler(command_names("forgetme"), privacy.on_forget_me, filters=NEW))
    group_only = [name for command in GROUP_COMMANDS for name in command_names(command)]
    app.add_handler(CommandHandler(group_only, welcome.on_group_only, filters=NEW & ~GROUPS))

    # Buttons, every kind: the route table (bot/handlers/routes.py) picks the flow.
    app.add_handler(CallbackQueryHandler(routes.on_button))

    # Replies to the bot's prompts and cards (text, or anything else to refuse politely), routed
    # by what the message replied to is for.
    app.add_handler(MessageHandler(filters.REPLY & NEW & ~filters.COMMAND, routes.on_reply))
    app.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND, session.on_edited)
    )
    # In a private chat the bot sees every message: one that replies to nothing is the answer to
    # the topic question asked there (answering privately), if one was asked.
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & NEW & ~filters.COMMAND & ~filters.REPLY,
            private.on_private_text,
        )
    )

    # Anything else that looks like a command meant for us: a hint to /help.
    app.add_handler(
        MessageHandler(filters.COMMAND & NEW & ~_CommandForOtherBot(), welcome.on_unknown_command)
    )


def _open_resources(config: Config) -> Callable[[App], Coroutine[Any, Any, None]]:
    async def post_init(app: App) -> None:
        app.bot_data[STARTING] = True
        try:
            await start(app)
        finally:
            app.bot_data[STARTING] = False

    async def start(app: App) -> None:
        # ``wheelbot run`` opens everything before it contacts Telegram; tests come here directly.
        if KEY not in app.bot_data:
            app.bot_data[KEY] = await open_services(config)
        store, outbox = services(app).store, services(app).outbox
        outbox.stop_within = config.stop_seconds
        outbox.reach = app.bot_data.get(REACH)
        # PTB runs post_init before it polls or opens the webhook: from here every update is
        # stored before Telegram is told it arrived, and what the last run left goes first.
        if isinstance(app.update_queue, DurableUpdateQueue):
            app.update_queue.store = store
            await app.update_queue.replay(app.bot)
        # What the last run committed and did not deliver goes out before anything new. A stop
        # meanwhile (bot/cli.py) cuts it short as any stop: PTB runs no post_stop for a stop
        # during post_init, so the drain is here, and PTB stops once this returns.
        await outbox.settle()
        await outbox.deliver_owed(app.bot)
        log.info(
            "Using database %s (schema version %d)",
            config.db_path.resolve(),
            await store.version(),
        )
        if outbox.stopping:
            await outbox.drain()
            return
        reminding.schedule(app)  # the first look sends what fell due while the bot was down
        checking.schedule(app)  # likewise the check-ups of agreements whose review date came
        nudging.schedule(app)  # and the gentle word on cards that wait for a first answer
        following.schedule(app)  # and the reminders of action items whose date came
        await asyncio.to_thread(moments.warm_up)  # the first /remind need not load dateparser
        if outbox.stopping:
            await outbox.drain()
            return
        await register_commands(app.bot, services(app).translators)
        log.info("Registered commands in English and Dutch as @%s", app.bot.username)
        if outbox.stopping:
            await outbox.drain()
            return
        # What start-up loaded stays for the bot's life. Out of the garbage collector's full
        # sweeps, which took 50-65 ms over it, every group's answers are spared that pause.
        gc.freeze()

    return post_init


async def _deliver_owed(app: App) -> None:
    # post_stop: updates are no longer taken, and the bot's HTTP client still works (PTB closes
    # it in shutdown, before post_shutdown). What cannot go out by the stop's deadline
    # (WHEELBOT_STOP_SECONDS after the SIGTERM) stays owed.
    if KEY in app.bot_data:
        await services(app).outbox.drain()


async def _close_resources(app: App) -> None:
    gc.unfreeze()  # an application made after this one (in tests) is collected again
    if KEY in app.bot_data:
        # Deliveries still running here (a driver that skipped post_stop) are cut short.
        await services(app).outbox.drain(within=0)
        closing = app.bot_data.pop(KEY)
        await closing.files.close()  # the drawing process, if a file started it
        await closing.store.close()


async def _log_error(update: object, context: Context) -> None:
    if isinstance(context.error, StopBegan):
        # A turn that would have waited for a delivery while the bot stops: it was not taken,
        # and its update stays in the inbox for the next start.
        queue = context.application.update_queue
        if isinstance(queue, DurableUpdateQueue) and isinstance(update, Update):
            queue.left_for_next_start(update.update_id)
        return
    if (
        update is None
        and isinstance(context.error, NetworkError)
        and not isinstance(context.error, BadRequest)
    ):
        # A poll that could not reach the Bot API: the request said so (one warning a minute
        # while it lasts, bot/io/requests.py), and PTB's polling loop asks again after a while.
        return
    if conflict.is_rival(context.error, update):
        conflict.on_conflict(context.application)
        return
    if faults.is_storage_fault(context.error):
        await faults.tell_could_not_save(update, context)
        return
    if update is None and faults.is_storage_fault(getattr(context.error, "__cause__", None)):
        # A poll whose updates the inbox could not store: it said so in one line, and PTB's
        # polling loop asks again after a while. A traceback at each try says nothing more.
        return
    # Never log the update itself: it holds people's names and answers.
    kind = type(update).__name__
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Error while handling %s %s", kind, update_id, exc_info=context.error)
