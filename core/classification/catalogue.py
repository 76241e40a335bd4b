"""What the classifier takes from the sector catalogue (`core/data/sectors.toml`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from core.classification.lexicon import Lexicon
from core.sectors import DEFAULT_SECTORS_FILE, load_sectors

#: Weight of a catalogue hint (a sector's title, subtopics or `keywords`) for a sector
#: the lexicon file does not describe.
HINT_WEIGHT = 2.0


def catalogue_codes(path: Path | None = None) -> list[str]:
    """Sector codes in catalogue order."""
    return [s.code for s in load_sectors(path)]


def catalogue_fingerprint_bytes(path: Path | None = None) -> bytes:
    """The catalogue file's bytes (part of the default model's cache key)."""
    source = path or DEFAULT_SECTORS_FILE
    return source.read_bytes() if source.exists() else b""


def catalogue_hints(path: Path | None = None) -> Lexicon:
    """Lexicon terms from the catalogue: title, subtopics and optional `keywords` of each sector.

    A region that adds a block to sectors.toml (e.g. «благоустройство» with its subtopics) gets
    these hints without writing a lexicon.
    """
    source = path or DEFAULT_SECTORS_FILE
    with source.open("rb") as fh:
        raw = tomllib.load(fh)
    entries: dict[str, dict[str, float]] = {}
    for item in raw.get("sector", []):
        code = str(item.get("code", "")).strip()
        if not code:
            continue
        words = [str(item.get("title", "")), *map(str, item.get("subtopics", []))]
        table = {w: HINT_WEIGHT for w in words if w.strip()}
        keywords = item.get("keywords", {})
        if isinstance(keywords, dict):
            table.update({str(k): float(v) for k, v in keywords.items()})
        else:
            table.update({str(k): HINT_WEIGHT for k in keywords})
        entries[code] = table
    return Lexicon.from_mapping(entries)


def default_lexicon(catalogue: Path | None = None, lexicon: Path | None = None) -> Lexicon:
    """The lexicon file, plus catalogue hints for sectors the file does not cover."""
    base = Lexicon.load(lexicon)
    known = base.sectors
    hints = catalogue_hints(catalogue)
    extra = Lexicon(
        {
            term: {s: w for s, w in weights.items() if s not in known}
            for term, weights in hints.terms.items()
        }
    )
    extra = Lexicon({t: w for t, w in extra.terms.items() if w})
    return base.merged(extra)
