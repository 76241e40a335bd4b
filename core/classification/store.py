"""Where the model lives: a region's trained file, else the default model built from the corpus."""

from __future__ import annotations

from pathlib import Path

from core.classification.model import DEFAULT_CACHE_DIR, Classifier

#: Written by `priemnaya classify train` unless told otherwise; `priemnaya run` prefers it.
DEFAULT_MODEL_PATH = DEFAULT_CACHE_DIR / "classifier.joblib"


def load_classifier(
    model_path: Path | None = None,
    *,
    cache_dir: Path | None = None,
    progress: bool = False,
) -> Classifier:
    """The explicit `model_path`, else ./var/models/classifier.joblib if present, else the default.

    The default model is trained from the shipped corpus on first use and cached in `cache_dir`
    (./var/models unless given).
    """
    if model_path is not None:
        path = Path(model_path)
        if not path.exists():
            raise FileNotFoundError(f"classifier model {path} does not exist")
        return Classifier.load(path)
    if DEFAULT_MODEL_PATH.exists():
        return Classifier.load(DEFAULT_MODEL_PATH)
    return Classifier.load_default(cache_dir, progress=progress)
