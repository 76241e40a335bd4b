"""Everything the bot does not understand gets a clear answer; nothing crashes or is lost."""

from __future__ import annotations

from tests.e2e.harness import Citizen, text_of

MB = 1024 * 1024


def start_draft(citizen: Citizen, tg, text: str) -> dict:
    mark = tg.mark()
    citizen.send(text)
    return citizen.card(mark)


def test_stickers_polls_dice_and_voice_get_friendly_answers(tg, bot, citizen):
    start_draft(citizen, tg, "На остановке Школьная разбито стекло павильона")
    assert "Стикер" in citizen.say(sticker=True)["text"]
    poll = {"question": "Как дела?", "options": ["Да", "Нет"]}
    assert "Опросы" in citizen.say(poll=poll)["text"]
    assert "не играет" in citizen.say(dice="🎲")["text"]
    # Without VOSK_MODEL_PATH a voice note is kept as audio, and the citizen is asked for text.
    mark = tg.mark()
    citizen.send(voice=(b"OggS" + b"\x00" * 50, 2))
    assert "не настроено" in citizen.wait(lambda m: "🎙" in text_of(m), after=mark)["text"]
    assert "1 аудиозапись" in citizen.card(mark)["text"]
    assert "Как подать обращение" in citizen.say("/nonsense")["text"]
    # The draft is still there, untouched.
    mark = tg.mark()
    card = citizen.say("/new")
    assert "неотправленный черновик" in card["text"]
    card = citizen.wait(lambda m: "Черновик обращения" in text_of(m), after=mark)
    assert "разбито стекло" in card["text"]


def test_a_10000_character_text_is_refused_with_the_limit(tg, bot, records, citizen):
    start_draft(citizen, tg, "Разбита дорога на улице Полевой")
    reply = citizen.say("ы" * 10_000)
    plain = reply["text"].replace("\u00a0", " ")
    assert "10 000 символов" in plain
    assert "до 5 000" in plain
    assert "черновик не изменился" in reply["text"]
    mark = tg.mark()
    citizen.say("/new")
    card = citizen.wait(lambda m: "Черновик обращения" in text_of(m), after=mark)
    assert "Разбита дорога" in card["text"] and "ыыы" not in card["text"]


def test_a_file_over_20_mb_is_refused_and_the_draft_kept(tg, bot, citizen):
    start_draft(citizen, tg, "Документы по перерасчёту платы за отопление")
    reply = citizen.say(document=("scan.pdf", b"%PDF-1.4", "application/pdf"), file_size=25 * MB)
    assert "слишком большой" in reply["text"] and "25,0 МБ" in reply["text"]
    assert "20 МБ" in reply["text"]
    mark = tg.mark()
    citizen.send(document=("small.pdf", b"%PDF-1.4 ok", "application/pdf"))
    card = citizen.card(mark)
    assert "1 документ" in card["text"] and "перерасчёту" in card["text"]


def test_photo_with_empty_caption_asks_for_a_description(tg, bot, citizen):
    mark = tg.mark()
    citizen.send(photo=b"\x89PNG\r\n\x1a\n" + b"\x01" * 40, caption="")
    card = citizen.card(mark)
    assert "1 фото" in card["text"] and "пока нет" in card["text"]


def test_editing_a_message_updates_the_draft_and_later_edits_are_explained(
    tg, bot, records, citizen
):
    mark = tg.mark()
    sent = citizen.send("Не вывазят мусор с площадки")
    citizen.card(mark)
    mark = tg.mark()
    tg.edit_message(citizen.id, sent["message_id"], "Не вывозят мусор с площадки у дома 9")
    note = citizen.wait(lambda m: "обновлён" in text_of(m), after=mark)
    card = citizen.card(mark)
    assert "у дома 9" in card["text"] and "вывазят" not in card["text"], note
    number = citizen.submit(card)
    assert records.appeal(number).text == "Не вывозят мусор с площадки у дома 9"
    mark = tg.mark()
    tg.edit_message(citizen.id, sent["message_id"], "Совсем другой текст")
    reply = citizen.wait(after=mark)
    assert "не попадают в обращение" in reply["text"]
    assert records.appeal(number).text == "Не вывозят мусор с площадки у дома 9"


def test_forged_buttons_never_reveal_or_touch_another_citizens_appeal(tg, bot, records):
    alice, mallory = Citizen(tg, name="Алиса"), Citizen(tg, name="Мэллори")
    alice.consent()
    mallory.consent()
    number = alice.file_appeal("Прорвало трубу в подвале дома 4, течёт кипяток")
    listing = alice.say("/my")
    [(_, view_data)] = tg.inline_buttons(listing)

    own = mallory.say("/my")
    mark = tg.mark()
    forged = tg.press_button(mallory.id, own, view_data)
    answer = tg.wait_for_callback_answer(forged["id"])
    assert answer["text"] == "Обращение не найдено." and answer.get("show_alert")
    shown = [m for m in mallory.replies_after(mark) if number in (m.get("text") or "")]
    assert shown == []
    assert number not in (tg.get_message(mallory.id, own["message_id"]).get("text") or "")

    for data in (
        "m:v:999999999:0",
        "zzz",
        "d:ok:ffffffffffff",
        "s:abc:housing",
        "m:v:-1:0",
        "c:maybe",
        "d:ok:" + "x" * 40,
    ):
        query = tg.press_button(mallory.id, own, data)
        reply = tg.wait_for_callback_answer(query["id"])
        assert reply.get("show_alert") and reply.get("text"), data
    assert records.citizen_appeals(mallory.id) == []
    assert records.citizen_appeals(alice.id) == [number]


def test_group_chats_are_not_treated_as_citizens(tg, bot, records):
    tg.add_group(-100777, "Случайная группа", is_forum=False)
    person = Citizen(tg)
    mark = tg.mark()
    tg.send_message(person.id, "Жалоба из группы на яму", chat_id=-100777)
    tg.wait_for_call("getUpdates", after=tg.mark(), timeout=10)
    tg.wait_for_call("getUpdates", after=tg.mark(), timeout=10)
    sent = [c for c in tg.calls()[mark:] if c.method == "sendMessage"]
    assert sent == []
    assert not records.citizen_exists(person.id)
