"""Retraining on a region's history: source shares, sectors balanced, doubtful labels set aside."""

from __future__ import annotations

import pytest

from core.classification import Classifier
from core.classification.catalogue import catalogue_codes
from core.classification.retraining import MAX_ROW_WEIGHT, source_weights, train_regional

# A region's history: plausible rows, two mis-filed ones and a region's own block.
HISTORY = [
    ("Во дворе третий день не вывозят мусор, контейнеры переполнены", "waste"),
    ("Мусоровоз не приехал, у баков гора пакетов", "waste"),
    ("На улице Ленина огромные ямы на проезжей части", "roads"),
    ("Дорогу к посёлку не чистят от снега, машины застревают", "roads"),
    ("В подъезде не работает лифт уже неделю", "housing"),
    ("Течёт крыша над пятым этажом, управляющая компания не реагирует", "housing"),
    ("Ребёнку не дают место в детском саду второй год", "education"),
    ("Не могу записаться к терапевту в поликлинику", "healthcare"),
    # mis-filed by the portal: obviously not education / healthcare
    ("Протекает крыша, в квартире на потолке плесень, управляющая компания молчит", "education"),
    ("Контейнерная площадка завалена мусором, баки не вывозят две недели", "healthcare"),
    ("Просим установить лавочки и урны в сквере у дома культуры", "improvement"),
    ("В парке сломан фонтан и разбита плитка на аллее", "improvement"),
]


def test_each_source_weighs_its_share_split_between_its_sectors():
    big = [("a", "housing")] * 900 + [("b", "roads")] * 100
    small = [("c", "waste")] * 10 + [("d", "energy")] * 10
    w_big, w_small = source_weights([big, small], [0.5, 0.5])
    assert sum(w_big) == pytest.approx(0.5)
    assert sum(w_small) == pytest.approx(0.5)
    # inside the big file the rare sector counts as much as the common one
    assert sum(w_big[:900]) == pytest.approx(sum(w_big[900:]))


def test_a_tiny_sector_of_a_file_is_capped():
    rows = [("a", "housing")] * 999 + [("b", "roads")]
    weights = source_weights([rows], [1.0])[0]
    assert weights[-1] == pytest.approx(MAX_ROW_WEIGHT / len(rows))
    assert weights[-1] < 0.5


def test_doubtful_history_rows_are_set_aside_not_corrections(
    clf: Classifier, corpus_pairs: list[tuple[str, str]]
):
    corrections = [("Протекает крыша, в квартире на потолке плесень", "education")]
    model, report = train_regional(
        [HISTORY],
        corpus=corpus_pairs[::3],
        corrections=corrections,
        prior=clf,
        sectors=catalogue_codes(),
    )
    assert report.set_aside == {"education": 1, "healthcare": 1}
    assert model.info["set_aside"] == report.set_aside
    # the region's own block is unknown to the shipped model and kept; so is the correction
    assert "improvement" in model.classes
    assert model.info["per_sector"]["improvement"] == 2
    assert model.info["per_sector"]["education"] == 2 + sum(
        1 for _, s in corpus_pairs[::3] if s == "education"
    )
    assert report.examples == len(HISTORY) - 2 + len(corpus_pairs[::3]) + 1


def test_without_a_prior_every_row_is_kept(corpus_pairs: list[tuple[str, str]]):
    model, report = train_regional([HISTORY], corpus=corpus_pairs[::3], sectors=catalogue_codes())
    assert report.set_aside == {}
    assert report.examples == len(HISTORY) + len(corpus_pairs[::3])
    assert model.info["per_sector"]["education"] == 2 + sum(
        1 for _, s in corpus_pairs[::3] if s == "education"
    )


def test_a_sector_is_never_lost_entirely(clf: Classifier):
    history = [
        *HISTORY[:6],
        ("Протекает крыша, в квартире на потолке плесень, управляющая компания молчит", "social"),
    ]
    model, report = train_regional([history], prior=clf, sectors=catalogue_codes())
    assert "social" in model.classes
    assert "social" not in report.set_aside


def test_no_examples_at_all_is_an_error():
    with pytest.raises(ValueError, match="no training examples"):
        train_regional([[]], sectors=catalogue_codes())
