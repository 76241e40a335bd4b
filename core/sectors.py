"""The sector catalogue (ЖКХ, ТКО, …) as data, from `core/data/sectors.toml` or a region's file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_SECTORS_FILE = Path(__file__).parent / "data" / "sectors.toml"
FALLBACK_SECTOR = "other"


@dataclass(frozen=True, slots=True)
class Sector:
    code: str
    title: str
    description: str = ""
    subtopics: tuple[str, ...] = ()


class SectorCatalogueError(ValueError):
    """The catalogue file is malformed."""


@lru_cache(maxsize=8)
def load_sectors(path: Path | None = None) -> tuple[Sector, ...]:
    """Read and validate the catalogue; codes are unique latin identifiers."""
    source = path or DEFAULT_SECTORS_FILE
    with source.open("rb") as fh:
        raw = tomllib.load(fh)
    sectors: list[Sector] = []
    seen: set[str] = set()
    for item in raw.get("sector", []):
        code = str(item.get("code", "")).strip()
        title = str(item.get("title", "")).strip()
        if not code.isidentifier() or not title:
            raise SectorCatalogueError(f"{source}: every sector needs a latin code and a title")
        if code in seen:
            raise SectorCatalogueError(f"{source}: duplicate sector code {code!r}")
        seen.add(code)
        sectors.append(
            Sector(
                code=code,
                title=title,
                description=str(item.get("description", "")),
                subtopics=tuple(str(s) for s in item.get("subtopics", [])),
            )
        )
    if not sectors:
        raise SectorCatalogueError(f"{source}: no sectors defined")
    return tuple(sectors)


def sector_titles(path: Path | None = None) -> dict[str, str]:
    """Code → Russian title."""
    return {s.code: s.title for s in load_sectors(path)}
