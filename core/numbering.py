"""Public appeal numbers: `YYYY-NNNNNN`, unique, human-friendly and sortable."""

from __future__ import annotations

import re

_NUMBER_RE = re.compile(r"^(\d{4})-(\d{6,})$")


def format_number(year: int, seq: int) -> str:
    """`2026-000123` for the 123rd appeal of 2026."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{year:04d}-{seq:06d}"


def parse_number(number: str) -> tuple[int, int] | None:
    """(year, seq) of a well-formed number, None otherwise (tolerates spaces and № sign)."""
    match = _NUMBER_RE.match(number.strip().lstrip("№").strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


def counter_name(year: int) -> str:
    """Name of the per-year sequence used to number appeals."""
    return f"appeal-number-{year}"
