"""The fake Bot API as a real aiogram Bot sees it: methods, errors, files, updates."""

from __future__ import annotations

import threading
import time

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)

from tests.fake_telegram.conftest import PNG, USER, run, with_bot

NOT_MODIFIED = "message is not modified"


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


def test_get_me(tg):
    me = with_bot(tg, lambda bot: bot.get_me())
    assert (me.id, me.is_bot, me.username) == (123456, True, "priemnaya_test_bot")
    assert me.first_name == "Приёмная"
    assert tg.calls("getMe")[0].ok


def test_send_message_is_stored_with_entities_and_keyboard(tg):
    markup = keyboard(("Да", "yes"), ("Нет", "no"))

    async def action(bot):
        return await bot.send_message(
            USER, "<b>Жалоба</b> принята", parse_mode="HTML", reply_markup=markup
        )

    sent = with_bot(tg, action)
    assert sent.text == "Жалоба принята"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 6
    stored = tg.last_bot_message(USER)
    assert stored["message_id"] == sent.message_id
    assert tg.inline_buttons(stored) == [("Да", "yes"), ("Нет", "no")]
    [call] = tg.calls("sendMessage", chat_id=USER)
    assert call.params["parse_mode"] == "HTML" and call.ok


def test_validation_errors_become_aiogram_exceptions(tg):
    tg.add_user(777)
    tg.block_bot(777)

    async def action(bot):
        errors = {}
        attempts = {
            "empty": bot.send_message(USER, "   "),
            "long": bot.send_message(USER, "я" * 4097),
            "chat": bot.send_message(999_999, "кто здесь?"),
            "html": bot.send_message(USER, "<b>незакрытый", parse_mode="HTML"),
            "button": bot.send_message(USER, "x", reply_markup=keyboard(("a", "д" * 33))),
            "caption": bot.send_photo(USER, BufferedInputFile(PNG, "p.png"), caption="c" * 1025),
            "blocked": bot.send_message(777, "привет"),
            "edit": bot.edit_message_text("x", chat_id=USER, message_id=999),
            "delete": bot.delete_message(USER, 999),
            "copy": bot.copy_message(USER, USER, 999),
            "callback": bot.answer_callback_query("12345"),
            "file": bot.send_photo(USER, "AgACAgIAAxkBAAI-no-such-file"),
        }
        for name, coro in attempts.items():
            try:
                await coro
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                errors[name] = (type(exc), exc.message)
        return errors

    errors = with_bot(tg, action)
    bad = {k: m for k, (t, m) in errors.items() if t is TelegramBadRequest}
    assert bad["empty"] == "Bad Request: message text is empty"
    assert bad["long"] == "Bad Request: message is too long"
    assert bad["chat"] == "Bad Request: chat not found"
    assert bad["html"].startswith("Bad Request: can't parse entities: ")
    assert bad["button"] == "Bad Request: BUTTON_DATA_INVALID"
    assert bad["caption"] == "Bad Request: message caption is too long"
    assert bad["edit"] == "Bad Request: message to edit not found"
    assert bad["delete"] == "Bad Request: message to delete not found"
    assert bad["copy"] == "Bad Request: message to copy not found"
    assert bad["callback"].startswith("Bad Request: query is too old")
    assert bad["file"] == "Bad Request: wrong file identifier/HTTP URL specified"
    assert errors["blocked"] == (TelegramForbiddenError, "Forbidden: bot was blocked by the user")
    assert tg.messages(USER) == []
    assert tg.stats()["errors"] == {400: 11, 403: 1}


def test_unknown_method_and_wrong_token(tg):
    async def action():
        async with aiohttp.ClientSession() as http:
            url = f"{tg.base_url}/bot{tg.token}/sendTelepathy"
            async with http.post(url, data={"chat_id": "1"}) as resp:
                return resp.status, await resp.json()

    status, body = run(action())
    assert status == 404 and body["description"] == "Not Found: method not found"

    async def wrong_token():
        api = TelegramAPIServer.from_base(tg.base_url)
        async with Bot("123456:wrong-token", session=AiohttpSession(api=api)) as bot:
            await bot.get_me()

    with pytest.raises(TelegramUnauthorizedError):
        run(wrong_token())


