"""Routing an appeal: which municipality it is about and which authority must answer it.

Pure decisions over the directory (data); `services` applies them in a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.directory import Authority, Directory, Municipality
from core.model import Location
from core.places import PlaceFinder


class TriageReason(StrEnum):
    """Why a case went to the ЦУР curators instead of an authority."""

    NO_SECTOR = "no_sector"  # the sector is not known
    NO_ROUTE = "no_route"  # no authority for this sector here, and no region-wide one


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    authority: Authority | None
    municipality: Municipality | None
    municipality_source: str | None  # citizen | location | text
    evidence: str | None = None  # the words or coordinates that placed the case
    triage: TriageReason | None = None


class Router:
    """The directory with its place index, built once per directory version."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.places = PlaceFinder(directory.municipalities)

    @property
    def configured(self) -> bool:
        """False until a directory with routes was imported (cases then stay REGISTERED)."""
        return bool(self.directory.routes)

    def decide(
        self,
        sector: str | None,
        text: str,
        location: Location | None = None,
        municipality: str | None = None,
    ) -> RoutingDecision:
        place = self.directory.municipality(municipality)
        source, evidence = ("citizen", None) if place else (None, None)
        if place is None:
            match = self.places.find(
                text,
                location.latitude if location else None,
                location.longitude if location else None,
            )
            if match is not None:
                place, source, evidence = match.municipality, match.source, match.evidence
        if not sector:
            return RoutingDecision(None, place, source, evidence, TriageReason.NO_SECTOR)
        authority = self.directory.route(sector, place.code if place else None)
        if authority is None:
            return RoutingDecision(None, place, source, evidence, TriageReason.NO_ROUTE)
        return RoutingDecision(authority, place, source, evidence)
