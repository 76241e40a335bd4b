"""Targeted informing over the fake Bot API: citizens subscribe with toggle buttons, an
authority announces from its group (sectors, place, known issue, poll, preview, send), the
progress message updates in place, a blocked bot unsubscribes, poll answers are counted,
a new appeal on an announced outage gets the announcement as an answer."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.broadcast_setup import announce, deliveries, seed, wait_for
from tests.e2e.desk_setup import CITY_GKH, CURATORS, EXECUTOR, STRANGER, desk_bot
from tests.e2e.harness import BotProcess, Citizen, text_of


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    yield from desk_bot(tg, module_db, tmp_path_factory, BROADCAST_PROGRESS_SECONDS="0.5")


def subscribe(tg, person: Citizen, sectors: list[str], places: list[str]) -> dict:
    screen = person.say("/subscribe")
    assert "Новости по темам" in text_of(screen)
    for name in sectors:
        mark = tg.mark()
        person.press(screen, f"▫️ {name}")
        screen = tg.wait_for_edit(person.id, screen["message_id"], after=mark)
    if places:
        mark = tg.mark()
        person.press(screen, "🏙 Населённые пункты…")
        screen = tg.wait_for_edit(person.id, screen["message_id"], after=mark)
        for name in places:
            mark = tg.mark()
            person.press(screen, f"▫️ {name}")
            screen = tg.wait_for_edit(person.id, screen["message_id"], after=mark)
    mark = tg.mark()
    person.press(screen, "✅ Готово")
    return tg.wait_for_edit(person.id, screen["message_id"], after=mark)


def group_reply(tg, user: int, chat: int, text: str, expect: str) -> dict:
    mark = tg.mark()
    tg.send_message(user, text, chat_id=chat)
    return tg.wait_for_bot_message(chat, lambda m: expect in text_of(m), after=mark, timeout=15)


def press_in_group(tg, user: int, message: dict, button: str, expect: str) -> dict:
    mark = tg.mark()
    tg.press(user, message, button)
    return tg.wait_for_edit(
        message["chat"]["id"], message["message_id"], lambda m: expect in text_of(m), after=mark
    )


def test_citizen_subscribes_with_toggles_sees_it_and_unsubscribes(tg, bot, citizen):
    done = subscribe(tg, citizen, ["ЖКХ", "Дорожное хозяйство"], ["Рязань"])
    assert "ЖКХ, Дорожное хозяйство · Рязань" in text_of(done)
    screen = citizen.say("/subscribe")
    assert "Вы подписаны:</b>" not in text_of(screen)  # HTML is rendered, not shown
    assert "Вы подписаны: ЖКХ, Дорожное хозяйство" in text_of(screen)
    assert "Где: Рязань" in text_of(screen)
    assert "✅ ЖКХ" in [b for b, _ in tg.inline_buttons(screen)]
    assert "Подписка отменена" in text_of(citizen.say("/unsubscribe"))
    assert "ни на что не подписаны" in text_of(citizen.say("/subscribe"))
    assert "Подписок не было" in text_of(citizen.say("/unsubscribe"))


def test_without_consent_subscribing_asks_for_it(tg, bot):
    person = Citizen(tg)
    assert "согласие" in text_of(person.say("/subscribe"))


def test_strangers_cannot_announce(tg, bot):
    answer = group_reply(tg, STRANGER, CITY_GKH, "/announce", "могут только")
    assert "зарегистрированные сотрудники" in text_of(answer)


def test_authority_announces_with_poll_and_known_issue(tg, bot, records):
    follower, other_place, other_sector, blocker = (Citizen(tg) for _ in range(4))
    for person in (follower, other_place, other_sector, blocker):
        person.consent()
    subscribe(tg, follower, ["ЖКХ"], ["Рязань"])
    subscribe(tg, other_place, ["ЖКХ"], ["Касимов"])
    subscribe(tg, other_sector, ["Образование"], [])
    subscribe(tg, blocker, ["ЖКХ"], [])  # the whole region
    tg.block_bot(blocker.id)

    group_reply(tg, EXECUTOR, CITY_GKH, "/announce", "Новое объявление")
    sectors = group_reply(
        tg, EXECUTOR, CITY_GKH, "Завтра с 9 до 17 отключат горячую воду на Канищеве", "Кому"
    )
    # ryazan-gkh covers Рязань only: the place is fixed, the next step is the known issue
    outage = press_in_group(tg, EXECUTOR, sectors, "▫️ ЖКХ", "Кому")
    outage = press_in_group(tg, EXECUTOR, outage, "Далее →", "авария или ремонт")
    poll_ask = press_in_group(tg, EXECUTOR, outage, "Да, 3 дня", "Добавить опрос")
    press_in_group(tg, EXECUTOR, poll_ask, "📊 Добавить опрос", "первая строка — вопрос")
    bad = group_reply(tg, EXECUTOR, CITY_GKH, "Удобно ли время?", "от 2 до 10")
    assert "вариант" in text_of(bad)
    summary = group_reply(
        tg, EXECUTOR, CITY_GKH, "Удобно ли время отключения?\nДа\nНет", "Получателей: 2"
    )
    assert "Сферы: ЖКХ" in text_of(summary) and "Где: Рязань" in text_of(summary)
    preview = [m for m in tg.bot_messages(CITY_GKH) if "Новости: ЖКХ" in text_of(m)]
    assert preview and "горячую воду" in text_of(preview[-1])

    mark = tg.mark()
    tg.press(EXECUTOR, summary, "✅ Разослать")
    done = tg.wait_for_edit(
        CITY_GKH,
        summary["message_id"],
        lambda m: "завершена" in text_of(m),
        after=mark,
        timeout=20,
    )
    assert "доставлено 1 · не доставлено 1 (из 2)" in text_of(done)
    assert "Заблокировали бота: 1" in text_of(done)
    news = follower.wait(lambda m: "горячую воду" in text_of(m), after=mark)
    assert "Новости: ЖКХ" in text_of(news)
    poll = follower.wait(lambda m: "poll" in m, after=mark)
    assert poll["poll"]["question"] == "Удобно ли время отключения?"
    for person in (other_place, other_sector):
        assert not [m for m in person.replies_after(mark) if "горячую" in text_of(m)]
    assert records_subscribed(records, blocker.id) is False

    # The follower answers the poll; the officials see the results.
    tg.vote_poll(follower.id, poll["message_id"], [0])
    results = None
    for _ in range(20):
        mark = tg.mark()
        tg.press(EXECUTOR, done, "📊 Итоги опроса")
        results = tg.wait_for_bot_message(
            CITY_GKH, lambda m: "Итоги опроса" in text_of(m), after=mark
        )
        if "Ответили: 1 из 1" in text_of(results):
            break
    assert results is not None and "Да — 1 (100%)" in text_of(results)

    # A new appeal on the announced outage gets the announcement at once, and is routed.
    mark = tg.mark()
    number = follower.file_appeal("Нет горячей воды в доме на Канищеве в Рязани, второй день")
    known = follower.wait(lambda m: "уже известно" in text_of(m), after=mark, timeout=15)
    assert number in text_of(known) and "горячую воду" in text_of(known)
    appeal = records.appeal(number)
    assert appeal is not None and appeal.authority == "ryazan-gkh"

    # Closing the poll stops it in every chat; the known issue is lifted by a button.
    mark = tg.mark()
    tg.press(EXECUTOR, done, "🔒 Завершить опрос")
    stop = tg.wait_for_call(
        "stopPoll", lambda c: c.params.get("chat_id") == follower.id, after=mark
    )
    assert stop.params["message_id"] == poll["message_id"]
    mark = tg.mark()
    tg.press(EXECUTOR, done, "✔️ Проблема решена — снять автоответ")
    lifted = tg.wait_for_edit(
        CITY_GKH,
        done["message_id"],
        lambda m: "Известная проблема до" not in text_of(m),
        after=mark,
    )
    buttons = [b for b, _ in tg.inline_buttons(lifted)]
    assert "📊 Итоги опроса" in buttons and "✔️ Проблема решена — снять автоответ" not in buttons
    answer = tg.press(STRANGER, lifted, "📊 Итоги опроса")
    assert "только сотрудник" in tg.wait_for_callback_answer(answer["id"])["text"]


def records_subscribed(records, tg_user_id: int) -> bool:
    import asyncio

    from core import informing

    async def work(services):
        return (await informing.subscription(services.uow, tg_user_id)).active

    return asyncio.run(records._with(work))


def test_offer_after_registration_subscribes_to_the_case_topic(tg, bot, citizen, records):
    mark = tg.mark()
    citizen.send("Течёт крыша в подъезде дома 5 на Канищеве в Рязани, УК не чинит")
    card = citizen.card(mark)
    citizen.submit(card)
    submitted = tg.get_message(citizen.id, card["message_id"])
    assert "Обращение отправлено" in text_of(submitted)
    assert [b for b, _ in tg.inline_buttons(submitted)] == ["🔔 Новости по теме: ЖКХ · Рязань"]
    query = citizen.press(submitted, "🔔 Новости по теме: ЖКХ · Рязань")
    assert "Подписка оформлена" in tg.wait_for_callback_answer(query["id"])["text"]
    assert records_subscribed(records, citizen.id)
    # Following it already, the next case's card offers nothing.
    mark = tg.mark()
    citizen.send("Снова течёт крыша в подъезде дома 5 на Канищеве в Рязани")
    card = citizen.card(mark)
    citizen.submit(card)
    assert tg.inline_buttons(tg.get_message(citizen.id, card["message_id"])) == []


def test_curators_announce_region_wide(tg, bot):
    person = Citizen(tg)
    person.consent()
    subscribe(tg, person, ["Энергетика"], ["Скопин"])
    curator = 7000555
    tg.add_user(curator, first_name="Куратор")
    group_reply(tg, curator, CURATORS, "/announce", "Новое объявление")
    sectors = group_reply(tg, curator, CURATORS, "Штормовое предупреждение по области", "Кому")
    sectors = press_in_group(tg, curator, sectors, "▫️ Все сферы", "Кому")
    places = press_in_group(tg, curator, sectors, "Далее →", "Где")
    places = press_in_group(tg, curator, places, "▫️ Весь регион", "Где")
    outage = press_in_group(tg, curator, places, "Далее →", "авария")
    poll_ask = press_in_group(tg, curator, outage, "Нет", "Добавить опрос")
    mark = tg.mark()
    tg.press(curator, poll_ask, "Без опроса")
    summary = tg.wait_for_bot_message(
        CURATORS, lambda m: "Получателей" in text_of(m), after=mark, timeout=15
    )
    assert "Сферы: все сферы" in text_of(summary) and "Где: весь регион" in text_of(summary)
    mark = tg.mark()
    tg.press(curator, summary, "✅ Разослать")
    news = person.wait(lambda m: "Штормовое" in text_of(m), after=mark, timeout=15)
    assert "Новости: все сферы" in text_of(news)


def test_a_broadcast_can_be_stopped(tg, bot, records):
    users = [880_000_000 + (os.getpid() % 1000) * 1000 + i for i in range(300)]
    seed(tg, records.url, users)
    summary = announce(tg, EXECUTOR, "Проверка оповещения жителей Рязани")
    mark = tg.mark()
    tg.press(EXECUTOR, summary, "✅ Разослать")
    wait_for(lambda: len(deliveries(tg, mark, "Проверка оповещения")) >= 20, timeout=30)
    tg.press(EXECUTOR, summary, "⏹ Остановить рассылку")
    stopped = tg.wait_for_edit(
        CITY_GKH, summary["message_id"], lambda m: "остановлена" in text_of(m), after=mark
    )
    got = deliveries(tg, mark, "Проверка оповещения")
    assert set(got.values()) == {1}
    assert "Не отправлено из-за остановки" in text_of(stopped)
    assert "⏹ Остановить рассылку" not in [b for b, _ in tg.inline_buttons(stopped)]
    assert len([u for u in users if u in got]) < len(users)
