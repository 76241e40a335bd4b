"""A case's life after routing, over the fake Bot API: the officials' buttons (ask for
details, extend, redirect, close as solved / not competent / duplicate) and the citizen's
verdict, rating and comment; «не решено» reopens the case and calls the head."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.model import AppealStatus, EventKind, Verdict
from tests.e2e.desk_setup import (
    CITY_GKH,
    EXECUTOR,
    HEAD,
    ROOF,
    STRANGER,
    WASTE,
    card_in,
    desk_bot,
)
from tests.e2e.harness import BotProcess, Citizen, text_of


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    # Every case here goes to one group; Telegram's 20/min would make the module wait for
    # minutes (the pacing itself is tested in test_authority_desk and test_pacing).
    yield from desk_bot(tg, module_db, tmp_path_factory, GROUP_MESSAGES_PER_MINUTE="600")


def button(tg, message: dict, label: str) -> str:
    """The callback data of the button whose text starts with `label` (as it is now)."""
    found = [data for text, data in tg.inline_buttons(message) if text.startswith(label)]
    assert found, f"no button {label!r} in {tg.inline_buttons(message)}"
    return found[0]


def press(tg, user: int, message: dict, label: str) -> dict:
    """Press a button and return the bot's answer to the press."""
    query = tg.press_button(user, message, button(tg, message, label))
    return tg.wait_for_callback_answer(query["id"])


def official_says(tg, user: int, thread: int, text: str) -> int:
    mark = tg.mark()
    tg.send_message(user, text, chat_id=CITY_GKH, message_thread_id=thread)
    return mark


def in_topic(tg, thread: int, contains: str, after: int, chat: int = CITY_GKH) -> dict:
    return tg.wait_for_bot_message(
        chat,
        lambda m: contains in text_of(m) and m.get("message_thread_id") == thread,
        after=after,
        timeout=15,
    )


def new_case(tg, citizen: Citizen, text: str = ROOF) -> tuple[str, dict]:
    mark = tg.mark()
    number = citizen.file_appeal(text)
    return number, card_in(tg, CITY_GKH, number, mark)


