"""Benchmark of the sector classifier.

    .venv/bin/python bench/classify.py [--shared PATH] [--no-cross] [--json OUT.json]

1. Held-out part of the shipped corpus (stratified by sector and style): train on the rest.
2. The shipped model on an independent balanced set of realistic appeals in all styles, written
   apart from the corpus (bench/data/realistic; never used for training).
3. The shipped model (trained on the whole corpus) on each file of the shared appeal datasets
   (../shared/datasets/appeals: ryazan-2019, kursk-2022, spb-2021) when they are present.
4. Cross-region: train on two regions' files, evaluate on the third; a plain TF-IDF + logistic
   regression baseline is computed on the same split. Our model is trained on the two regions
   alone and on the two regions plus the shipped corpus the way `priemnaya classify train` does
   it (core.classification.retraining: sources weighted, doubtful labels set aside).
5. Speed: training time, model load time, milliseconds per appeal for `classify()`.

The shared datasets are evaluation data only: nothing from them is shipped or used by tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from core.classification import Classifier  # noqa: E402
from core.classification.catalogue import catalogue_codes  # noqa: E402
from core.classification.corpus import (  # noqa: E402
    CORPUS_DIR,
    Example,
    load_corpus,
    pairs,
    read_labeled_csv,
    split_holdout,
)
from core.classification.evaluation import evaluate, format_report  # noqa: E402
from core.classification.retraining import train_regional  # noqa: E402

REGIONS = ("ryazan-2019", "kursk-2022", "spb-2021")


def default_shared() -> Path:
    """`../shared/datasets/appeals` of the project, or of a folder above it (a git worktree)."""
    for base in ROOT.parents:
        candidate = base / "shared" / "datasets" / "appeals"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "datasets" / "appeals"


class Baseline:
    """The plain baseline: word TF-IDF + logistic regression, no lemmas, no lexicon."""

    def __init__(self, examples: Sequence[tuple[str, str]]) -> None:
        self.pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
        self.pipeline.fit([t for t, _ in examples], [s for _, s in examples])

    def predict(self, texts: Sequence[str]) -> list[str]:
        return list(self.pipeline.predict(list(texts)))


def section(title: str) -> None:
    print(f"\n{'=' * 100}\n{title}\n{'=' * 100}")


def report(result: dict[str, Any], title: str) -> None:
    print()
    print(format_report(result, title))


def by_style(clf: Classifier, held: list[Example]) -> dict[str, float]:
    """Macro-F1 per writing style of the held-out corpus."""
    out = {}
    for style in sorted({e.style for e in held}):
        part = [e for e in held if e.style == style]
        out[style or "-"] = evaluate(clf, [e.text for e in part], [e.sector for e in part])[
            "macro_f1"
        ]
    return out


def corpus_holdout(corpus: list[Example], figures: dict[str, Any]) -> None:
    section("1. Shipped corpus: train on 80 %, evaluate on the held-out 20 % (sector x style)")
    train, held = split_holdout(corpus)
    print(
        f"corpus: {len(corpus)} texts ({dict(sorted(Counter(e.sector for e in corpus).items()))})"
    )
    print(f"styles: {dict(sorted(Counter(e.style for e in corpus).items()))}")
    started = time.perf_counter()
    clf = Classifier.train(pairs(train), sectors=catalogue_codes())
    print(f"trained on {len(train)} texts in {time.perf_counter() - started:.1f} s")
    result = evaluate(clf, [e.text for e in held], [e.sector for e in held])
    report(result, f"held-out corpus ({len(held)} texts)")
    styles = by_style(clf, held)
    print("\nmacro-F1 by style: " + ", ".join(f"{k} {v:.3f}" for k, v in styles.items()))
    base = Baseline(list(pairs(train)))
    base_result = evaluate(base, [e.text for e in held], [e.sector for e in held])
    print(
        f"baseline (TF-IDF + LR) on the same split: accuracy {base_result['accuracy']:.3f}, "
        f"macro-F1 {base_result['macro_f1']:.3f}"
    )
    figures["corpus_holdout"] = {
        "accuracy": result["accuracy"],
        "macro_f1": result["macro_f1"],
        "by_style": styles,
        "baseline_macro_f1": base_result["macro_f1"],
    }


REALISTIC_DIR = ROOT / "bench" / "data" / "realistic"


def realistic_set(clf: Classifier, figures: dict[str, Any]) -> None:
    """The shipped model on a balanced set written apart from the corpus (never trained on)."""
    rows = [e for path in sorted(REALISTIC_DIR.glob("*.csv")) for e in read_labeled_csv(path)]
    section("2. Shipped model on the independent balanced set (bench/data/realistic)")
    if not rows:
        print(f"no files in {REALISTIC_DIR}")
        return
    result = evaluate(clf, [e.text for e in rows], [e.sector for e in rows])
    sectors = len({e.sector for e in rows})
    report(result, f"realistic set ({len(rows)} texts, {sectors} sectors)")
    styles = by_style(clf, rows)
    print("\nmacro-F1 by style: " + ", ".join(f"{k} {v:.3f}" for k, v in styles.items()))
    figures["realistic"] = {
        "accuracy": result["accuracy"],
        "macro_f1": result["macro_f1"],
        "by_style": styles,
    }


def shipped_on_shared(
    clf: Classifier, data: dict[str, list[Example]], figures: dict[str, Any]
) -> None:
    section("3. Shipped model (trained on the whole corpus only) on the shared datasets")
    for name, rows in data.items():
        result = evaluate(clf, [e.text for e in rows], [e.sector for e in rows])
        report(result, f"{name}.csv")
        figures.setdefault("shipped", {})[name] = {
            "accuracy": result["accuracy"],
            "macro_f1": result["macro_f1"],
        }


def cross_region(
    data: dict[str, list[Example]],
    corpus: list[Example],
    shipped: Classifier,
    figures: dict,
) -> None:
    section("4. Cross-region: train on two regions, evaluate on the third")
    for test_name in REGIONS:
        if test_name not in data:
            continue
        train_names = [n for n in REGIONS if n != test_name and n in data]
        if len(train_names) < 2:
            continue
        train = [(e.text, e.sector) for n in train_names for e in data[n]]
        test = data[test_name]
        texts, labels = [e.text for e in test], [e.sector for e in test]
        title = f"{' + '.join(train_names)} -> {test_name}"
        print(f"\n--- {title}")
        started = time.perf_counter()
        base = evaluate(Baseline(train), texts, labels)
        print(
            f"baseline TF-IDF + LR: accuracy {base['accuracy']:.3f}, "
            f"macro-F1 {base['macro_f1']:.3f} ({time.perf_counter() - started:.0f} s)"
        )
        started = time.perf_counter()
        regions_only = Classifier.train(train, sectors=catalogue_codes())
        alone = evaluate(regions_only, texts, labels)
        print(
            f"ours, regions only:   accuracy {alone['accuracy']:.3f}, "
            f"macro-F1 {alone['macro_f1']:.3f} ({time.perf_counter() - started:.0f} s)"
        )
        started = time.perf_counter()
        with_corpus, done = train_regional(
            [list(pairs(data[n])) for n in train_names],
            corpus=list(pairs(corpus)),
            prior=shipped,
            sectors=catalogue_codes(),
        )
        result = evaluate(with_corpus, texts, labels)
        print(
            f"ours, regions+corpus: accuracy {result['accuracy']:.3f}, "
            f"macro-F1 {result['macro_f1']:.3f} ({time.perf_counter() - started:.0f} s; "
            f"{done.set_aside_total} doubtful rows set aside)"
        )
        report(result, f"ours (regions + shipped corpus): {title}")
        figures.setdefault("cross_region", {})[test_name] = {
            "baseline_macro_f1": base["macro_f1"],
            "regions_only_macro_f1": alone["macro_f1"],
            "macro_f1": result["macro_f1"],
            "accuracy": result["accuracy"],
        }


def speed(clf: Classifier, texts: list[str], figures: dict[str, Any]) -> None:
    section("5. Speed")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.joblib"
        clf.save(path)
        size = path.stat().st_size
        loads = []
        for _ in range(3):
            started = time.perf_counter()
            Classifier.load(path)
            loads.append(time.perf_counter() - started)
    sample = (texts * (1 + 1000 // max(1, len(texts))))[:1000]
    clf.classify(sample[0])
    timings = []
    for text in sample:
        started = time.perf_counter()
        clf.classify(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    mean = statistics.fmean(timings)
    p95 = timings[int(0.95 * len(timings))]
    print(f"model file: {size / 1e6:.1f} MB; load: {min(loads):.3f} s (best of 3)")
    print(
        f"classify(): {mean:.3f} ms per appeal on average, p95 {p95:.3f} ms ({len(sample)} texts)"
    )
    figures["speed"] = {"load_s": round(min(loads), 3), "ms_per_appeal": round(mean, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=default_shared(),
        help="directory with ryazan-2019.csv, kursk-2022.csv, spb-2021.csv "
        "[default: ../shared/datasets/appeals, also looked for above the project]",
    )
    parser.add_argument("--no-cross", action="store_true", help="skip the cross-region runs")
    parser.add_argument("--json", type=Path, help="also write the headline figures here")
    args = parser.parse_args(argv)

    corpus = load_corpus(CORPUS_DIR)
    if not corpus:
        print(f"the shipped corpus in {CORPUS_DIR} is empty: nothing to benchmark")
        return 1
    figures: dict[str, Any] = {}
    corpus_holdout(corpus, figures)

    started = time.perf_counter()
    shipped = Classifier.train(pairs(corpus), sectors=catalogue_codes())
    figures["train_seconds"] = round(time.perf_counter() - started, 2)
    print(f"\nshipped model: trained on {len(corpus)} texts in {figures['train_seconds']} s")
    realistic_set(shipped, figures)

    data = {}
    for name in REGIONS:
        path = args.shared / f"{name}.csv"
        if path.exists():
            data[name] = read_labeled_csv(path)
    missing = [n for n in REGIONS if n not in data]
    if missing:
        print(
            f"\nNOTE: shared datasets absent in {args.shared}: {', '.join(missing)} — "
            "only the held-out corpus figures above are available for them."
        )
    if data:
        shipped_on_shared(shipped, data, figures)
        if not args.no_cross:
            cross_region(data, corpus, shipped, figures)

    speed_texts = [e.text for e in corpus] + [e.text for rows in data.values() for e in rows[:500]]
    speed(shipped, speed_texts, figures)

    section("Summary")
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
