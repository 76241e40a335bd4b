"""Labeled examples: a citizen's or an official's sector correction, kept for retraining."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ExampleSource(StrEnum):
    CITIZEN = "citizen"  # chose or changed the sector on the draft card
    OPERATOR = "operator"  # a ЦУР operator or an official re-assigned the appeal's sector


@dataclass(slots=True)
class LabeledExample:
    """The text of an appeal and the sector a person said it belongs to."""

    text: str
    sector: str
    source: ExampleSource
    created_at: datetime
    predicted: str | None = None  # what the classifier had said, if anything
    appeal_id: int | None = None
    id: int | None = None