def test_details_answer_close_and_the_citizens_word(tg, bot, records, citizen):
    number, card = new_case(tg, citizen)
    thread = card["message_thread_id"]

    # «Запросить уточнение»: the next message of the official is the question.
    mark = tg.mark()
    assert press(tg, EXECUTOR, card, "❓").get("text") is None
    in_topic(tg, thread, "Напишите вопрос заявителю", mark)
    mark = official_says(tg, EXECUTOR, thread, "Какой номер квартиры?")
    citizen.wait(lambda m: "ведомство просит уточнить" in text_of(m), after=mark, timeout=15)
    question = citizen.wait(lambda m: text_of(m) == "Какой номер квартиры?", after=mark)
    in_topic(tg, thread, "Готово", mark)
    assert records.appeal(number).status is AppealStatus.INFO_REQUESTED

    # The citizen's reply lands in the topic; the case is back in work, the card says so.
    mark = tg.mark()
    tg.send_message(citizen.id, "Квартира 12", reply_to_message_id=question["message_id"])
    in_topic(tg, thread, "Квартира 12", mark)
    edited = tg.wait_for_edit(CITY_GKH, card["message_id"], after=mark, timeout=15)
    assert "Статус: направлено в ведомство" in edited["text"]
    assert records.appeal(number).status is AppealStatus.ROUTED

    # Closing as solved before anything was said to the citizen is refused.
    assert "Закрыть" in [t for t, _ in tg.inline_buttons(card)][-1]
    press(tg, EXECUTOR, card, "✅ Закрыть")
    refusal = press(tg, EXECUTOR, card, "✅ Решено")
    assert "Сначала напишите заявителю ответ" in refusal["text"]

    mark = official_says(tg, EXECUTOR, thread, "Кровлю починили 20 ноября")
    citizen.wait(lambda m: text_of(m) == "Кровлю починили 20 ноября", after=mark, timeout=15)
    mark = tg.mark()
    assert "закрыто" in press(tg, EXECUTOR, card, "✅ Решено")["text"]
    result = citizen.wait(lambda m: "закрыто" in text_of(m), after=mark, timeout=15)
    assert f"Обращение {number} закрыто" in result["text"]
    assert [t for t, _ in tg.inline_buttons(result)] == ["Решено", "Частично", "Не решено"]
    closed_card = tg.wait_for_edit(CITY_GKH, card["message_id"], after=mark)
    assert tg.inline_buttons(closed_card) == [] and "дан ответ" in closed_card["text"]

    # Another citizen cannot judge this case, even with the very same button.
    stranger = Citizen(tg, name="Борис")
    stranger.consent()
    forged = tg.press_button(stranger.id, result, button(tg, result, "Частично"))
    assert "не найдено" in tg.wait_for_callback_answer(forged["id"])["text"]

    # Solved → 1..5 → thanks; a reply to the thanks is a comment.
    press(tg, citizen.id, result, "Решено")
    rating = tg.get_message(citizen.id, result["message_id"])
    assert [t for t, _ in tg.inline_buttons(rating)] == ["1", "2", "3", "4", "⭐5"]
    four = button(tg, rating, "4")
    press(tg, citizen.id, rating, "4")
    thanks = tg.get_message(citizen.id, result["message_id"])
    assert "Спасибо за оценку 4 из 5" in thanks["text"]
    again = tg.press_button(citizen.id, rating, four.replace(":4", ":1"))
    assert "уже оценили" in tg.wait_for_callback_answer(again["id"])["text"]
    forged = tg.press_button(stranger.id, rating, four)
    assert "не найдено" in tg.wait_for_callback_answer(forged["id"])["text"]
    mark = tg.mark()
    tg.send_message(citizen.id, "Спасибо, быстро", reply_to_message_id=result["message_id"])
    citizen.wait(lambda m: "комментарий к обращению" in text_of(m), after=mark)

    stored = records.appeal(number)
    assert stored.status is AppealStatus.ANSWERED
    assert stored.verdict is Verdict.SOLVED and stored.rating == 4
    feedback = [e.data for e in stored.history if e.kind is EventKind.FEEDBACK]
    assert feedback[0]["verdict"] == "solved" and feedback[1]["rating"] == 4
    assert feedback[2]["comment"] == "Спасибо, быстро"
    kinds = [e.kind for e in stored.history]
    assert EventKind.INFO_REQUESTED in kinds and EventKind.CLOSED in kinds

    # /my shows the answer and the citizen's word.
    listing = citizen.say("/my")
    mark = tg.mark()
    citizen.press(listing, number)
    details = tg.wait_for_edit(citizen.id, listing["message_id"], after=mark)
    assert "Кровлю починили 20 ноября" in details["text"]
    assert "Ваша оценка: Решено, 4/5" in details["text"]


def test_not_solved_reopens_the_case_and_calls_the_head(tg, bot, records, citizen):
    number, card = new_case(tg, citizen)
    thread = card["message_thread_id"]
    official_says(tg, EXECUTOR, thread, "Отремонтировано")
    citizen.wait(lambda m: text_of(m) == "Отремонтировано", timeout=15)
    press(tg, EXECUTOR, card, "✅ Закрыть")
    mark = tg.mark()
    press(tg, EXECUTOR, card, "✅ Решено")
    result = citizen.wait(lambda m: "закрыто" in text_of(m), after=mark, timeout=15)

    mark = tg.mark()
    press(tg, citizen.id, result, "Не решено")
    reopened = in_topic(tg, thread, "не решена", mark)
    mentioned = [e["user"]["id"] for e in reopened["entities"] if e["type"] == "text_mention"]
    assert mentioned == [HEAD]
    assert "Сидоров Пётр Павлович" in reopened["text"]
    assert "возобновлено" in tg.get_message(citizen.id, result["message_id"])["text"]
    stored = records.appeal(number)
    assert stored.status is AppealStatus.REOPENED and stored.verdict is Verdict.NOT_SOLVED
    card_now = tg.wait_for_edit(CITY_GKH, card["message_id"], after=mark, timeout=15)
    assert "✅ Закрыть" in [t for t, _ in tg.inline_buttons(card_now)]