def test_get_updates_drops_confirmed_and_long_polls(tg):
    first = tg.send_message(USER, "первое")
    tg.send_message(USER, "второе")

    async def action(bot):
        batch = await bot.get_updates(timeout=0)
        assert [u.message.text for u in batch] == ["первое", "второе"]
        again = await bot.get_updates(offset=batch[0].update_id + 1, timeout=0)
        assert [u.message.text for u in again] == ["второе"]
        empty = await bot.get_updates(offset=again[-1].update_id + 1, timeout=0)
        assert empty == []
        threading.Timer(0.3, tg.send_message, (USER, "третье")).start()
        started = time.monotonic()
        woken = await bot.get_updates(offset=again[-1].update_id + 1, timeout=5)
        return woken, time.monotonic() - started

    woken, elapsed = with_bot(tg, action)
    assert [u.message.text for u in woken] == ["третье"]
    assert 0.2 < elapsed < 2.5
    assert first["chat"] == {
        "id": USER,
        "type": "private",
        "first_name": "Анна",
        "username": "anna",
    }
    assert tg.pending_updates_count() == 1


def test_photo_upload_then_resend_by_file_id(tg):
    async def action(bot):
        first = await bot.send_photo(USER, BufferedInputFile(PNG, "map.png"), caption="Карта")
        again = await bot.send_photo(USER, first.photo[-1].file_id)
        return first, again

    first, again = with_bot(tg, action)
    assert (first.photo[-1].width, first.photo[-1].height) == (640, 480)
    assert first.caption == "Карта"
    assert again.photo[-1].file_id == first.photo[-1].file_id
    upload = tg.calls("sendPhoto")[0]
    assert list(upload.files.values()) == [PNG]
    assert upload.params["photo"].startswith("attach://")


def test_media_group(tg):
    async def action(bot):
        media = [
            InputMediaPhoto(
                media=BufferedInputFile(PNG + bytes([i]), f"{i}.png"),
                caption="Альбом" if i == 0 else None,
            )
            for i in range(3)
        ]
        return await bot.send_media_group(USER, media)

    sent = with_bot(tg, action)
    assert len(sent) == 3 and len({m.media_group_id for m in sent}) == 1
    assert [m.caption for m in sent] == ["Альбом", None, None]
    assert [m["message_id"] for m in tg.bot_messages(USER)] == [m.message_id for m in sent]


def test_download_of_user_files_and_size_limit(tg):
    message = tg.send_message(USER, caption="яма", photo=PNG)
    big = tg.send_message(
        USER, document=("plan.pdf", b"%PDF", "application/pdf"), file_size=25 * 1024 * 1024
    )
    assert len(message["photo"]) == 2 and message["photo"][-1]["width"] == 640

    async def action(bot):
        file = await bot.get_file(message["photo"][-1]["file_id"])
        data = await bot.download(file)
        try:
            await bot.get_file(big["document"]["file_id"])
        except TelegramBadRequest as exc:
            return data.read(), exc.message
        return data.read(), None

    data, error = with_bot(tg, action)
    assert data == PNG
    assert error == "Bad Request: file is too big"
    assert big["document"]["file_size"] == 25 * 1024 * 1024


def test_edit_text_and_not_modified(tg):
    markup = keyboard(("Отправить", "send"))

    async def action(bot):
        sent = await bot.send_message(USER, "Черновик", reply_markup=markup)
        mark = tg.mark()
        await bot.edit_message_text("Отправлено", chat_id=USER, message_id=sent.message_id)
        edited = tg.wait_for_edit(USER, sent.message_id, after=mark, timeout=2)
        try:
            await bot.edit_message_text("Отправлено", chat_id=USER, message_id=sent.message_id)
        except TelegramBadRequest as exc:
            return edited, exc.message
        return edited, None

    edited, error = with_bot(tg, action)
    assert edited["text"] == "Отправлено" and "edit_date" in edited
    assert tg.inline_buttons(edited) == []
    assert error.startswith(f"Bad Request: {NOT_MODIFIED}: specified new message content")


def test_injected_failures(tg):
    tg.fail_next(
        "sendMessage",
        error_code=502,
        description="Bad Gateway",
        predicate=lambda p: "важно" in p.get("text", ""),
    )

    assert with_bot(tg, lambda bot: bot.send_message(USER, "обычное")).text == "обычное"
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        with_bot(tg, lambda bot: bot.send_message(USER, "очень важно"))
    # times=1: the retry goes through
    assert with_bot(tg, lambda bot: bot.send_message(USER, "очень важно")).text == "очень важно"
    assert tg.stats()["errors"] == {502: 1}
    assert [m["text"] for m in tg.bot_messages(USER)] == ["обычное", "очень важно"]
