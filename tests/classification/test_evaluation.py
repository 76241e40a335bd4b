"""Metrics: accuracy, macro-F1 over the sectors present, per-sector table, confusion matrix."""

from __future__ import annotations

import pytest

from core.classification.evaluation import evaluate, format_report, scores


class Fixed:
    """A predictor that answers from a table."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def predict(self, texts: list[str]) -> list[str]:
        return [self.answers[t] for t in texts]


def test_scores_by_hand():
    labels = ["housing", "housing", "waste", "roads"]
    predicted = ["housing", "waste", "waste", "roads"]
    result = scores(labels, predicted)
    assert result["accuracy"] == 0.75
    assert result["per_sector"]["housing"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(0.6667, abs=1e-4),
        "support": 2,
    }
    assert result["per_sector"]["waste"]["f1"] == pytest.approx(0.6667, abs=1e-4)
    assert result["macro_f1"] == pytest.approx((0.6667 + 0.6667 + 1.0) / 3, abs=1e-3)
    assert result["confusion"]["housing"] == {"housing": 1, "roads": 0, "waste": 1}


def test_labels_unknown_to_the_model_count_as_errors():
    answers = {"a": "other", "b": "housing"}
    result = evaluate(Fixed(answers), ["a", "b"], ["improvement", "housing"])
    assert result["accuracy"] == 0.5
    assert result["per_sector"]["improvement"]["f1"] == 0.0
    assert set(result["per_sector"]) == {"improvement", "housing"}  # sectors present only
    assert result["confusion"]["improvement"]["other"] == 1


def test_report_lists_every_sector_and_the_matrix():
    text = format_report(scores(["housing", "waste"], ["housing", "housing"]), "demo")
    assert text.splitlines()[0] == "demo"
    assert "accuracy: 0.500" in text
    assert "macro-F1: 0.333" in text
    assert "waste" in text.split("confusion")[0]
    assert "confusion (rows: true, columns: predicted)" in text


def test_lengths_must_match():
    with pytest.raises(ValueError):
        evaluate(Fixed({}), ["a"], [])
