"""A lexicon of weighted lemmas and lemma phrases per sector (`lexicon.toml`)."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.classification.text import lemmatize, normalize

DEFAULT_LEXICON_FILE = Path(__file__).parent / "lexicon.toml"

Term = tuple[str, ...]


@dataclass
class Lexicon:
    """Lemma terms (one to three lemmas) with a weight per sector."""

    terms: dict[Term, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Mapping[str, float]]) -> Lexicon:
        """Build from {sector: {term in any word form: weight}}; terms are lemmatised here."""
        terms: dict[Term, dict[str, float]] = defaultdict(dict)
        for sector, entries in raw.items():
            for phrase, weight in entries.items():
                term = tuple(lemmatize(normalize(phrase)))[:3]
                if not term:
                    continue
                old = terms[term].get(sector)
                w = float(weight)
                terms[term][sector] = w if old is None or abs(w) > abs(old) else old
        return cls(dict(terms))

    @classmethod
    def load(cls, path: Path | None = None) -> Lexicon:
        """Read a lexicon TOML file (tables named by sector code)."""
        with (path or DEFAULT_LEXICON_FILE).open("rb") as fh:
            return cls.from_mapping(tomllib.load(fh))

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon with `other`'s entries added (other wins on a conflict)."""
        terms = {t: dict(w) for t, w in self.terms.items()}
        for term, weights in other.terms.items():
            terms.setdefault(term, {}).update(weights)
        return Lexicon(terms)

    @property
    def sectors(self) -> set[str]:
        """Sector codes that have at least one term."""
        return {s for weights in self.terms.values() for s in weights}

    def matches(self, lemmas: Sequence[str]) -> set[Term]:
        """Distinct lexicon terms found in a lemma sequence.

        A two-lemma term also matches with one other lemma between its parts
        («вывоз (регулярный) мусор»); a three-lemma term must be contiguous.
        """
        found: set[Term] = set()
        terms = self.terms
        n = len(lemmas)
        for i, lem in enumerate(lemmas):
            if (lem,) in terms:
                found.add((lem,))
            if i + 1 < n:
                pair = (lem, lemmas[i + 1])
                if pair in terms:
                    found.add(pair)
                if i + 2 < n:
                    gap = (lem, lemmas[i + 2])
                    if gap in terms:
                        found.add(gap)
                    triple = (lem, lemmas[i + 1], lemmas[i + 2])
                    if triple in terms:
                        found.add(triple)
        return found

    def scores(self, lemmas: Sequence[str], sectors: Iterable[str]) -> list[float]:
        """Sum of the weights of the distinct terms found, per sector (in the given order)."""
        totals: dict[str, float] = defaultdict(float)
        for term in self.matches(lemmas):
            for sector, weight in self.terms[term].items():
                totals[sector] += weight
        return [totals.get(s, 0.0) for s in sectors]

    def contributions(
        self, lemmas: Sequence[str], sector: str, rival: str | None
    ) -> dict[str, float]:
        """Term → weight for `sector` minus weight for `rival`, for the terms found."""
        out: dict[str, float] = {}
        for term in self.matches(lemmas):
            weights = self.terms[term]
            delta = weights.get(sector, 0.0) - (weights.get(rival, 0.0) if rival else 0.0)
            if delta:
                out[" ".join(term)] = delta
        return out
