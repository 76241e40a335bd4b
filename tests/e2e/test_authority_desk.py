"""Officials' side over the fake Bot API: routing to the authority's group, one topic per
case with its card, relays both ways, internal notes, «Взять в работу», strangers refused,
a deleted topic recreated, flood control and server errors survived, ЦУР triage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.model import EventKind
from tests.e2e.desk_setup import (
    CITY_GKH,
    CURATORS,
    EXECUTOR,
    ROOF,
    STRANGER,
    WASTE,
    card_in,
    desk_bot,
)
from tests.e2e.harness import BotProcess, text_of


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    yield from desk_bot(tg, module_db, tmp_path_factory)


def test_a_case_opens_a_topic_with_a_card_and_answers_flow_both_ways(tg, bot, records, citizen):
    mark = tg.mark()
    number = citizen.file_appeal(ROOF)
    card = card_in(tg, CITY_GKH, number, mark)
    thread = card["message_thread_id"]
    topic = tg.topics(CITY_GKH)[thread]
    assert topic["name"].startswith(f"{number} · ЖКХ")
    assert "Муниципалитет: Рязань" in card["text"] and "Кузнецова" not in card["text"]
    assert [b[0] for b in tg.inline_buttons(card)] == [
        "✋ Взять в работу",
        "❓ Запросить уточнение",
        "↪️ Переадресовать",
        "📇 Контакты заявителя",
        "⏱ Продлить срок",
        "✅ Закрыть",
    ]
    assert "⏳ Срок: до " in card["text"] and "Срок по 59-ФЗ: до " in card["text"]
    pin = tg.wait_for_call(
        "pinChatMessage", lambda c: int(c.params["chat_id"]) == CITY_GKH, after=mark
    )
    assert int(pin.params["message_id"]) == card["message_id"]

    # An official answers in the topic: the citizen gets it with the case number.
    mark = tg.mark()
    tg.send_message(
        EXECUTOR, "!проверить, чья это крыша", chat_id=CITY_GKH, message_thread_id=thread
    )
    tg.send_message(EXECUTOR, "Завтра приедет бригада", chat_id=CITY_GKH, message_thread_id=thread)
    answer = citizen.wait(lambda m: text_of(m) == "Завтра приедет бригада", after=mark, timeout=15)
    got = [text_of(m) for m in citizen.replies_after(mark)]
    assert f"💬 Ответ по обращению {number}:" in got
    assert not any("чья это крыша" in text for text in got)  # the note stayed inside
    stored = records.appeal(number)
    kinds = [e.kind for e in stored.history]
    assert EventKind.INTERNAL_NOTE in kinds and EventKind.AUTHORITY_MESSAGE in kinds

    # The citizen replies to the answer: the reply lands in the same topic.
    mark = tg.mark()
    tg.send_message(
        citizen.id, "Спасибо, буду дома после 10", reply_to_message_id=answer["message_id"]
    )
    copied = tg.wait_for_call(
        "copyMessage",
        lambda c: c.params.get("chat_id") in (CITY_GKH, str(CITY_GKH)),
        after=mark,
        timeout=15,
    )
    assert int(copied.params["message_thread_id"]) == thread
    citizen.wait(lambda m: "Передано исполнителю" in text_of(m), after=mark)


def test_only_the_authoritys_officials_may_act(tg, bot, records, citizen):
    mark = tg.mark()
    number = citizen.file_appeal(ROOF)
    card = card_in(tg, CITY_GKH, number, mark)
    thread = card["message_thread_id"]

    mark = tg.mark()
    tg.send_message(STRANGER, "Я тоже отвечу", chat_id=CITY_GKH, message_thread_id=thread)
    refusal = tg.wait_for_bot_message(
        CITY_GKH, lambda m: "только зарегистрированные" in text_of(m), after=mark
    )
    assert refusal["message_thread_id"] == thread
    take = [d for t, d in tg.inline_buttons(card)][0]
    query = tg.press_button(STRANGER, card, take)
    assert "только зарегистрированные" in tg.wait_for_callback_answer(query["id"])["text"]
    denied = [e for e in records.appeal(number).history if e.kind is EventKind.ACCESS_DENIED]
    assert {e.data["action"] for e in denied} == {"message", "take"}
    assert not any("Я тоже отвечу" in text_of(m) for m in citizen.replies_after(mark))

    # The executor takes it: the card shows who, the citizen is told.
    query = tg.press_button(EXECUTOR, card, take)
    assert "Кузнецова Мария Олеговна" in tg.wait_for_callback_answer(query["id"])["text"]
    edited = tg.wait_for_edit(CITY_GKH, card["message_id"], after=mark)
    assert (
        "Исполнитель: Кузнецова Мария Олеговна" in edited["text"] and "в работе" in edited["text"]
    )
    citizen.wait(lambda m: f"{number} взято в работу" in text_of(m), after=mark)
    assert "✋ Взять в работу" not in [t for t, _ in tg.inline_buttons(edited)]
    again = tg.press_button(EXECUTOR, card, take)  # a stale button
    assert "уже в работе" in tg.wait_for_callback_answer(again["id"])["text"]


def test_a_deleted_topic_is_recreated_on_the_next_message(tg, bot, citizen):
    mark = tg.mark()
    number = citizen.file_appeal(ROOF)
    card = card_in(tg, CITY_GKH, number, mark)
    old_thread = card["message_thread_id"]
    mark = tg.mark()
    tg.send_message(
        EXECUTOR, "Уточните номер квартиры", chat_id=CITY_GKH, message_thread_id=old_thread
    )
    question = citizen.wait(
        lambda m: text_of(m) == "Уточните номер квартиры", after=mark, timeout=15
    )
    tg.delete_topic_behind_bot(CITY_GKH, old_thread)

    mark = tg.mark()
    tg.send_message(citizen.id, "Квартира 12", reply_to_message_id=question["message_id"])
    new_card = card_in(tg, CITY_GKH, number, mark)
    assert new_card["message_thread_id"] != old_thread
    copied = tg.wait_for_bot_message(
        CITY_GKH, lambda m: text_of(m) == "Квартира 12", after=mark, timeout=15
    )
    assert copied["message_thread_id"] == new_card["message_thread_id"]
    refused = [
        c for c in tg.calls_since(mark) if c.method == "copyMessage" and not c.response.get("ok")
    ]
    assert "thread not found" in refused[0].response["description"]


def test_flood_control_and_server_errors_delay_but_never_drop(tg, bot, citizen):
    tg.fail_next(
        "createForumTopic",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
    )
    tg.fail_next(
        "sendMessage",
        error_code=502,
        description="Bad Gateway",
        predicate=lambda p: str(p.get("chat_id")) == str(WASTE),
    )
    mark = tg.mark()
    number = citizen.file_appeal(
        "Вторую неделю не вывозят мусор с контейнерной площадки, баки переполнены"
    )
    card = card_in(tg, WASTE, number, mark)
    topics = [t for t in tg.topics(WASTE).values() if t["name"].startswith(number)]
    assert len(topics) == 1  # retried, not duplicated
    assert card["message_thread_id"] == topics[0]["message_thread_id"]
    failed = [c.response.get("error_code") for c in tg.calls_since(mark)]
    assert 429 in failed and 502 in failed


def test_what_nobody_answers_goes_to_the_curators(tg, bot, records, citizen):
    mark = tg.mark()
    number = citizen.file_appeal("Третий день нет электричества во всём доме, отключили свет")
    triage = tg.wait_for_bot_message(
        CURATORS, lambda m: number in text_of(m), after=mark, timeout=15
    )
    assert "требует распределения" in triage["text"]
    assert records.appeal(number).status.value == "triage"


def test_curators_route_a_triage_case_from_its_card(tg, bot, records, citizen):
    curator = 7000500
    tg.add_user(curator, first_name="Куратор")
    mark = tg.mark()
    number = citizen.file_appeal("Во всём подъезде вторые сутки мигает свет и искрит щиток")
    triage = tg.wait_for_bot_message(
        CURATORS, lambda m: number in text_of(m), after=mark, timeout=15
    )
    assert [b for b, _ in tg.inline_buttons(triage)] == [
        "🗂 Указать сферу",
        "↪️ Направить в ведомство",
    ]

    # A sector without a route here: kept (a labeled example), the authority list follows.
    mark = tg.mark()
    tg.press(curator, triage, "Указать сферу")
    sectors = tg.wait_for_edit(CURATORS, triage["message_id"], after=mark)
    mark = tg.mark()
    query = tg.press(curator, sectors, "Энергетика")
    assert "нет ответственного ведомства" in tg.wait_for_callback_answer(query["id"])["text"]
    listing = tg.wait_for_edit(
        CURATORS, triage["message_id"], after=mark, predicate=lambda m: "Сфера: " in text_of(m)
    )
    assert records.appeal(number).sector == "energy"

    # A button of this card pressed from anywhere else is refused.
    data = dict(tg.inline_buttons(listing))["Министерство ЖКХ Рязанской области"]
    forged = tg.press_button(citizen.id, citizen.wait(after=0), data)
    assert "только в группе ЦУР" in tg.wait_for_callback_answer(forged["id"])["text"]

    mark = tg.mark()
    tg.press(curator, listing, "Министерство ЖКХ Рязанской области")
    done = tg.wait_for_edit(
        CURATORS, triage["message_id"], after=mark, predicate=lambda m: "✅" in text_of(m)
    )
    assert "Направлено: Министерство ЖКХ Рязанской области (Куратор)" in text_of(done)
    assert tg.inline_buttons(done) == []
    card_in(tg, -1001000000101, number, mark)
    notice = citizen.wait(lambda m: "передано по компетенции" in text_of(m), after=mark)
    assert number in text_of(notice)
    appeal = records.appeal(number)
    assert appeal.status.value == "routed" and appeal.authority == "minzhkh"
    moved = [e for e in appeal.history if e.kind is EventKind.REDIRECTED]
    assert moved[-1].data["reason"] == "triage" and moved[-1].data["tg_user_id"] == curator

    # Pressed again (a second curator, a stale card): the case is already routed.
    again = tg.press_button(curator, done, data)
    assert "уже распределено" in tg.wait_for_callback_answer(again["id"])["text"]
