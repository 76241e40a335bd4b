"""Feature extraction shared by training (through scikit-learn) and fast single-text inference."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def word_terms(lemmas: Sequence[str]) -> list[str]:
    """Lemma unigrams and bigrams."""
    return [*lemmas, *(f"{a} {b}" for a, b in zip(lemmas, lemmas[1:], strict=False))]


def char_grams(text: str, lo: int = 2, hi: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (each word padded with spaces)."""
    out: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if n > size:
                break
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


class CharGrams:
    """Picklable analyzer for scikit-learn: `char_grams` with a fixed n-gram range."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.hi = hi

    def __call__(self, text: str) -> list[str]:
        return char_grams(text, self.lo, self.hi)


@dataclass
class Block:
    """One TF-IDF block (sublinear tf, l2-normalised), the way scikit-learn computes it."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int = 0

    def vector(self, terms: Sequence[str]) -> tuple[list[int], list[float]]:
        """Global column indices and values of the known terms (l2-normalised)."""
        vocab = self.vocabulary
        idf = self.idf
        counts = Counter(t for t in terms if t in vocab)
        if not counts:
            return [], []
        idx = []
        vals = []
        for term, c in counts.items():
            j = vocab[term]
            idx.append(j + self.offset)
            vals.append((1.0 + math.log(c)) * float(idf[j]))
        norm = math.sqrt(sum(v * v for v in vals))
        return idx, [v / norm for v in vals]