def test_only_the_head_extends_and_only_once(tg, bot, records, citizen):
    number, card = new_case(tg, citizen)
    before = records.appeal(number)
    press(tg, EXECUTOR, card, "⏱ Продлить")
    assert "+14" in " ".join(t for t, _ in tg.inline_buttons(card))
    assert "только руководитель" in press(tg, EXECUTOR, card, "+14")["text"]

    mark = tg.mark()
    assert "продлён на 14" in press(tg, HEAD, card, "+14")["text"]
    notice = citizen.wait(lambda m: "продлён до" in text_of(m), after=mark, timeout=15)
    after = records.appeal(number)
    assert after.extensions == 1
    assert after.law_due_at is not None and before.law_due_at is not None
    assert after.law_due_at - before.law_due_at >= timedelta(days=14)
    moscow = ZoneInfo("Europe/Moscow")
    shown = (after.law_due_at - timedelta(seconds=1)).astimezone(moscow).strftime("%d.%m.%Y")
    assert shown in notice["text"]
    edited = tg.wait_for_edit(CITY_GKH, card["message_id"], after=mark, timeout=15)
    assert not any(t.startswith("⏱") for t, _ in tg.inline_buttons(edited))
    assert "Срок продлевался" in edited["text"]
    assert [e.data["days"] for e in after.history if e.kind is EventKind.DEADLINE_EXTENDED] == [14]


def test_redirect_moves_the_case_with_its_reason(tg, bot, records, citizen):
    number, card = new_case(tg, citizen)
    thread = card["message_thread_id"]
    press(tg, EXECUTOR, card, "↪️")
    targets = [t for t, _ in tg.inline_buttons(card)]
    assert "Региональный оператор по обращению с ТКО" in " ".join(targets)

    mark = tg.mark()
    press(tg, EXECUTOR, card, "Региональный оператор")
    in_topic(tg, thread, "Почему обращение нужно передать", mark)
    official_says(tg, STRANGER, thread, "Это не к нам")  # not the one who is asked
    mark = official_says(tg, EXECUTOR, thread, "Речь о контейнерной площадке, не о кровле")

    note = in_topic(tg, thread, "переадресовано", mark)
    assert "Речь о контейнерной площадке" in note["text"]
    tg.wait_for_call(
        "closeForumTopic",
        lambda c: (
            int(c.params["chat_id"]) == CITY_GKH and int(c.params["message_thread_id"]) == thread
        ),
        after=mark,
        timeout=15,
    )
    new_card = card_in(tg, WASTE, number, mark)
    assert new_card["message_thread_id"] in tg.topics(WASTE)
    citizen.wait(lambda m: "передано по компетенции" in text_of(m), after=mark, timeout=15)
    stored = records.appeal(number)
    assert stored.authority == "eco-operator" and stored.status is AppealStatus.ROUTED
    [moved] = [e.data for e in stored.history if e.kind is EventKind.REDIRECTED]
    assert moved["source"] == "ryazan-gkh" and moved["target"] == "eco-operator"
    assert moved["reason"] == "Речь о контейнерной площадке, не о кровле"

    # The old group can no longer act on it.
    mark = tg.mark()
    official_says(tg, EXECUTOR, thread, "ещё одно")
    assert not [m for m in citizen.replies_after(mark) if text_of(m) == "ещё одно"]


