"""The fake Bot API refuses what Telegram refuses, as seen through a real PTB ``Bot``."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, RetryAfter

from bot.offline.fake_api import ApiRefusal, FakeBotApi, parse_html

TOKEN = "123456789:AAEfakeTokenForOfflineTestsOnly_abcdefg"
CHAT = -4001234567


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, request=api, get_updates_request=api) as bot:
        yield bot


def buttons(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"b{i}", callback_data=d)] for i, d in enumerate(data)]
    )


# -- what is accepted -------------------------------------------------------------------------


async def test_get_me_and_a_message_round_trip(bot: Bot, api: FakeBotApi) -> None:
    assert bot.username == "ImpactWheelBot"
    sent = await bot.send_message(
        CHAT, "<b>Hi</b> &amp; <i>welcome</i> &#128512;", parse_mode="HTML"
    )
    assert sent.text == "Hi & welcome 😀"
    assert api.sent_to(CHAT)[0].text == "Hi & welcome 😀"
    assert api.sent_to(CHAT)[0].html == "<b>Hi</b> &amp; <i>welcome</i> &#128512;"
    assert api.refusals() == []


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "😀" * 2048,  # 4096 UTF-16 code units
        "<b>" + "x" * 4096 + "</b>",  # the limit counts text after entity parsing
        "&lt;" * 4096,
    ],
)
async def test_text_at_the_limit_is_accepted(bot: Bot, api: FakeBotApi, text: str) -> None:
    await bot.send_message(CHAT, text, parse_mode="HTML")
    assert api.refusals() == []


# -- what is refused --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["x" * 4097, "😀" * 2049, "😀" * 2048 + "x", "&lt;" * 4097])
async def test_text_over_4096_is_too_long(bot: Bot, api: FakeBotApi, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, text, parse_mode="HTML")
    assert api.sent_to(CHAT) == []
    assert [c.error for c in api.refusals()] == ["Bad Request: message is too long"]


@pytest.mark.parametrize("text", ["", "   ", "<b> </b>", "\n\n"])
async def test_empty_text_is_refused(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, text, parse_mode="HTML")


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, api: FakeBotApi) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=buttons("d" * 64))
    for data in ("d" * 65, "é" * 33):
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(CHAT, "too much", reply_markup=buttons("ok", data))
    assert len(api.sent_to(CHAT)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "a < b",
        "Q&A",
        "&nbsp;",
        "<foo>unknown</foo>",
        "<b><i>crossed</b></i>",
        "stray </b>",
        "a > b",
        "<br/>",
    ],
)
async def test_malformed_html_cannot_be_parsed(bot: Bot, api: FakeBotApi, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, text, parse_mode="HTML")
    assert api.sent_to(CHAT) == []


async def test_without_parse_mode_the_text_is_not_html(bot: Bot, api: FakeBotApi) -> None:
    await bot.send_message(CHAT, "a < b & <b>c")
    assert api.sent_to(CHAT)[0].text == "a < b & <b>c"


def test_parse_errors_name_the_byte_offset() -> None:
    with pytest.raises(ApiRefusal, match=r"at byte offset 3$") as info:
        parse_html("é <")  # "é" is two bytes in UTF-8
    assert info.value.status == 400


async def test_editing_with_the_same_content_is_not_modified(bot: Bot, api: FakeBotApi) -> None:
    sent = await bot.send_message(
        CHAT, "<b>Topic</b>", parse_mode="HTML", reply_markup=buttons("a")
    )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Topic</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=buttons("a")
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=buttons("a"))
    # A different keyboard, or none, is a change.
    await bot.edit_message_text(
        "<b>Topic</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=buttons("b")
    )
    edited = await bot.edit_message_text("<b>Topic</b>", CHAT, sent.message_id, parse_mode="HTML")
    assert edited.edit_date is not None
    assert api.sent_to(CHAT)[0].edits == 2
    assert api.sent_to(CHAT)[0].buttons == []


async def test_editing_a_missing_message_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", CHAT, 999_999)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(CHAT, 999_999, reply_markup=buttons("a"))
    sent = await bot.send_message(CHAT, "in another chat")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", CHAT - 1, sent.message_id)


async def test_deleting_twice_is_refused(bot: Bot, api: FakeBotApi) -> None:
    sent = await bot.send_message(CHAT, "bye")
    assert await bot.delete_message(CHAT, sent.message_id) is True
    assert api.sent_to(CHAT) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_callback_answer_over_200_characters_is_refused(bot: Bot) -> None:
    assert await bot.answer_callback_query("1", text="x" * 200) is True
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.answer_callback_query("1", text="x" * 201)


# -- scripted failures ------------------------------------------------------------------------


async def test_fail_next_with_retry_after_raises_retry_after(
    bot: Bot, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns (an error here) when RetryAfter.retry_after is an int; opt in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "flood")
    assert info.value.retry_after == dt.timedelta(seconds=7)
    # Only the next call fails; other methods were never affected.
    await bot.send_message(CHAT, "again")
    assert [m.text for m in api.sent_to(CHAT)] == ["again"]
    assert [(c.method, c.error) for c in api.refusals()] == [
        ("sendMessage", "Too Many Requests: retry after 7")
    ]


async def test_fail_next_with_migrate_to_chat_id_raises_chat_migrated(
    bot: Bot, api: FakeBotApi
) -> None:
    api.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1001234567890,
    )
    await bot.get_me()  # another method does not use up the failure
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(CHAT, "hello")
    assert info.value.new_chat_id == -1001234567890


async def test_fail_next_plain_bad_request(bot: Bot, api: FakeBotApi) -> None:
    api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    sent = await bot.send_message(CHAT, "old")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("new", CHAT, sent.message_id)
    assert api.sent_to(CHAT)[0].text == "old"
