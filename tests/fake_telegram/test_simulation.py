"""Playing citizens against a polling aiogram bot; forums, flood limits, delays."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Dispatcher, F
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from tests.fake_telegram.conftest import PNG, USER, make_bot, with_bot

GROUP = -1001234567890


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        menu = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="📝 Новое обращение")]])
        await message.answer("Здравствуйте!", reply_markup=menu)

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        buttons = [[InlineKeyboardButton(text="✅ Отправить", callback_data="send:1")]]
        await message.answer(
            f"Черновик: {message.text}",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
        )

    @dp.callback_query(F.data.startswith("send:"))
    async def send(query: CallbackQuery) -> None:
        await query.message.edit_text("Обращение зарегистрировано")
        await query.answer("Готово")

    return dp


def polling(tg, scenario):
    """Run a polling Dispatcher while ``scenario()`` plays the user in a worker thread."""

    async def main():
        bot = make_bot(tg)
        dp = echo_dispatcher()
        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
        try:
            return await asyncio.to_thread(scenario)
        finally:
            await dp.stop_polling()
            await task
            await bot.session.close()

    return asyncio.run(main())


def test_dispatcher_answers_a_citizen_and_handles_a_button(tg):
    def scenario():
        mark = tg.mark()
        tg.send_message(USER, "/start")
        hello = tg.wait_for_bot_message(USER, after=mark)
        mark = tg.mark()
        tg.send_message(USER, "Нет света в подъезде")
        draft = tg.wait_for_bot_message(USER, lambda m: "Черновик" in m["text"], after=mark)
        query = tg.press(USER, draft, "Отправить")
        answer = tg.wait_for_callback_answer(query["id"])
        edited = tg.wait_for_edit(USER, draft["message_id"], after=mark)
        return hello, draft, query, answer, edited

    hello, draft, query, answer, edited = polling(tg, scenario)
    assert hello["text"] == "Здравствуйте!"
    assert tg.reply_keyboard(hello) == ["📝 Новое обращение"]
    assert draft["text"] == "Черновик: Нет света в подъезде"
    assert query["data"] == "send:1" and query["message"]["message_id"] == draft["message_id"]
    assert answer["text"] == "Готово"
    assert edited["text"] == "Обращение зарегистрировано"
    assert tg.callback_answers(query["id"]) == [answer]
    assert [m["from"]["id"] for m in tg.messages(USER)] == [USER, 123456, USER, 123456]
    assert tg.pending_updates_count() == 0


def test_press_reports_available_buttons(tg):
    buttons = [[InlineKeyboardButton(text="Да", callback_data="y")]]
    markup = InlineKeyboardMarkup(inline_keyboard=buttons)
    sent = with_bot(tg, lambda bot: bot.send_message(USER, "Точно?", reply_markup=markup))
    message = tg.get_message(USER, sent.message_id)
    with pytest.raises(AssertionError, match=r"'Нет'.*\['Да'\]"):
        tg.press(USER, message, "Нет")
    query = tg.press(USER, message, "Да")
    # nothing polled yet: the update waits in the queue
    assert [c.method for c in tg.calls()] == ["sendMessage"]
    assert tg.pending_updates_count() == 1 and query["from"]["id"] == USER

    async def answer_twice(bot):
        await bot.answer_callback_query(query["id"])
        await bot.answer_callback_query(query["id"])

    with pytest.raises(TelegramBadRequest, match="query is too old"):
        with_bot(tg, answer_twice)


def test_user_side_updates(tg):
    album = tg.send_album(USER, [PNG, PNG + b"2"], caption="Двор")
    sent = tg.send_message(USER, "Яма", reply_to_message_id=album[0]["message_id"])
    edited = tg.edit_message(USER, sent["message_id"], "Большая яма")
    voice = tg.send_message(USER, voice=(b"OggS", 3))
    place = tg.send_message(USER, location=(55.75, 37.61))
    chat = {"id": USER, "type": "private"}
    raw = tg.send_raw_update({"message": {"message_id": 99, "date": 1, "chat": chat, "text": "!"}})

    async def action(bot):
        return await bot.get_updates(timeout=0)

    updates = with_bot(tg, action)
    assert [m["media_group_id"] for m in album] == [album[0]["media_group_id"]] * 2
    assert album[0]["caption"] == "Двор" and "caption" not in album[1]
    assert updates[2].message.reply_to_message.message_id == album[0]["message_id"]
    assert updates[3].edited_message.text == "Большая яма" and edited["edit_date"]
    assert updates[4].message.voice.duration == 3 and voice["voice"]["mime_type"] == "audio/ogg"
    assert updates[5].message.location.latitude == pytest.approx(55.75)
    assert updates[6].update_id == raw["update_id"] and updates[6].message.text == "!"
    assert place["location"]["longitude"] == 37.61
    assert tg.get_message(USER, sent["message_id"])["text"] == "Большая яма"


def test_forum_topics_and_deleted_threads(tg):
    tg.add_group(GROUP, "Операторы ЦУР")

    async def action(bot):
        topic = await bot.create_forum_topic(GROUP, "Обращение 1")
        other = await bot.create_forum_topic(GROUP, "Обращение 2")
        inside = await bot.send_message(GROUP, "Новое", message_thread_id=topic.message_thread_id)
        await bot.close_forum_topic(GROUP, topic.message_thread_id)
        await bot.delete_forum_topic(GROUP, topic.message_thread_id)
        tg.delete_topic_behind_bot(GROUP, other.message_thread_id)
        errors = []
        for thread in (topic.message_thread_id, other.message_thread_id, 999):
            try:
                await bot.send_message(GROUP, "ещё", message_thread_id=thread)
            except TelegramBadRequest as exc:
                errors.append(exc.message)
        return topic, inside, errors

    topic, inside, errors = with_bot(tg, action)
    assert inside.message_thread_id == topic.message_thread_id and inside.is_topic_message
    assert errors == ["Bad Request: message thread not found"] * 3
    assert tg.topics(GROUP) == {}
    assert tg.messages(GROUP) == []


def test_rate_limits_answer_429_with_retry_after(tg):
    tg.set_rate_limits(per_chat_per_s=1)

    async def action(bot):
        await bot.send_message(USER, "раз")
        try:
            await bot.send_message(USER, "два")
        except TelegramRetryAfter as exc:
            return exc
        return None

    error = with_bot(tg, action)
    assert error is not None and error.retry_after >= 1
    assert error.message.endswith(f"Too Many Requests: retry after {error.retry_after}")
    assert tg.stats()["rate_limited"] == 1 and tg.stats()["errors"] == {429: 1}
    tg.reset_faults()
    assert with_bot(tg, lambda bot: bot.send_message(USER, "три")).text == "три"


def test_hang_is_visible_in_flight_and_waits_time_out(tg):
    tg.hang_next("sendMessage", 1.0)
    mark = tg.mark()

    async def action(bot):
        task = asyncio.create_task(bot.send_message(USER, "медленно"))
        await asyncio.sleep(0.2)
        call = await asyncio.to_thread(tg.wait_for_call, "sendMessage", None, 0.5, mark)
        in_flight = call.done
        started = time.monotonic()
        await task
        return in_flight, time.monotonic() - started

    in_flight, rest = with_bot(tg, action)
    assert in_flight is False and 0.1 < rest < 1.5
    assert tg.calls("sendMessage")[0].ok
    with pytest.raises(AssertionError, match="no matching message to chat 4242"):
        tg.wait_for_bot_message(USER, timeout=0.2)


def test_every_kind_of_content_parses_in_aiogram(tg):
    kinds = [
        {"sticker": True},
        {"poll": {"question": "Как дела?", "options": ["Да", "Нет"]}},
        {"dice": "🎲"},
        {"venue": {"latitude": 55.0, "longitude": 37.0, "title": "ЦУР", "address": "Ленина, 1"}},
        {"contact": {"phone_number": "+79991234567"}},
        {"document": ("act.pdf", b"%PDF", "application/pdf")},
        {"audio": (b"ID3", 30)},
        {"video_note": (b"\x00\x00", 5)},
        {"voice": (b"OggS", 2)},
        {"photo": PNG, "caption": "фото"},
        {"location": (55.0, 37.0)},
    ]
    sent = [tg.send_message(USER, **kind) for kind in kinds]

    async def action(bot):
        updates = await bot.get_updates(timeout=0)
        first = updates[0].message
        poll = await bot.send_poll(USER, "Оцените ответ", ["1", "2", "3"])
        sticker = await bot.send_sticker(USER, first.sticker.file_id)
        copy = await bot.copy_message(USER, USER, sent[5]["message_id"], caption="копия")
        forward = await bot.forward_message(USER, USER, sent[-1]["message_id"])
        chat = await bot.get_chat(USER)
        place = await bot.send_location(USER, 55.7, 37.6)
        return updates, poll, sticker, copy, forward, chat, place

    updates, poll, sticker, copy, forward, chat, place = with_bot(tg, action)
    assert [u.message.content_type for u in updates] == [
        "sticker", "poll", "dice", "venue", "contact", "document", "audio", "video_note",
        "voice", "photo", "location",
    ]  # fmt: skip
    assert [o.text for o in poll.poll.options] == ["1", "2", "3"]
    assert sticker.sticker.file_id == updates[0].message.sticker.file_id
    copied = tg.get_message(USER, copy.message_id)
    assert copied["caption"] == "копия" and copied["document"]["file_name"] == "act.pdf"
    assert forward.forward_origin.sender_user.id == USER and forward.location.latitude == 55.0
    assert chat.id == USER and chat.first_name == "Анна"
    assert place.location.longitude == pytest.approx(37.6)
