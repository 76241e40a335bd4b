"""A request filed through the Open311 API reaches the authority like a Telegram appeal: the
running bot opens its topic with the card in the authority's group (through the outbox); the
official takes it and sees the contacts the integrated system gave; GET follows the status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from core.model import Channel, EventKind
from tests.e2e.desk_setup import CITY_GKH, EXECUTOR, card_in, desk_bot
from tests.e2e.harness import BotProcess
from tests.web.server import KEY, ApiServer

V2 = "/open311/v2"


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    yield from desk_bot(tg, module_db, tmp_path_factory)


@pytest.fixture(scope="module")
def api(bot, module_db) -> Iterator[ApiServer]:
    server = ApiServer(module_db.url, directory=False).start()  # the bot seeded the directory
    yield server
    server.stop()


def press(tg, user: int, card: dict, prefix: str) -> dict:
    data = next(d for t, d in tg.inline_buttons(card) if t.startswith(prefix))
    query = tg.press_button(user, card, data)
    return tg.wait_for_callback_answer(query["id"])


def test_an_api_request_opens_its_topic_and_follows_the_case(tg, bot, api, records):
    mark = tg.mark()
    text = "Во дворе дома 12 на Канищеве прорвало трубу, вода заливает подвал"
    response = requests.post(
        api.url(f"{V2}/requests.json"),
        data={
            "api_key": KEY,
            "service_code": "housing",
            "description": text,
            "address_string": "Рязань, ул. Новосёлов, 12",
            "first_name": "Ольга",
            "last_name": "Смирнова",
            "phone": "+7 910 555-12-34",
            "email": "olga@example.ru",
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    number = response.json()[0]["service_request_id"]

    card = card_in(tg, CITY_GKH, number, mark)
    assert text in card["text"] and "Муниципалитет: Рязань" in card["text"]
    assert "Ольга" not in card["text"] and "olga@" not in card["text"]
    assert tg.topics(CITY_GKH)[card["message_thread_id"]]["name"].startswith(f"{number} · ЖКХ")
    appeal = records.appeal(number)
    assert appeal.channel is Channel.API and appeal.authority == "ryazan-gkh"

    taken = press(tg, EXECUTOR, card, "✋")
    assert "Кузнецова Мария Олеговна" in taken["text"]
    shown = press(tg, EXECUTOR, card, "📇")
    assert shown["show_alert"] and "Заявитель: Ольга Смирнова" in shown["text"]
    assert "Телефон: +79105551234" in shown["text"] and "E-mail: olga@example.ru" in shown["text"]

    [view] = requests.get(
        api.url(f"{V2}/requests/{number}.json"), params={"api_key": KEY}, timeout=10
    ).json()
    assert view["status"] == "open" and view["extended_attributes"]["status"] == "in_progress"
    assert view["status_notes"] == "в работе: Управление ЖКХ администрации г. Рязани"
    assert "Ольга" not in str(view) and "olga@" not in str(view)
    kinds = [e.kind for e in records.appeal(number).history]
    assert EventKind.CONTACTS_VIEWED in kinds
