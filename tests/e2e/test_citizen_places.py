"""Where a case is and which case a citizen writes to, over the fake Bot API: the draft card
shows the municipality found in the text or location and lets the citizen choose it from the
directory's list; a case chosen in /my as the active one receives what the citizen sends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.model import AppealStatus, EventKind
from tests.e2e.desk_setup import CITY_GKH, card_in, desk_bot
from tests.e2e.harness import BotProcess, Citizen, text_of

MINZHKH = -1001000000101  # the region-wide route for housing


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    yield from desk_bot(tg, module_db, tmp_path_factory, GROUP_MESSAGES_PER_MINUTE="600")


def routed(records, number: str) -> dict:
    appeal = records.appeal(number)
    event = next(
        e
        for e in appeal.history
        if e.kind is EventKind.STATUS_CHANGED and e.data.get("new") == "routed"
    )
    return {"authority": appeal.authority, "municipality": appeal.municipality, **event.data}


def test_the_citizen_chooses_the_municipality_and_routing_follows_it(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Третью неделю течёт крыша над нашим подъездом, управляющая компания молчит")
    card = citizen.card(mark)
    assert "Населённый пункт: не определён" in text_of(card)
    mark = tg.mark()
    citizen.press(card, "Указать населённый пункт")
    listing = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    labels = [label for label, _ in tg.inline_buttons(listing)]
    assert labels == ["Касимов", "Рязань", "Скопин", "← Назад"]  # by name, from the directory

    mark = tg.mark()
    citizen.press(listing, "Рязань")
    chosen = tg.wait_for_edit(
        citizen.id, card["message_id"], after=mark, predicate=lambda m: "Рязань" in text_of(m)
    )
    assert "Рязань (выбран вами)" in text_of(chosen)
    assert "Указать населённый пункт" not in [b for b, _ in tg.inline_buttons(chosen)]

    mark = tg.mark()
    number = citizen.submit(chosen)
    card_in(tg, CITY_GKH, number, mark)  # Рязань's own ЖКХ, not the region-wide ministry
    route = routed(records, number)
    assert route["authority"] == "ryazan-gkh" and route["municipality"] == "ryazan"
    assert route["municipality_source"] == "citizen"


def test_the_card_shows_the_place_found_in_the_text_and_the_citizen_may_change_it(
    tg, bot, records, citizen
):
    mark = tg.mark()
    citizen.send("В Касимове на улице Набережной прорвало трубу, в домах нет холодной воды")
    card = citizen.card(mark)
    assert "Касимов (по тексту)" in text_of(card)
    assert "Указать населённый пункт" not in [b for b, _ in tg.inline_buttons(card)]

    # «Изменить» → «Населённый пункт» → another one: the citizen's word wins over the text.
    mark = tg.mark()
    citizen.press(card, "Изменить")
    menu = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    mark = tg.mark()
    citizen.press(menu, "Населённый пункт")
    listing = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    ryazan = dict(tg.inline_buttons(listing))["Рязань"]
    mark = tg.mark()
    citizen.press(listing, "Скопин")
    chosen = tg.wait_for_edit(
        citizen.id, card["message_id"], after=mark, predicate=lambda m: "Скопин" in text_of(m)
    )
    assert "Скопин (выбран вами)" in text_of(chosen)

    # A forged position beyond the list is refused; the draft keeps the choice.
    forged = tg.press_button(citizen.id, chosen, ryazan.rsplit(":", 2)[0] + ":99:0")
    assert "не действует" in tg.wait_for_callback_answer(forged["id"])["text"]

    mark = tg.mark()
    number = citizen.submit(chosen)
    card_in(tg, MINZHKH, number, mark)  # no own ЖКХ route in Скопин: the region-wide one
    assert records.appeal(number).municipality == "skopin"


def test_a_shared_location_places_the_draft(tg, bot, citizen):
    mark = tg.mark()
    citizen.send("Во дворе дома неделю не работает уличное освещение, темно и опасно")
    citizen.card(mark)
    mark = tg.mark()
    citizen.send(location=(54.93, 41.40))  # inside Касимов's boundary
    card = citizen.card(mark)
    assert "Касимов (по геопозиции)" in text_of(card)


def test_an_active_appeal_receives_what_the_citizen_sends(tg, bot, records, citizen):
    mark = tg.mark()
    number = citizen.file_appeal(
        "Течёт крыша в подъезде дома 5 на Канищеве в Рязани, управляющая компания не чинит"
    )
    card = card_in(tg, CITY_GKH, number, mark)
    thread = card["message_thread_id"]

    mark = tg.mark()
    citizen.send("/my")
    listing = citizen.wait(lambda m: "Ваши обращения" in text_of(m), after=mark)
    mark = tg.mark()
    citizen.press(listing, number)
    details = tg.wait_for_edit(citizen.id, listing["message_id"], after=mark)
    mark = tg.mark()
    citizen.press(details, "Дополнить обращение")
    prompt = citizen.wait(lambda m: "уйдёт исполнителю" in text_of(m), after=mark)
    assert number in text_of(prompt)

    # Text and a photo go to the case's topic, not into a new draft.
    mark = tg.mark()
    citizen.send("Вот ещё: вода капает прямо на электрощиток")
    citizen.wait(lambda m: text_of(m) == f"Добавлено к обращению {number}.", after=mark)
    tg.wait_for_bot_message(
        CITY_GKH,
        lambda m: (
            text_of(m) == "Вот ещё: вода капает прямо на электрощиток"
            and m.get("message_thread_id") == thread
        ),
        after=mark,
        timeout=15,
    )
    mark = tg.mark()
    citizen.send(photo=b"\x89PNG-roof", caption="Фото щитка")
    tg.wait_for_bot_message(
        CITY_GKH,
        lambda m: "photo" in m and m.get("message_thread_id") == thread,
        after=mark,
        timeout=15,
    )
    assert not [m for m in citizen.replies_after(mark) if "Черновик" in text_of(m)]
    texts = [
        e.data.get("text")
        for e in records.appeal(number).history
        if e.kind is EventKind.CITIZEN_MESSAGE
    ]
    assert texts == ["Вот ещё: вода капает прямо на электрощиток", "Фото щитка"]

    # «Готово»: the next message starts a new draft again.
    added = citizen.wait(lambda m: "Добавлено к обращению" in text_of(m), after=mark)
    mark = tg.mark()
    citizen.press(added, "Готово")
    citizen.wait(lambda m: "Готово: дополнения к обращению" in text_of(m), after=mark)
    mark = tg.mark()
    citizen.send("Другая проблема: во дворе яма на дороге, машины бьют колёса")
    citizen.card(mark)
    assert records.appeal(number).status is AppealStatus.ROUTED


def test_another_citizen_cannot_write_to_someone_elses_appeal(tg, bot, records, citizen):
    mark = tg.mark()
    number = citizen.file_appeal("Не вывозят мусор с контейнерной площадки у дома 3 в Рязани")
    card_in(tg, -1001000000103, number, mark)
    appeal_id = records.appeal(number).id
    stranger = Citizen(tg, name="Борис")
    stranger.consent()
    mark = tg.mark()
    stranger.send("/my")
    empty = stranger.wait(after=mark)
    forged = tg.press_button(stranger.id, empty, f"m:w:{appeal_id}:0")
    assert "не найдено" in tg.wait_for_callback_answer(forged["id"])["text"]
