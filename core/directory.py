"""The authority directory: municipalities, authorities with their officials, and the routing
table sector × municipality → authority (FixMyStreet's bodies/contacts/categories: routing is
data, loaded from a region's YAML file, never code)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.phones import normalise_phone


class AuthorityKind(StrEnum):
    """Kinds of bodies named by the regulations."""

    OIV = "oiv"  # орган исполнительной власти субъекта
    OMSU = "omsu"  # орган местного самоуправления
    RSO = "rso"  # ресурсоснабжающая организация
    UK = "uk"  # управляющая организация
    OTHER = "other"


class OfficialRole(StrEnum):
    EXECUTOR = "executor"  # acts on cases, sees the citizen's contacts
    HEAD = "head"  # also extends deadlines, is called in when a case is overdue or reopened
    OBSERVER = "observer"  # reads the group (e.g. ЦУР monitoring): no actions, no contacts
    ANALYST = "analyst"  # ЦУР analyst: the region's web dashboard; no actions, no contacts

    @property
    def acts(self) -> bool:
        return self in (OfficialRole.EXECUTOR, OfficialRole.HEAD)


@dataclass(frozen=True, slots=True)
class Official:
    """«Контактное должностное лицо»: who may act on appeals in the authority's group."""

    tg_user_id: int
    role: OfficialRole
    full_name: str
    position: str = ""
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name: str
    aliases: tuple[str, ...] = ()  # other names a citizen may use: settlements, old names
    boundary: Mapping[str, Any] | None = None  # a GeoJSON geometry (Polygon / MultiPolygon)


@dataclass(frozen=True, slots=True)
class Authority:
    code: str
    name: str
    kind: AuthorityKind
    municipality: str | None  # None: the whole region
    chat_id: int | None  # its Telegram supergroup (forum topics on)
    officials: tuple[Official, ...] = ()
    active: bool = True

    def official(self, tg_user_id: int) -> Official | None:
        return next((o for o in self.officials if o.tg_user_id == tg_user_id), None)

    @property
    def heads(self) -> tuple[Official, ...]:
        return tuple(o for o in self.officials if o.role is OfficialRole.HEAD)


@dataclass(frozen=True, slots=True)
class Route:
    sector: str
    municipality: str | None  # None: the region-wide fallback for the sector
    authority: str


