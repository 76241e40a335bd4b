"""A case once acknowledged is never lost: crashes, restarts and Telegram failures."""

from __future__ import annotations

import time

import pytest

from tests.backends import TEST_REDIS
from tests.e2e.harness import BotProcess, Citizen, number_in, text_of


@pytest.fixture
def own_bot(tg, test_db, tmp_path):
    """A bot process of this test's own, which the test may kill and restart."""
    process = BotProcess(tg, test_db.url, tmp_path)
    yield process
    process.stop(kill=True)


def submit_data(card: dict) -> str:
    """The callback data of «Отправить» as it was on the card when it was shown."""
    [data] = [
        b["callback_data"]
        for row in card["reply_markup"]["inline_keyboard"]
        for b in row
        if "Отправить" in b["text"]
    ]
    return data


def wait_until(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_crash_between_commit_and_confirmation(tg, own_bot, test_db):
    from tests.e2e.conftest import Records

    records = Records(test_db.url)
    own_bot.start()
    person = Citizen(tg)
    person.consent()
    mark = tg.mark()
    person.send("Нет газа в частном секторе по улице Лесной")
    card = person.card(mark)
    # Telegram stops answering just when the confirmation is sent…
    tg.hang_next("sendMessage", 60, predicate=lambda p: "зарегистрировано" in str(p.get("text")))
    person.press(card, "Отправить")
    numbers = wait_until(lambda: records.citizen_appeals(person.id))
    tg.wait_for_call(
        "sendMessage", lambda c: "зарегистрировано" in str(c.params.get("text")), after=mark
    )
    # …and the process dies right after the commit.
    own_bot.stop(kill=True)
    tg.reset_faults()
    mark = tg.mark()
    own_bot.start()
    confirmation = person.wait(lambda m: "зарегистрировано" in text_of(m), after=mark, timeout=20)
    assert number_in(confirmation["text"]) == numbers[0]
    # Pressing the old card's button again does not register a second case.
    query = tg.press_button(person.id, card, submit_data(card))
    answer = tg.wait_for_callback_answer(query["id"])
    assert numbers[0] in answer["text"]
    assert records.citizen_appeals(person.id) == numbers


def test_restart_keeps_appeals_and_redis_keeps_drafts(tg, own_bot, test_db):
    from tests.e2e.conftest import Records

    records = Records(test_db.url)
    own_bot.start()
    person = Citizen(tg)
    person.consent()
    first = person.file_appeal("Не убран снег на дороге к поселку Заречный")
    mark = tg.mark()
    person.send("Яма на выезде с улицы Северной")
    card = person.card(mark)
    assert own_bot.stop() == 0
    own_bot.start()
    listing = person.say("/my")
    assert first in listing["text"] or any(first in t for t, _ in tg.inline_buttons(listing))
    mark = tg.mark()
    query = tg.press_button(person.id, card, submit_data(card))
    if TEST_REDIS:
        # The draft lived in Redis: it survives the restart and can be sent.
        confirmation = person.wait(lambda m: "зарегистрировано" in text_of(m), after=mark)
        assert number_in(confirmation["text"]) != first
        assert len(records.citizen_appeals(person.id)) == 2
    else:
        # In-memory FSM: the draft is gone, and the citizen is told so clearly.
        answer = tg.wait_for_callback_answer(query["id"])
        assert "больше не действует" in answer["text"]
        assert records.citizen_appeals(person.id) == [first]
