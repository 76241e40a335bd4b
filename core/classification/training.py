"""Fitting the sector classifier with scikit-learn: features, linear model, calibration.

Imported only when a model is trained; `fit` returns plain arrays that `Classifier` keeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from tqdm import tqdm

from core.classification.features import CharGrams, word_terms
from core.classification.text import Analysed

if TYPE_CHECKING:
    from core.classification.model import Params


@dataclass(frozen=True, slots=True)
class Fitted:
    """A trained model as arrays: weights are (features, classes) with block weights folded in."""

    word_vocabulary: dict[str, int]
    word_idf: np.ndarray
    char_vocabulary: dict[str, int]
    char_idf: np.ndarray
    weights: np.ndarray
    intercept: np.ndarray
    temperature: float


def fit(
    docs: Sequence[Analysed],
    y: np.ndarray,
    lex: np.ndarray,
    params: Params,
    *,
    sample_weight: np.ndarray | None = None,
    progress: bool = False,
) -> Fitted:
    """TF-IDF blocks, logistic regression and a calibrated temperature for labels `y`.

    `sample_weight` (one per example) lets a source count more or less than its size.
    """
    n_classes = lex.shape[1]
    steps = tqdm(total=2 + params.calibration_folds, desc="fitting", disable=not progress)
    x, word_vec, char_vec = _fit_features(docs, params)
    steps.update(1)
    model = _fit_linear(x, y, params, sample_weight)
    steps.update(1)
    temperature = _calibrate(x, y, lex, params, steps, sample_weight)
    steps.close()
    n_word = len(word_vec.vocabulary_)
    coef = _full_coef(model, n_classes)
    coef[:, :n_word] *= params.word_weight
    coef[:, n_word:] *= params.char_weight
    return Fitted(
        word_vocabulary=dict(word_vec.vocabulary_),
        word_idf=word_vec.idf_.astype(np.float32),
        char_vocabulary=dict(char_vec.vocabulary_),
        char_idf=char_vec.idf_.astype(np.float32),
        weights=np.ascontiguousarray(coef.T, dtype=np.float32),
        intercept=_full_intercept(model, n_classes).astype(np.float64),
        temperature=temperature,
    )


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_features(
    docs: Sequence[Analysed], params: Params
) -> tuple[sparse.csr_matrix, TfidfVectorizer, TfidfVectorizer]:
    word_vec = TfidfVectorizer(
        analyzer=word_terms, sublinear_tf=True, max_df=0.5, dtype=np.float32
    )
    char_vec = TfidfVectorizer(
        analyzer=CharGrams(*params.char_ngrams),
        sublinear_tf=True,
        min_df=params.min_df_char,
        max_df=0.7,
        dtype=np.float32,
    )
    x_word = word_vec.fit_transform([d.lemmas for d in docs])
    x_char = char_vec.fit_transform([d.content_text for d in docs])
    x = sparse.hstack([params.word_weight * x_word, params.char_weight * x_char], format="csr")
    return x, word_vec, char_vec


def _fit_linear(
    x: sparse.csr_matrix,
    y: np.ndarray,
    params: Params,
    sample_weight: np.ndarray | None = None,
) -> LogisticRegression:
    model = LogisticRegression(
        C=params.C,
        max_iter=300,
        tol=1e-3,
        class_weight="balanced" if params.balanced else None,
    )
    model.fit(x, y, sample_weight=sample_weight)
    return model


def _full_coef(model: LogisticRegression, n_classes: int) -> np.ndarray:
    """Coefficients as (classes, features), also for a two-class model."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    if coef.shape[0] == 1:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
    full = np.zeros((n_classes, coef.shape[1]))
    full[model.classes_] = coef
    return full


def _full_intercept(model: LogisticRegression, n_classes: int) -> np.ndarray:
    b = np.asarray(model.intercept_, dtype=np.float64)
    if b.shape[0] == 1:
        b = np.array([-b[0] / 2, b[0] / 2])
    full = np.full(n_classes, -30.0)
    full[model.classes_] = b
    return full


def _calibrate(
    x: sparse.csr_matrix,
    y: np.ndarray,
    lex: np.ndarray,
    params: Params,
    steps: Any,
    sample_weight: np.ndarray | None = None,
) -> float:
    """The temperature that minimises the log-loss of out-of-fold predictions."""
    n_classes = lex.shape[1]
    index = np.arange(len(y))
    if len(y) > params.calibration_max_examples:  # a sample that keeps every rare sector
        rng = np.random.default_rng(0)
        per_class = params.calibration_max_examples // n_classes
        parts = []
        for k in range(n_classes):
            members = index[y == k]
            if len(members) > per_class:
                members = rng.choice(members, per_class, replace=False)
            parts.append(members)
        index = np.sort(np.concatenate(parts))
    ys = y[index]
    folds = min(params.calibration_folds, int(np.bincount(ys, minlength=n_classes).min()))
    if folds < 2:
        steps.update(params.calibration_folds)
        return 1.0
    xs, lexs = x[index], lex[index]
    z = np.zeros((len(ys), n_classes))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=0).split(xs, ys):
        w = sample_weight[index][train_idx] if sample_weight is not None else None
        m = _fit_linear(xs[train_idx], ys[train_idx], params, w)
        z[test_idx] = (
            xs[test_idx] @ _full_coef(m, n_classes).T
            + _full_intercept(m, n_classes)
            + params.lexicon_weight * lexs[test_idx]
        )
        steps.update(1)

    def nll(log_t: float) -> float:
        p = _softmax(z / math.exp(log_t))
        return float(-np.mean(np.log(p[np.arange(len(ys)), ys] + 1e-12)))

    best = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(math.exp(best.x))
