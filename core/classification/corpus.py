"""The labeled corpus the project ships, and reading any labeled CSV (`text`, `sector`)."""

from __future__ import annotations

import csv
import hashlib
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "corpus"

# A legitimate appeal can be long (a formal letter); the csv module's default limit is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True, slots=True)
class Example:
    """One labeled text; `style` is messenger/formal/transcript/plain in the shipped corpus."""

    text: str
    sector: str
    style: str = ""
    source: str = ""


def read_labeled_csv(path: Path) -> list[Example]:
    """Rows with a non-empty `text` and `sector` (other columns ignored, except `style`)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = set(reader.fieldnames or [])
        if not {"text", "sector"} <= fields:
            raise ValueError(
                f"{path}: needs the columns 'text' and 'sector', has {sorted(fields)}"
            )
        out = []
        for row in reader:
            text = (row.get("text") or "").strip()
            sector = (row.get("sector") or "").strip()
            if text and sector:
                out.append(Example(text, sector, (row.get("style") or "").strip(), path.name))
        return out


def corpus_files(directory: Path | None = None) -> list[Path]:
    """The corpus CSV files, sorted by name."""
    return sorted((directory or CORPUS_DIR).glob("*.csv"))


def load_corpus(directory: Path | None = None) -> list[Example]:
    """Every example of the shipped corpus (rows whose sector is a code, i.e. an identifier)."""
    out: list[Example] = []
    for path in corpus_files(directory):
        out.extend(e for e in read_labeled_csv(path) if e.sector.isidentifier())
    return out


def corpus_fingerprint(directory: Path | None = None, extra: Iterable[bytes] = ()) -> str:
    """A short hash of the corpus files (and any `extra` bytes), naming a cached default model."""
    digest = hashlib.sha256()
    for path in corpus_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for chunk in extra:
        digest.update(chunk)
    return digest.hexdigest()[:16]


def split_holdout(
    examples: list[Example], fraction: float = 0.2, seed: int = 13
) -> tuple[list[Example], list[Example]]:
    """A deterministic stratified split (by sector and style): (train, held-out)."""
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for e in examples:
        groups[(e.sector, e.style)].append(e)
    rng = random.Random(seed)
    train: list[Example] = []
    held: list[Example] = []
    for key in sorted(groups):
        items = sorted(groups[key], key=lambda e: e.text)
        rng.shuffle(items)
        cut = round(len(items) * fraction)
        held.extend(items[:cut])
        train.extend(items[cut:])
    return train, held


def pairs(examples: Iterable[Example]) -> Iterator[tuple[str, str]]:
    """(text, sector) pairs, the form `Classifier.train` takes."""
    for e in examples:
        yield e.text, e.sector
