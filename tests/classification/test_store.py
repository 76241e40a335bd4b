"""Where the model comes from: an explicit file, ./var/models/classifier.joblib, or the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.classification import Classifier, load_classifier
from core.classification import model as model_module


@pytest.fixture
def counted_training(clf: Classifier, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace corpus training by the session model; the list counts the trainings."""
    calls: list[int] = []

    def fake_train_default(*args: object, **kwargs: object) -> Classifier:
        calls.append(1)
        return clf

    monkeypatch.setattr(model_module, "train_default", fake_train_default)
    return calls


def test_default_model_is_trained_once_and_cached(tmp_path: Path, counted_training: list[int]):
    first = Classifier.load_default(tmp_path)
    cached = list(tmp_path.glob("default-*.joblib"))
    assert len(cached) == 1
    second = Classifier.load_default(tmp_path)
    assert counted_training == [1]
    assert second.classes == first.classes


def test_default_model_cache_name_follows_the_corpus(tmp_path: Path, counted_training):
    Classifier.load_default(tmp_path)
    name = next(tmp_path.glob("default-*.joblib")).name
    assert name == f"default-{model_module.default_fingerprint()}.joblib"


def test_unwritable_cache_keeps_the_model_in_memory(tmp_path: Path, counted_training):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    model = Classifier.load_default(blocker / "models")
    assert model.classify("Нет горячей воды").ranking
    assert counted_training == [1]


def test_damaged_cache_is_rebuilt(tmp_path: Path, counted_training):
    broken = tmp_path / f"default-{model_module.default_fingerprint()}.joblib"
    broken.write_bytes(b"garbage")
    Classifier.load_default(tmp_path)
    assert counted_training == [1]
    assert Classifier.load(broken).classes


def test_explicit_model_path_wins(model_file: Path, counted_training):
    assert load_classifier(model_file).classes
    assert counted_training == []


def test_missing_explicit_model_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        load_classifier(tmp_path / "nope.joblib")


def test_region_model_in_var_is_preferred_to_the_default(
    tmp_path: Path, model_file: Path, monkeypatch: pytest.MonkeyPatch, counted_training
):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "var" / "models" / "classifier.joblib"
    target.parent.mkdir(parents=True)
    target.write_bytes(model_file.read_bytes())
    assert load_classifier().classes
    assert counted_training == []


def test_without_a_region_model_the_default_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted_training
):
    monkeypatch.chdir(tmp_path)
    load_classifier(cache_dir=tmp_path / "cache")
    assert counted_training == [1]
    assert list((tmp_path / "cache").glob("default-*.joblib"))