def test_a_duplicate_is_closed_with_the_originals_number(tg, bot, records, citizen):
    original, _ = new_case(tg, citizen)
    number, card = new_case(tg, citizen)
    thread = card["message_thread_id"]
    press(tg, EXECUTOR, card, "✅ Закрыть")
    mark = tg.mark()
    press(tg, EXECUTOR, card, "♊")
    in_topic(tg, thread, "Пришлите номер обращения", mark)
    mark = official_says(tg, EXECUTOR, thread, number)  # itself: refused, still waiting
    in_topic(tg, thread, "Такого обращения нет", mark)
    mark = official_says(tg, EXECUTOR, thread, original)
    result = citizen.wait(lambda m: "объединено" in text_of(m), after=mark, timeout=15)
    assert original in result["text"] and tg.inline_buttons(result) == []
    stored = records.appeal(number)
    assert stored.status is AppealStatus.CLOSED
    assert [e.data.get("duplicate_of") for e in stored.history if e.kind is EventKind.CLOSED] == [
        original
    ]


def test_contacts_only_for_the_officials_who_need_them(tg, bot, records, citizen):
    saved = citizen.say(contact={"phone_number": "+79105551234", "user_id": citizen.id})
    assert "сохран" in saved["text"].lower()
    number, card = new_case(tg, citizen)
    assert "Анна" not in card["text"]  # nothing personal is posted into the group
    shown = press(tg, EXECUTOR, card, "📇")
    assert shown["show_alert"] and "Заявитель: Анна" in shown["text"]
    assert "Телефон: +79105551234" in shown["text"]
    assert "видно только вам" in shown["text"]
    refused = press(tg, STRANGER, card, "📇")
    assert "только зарегистрированные" in refused["text"] and "Анна" not in refused["text"]
    history = records.appeal(number).history
    [viewed] = [e.data for e in history if e.kind is EventKind.CONTACTS_VIEWED]
    assert viewed["tg_user_id"] == EXECUTOR
    assert [e.data["action"] for e in history if e.kind is EventKind.ACCESS_DENIED] == ["contacts"]


def test_edits_and_replies_are_mirrored_both_ways(tg, bot, records, citizen):
    number, card = new_case(tg, citizen)
    thread = card["message_thread_id"]
    mark = tg.mark()
    said = tg.send_message(
        EXECUTOR, "Приедем во вторник", chat_id=CITY_GKH, message_thread_id=thread
    )
    copy = citizen.wait(lambda m: text_of(m) == "Приедем во вторник", after=mark, timeout=15)

    # The official corrects the answer: the citizen's copy changes with it.
    mark = tg.mark()
    tg.edit_message(EXECUTOR, said["message_id"], "Приедем в среду", chat_id=CITY_GKH)
    edited = tg.wait_for_edit(citizen.id, copy["message_id"], after=mark, timeout=15)
    assert edited["text"] == "Приедем в среду"

    # The citizen answers that very message: in the topic it answers the official's original.
    mark = tg.mark()
    reply = tg.send_message(citizen.id, "Хорошо", reply_to_message_id=copy["message_id"])
    in_group = in_topic(tg, thread, "Хорошо", mark)
    assert in_group["reply_to_message"]["message_id"] == said["message_id"]

    # …then corrects it: so does its copy in the topic.
    mark = tg.mark()
    tg.edit_message(citizen.id, reply["message_id"], "Хорошо, буду дома после 10")
    fixed = tg.wait_for_edit(CITY_GKH, in_group["message_id"], after=mark, timeout=15)
    assert fixed["text"] == "Хорошо, буду дома после 10"

    # The official replies to the citizen's message in the topic: a reply on their side too.
    mark = tg.mark()
    tg.send_message(
        EXECUTOR,
        "Подъезд 2?",
        chat_id=CITY_GKH,
        message_thread_id=thread,
        reply_to_message_id=in_group["message_id"],
    )
    answer = citizen.wait(lambda m: text_of(m) == "Подъезд 2?", after=mark, timeout=15)
    assert answer["reply_to_message"]["message_id"] == reply["message_id"]
    history = records.appeal(number).history
    assert [e.data["text"] for e in history if e.data.get("edited")] == [
        "Приедем в среду",
        "Хорошо, буду дома после 10",
    ]
