"""A citizen files appeals through the real bot process, over HTTP, against the fake Bot API."""

from __future__ import annotations

import re

from core.model import AttachmentKind, Channel, EventKind
from tests.e2e.harness import Citizen, calls_since, number_in, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def buttons(tg, message: dict) -> list[str]:
    return [
        text
        for text, _ in tg.inline_buttons(
            tg.get_message(message["chat"]["id"], message["message_id"])
        )
    ]


def test_start_asks_for_consent_and_stores_nothing_without_it(tg, bot, records):
    person = Citizen(tg)
    mark = tg.mark()
    tg.send_message(person.id, "/start")
    greeting = person.wait(lambda m: "Здравствуйте" in text_of(m), after=mark)
    assert "Анна" in greeting["text"]
    request = person.wait(lambda m: "152-ФЗ" in text_of(m), after=mark)
    assert buttons(tg, request) == ["✅ Даю согласие", "Не сейчас"]

    reply = person.say("У нас во дворе яма, машины бьют колёса")
    assert "согласие" in reply["text"] and "ничего не сохранили" in reply["text"]
    mark = tg.mark()
    person.press(request, "Не сейчас")
    declined = person.wait(lambda m: "Без согласия" in text_of(m), after=mark)
    assert "не сохраняем" in declined["text"]
    assert not records.citizen_exists(person.id)


