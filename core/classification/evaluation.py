"""Accuracy, macro-F1, a per-sector table and a confusion matrix for labeled texts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol


class Predictor(Protocol):
    """Anything that maps texts to sector codes (the Classifier, a baseline)."""

    def predict(self, texts: Sequence[str]) -> list[str]: ...


def scores(labels: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Metrics of `predicted` against `labels`.

    Macro-F1 averages over the sectors present in `labels`; a label the model does not know
    can never be predicted, so its texts count as errors. `confusion[true][predicted]` counts
    texts; its columns also include predicted sectors absent from the labels.
    """
    if len(labels) != len(predicted):
        raise ValueError("labels and predictions differ in length")
    present = sorted(set(labels))
    columns = present + sorted(set(predicted) - set(present))
    confusion = {t: dict.fromkeys(columns, 0) for t in present}
    for t, p in zip(labels, predicted, strict=True):
        confusion[t][p] += 1
    predicted_count = Counter(predicted)
    per_sector: dict[str, dict[str, float | int]] = {}
    for s in present:
        tp = confusion[s][s]
        support = sum(confusion[s].values())
        precision = tp / predicted_count[s] if predicted_count[s] else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_sector[s] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    correct = sum(t == p for t, p in zip(labels, predicted, strict=True))
    n = len(labels)
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per_sector.values()) / len(present), 4)
        if present
        else 0.0,
        "per_sector": per_sector,
        "confusion": confusion,
    }


def evaluate(clf: Predictor, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Classify `texts` and score against `labels` (see `scores` for the keys)."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    predicted = clf.predict(list(texts)) if texts else []
    return scores(list(labels), predicted)


def format_report(result: dict[str, Any], title: str = "") -> str:
    """The metrics as a plain-text table for people."""
    lines = []
    if title:
        lines.append(title)
    lines.append(
        f"texts: {result['n']}   accuracy: {result['accuracy']:.3f}   "
        f"macro-F1: {result['macro_f1']:.3f}"
    )
    lines.append("")
    lines.append(f"{'sector':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for s, row in result["per_sector"].items():
        lines.append(
            f"{s:<16}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}"
            f"{row['support']:>10}"
        )
    confusion = result["confusion"]
    if confusion:
        columns = list(next(iter(confusion.values())))
        width = max(6, *(len(c[:9]) + 1 for c in columns))
        lines.append("")
        lines.append("confusion (rows: true, columns: predicted)")
        lines.append(" " * 16 + "".join(f"{c[:9]:>{width}}" for c in columns))
        for t, row in confusion.items():
            lines.append(f"{t:<16}" + "".join(f"{row[c]:>{width}}" for c in columns))
    return "\n".join(lines)
