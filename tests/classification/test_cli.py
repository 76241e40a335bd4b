"""`priemnaya classify`: a text, `eval FILE.csv [--json]`, `train FILE.csv ...` (CliRunner)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from priemnaya.cli_classify import classify, make_classify_group

ROWS = [
    ("Третий день не вывозят мусор, контейнеры переполнены", "waste", "a"),
    ("В квартире холодные батареи, управляющая компания молчит", "housing", "b"),
    ("Яма на дороге возле перекрёстка", "roads", "c"),
    ("Автобус 7 не ходит по расписанию", "transport", "d"),
    ("Нет света во всём посёлке с утра", "energy", "e"),
    ("Во дворе нужно поставить лавочки и клумбы", "improvement", "f"),
]


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "sector", "source_category"])
        writer.writerows(rows)
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_classify_a_text(runner: CliRunner, model_file: Path):
    result = runner.invoke(
        classify, ["--model", str(model_file), "Мусор не вывозят с контейнерной площадки"]
    )
    assert result.exit_code == 0, result.output
    assert "sector: waste" in result.output
    assert "runner-up:" in result.output
    assert "because of:" in result.output
    assert "ranking: waste" in result.output


def test_classify_a_text_as_json_with_the_model_from_the_environment(
    runner: CliRunner, model_file: Path
):
    result = runner.invoke(
        classify,
        ["Не могу записаться к врачу в поликлинику", "--json"],
        env={"CLASSIFIER_MODEL_PATH": str(model_file)},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sector"] == "healthcare"
    assert set(data) >= {"confidence", "runner_up", "reasons", "ranking", "confident"}
    assert len(data["ranking"]) == 9


def test_low_confidence_text_offers_a_choice(runner: CliRunner, model_file: Path):
    result = runner.invoke(classify, ["--model", str(model_file), "фывапролд ячсмить"])
    assert result.exit_code == 0, result.output
    assert "low confidence" in result.output
    assert "ask the citizen to choose:" in result.output


def test_eval_prints_the_tables(runner: CliRunner, model_file: Path, tmp_path: Path):
    data = write_csv(tmp_path / "region.csv", ROWS)
    result = runner.invoke(classify, ["--model", str(model_file), "eval", str(data)])
    assert result.exit_code == 0, result.output
    assert "accuracy:" in result.output
    assert "macro-F1:" in result.output
    assert "precision" in result.output and "recall" in result.output
    assert "confusion (rows: true, columns: predicted)" in result.output
    assert "sectors the model does not know (counted as errors): ['improvement']" in result.output


def test_eval_json(runner: CliRunner, model_file: Path, tmp_path: Path):
    data = write_csv(tmp_path / "region.csv", ROWS)
    result = runner.invoke(classify, ["--model", str(model_file), "eval", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"accuracy", "macro_f1", "per_sector", "confusion"} <= set(report)
    assert set(report["per_sector"]) == {r[1] for r in ROWS}
    assert report["per_sector"]["improvement"]["f1"] == 0.0
    assert 0.5 <= report["accuracy"] <= 5 / 6
    assert sum(sum(row.values()) for row in report["confusion"].values()) == len(ROWS)


def test_eval_rejects_a_csv_without_the_columns(runner, model_file, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("body,label\nтекст,housing\n", encoding="utf-8")
    result = runner.invoke(classify, ["--model", str(model_file), "eval", str(bad)])
    assert result.exit_code != 0
    assert "needs the columns 'text' and 'sector'" in result.output


def test_train_on_a_region_csv_with_its_own_sector_and_corrections(
    runner: CliRunner, tmp_path: Path
):
    rows = [(t + suffix, s, "x") for t, s, _ in ROWS for suffix in ("", " срочно", " опять")]
    data = write_csv(tmp_path / "history.csv", rows)
    out = tmp_path / "region.joblib"
    group = make_classify_group(
        extra_examples=lambda: [("Просим покрасить забор у детской площадки", "improvement")]
    )
    result = runner.invoke(group, ["train", str(data), "--no-corpus", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert "stored corrections: 1 examples" in result.output
    assert "improvement 4" in result.output
    evaluated = runner.invoke(classify, ["--model", str(out), "eval", str(data), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output)["per_sector"]["improvement"]["support"] == 3


def test_missing_model_file_is_a_clean_error(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(classify, ["--model", str(tmp_path / "no.joblib"), "текст"])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_no_arguments_show_help(runner: CliRunner):
    result = runner.invoke(classify, [])
    assert "eval" in result.output and "train" in result.output


def test_train_with_the_corpus_sets_aside_rows_the_shipped_model_contradicts(
    runner: CliRunner, tmp_path: Path, clf, monkeypatch: pytest.MonkeyPatch
):
    import priemnaya.cli_classify as cli
    from core.classification import Classifier
    from core.classification.corpus import load_corpus

    monkeypatch.setattr(Classifier, "load_default", classmethod(lambda cls, *a, **k: clf))
    small = load_corpus()[::8]  # a slice of the corpus keeps the test quick
    monkeypatch.setattr(cli, "load_corpus", lambda *a, **k: small)
    rows = [
        *ROWS,
        ("Контейнерная площадка завалена мусором, баки не вывозят две недели", "transport", "g"),
    ]
    data = write_csv(tmp_path / "history.csv", rows)
    out = tmp_path / "region.joblib"
    result = runner.invoke(classify, ["train", str(data), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "shipped corpus:" in result.output
    assert "set aside 1 history rows the shipped model confidently contradicts (transport 1)" in (
        result.output
    )
    assert Classifier.load(out).info["set_aside"] == {"transport": 1}
    kept = runner.invoke(
        classify, ["train", str(data), "--keep-all", "--output", str(tmp_path / "all.joblib")]
    )
    assert kept.exit_code == 0, kept.output
    assert "set aside" not in kept.output
