"""Behaviour of the sector classifier trained on the shipped corpus (minus the hard cases)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.classification import Classification, Classifier
from core.classification.catalogue import catalogue_codes
from core.classification.lexicon import Lexicon
from tests.classification.conftest import HARD_CASES, TRANSCRIPTS

THRESHOLD = 0.55


@pytest.mark.parametrize(("text", "sector"), HARD_CASES)
def test_hard_cases_held_out_from_training(clf: Classifier, text: str, sector: str):
    res = clf.classify(text)
    assert res.sector == sector, (res.ranking[:3], res.reasons)


@pytest.mark.parametrize(("text", "sector"), TRANSCRIPTS)
def test_speech_transcripts_with_filler_words(clf: Classifier, text: str, sector: str):
    res = clf.classify(text)
    assert res.sector == sector, (res.ranking[:3], res.reasons)
    assert not {"ну", "эээ", "короче", "значит", "алло"} & set(res.reasons)


def test_decision_has_runner_up_reasons_and_full_ranking(clf: Classifier):
    res = clf.classify("Мусоровоз третий день не забирает мусор с контейнерной площадки")
    assert isinstance(res, Classification)
    assert res.sector == "waste"
    assert res.confidence >= THRESHOLD
    assert [code for code, _ in res.ranking] == [res.sector, res.runner_up, *res.top(9)[2:]]
    assert sorted(code for code, _ in res.ranking) == sorted(catalogue_codes())
    assert math.isclose(sum(p for _, p in res.ranking), 1.0, abs_tol=1e-6)
    assert [p for _, p in res.ranking] == sorted((p for _, p in res.ranking), reverse=True)
    assert res.runner_up_confidence == res.ranking[1][1] < res.confidence
    assert 1 <= len(res.reasons) <= 5
    assert {"мусоровоз", "контейнерный площадка", "мусор"} & set(res.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "фывапролд ячсмить йцукенг",
        "Здравствуйте, прошу разобраться, ответа так и не получил",
        "ну вот это самое короче да",
    ],
)
def test_gibberish_or_vague_text_asks_the_citizen(clf: Classifier, text: str):
    res = clf.classify(text)
    assert res.confidence < THRESHOLD
    assert not res.is_confident(THRESHOLD)
    assert len(res.top(4)) == 4
    assert len(res.ranking) == len(catalogue_codes())


def test_ambiguous_text_keeps_both_readings_on_top(clf: Classifier):
    res = clf.classify("Нет света в подъезде и мусор на лестнице")
    assert res.sector == "housing"
    assert res.confidence < 0.95


def test_empty_text_is_classified_without_error(clf: Classifier):
    res = clf.classify("")
    assert res.confidence < THRESHOLD
    assert res.reasons == []


def test_confidence_is_calibrated_on_the_hard_cases(clf: Classifier):
    results = clf.classify_many([t for t, _ in HARD_CASES])
    mean_confidence = sum(r.confidence for r in results) / len(results)
    accuracy = sum(r.sector == s for r, (_, s) in zip(results, HARD_CASES, strict=True)) / len(
        results
    )
    assert 0.4 < mean_confidence <= 1.0
    assert abs(mean_confidence - accuracy) < 0.35


def test_batch_and_single_agree(clf: Classifier):
    texts = [t for t, _ in HARD_CASES[:5]]
    batch = clf.classify_many(texts)
    assert [clf.classify(t) for t in texts] == batch
    assert clf.predict(texts) == [r.sector for r in batch]


def test_save_load_round_trip(clf: Classifier, model_file: Path):
    loaded = Classifier.load(model_file)
    texts = [t for t, _ in HARD_CASES + TRANSCRIPTS]
    assert loaded.classes == clf.classes
    assert loaded.classify_many(texts) == clf.classify_many(texts)
    assert loaded.info == clf.info


def test_load_rejects_a_foreign_file(tmp_path: Path):
    path = tmp_path / "x.joblib"
    path.write_bytes(b"not a model")
    with pytest.raises(Exception):  # noqa: B017 - joblib raises several kinds
        Classifier.load(path)


def test_train_with_a_region_specific_sector(corpus_pairs: list[tuple[str, str]]):
    improvement = [
        "Просим установить лавочки и урны в сквере у дома культуры",
        "Во дворе сломаны качели и горка на детской площадке, нужен ремонт",
        "Предлагаем благоустроить набережную: плитка, освещение, скамейки",
        "Разбейте клумбы и посадите деревья вдоль аллеи в парке",
        "Нужна новая детская площадка, старая вся ржавая",
        "Благоустройство двора по программе комфортной среды так и не сделали",
        "Просим сделать пешеходную дорожку через сквер и поставить скамейки",
        "В парке сломан фонтан и разбита плитка на аллее",
        "Установите спортивные тренажеры во дворе для жителей",
        "Газоны во дворе вытоптаны, просим восстановить и огородить",
        "Благоустройте территорию у пруда, нет ни одной скамейки",
        "Просим включить наш двор в программу благоустройства",
    ]
    base = [p for p in corpus_pairs if p[1] != "other"][::6]
    extra = [(t, "improvement") for t in improvement]
    model = Classifier.train(base + extra, sectors=catalogue_codes())
    assert model.classes[-1] == "improvement"
    assert "other" not in model.classes  # a sector without examples cannot be predicted
    res = model.classify("Почините скамейки в сквере и обновите клумбы у детской площадки")
    assert res.sector == "improvement"
    assert len(res.ranking) == len(model.classes)


def test_train_accepts_extra_examples_from_a_callable_source(corpus_pairs):
    def corrections():
        yield "Гаражи за домом горят каждую ночь, чёрный дым", "other"
        yield "Верните автобусный маршрут в наш посёлок", "transport"

    examples = [*corpus_pairs[::10], *corrections()]
    model = Classifier.train(examples, sectors=catalogue_codes())
    assert model.info["examples"] == len(examples)


def test_train_rejects_a_single_sector():
    with pytest.raises(ValueError, match="two sectors"):
        Classifier.train([("текст один", "housing"), ("текст два", "housing")])


def test_custom_lexicon_terms_shift_the_decision(corpus_pairs):
    lexicon = Lexicon.from_mapping({"energy": {"солнечная панель": 6.0}})
    model = Classifier.train(corpus_pairs[::4], sectors=catalogue_codes(), lexicon=lexicon)
    res = model.classify("вопрос про солнечные панели на крыше")
    assert res.sector == "energy"
    assert "солнечный панель" in res.reasons
