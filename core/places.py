"""Which municipality an appeal is about: from a shared location (point in the directory's
boundaries) or from the names of settlements in the text, in any grammatical case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import Point, shape
from shapely.prepared import prep

from core.classification.text import analyzer, lemma, normalize, tokens
from core.directory import Municipality


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    municipality: Municipality
    source: str  # location | text
    evidence: str  # the words found, or the coordinates


def _forms(word: str) -> frozenset[str]:
    """Every dictionary form pymorphy3 offers for a word, the word itself, and its stem
    without the last letter: place names are often unknown words («в Канищеве» = Канищево)."""
    forms = {word, lemma(word), *(p.normal_form.replace("ё", "е") for p in analyzer().parse(word))}
    if len(word) >= 5:
        forms.add(word[:-1])
    return frozenset(forms)


def _words(text: str) -> list[frozenset[str]]:
    return [_forms(word) for word in tokens(normalize(text))]


class PlaceFinder:
    """Built once per directory; both lookups are cheap."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        # first word's form → [(forms of every word of a name, municipality)]
        self._names: dict[str, list[tuple[list[frozenset[str]], Municipality]]] = {}
        self._areas = []
        for m in municipalities:
            for name in (m.name, *m.aliases):
                words = _words(name)
                if words:
                    for form in words[0]:
                        self._names.setdefault(form, []).append((words, m))
            if m.boundary is not None:
                self._areas.append((prep(shape(m.boundary)), m))

    def from_location(self, latitude: float, longitude: float) -> PlaceMatch | None:
        point = Point(longitude, latitude)  # GeoJSON order: x = longitude
        for area, municipality in self._areas:
            if area.covers(point):
                return PlaceMatch(municipality, "location", f"{latitude:.5f}, {longitude:.5f}")
        return None

    def from_text(self, text: str) -> PlaceMatch | None:
        """The one municipality named in the text; None when none or several are named."""
        words = _words(text)
        found: dict[str, PlaceMatch] = {}
        index = 0
        while index < len(words):
            best: tuple[int, Municipality] | None = None
            for form in words[index]:
                for name, municipality in self._names.get(form, ()):
                    size = len(name)
                    window = words[index : index + size]
                    matches = len(window) == size and all(
                        a & b for a, b in zip(name, window, strict=True)
                    )
                    if matches and (best is None or size > best[0]):
                        best = (size, municipality)
            if best is None:
                index += 1
                continue
            size, municipality = best
            phrase = " ".join(tokens(normalize(text))[index : index + size])
            found.setdefault(municipality.code, PlaceMatch(municipality, "text", phrase))
            index += size
        return next(iter(found.values())) if len(found) == 1 else None

    def find(
        self, text: str, latitude: float | None = None, longitude: float | None = None
    ) -> PlaceMatch | None:
        """A shared location wins over words; the text is the fallback."""
        if latitude is not None and longitude is not None:
            match = self.from_location(latitude, longitude)
            if match is not None:
                return match
        return self.from_text(text)