@dataclass(frozen=True)
class Directory:
    municipalities: tuple[Municipality, ...] = ()
    authorities: tuple[Authority, ...] = ()
    routes: tuple[Route, ...] = ()
    _by_code: dict[str, Authority] = field(default_factory=dict, init=False, repr=False)
    _table: dict[tuple[str, str | None], str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({a.code: a for a in self.authorities})
        self._table.update({(r.sector, r.municipality): r.authority for r in self.routes})

    def authority(self, code: str | None) -> Authority | None:
        return self._by_code.get(code) if code else None

    def municipality(self, code: str | None) -> Municipality | None:
        return next((m for m in self.municipalities if m.code == code), None)

    def route(self, sector: str | None, municipality: str | None) -> Authority | None:
        """The responsible authority: the sector's route in the municipality, else the sector's
        region-wide fallback; None when neither exists (the case goes to ЦУР triage)."""
        if not sector:
            return None
        for key in ((sector, municipality), (sector, None)):
            authority = self.authority(self._table.get(key))
            if authority is not None and authority.active and authority.chat_id is not None:
                return authority
        return None

    def authorities_of(self, tg_user_id: int) -> list[Authority]:
        return [a for a in self.authorities if a.active and a.official(tg_user_id) is not None]

    def by_chat(self, chat_id: int) -> Authority | None:
        return next((a for a in self.authorities if a.active and a.chat_id == chat_id), None)


@dataclass
class ImportReport:
    """What an import changed (an import of the same file twice changes nothing)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.deactivated)


# -- the YAML file -----------------------------------------------------------------------------


class DirectoryError(ValueError):
    """The directory file is malformed or inconsistent; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _OfficialIn(_Strict):
    tg_user_id: int = Field(gt=0)
    role: OfficialRole = OfficialRole.EXECUTOR
    full_name: str = Field(min_length=1)
    position: str = ""
    phone: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normal = normalise_phone(value)
        if normal is None:
            raise ValueError(f"not a phone number: {value!r}")
        return normal


class _AuthorityIn(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    kind: AuthorityKind
    municipality: str | None = None
    chat_id: int | None = Field(default=None, lt=0)  # supergroup ids are negative
    officials: list[_OfficialIn] = []


class _MunicipalityIn(_Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = []
    boundary: dict[str, Any] | None = None


class _RouteIn(_Strict):
    sector: str
    municipality: str | None = None
    authority: str


class _DirectoryIn(_Strict):
    municipalities: list[_MunicipalityIn] = []
    boundaries: str | None = None  # a GeoJSON FeatureCollection; features carry `code`
    authorities: list[_AuthorityIn] = []
    routes: list[_RouteIn] = []


def load_directory(path: Path, sectors: Iterable[str]) -> Directory:
    """Read and check a directory file (YAML); raises DirectoryError with a clear message."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DirectoryError(f"{path}: cannot read the directory: {exc}") from exc
    try:
        parsed = _DirectoryIn.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]
        )
        raise DirectoryError(f"{path}: {problems}") from exc
    boundaries = _read_boundaries(path.parent / parsed.boundaries) if parsed.boundaries else {}
    directory = Directory(
        municipalities=tuple(
            Municipality(
                code=m.code,
                name=m.name,
                aliases=tuple(m.aliases),
                boundary=m.boundary or boundaries.get(m.code),
            )
            for m in parsed.municipalities
        ),
        authorities=tuple(
            Authority(
                code=a.code,
                name=a.name,
                kind=a.kind,
                municipality=a.municipality,
                chat_id=a.chat_id,
                officials=tuple(
                    Official(
                        tg_user_id=o.tg_user_id,
                        role=o.role,
                        full_name=o.full_name,
                        position=o.position,
                        phone=o.phone,
                        email=str(o.email) if o.email else None,
                    )
                    for o in a.officials
                ),
            )
            for a in parsed.authorities
        ),
        routes=tuple(Route(r.sector, r.municipality, r.authority) for r in parsed.routes),
    )
    problems = check_directory(directory, set(sectors))
    if problems:
        raise DirectoryError(f"{path}: " + "; ".join(problems))
    return directory


def _read_boundaries(path: Path) -> dict[str, dict[str, Any]]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DirectoryError(f"{path}: cannot read the boundaries: {exc}") from exc
    found = {}
    for feature in collection.get("features", []):
        code = (feature.get("properties") or {}).get("code")
        if code and feature.get("geometry"):
            found[str(code)] = feature["geometry"]
    return found


def check_directory(directory: Directory, sectors: set[str]) -> list[str]:
    """Inconsistencies: duplicates, dangling references, unknown sectors, bad geometry."""
    problems: list[str] = []
    municipalities = {m.code for m in directory.municipalities}
    authorities: set[str] = set()
    for m in directory.municipalities:
        if m.boundary is not None:
            problems += [f"municipality {m.code}: {p}" for p in _geometry_problems(m.boundary)]
    if len(municipalities) != len(directory.municipalities):
        problems.append("duplicate municipality codes")
    for a in directory.authorities:
        if a.code in authorities:
            problems.append(f"duplicate authority code {a.code!r}")
        authorities.add(a.code)
        if a.municipality is not None and a.municipality not in municipalities:
            problems.append(f"authority {a.code}: unknown municipality {a.municipality!r}")
        ids = [o.tg_user_id for o in a.officials]
        if len(set(ids)) != len(ids):
            problems.append(f"authority {a.code}: an official is listed twice")
    seen: set[tuple[str, str | None]] = set()
    for r in directory.routes:
        where = f"route {r.sector}/{r.municipality or '*'}"
        if r.sector not in sectors:
            problems.append(f"{where}: unknown sector {r.sector!r}")
        if r.municipality is not None and r.municipality not in municipalities:
            problems.append(f"{where}: unknown municipality {r.municipality!r}")
        if r.authority not in authorities:
            problems.append(f"{where}: unknown authority {r.authority!r}")
        if (r.sector, r.municipality) in seen:
            problems.append(f"{where}: listed twice")
        seen.add((r.sector, r.municipality))
    return problems


def _geometry_problems(geometry: Mapping[str, Any]) -> list[str]:
    from shapely.geometry import shape

    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return [f"boundary is not a GeoJSON geometry ({exc})"]
    if polygon.geom_type not in ("Polygon", "MultiPolygon"):
        return [f"boundary must be a Polygon or MultiPolygon, not {polygon.geom_type}"]
    if polygon.is_empty or not polygon.is_valid:
        return ["boundary polygon is empty or invalid"]
    return []
