"""Retraining on a region's history: sources weighted, doubtful labels set aside.

A region's history is large and noisy (portal categories assigned by hand, often wrongly, and
one big file would swamp everything else). `train_regional` therefore

* gives every source a share of the total weight instead of its size: the shipped corpus keeps
  `corpus_share` (every sector and style stays covered, whatever the history holds), the
  history files split the rest equally;
* balances the sectors inside each source (a rare sector of a file counts as much as a common
  one, up to `max_row_weight` times an average row of that file);
* sets aside history rows whose label the shipped model contradicts with confidence (its
  probability for the given sector below `noise_threshold`): those are mostly mis-filed cases.
  Sectors the shipped model does not know (a region's own block) are always kept.

Stored corrections (citizens' and officials' choices) are trusted: never set aside, each
weighs as much as the heaviest history row. Measured with the cross-region protocol of
bench/classify.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tqdm import tqdm

from core.classification.model import Classifier, Params

CORPUS_SHARE = 0.5
NOISE_THRESHOLD = 0.05
MAX_ROW_WEIGHT = 20.0

Pairs = Sequence[tuple[str, str]]


@dataclass
class RetrainReport:
    """What `train_regional` did with the examples it was given."""

    examples: int = 0
    set_aside: dict[str, int] = field(default_factory=dict)  # sector → history rows dropped

    @property
    def set_aside_total(self) -> int:
        return sum(self.set_aside.values())


def source_weights(sources: Sequence[Pairs], shares: Sequence[float]) -> list[list[float]]:
    """Per-row weights: each source gets its share, split equally between its sectors."""
    out = []
    for rows, share in zip(sources, shares, strict=True):
        counts = Counter(s for _, s in rows)
        if not rows:
            out.append([])
            continue
        per_sector = share / len(counts)
        average = share / len(rows)
        cap = MAX_ROW_WEIGHT * average
        out.append([min(per_sector / counts[s], cap) for _, s in rows])
    return out


def doubtful(prior: Classifier, rows: Pairs, threshold: float, *, progress: bool) -> list[bool]:
    """True for rows whose sector `prior` (the shipped model) gives less than `threshold`."""
    known = {c: i for i, c in enumerate(prior.classes)}
    flags: list[bool] = []
    batch = 2000
    with tqdm(total=len(rows), desc="checking labels", disable=not progress, unit="text") as bar:
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            proba = prior.predict_proba([t for t, _ in part])
            for (_, sector), p in zip(part, proba, strict=True):
                j = known.get(sector)
                flags.append(j is not None and float(p[j]) < threshold)
            bar.update(len(part))
    return flags


def train_regional(
    history: Iterable[Pairs],
    *,
    corpus: Pairs = (),
    corrections: Pairs = (),
    prior: Classifier | None = None,
    sectors: list[str] | None = None,
    params: Params | None = None,
    corpus_share: float = CORPUS_SHARE,
    noise_threshold: float = NOISE_THRESHOLD,
    progress: bool = False,
) -> tuple[Classifier, RetrainReport]:
    """Train on history files (one source each), stored corrections and the shipped corpus.

    `prior` (normally the shipped model) sets aside history rows it confidently contradicts;
    without it every row is kept.
    """
    files = [[(str(t), str(s).strip()) for t, s in rows] for rows in history]
    files = [[(t, s) for t, s in rows if t.strip() and s] for rows in files]
    files = [rows for rows in files if rows]
    report = RetrainReport()
    if prior is not None and noise_threshold > 0:
        kept_files = []
        for rows in files:
            flags = doubtful(prior, rows, noise_threshold, progress=progress)
            kept = [row for row, bad in zip(rows, flags, strict=True) if not bad]
            dropped = Counter(s for (_, s), bad in zip(rows, flags, strict=True) if bad)
            # never lose a sector of the file entirely: then its rows stay as they were
            gone = {s for s in dropped if not any(k == s for _, k in kept)}
            kept += [row for row, bad in zip(rows, flags, strict=True) if bad and row[1] in gone]
            for s, n in dropped.items():
                if s not in gone:
                    report.set_aside[s] = report.set_aside.get(s, 0) + n
            kept_files.append(kept)
        files = kept_files
    corpus = list(corpus)
    sources: list[Pairs] = [*files]
    history_share = 1.0 - corpus_share if corpus else 1.0
    shares = [history_share / max(1, len(files))] * len(files)
    if corpus:
        sources.append(corpus)
        shares.append(corpus_share if files else 1.0)
    weights = source_weights(sources, shares)
    examples = [row for rows in sources for row in rows]
    flat = [w for ws in weights for w in ws]
    corrections = [(str(t), str(s).strip()) for t, s in corrections]
    if corrections:
        heaviest = max(flat, default=1.0)
        examples += corrections
        flat += [heaviest] * len(corrections)
    if not examples:
        raise ValueError("no training examples")
    params = params or Params()
    # the sectors are balanced inside each source already
    clf = Classifier.train(
        examples,
        sectors=sectors,
        progress=progress,
        params=replace(params, balanced=False),
        weights=flat,
    )
    report.examples = len(examples)
    clf.info["set_aside"] = dict(report.set_aside)
    return clf, report
