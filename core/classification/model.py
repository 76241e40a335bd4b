"""The sector classifier: TF-IDF over lemmas and character n-grams, a linear model, a lexicon.

Training (core.classification.training, scikit-learn) reduces the fitted model to plain arrays
(vocabularies, idf, one weight row per feature): loading is quick, classifying one text does
not go through scikit-learn, and a running bot never imports it.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from tqdm import tqdm

from core.classification.catalogue import (
    catalogue_codes,
    catalogue_fingerprint_bytes,
    default_lexicon,
)
from core.classification.corpus import CORPUS_DIR, corpus_fingerprint, load_corpus, pairs
from core.classification.features import Block, char_grams, word_terms
from core.classification.lexicon import DEFAULT_LEXICON_FILE, Lexicon
from core.classification.text import Analysed, analyse

log = logging.getLogger(__name__)

#: Bump when features or the file layout change: cached default models are then retrained.
MODEL_FORMAT = 2
DEFAULT_CACHE_DIR = Path("var") / "models"


@dataclass(frozen=True, slots=True)
class Params:
    """Hyper-parameters, chosen by cross-validation on the shipped corpus (bench/classify.py)."""

    C: float = 10.0
    word_weight: float = 1.0
    char_weight: float = 1.0
    lexicon_weight: float = 0.35
    char_ngrams: tuple[int, int] = (2, 5)
    min_df_char: int = 2
    balanced: bool = True
    calibration_folds: int = 4
    calibration_max_examples: int = 6000
    #: A text whose words are all unknown or uninformative (no known word whose weights tell
    #: the sectors apart by at least this much, no lexicon term) gets a flattened ranking.
    evidence_spread: float = 2.0
    evidence_floor: float = 0.2


@dataclass(frozen=True, slots=True)
class Classification:
    """The decision for one text; `ranking` lists every sector, best first, summing to 1."""

    sector: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float
    reasons: list[str]
    ranking: list[tuple[str, float]]

    def is_confident(self, threshold: float) -> bool:
        """False when the citizen should rather pick the sector from buttons."""
        return self.confidence >= threshold

    def top(self, n: int = 3) -> list[str]:
        """The `n` best sector codes (for the buttons), best first."""
        return [code for code, _ in self.ranking[:n]]


@dataclass
class Classifier:
    """A trained sector classifier. Build with `train`, `load` or `load_default`."""

    classes: list[str]
    word_block: Block
    char_block: Block
    weights: np.ndarray  # (features, classes): the linear model with block weights folded in
    intercept: np.ndarray  # (classes,)
    lexicon: Lexicon
    params: Params = field(default_factory=Params)
    temperature: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)
    _word_names: list[str] | None = field(default=None, repr=False, compare=False)
    _word_spread: np.ndarray | None = field(default=None, repr=False, compare=False)

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[str, str]],
        *,
        sectors: list[str] | None = None,
        progress: bool = False,
        lexicon: Lexicon | None = None,
        params: Params | None = None,
        weights: Sequence[float] | None = None,
    ) -> Classifier:
        """Fit on (text, sector) pairs; any sector code is accepted, `sectors` fixes the order.

        Sectors of `sectors` without examples cannot be predicted (a warning is logged);
        labels outside `sectors` (a region's own block) are appended after them. `weights`
        (one per example, in order) makes some examples count more than others.
        """
        params = params or Params()
        started = time.perf_counter()
        raw = [(str(t), str(s).strip()) for t, s in examples]
        if weights is None:
            weights = [1.0] * len(raw)
        elif len(weights) != len(raw):
            raise ValueError("weights and examples differ in length")
        kept = [(t, s, float(w)) for (t, s), w in zip(raw, weights, strict=True)]
        kept = [(t, s, w) for t, s, w in kept if t.strip() and s and w > 0]
        data = [(t, s) for t, s, _ in kept]
        if not data:
            raise ValueError("no training examples")
        seen = Counter(s for _, s in data)
        order = [s for s in dict.fromkeys(sectors or []) if s in seen]
        missing = [s for s in dict.fromkeys(sectors or []) if s not in seen]
        if missing:
            log.warning("no training examples for sectors %s; they cannot be predicted", missing)
        classes = order + sorted(s for s in seen if s not in order)
        if len(classes) < 2:
            raise ValueError("training needs examples of at least two sectors")
        lexicon = lexicon if lexicon is not None else default_lexicon()
        docs = [
            analyse(t)
            for t, _ in tqdm(data, desc="lemmatising", disable=not progress, unit="text")
        ]
        y = np.array([classes.index(s) for _, s in data])
        from core.classification.training import fit  # scikit-learn: only when training

        lex = np.array([lexicon.scores(d.lemmas, classes) for d in docs], dtype=np.float64)
        w = np.array([w for _, _, w in kept], dtype=np.float64)
        sample_weight = None if np.all(w == 1.0) else w * (len(w) / w.sum())
        fitted = fit(docs, y, lex, params, sample_weight=sample_weight, progress=progress)
        n_word = len(fitted.word_vocabulary)
        clf = cls(
            classes=classes,
            word_block=Block(fitted.word_vocabulary, fitted.word_idf, 0),
            char_block=Block(fitted.char_vocabulary, fitted.char_idf, n_word),
            weights=fitted.weights,
            intercept=fitted.intercept,
            lexicon=lexicon,
            params=params,
            temperature=fitted.temperature,
        )
        clf.info = {
            "format": MODEL_FORMAT,
            "examples": len(data),
            "per_sector": {c: seen[c] for c in classes},
            "trained_seconds": round(time.perf_counter() - started, 2),
        }
        return clf

    # ---------------------------------------------------------------- inference

    def _rows(self, docs: Sequence[Analysed]) -> sparse.csr_matrix:
        lo, hi = self.params.char_ngrams
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for d in docs:
            wi, wv = self.word_block.vector(word_terms(d.lemmas))
            ci, cv = self.char_block.vector(char_grams(d.content_text, lo, hi))
            indices += wi + ci
            data += wv + cv
            indptr.append(len(indices))
        shape = (len(docs), self.weights.shape[0])
        return sparse.csr_matrix(
            (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), indptr),
            shape=shape,
        )

    def _logits(self, docs: Sequence[Analysed]) -> tuple[np.ndarray, sparse.csr_matrix]:
        x = self._rows(docs)
        z = np.asarray(x @ self.weights, dtype=np.float64) + self.intercept
        lex = np.array([self.lexicon.scores(d.lemmas, self.classes) for d in docs])
        lex = lex.reshape(z.shape)
        z = z + self.params.lexicon_weight * lex
        shrink = self._evidence(docs, lex)
        mean = z.mean(axis=1, keepdims=True)
        return mean + shrink[:, None] * (z - mean), x

    def _evidence(self, docs: Sequence[Analysed], lex: np.ndarray) -> np.ndarray:
        """Per text, 1.0 when some known word or lexicon term points at a sector, less if not.

        Character n-grams alone (gibberish, a misspelt unknown word) and words every sector
        shares («прошу разобраться») must not produce a confident decision.
        """
        spread = self._word_spread
        if spread is None:
            w = self.weights[: len(self.word_block.vocabulary)]
            spread = self._word_spread = (w.max(axis=1) - w.min(axis=1)).astype(np.float64)
        need = self.params.evidence_spread
        floor = self.params.evidence_floor
        out = np.ones(len(docs))
        if need <= 0:
            return out
        vocab = self.word_block.vocabulary
        for i, d in enumerate(docs):
            if np.abs(lex[i]).max(initial=0.0) >= 1.0:
                continue
            best = max((spread[vocab[t]] for t in word_terms(d.lemmas) if t in vocab), default=0.0)
            out[i] = min(1.0, max(floor, best / need))
        return out

    def predict_proba(self, texts: Sequence[str], batch: int = 2000) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `self.classes` order."""
        parts = []
        for start in range(0, len(texts), batch):
            z, _ = self._logits([analyse(t) for t in texts[start : start + batch]])
            parts.append(_softmax(z / self.temperature))
        return np.vstack(parts) if parts else np.zeros((0, len(self.classes)))

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The best sector of each text."""
        proba = self.predict_proba(texts)
        return [self.classes[i] for i in proba.argmax(axis=1)]

    def classify(self, text: str) -> Classification:
        """Sector, confidence, runner-up, reasons and the full ranking for one text."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        """`classify` for several texts at once."""
        docs = [analyse(t) for t in texts]
        if not docs:
            return []
        z, x = self._logits(docs)
        proba = _softmax(z / self.temperature)
        out = []
        for i, doc in enumerate(docs):
            order = np.argsort(-proba[i], kind="stable")
            ranking = [(self.classes[j], float(proba[i, j])) for j in order]
            best = int(order[0])
            second = int(order[1]) if len(order) > 1 else None
            row = x[i]
            out.append(
                Classification(
                    sector=ranking[0][0],
                    confidence=ranking[0][1],
                    runner_up=ranking[1][0] if second is not None else None,
                    runner_up_confidence=ranking[1][1] if second is not None else 0.0,
                    reasons=self._reasons(doc, row.indices, row.data, best, second),
                    ranking=ranking,
                )
            )
        return out

    # ---------------------------------------------------------------- explanations

    def _reasons(
        self,
        doc: Analysed,
        indices: np.ndarray,
        values: np.ndarray,
        best: int,
        second: int | None,
        limit: int = 5,
    ) -> list[str]:
        """Terms that pushed the text towards `best` rather than `second`, strongest first."""
        w = self.weights
        rival = w[:, second] if second is not None else w.mean(axis=1)
        if self._word_names is None:
            names = [""] * len(self.word_block.vocabulary)
            for term, j in self.word_block.vocabulary.items():
                names[j] = term
            self._word_names = names
        n_word = len(self._word_names)
        score: dict[str, float] = defaultdict(float)
        char_values: dict[int, float] = {}
        for j, v in zip(indices.tolist(), values.tolist(), strict=True):
            delta = float(w[j, best] - rival[j])
            if j < n_word:
                score[self._word_names[j]] += v * delta
            else:
                char_values[j] = v * delta
        if char_values:
            vocab = self.char_block.vocabulary
            lo, hi = self.params.char_ngrams
            owned = [
                {n_word + vocab[g] for g in char_grams(word, lo, hi) if g in vocab}
                for word in doc.words
            ]
            owners = Counter(j for cols in owned for j in cols)
            for lemma, cols in zip(doc.lemmas, owned, strict=True):
                score[lemma] += sum(char_values.get(j, 0.0) / owners[j] for j in cols)
        contributions = self.lexicon.contributions(
            doc.lemmas, self.classes[best], self.classes[second] if second is not None else None
        )
        for term, delta in contributions.items():
            score[term] += self.params.lexicon_weight * delta
        ranked = sorted(((s, t) for t, s in score.items() if s > 0), reverse=True)
        if not ranked:
            return []
        strongest = ranked[0][0]
        return [t for s, t in ranked[:limit] if s >= 0.15 * strongest]

    # ---------------------------------------------------------------- persistence

    def save(self, path: Path) -> None:
        """Write the model (joblib) atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "format": MODEL_FORMAT,
            "classes": self.classes,
            "word_vocabulary": self.word_block.vocabulary,
            "word_idf": self.word_block.idf,
            "char_vocabulary": self.char_block.vocabulary,
            "char_idf": self.char_block.idf,
            "weights": self.weights,
            "intercept": self.intercept,
            "lexicon": self.lexicon.terms,
            "params": {f: getattr(self.params, f) for f in Params.__dataclass_fields__},
            "temperature": self.temperature,
            "info": self.info,
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            joblib.dump(state, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Read a model written by `save`."""
        state = joblib.load(Path(path))
        if not isinstance(state, dict) or state.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path}: not a classifier model of format {MODEL_FORMAT}")
        params = replace(Params(), **state["params"])
        params = replace(params, char_ngrams=tuple(params.char_ngrams))
        n_word = len(state["word_vocabulary"])
        return cls(
            classes=list(state["classes"]),
            word_block=Block(state["word_vocabulary"], state["word_idf"], 0),
            char_block=Block(state["char_vocabulary"], state["char_idf"], n_word),
            weights=state["weights"],
            intercept=state["intercept"],
            lexicon=Lexicon(state["lexicon"]),
            params=params,
            temperature=float(state["temperature"]),
            info=dict(state["info"]),
        )

    @classmethod
    def load_default(cls, cache_dir: Path | None = None, *, progress: bool = False) -> Classifier:
        """The model trained on the shipped corpus, cached in `cache_dir` (default ./var/models).

        Trained on first use (a few seconds) and cached under a name that hashes the corpus,
        the lexicon and the catalogue; kept in memory only when the directory is not writable.
        """
        directory = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
        path = directory / f"default-{default_fingerprint()}.joblib"
        if path.exists():
            try:
                return cls.load(path)
            except Exception as exc:  # a damaged or foreign cache file is rebuilt
                log.warning("cached default model %s is unreadable (%s); retraining", path, exc)
        clf = train_default(progress=progress)
        try:
            clf.save(path)
        except OSError as exc:
            log.warning("cannot cache the default model in %s (%s); kept in memory", path, exc)
        return clf


def train_default(
    extra: Iterable[tuple[str, str]] = (), *, progress: bool = False, params: Params | None = None
) -> Classifier:
    """Train on the shipped corpus (plus `extra` examples), sectors in catalogue order."""
    examples = [*pairs(load_corpus(CORPUS_DIR)), *extra]
    if not examples:
        raise FileNotFoundError(f"the shipped corpus in {CORPUS_DIR} is empty")
    clf = Classifier.train(examples, sectors=catalogue_codes(), progress=progress, params=params)
    clf.info["corpus"] = default_fingerprint()
    return clf


def default_fingerprint() -> str:
    """Hash of everything the default model is built from (corpus, lexicon, catalogue, format)."""
    return corpus_fingerprint(
        CORPUS_DIR,
        extra=[
            DEFAULT_LEXICON_FILE.read_bytes(),
            catalogue_fingerprint_bytes(),
            f"format={MODEL_FORMAT}".encode(),
        ],
    )


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