def test_text_appeal_gets_a_number_and_shows_in_my(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Третий день нет горячей воды в доме 12 по улице Гагарина")
    card = citizen.card(mark)
    assert "Третий день нет горячей воды" in card["text"]
    assert "Сфера: ЖКХ (определено автоматически" in card["text"]
    assert buttons(tg, card) == ["✅ Отправить", "✏️ Изменить", "✖️ Отменить"]

    mark = tg.mark()
    number = citizen.submit(card)
    assert re.fullmatch(r"\d{4}-\d{6}", number)
    edited = tg.get_message(citizen.id, card["message_id"])
    assert "Обращение отправлено" in edited["text"] and number in edited["text"]
    # the only button left: the offer to follow the case's sector (targeted informing)
    assert [b for b, _ in tg.inline_buttons(edited)] == ["🔔 Новости по теме: ЖКХ"]
    confirmation = [m for m in citizen.replies_after(mark) if "зарегистрировано" in text_of(m)]
    assert len(confirmation) == 1 and "Ответ придёт в этот чат" in confirmation[0]["text"]

    appeal = records.appeal(number)
    assert appeal is not None and appeal.channel is Channel.BOT
    assert appeal.text == "Третий день нет горячей воды в доме 12 по улице Гагарина"
    kinds = [e.kind for e in appeal.history]
    assert kinds == [EventKind.CREATED, EventKind.SECTOR_SET, EventKind.DEADLINE_SET]
    # no hot water is a priority topic: ЦУР's accelerated 8 working days
    assert appeal.history[-1].data["priority"] is True
    assert appeal.history[-1].data["target_working_days"] == 8

    listing = citizen.say("/my")
    assert "Ваши обращения" in listing["text"]
    [(label, _)] = tg.inline_buttons(listing)
    assert label.startswith(number) and "зарегистрировано" in label
    mark = tg.mark()
    citizen.press(listing, number)
    details = tg.wait_for_edit(citizen.id, listing["message_id"], after=mark)
    assert f"Обращение {number}" in details["text"]
    assert "История:" in details["text"] and "обращение зарегистрировано" in details["text"]
    assert "Срок ответа: до " in details["text"]
    assert [t for t, _ in tg.inline_buttons(details)] == ["✍️ Дополнить обращение", "← К списку"]


def test_album_with_caption_is_one_appeal_with_all_photos(tg, bot, records, citizen):
    mark = tg.mark()
    tg.send_album(
        citizen.id,
        [PNG + b"1", PNG + b"2", PNG + b"3"],
        caption="Переполнены контейнеры на площадке у дома 7",
    )
    card = citizen.card(mark)
    assert "3 фото" in card["text"] and "Переполнены контейнеры" in card["text"]
    cards = [m for m in citizen.replies_after(mark) if "Черновик обращения" in text_of(m)]
    assert len(cards) == 1, "an album must produce one card, not one per photo"
    number = citizen.submit(card)
    appeal = records.appeal(number)
    assert [a.kind for a in appeal.attachments] == [AttachmentKind.PHOTO] * 3
    assert appeal.text == "Переполнены контейнеры на площадке у дома 7"


def test_location_document_and_text_gather_into_one_draft(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send(location=(54.6269, 39.6916))
    card = citizen.card(mark)
    assert "📍 54.62690, 39.69160" in card["text"] and "Текст:" in card["text"]
    mark = tg.mark()
    citizen.send(
        document=("акт.pdf", b"%PDF-1.4 test", "application/pdf"), caption="Акт осмотра крыши"
    )
    card = citizen.card(mark)
    assert "1 документ" in card["text"]
    mark = tg.mark()
    citizen.send("С крыши течёт вода в квартиру на пятом этаже")
    card = citizen.card(mark)
    previous = tg.wait_for_edit(citizen.id, card["message_id"] - 2, after=mark)
    assert "Черновик обновлён" in text_of(previous), "the old card must be retired"
    number = citizen.submit(card)
    appeal = records.appeal(number)
    assert appeal.location is not None and round(appeal.location.latitude, 4) == 54.6269
    assert [a.file_name for a in appeal.attachments] == ["акт.pdf"]
    assert appeal.text == "Акт осмотра крыши\n\nС крыши течёт вода в квартиру на пятом этаже"


def test_citizen_chooses_the_sector_and_rewrites_the_text(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Не работает лифт во втором подъезде")
    card = citizen.card(mark)
    mark = tg.mark()
    citizen.press(card, "Изменить")
    menu = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    mark = tg.mark()
    citizen.press(menu, "Сферу")
    sectors = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    labels = [t for t, _ in tg.inline_buttons(sectors)]
    assert "ЖКХ" in labels and "Дорожное хозяйство" in labels and labels[-1] == "← Назад"
    mark = tg.mark()
    citizen.press(sectors, "ЖКХ")
    updated = tg.wait_for_edit(
        citizen.id, card["message_id"], after=mark, predicate=lambda m: "ЖКХ" in text_of(m)
    )
    assert "Сфера:</b> ЖКХ" in updated["text"] or "Сфера: ЖКХ" in updated["text"]

    mark = tg.mark()
    citizen.press(updated, "Изменить")
    menu = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    mark = tg.mark()
    citizen.press(menu, "Текст")
    prompt = citizen.wait(after=mark)
    assert "новый текст" in prompt["text"]
    mark = tg.mark()
    citizen.send("Не работает лифт в подъезде 2, дом 15 по улице Мира, уже неделю")
    card = citizen.card(mark)
    assert "уже неделю" in card["text"] and "во втором подъезде" not in card["text"]
    number = citizen.submit(card)
    appeal = records.appeal(number)
    assert appeal.sector == "housing"
    kinds = [e.kind for e in appeal.history]
    assert kinds == [EventKind.CREATED, EventKind.SECTOR_SET, EventKind.DEADLINE_SET]
    # a broken lift is ЖКХ's ordinary target: 10 working days
    assert appeal.history[-1].data["priority"] is False
    assert appeal.history[-1].data["target_working_days"] == 10
    assert appeal.history[1].data["source"] == "citizen"


def test_a_draft_without_text_cannot_be_sent(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send(photo=PNG + b"lonely")
    card = citizen.card(mark)
    assert "пока нет" in card["text"]
    query = citizen.press(card, "Отправить")
    answer = tg.wait_for_callback_answer(query["id"])
    assert answer.get("show_alert") and "опишите проблему текстом" in answer["text"]
    assert records.citizen_appeals(citizen.id) == []


def test_cancel_drops_the_draft(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Черновик, который я передумал отправлять")
    card = citizen.card(mark)
    reply = citizen.say("/cancel")
    assert "Черновик удалён" in reply["text"]
    assert "отменён" in text_of(tg.get_message(citizen.id, card["message_id"]))
    assert tg.inline_buttons(tg.get_message(citizen.id, card["message_id"])) == []
    [submit] = [
        b["callback_data"]
        for b in card["reply_markup"]["inline_keyboard"][0]
        if "Отправить" in b["text"]
    ]
    query = tg.press_button(citizen.id, card, submit)
    answer = tg.wait_for_callback_answer(query["id"])
    assert "больше не действует" in answer["text"]
    assert records.citizen_appeals(citizen.id) == []


def test_double_press_registers_one_appeal(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Сломана скамейка и урна у подъезда дома 3")
    card = citizen.card(mark)
    first = citizen.press(card, "Отправить")
    second = citizen.press(card, "Отправить")
    citizen.wait(lambda m: "зарегистрировано" in text_of(m), after=mark)
    answers = [tg.wait_for_callback_answer(q["id"]).get("text") or "" for q in (first, second)]
    numbers = records.citizen_appeals(citizen.id)
    assert len(numbers) == 1
    # The presses race (updates are handled concurrently, one chat at a time in either order):
    # one registers the case, the other is told it is already registered.
    assert sorted(bool(a) for a in answers) == [False, True]
    late = next(a for a in answers if a)
    assert numbers[0] in late or "не действует" in late


def test_my_with_no_appeals(tg, bot, citizen):
    reply = citizen.say("📋 Мои обращения")
    assert "пока нет обращений" in reply["text"]
    reply = citizen.say("❓ Помощь")
    assert "Как подать обращение" in reply["text"]
    assert citizen.say("/help")["text"] == reply["text"]
    keyboard = tg.reply_keyboard(citizen.say("📝 Новое обращение"))
    assert "📋 Мои обращения" in keyboard


def test_confirmation_survives_telegram_5xx(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Не горят фонари на улице Садовой от дома 1 до дома 20")
    card = citizen.card(mark)
    tg.fail_next(
        "sendMessage",
        error_code=502,
        description="Bad Gateway",
        times=2,
        predicate=lambda p: "зарегистрировано" in str(p.get("text", "")),
    )
    number = citizen.submit(card)
    assert records.appeal(number) is not None
    failed = [c for c in calls_since(tg, mark, "sendMessage") if not c.response.get("ok")]
    assert len(failed) == 2


def test_number_in_confirmation_matches_records(tg, bot, records, citizen):
    number = citizen.file_appeal("Нет отопления в школе номер 4, дети сидят в куртках")
    assert records.citizen_appeals(citizen.id) == [number]
    assert number_in(number) == number
