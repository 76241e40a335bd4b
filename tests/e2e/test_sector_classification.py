"""The classifier in the citizen flow: the guess on the card, the unsure path, corrections."""

from __future__ import annotations

from tests.e2e.harness import BotProcess, Citizen, text_of


def test_confident_guess_is_shown_and_stored_with_its_reasons(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Третью неделю не вывозят мусор с контейнерной площадки, баки переполнены")
    card = citizen.card(mark)
    assert "ТКО" in card["text"] and "определено автоматически" in card["text"]
    labels = [t for t, _ in tg.inline_buttons(card)]
    assert "🗂 Другая сфера…" not in labels
    appeal = records.appeal(citizen.submit(card))
    assert appeal is not None and appeal.sector == "waste"
    assert 0.0 < (appeal.sector_confidence or 0) <= 1.0
    sector_events = [e for e in appeal.history if e.kind.value == "sector_set"]
    assert sector_events[0].data["source"] == "classifier"
    assert sector_events[0].data["reasons"], "officials must see why"
    # Nobody corrected the classifier: nothing to learn from.
    assert all(e.appeal_id != appeal.id for e in records.labeled_examples())


def test_citizen_correction_is_kept_as_a_labeled_example(tg, bot, records, citizen):
    mark = tg.mark()
    citizen.send("Школьный автобус не ходит до села Никольское уже неделю, дети пешком")
    card = citizen.card(mark)
    mark = tg.mark()
    citizen.press(card, "Изменить")
    menu = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    mark = tg.mark()
    citizen.press(menu, "Сферу")
    sectors = tg.wait_for_edit(citizen.id, card["message_id"], after=mark)
    mark = tg.mark()
    citizen.press(sectors, "Общественный транспорт")
    updated = tg.wait_for_edit(
        citizen.id,
        card["message_id"],
        after=mark,
        predicate=lambda m: "Общественный транспорт" in text_of(m),
    )
    appeal = records.appeal(citizen.submit(updated))
    assert appeal is not None and appeal.sector == "transport"
    examples = [e for e in records.labeled_examples() if e.appeal_id == appeal.id]
    assert len(examples) == 1
    assert examples[0].sector == "transport" and examples[0].source.value == "citizen"
    assert examples[0].text == appeal.text and examples[0].predicted is not None


def test_unsure_classifier_offers_its_best_guesses_as_buttons(
    tg, bot, module_db, records, tmp_path
):
    # One poller per token: the module's bot steps aside for a bot whose threshold no guess
    # reaches, so that every card asks the citizen.
    bot.stop()
    unsure = BotProcess(tg, module_db.url, tmp_path, CLASSIFIER_THRESHOLD="0.999").start()
    try:
        person = Citizen(tg)
        person.consent()
        mark = tg.mark()
        person.send("Во дворе у дома 4 сломаны качели и не горят фонари, а мусор не вывозят")
        card = person.card(mark)
        assert "не удалось определить уверенно" in card["text"]
        labels = [t for t, _ in tg.inline_buttons(card)]
        assert labels[:3] == ["✅ Отправить", "✏️ Изменить", "✖️ Отменить"]
        guesses = labels[3:6]
        assert len(guesses) == 3 and labels[6] == "🗂 Другая сфера…"
        mark = tg.mark()
        person.press(card, guesses[1])
        updated = tg.wait_for_edit(
            person.id,
            card["message_id"],
            after=mark,
            predicate=lambda m: "не удалось" not in text_of(m),
        )
        assert guesses[1] in updated["text"]
        assert "🗂 Другая сфера…" not in [t for t, _ in tg.inline_buttons(updated)]
        appeal = records.appeal(person.submit(updated))
        assert appeal is not None
        examples = [e for e in records.labeled_examples() if e.appeal_id == appeal.id]
        assert [e.sector for e in examples] == [appeal.sector]
        assert examples[0].predicted is not None
    finally:
        assert unsure.stop() == 0, unsure.log()
        bot.start()
