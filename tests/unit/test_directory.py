"""The authority directory file, municipality detection and routing decisions (pure core)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.directory import DirectoryError, load_directory
from core.model import Location
from core.places import PlaceFinder
from core.routing import Router, TriageReason
from core.sectors import load_sectors

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"
SECTORS = [s.code for s in load_sectors()]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(load_directory(EXAMPLE, SECTORS))


def test_example_directory_loads_with_officials_and_normalised_phones(router: Router):
    d = router.directory
    assert {m.code for m in d.municipalities} == {"ryazan", "kasimov", "skopin"}
    minzhkh = d.authority("minzhkh")
    assert minzhkh is not None and [o.full_name for o in minzhkh.heads] == ["Иванов Иван Иванович"]
    assert minzhkh.official(7000001).phone == "+74912000001"
    assert d.authorities_of(7000012)[0].code == "ryazan-gkh"
    assert d.by_chat(-1001000000103).code == "eco-operator"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("в Касимове третий день нет отопления", "kasimov"),
        ("г. Рязани, на Канищеве течёт крыша", "ryazan"),  # two names of one municipality
        ("мусор не вывозят в Скопинском районе", "skopin"),
        ("КАСИМОВСКИЙ РАЙОН дорога разбита", "kasimov"),
        ("в касимове", "kasimov"),
    ],
)
def test_settlement_names_are_found_in_any_case(router: Router, text: str, code: str):
    match = router.places.from_text(text)
    assert match is not None and match.municipality.code == code and match.source == "text"


@pytest.mark.parametrize(
    "text", ["течёт крыша", "в Касимове и в Рязани одно и то же", "Иван Касимович"]
)
def test_no_or_several_municipalities_mean_unknown(router: Router, text: str):
    assert router.places.from_text(text) is None


def test_location_inside_a_boundary_wins_over_words(router: Router):
    match = router.places.find("живу в Касимове", latitude=54.62, longitude=39.70)
    assert match is not None and match.municipality.code == "ryazan"
    assert match.source == "location"
    # Outside every boundary: the text decides.
    assert router.places.find("живу в Касимове", 10.0, 10.0).municipality.code == "kasimov"


def test_route_prefers_the_municipal_authority_then_the_region_wide_one(router: Router):
    in_city = router.decide("housing", "в Рязани течёт крыша")
    assert in_city.authority.code == "ryazan-gkh" and in_city.municipality_source == "text"
    elsewhere = router.decide("housing", "в Касимове течёт крыша")
    assert elsewhere.authority.code == "minzhkh" and elsewhere.municipality.code == "kasimov"
    chosen = router.decide("housing", "течёт крыша", municipality="ryazan")
    assert chosen.authority.code == "ryazan-gkh" and chosen.municipality_source == "citizen"
    by_point = router.decide("housing", "течёт крыша", Location(54.62, 39.70))
    assert by_point.authority.code == "ryazan-gkh" and by_point.municipality_source == "location"


def test_unroutable_cases_go_to_triage_with_a_reason(router: Router):
    assert router.decide("energy", "нет света в Рязани").triage is TriageReason.NO_ROUTE
    no_sector = router.decide(None, "в Рязани что-то")
    assert no_sector.triage is TriageReason.NO_SECTOR and no_sector.municipality.code == "ryazan"


def test_boundaries_may_come_from_a_geojson_file(tmp_path: Path):
    (tmp_path / "areas.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"code": "town"}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}}]}'
    )
    (tmp_path / "d.yaml").write_text(
        "boundaries: areas.geojson\nmunicipalities:\n  - {code: town, name: Городок}\n"
    )
    directory = load_directory(tmp_path / "d.yaml", SECTORS)
    match = PlaceFinder(directory.municipalities).from_location(50.5, 30.5)
    assert match is not None and match.municipality.code == "town"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("routes:\n  - {sector: housing, authority: nobody}\n", "unknown authority 'nobody'"),
        (
            "routes:\n  - {sector: parks, authority: a}\n"
            + "authorities:\n  - {code: a, name: A, kind: oiv}\n",
            "unknown sector 'parks'",
        ),
        ("authorities:\n  - {code: a, name: A, kind: ministry}\n", "authorities.0.kind"),
        ("authorities:\n  - {code: a, name: A, kind: oiv, chat_id: 5}\n", "chat_id"),
        (
            "authorities:\n  - {code: a, name: A, kind: oiv, officials: "
            "[{tg_user_id: 1, full_name: X, phone: 'позвоните'}]}\n",
            "not a phone number",
        ),
        (
            "municipalities:\n  - {code: m, name: M, "
            "boundary: {type: Point, coordinates: [1, 2]}}\n",
            "Polygon",
        ),
        ("authorities: [\n", "cannot read"),
        ("authorities:\n  - {code: a, name: A, kind: oiv, colour: red}\n", "colour"),
    ],
)
def test_bad_directory_files_are_refused_with_a_clear_message(
    tmp_path: Path, body: str, message: str
):
    path = tmp_path / "d.yaml"
    path.write_text(body)
    with pytest.raises(DirectoryError, match=None) as info:
        load_directory(path, SECTORS)
    assert message in str(info.value) and str(path) in str(info.value)
