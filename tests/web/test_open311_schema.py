"""The running API against its own OpenAPI document (schemathesis, property-based): whatever
the generated input, no server error, only documented status codes, and every body — data or
error — in the documented shape. Bounded examples per operation so it stays quick."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.open311 import AUTO_SERVICE
from core.sectors import load_sectors
from priemnaya.settings import Settings
from tests.web.server import KEY, ApiServer
from web.open311 import load_openapi

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def schema_api(module_db) -> Iterator[ApiServer]:
    server = ApiServer(module_db.url, open311_posts_per_minute=100_000).start()
    # seed: a few requests of different services, so GETs have something to page through
    for n, service in enumerate(("housing", "waste", "roads", "auto")):
        r = requests.post(
            server.url("/open311/v2/requests.json"),
            data={
                "api_key": KEY,
                "service_code": service,
                "description": f"Проблема номер {n}: не вывозят мусор, течёт крыша, яма",
                "address_string": "Рязань, ул. Ленина, 1",
            },
            timeout=30,
        )
        assert r.status_code == 201, r.text
    yield server
    server.stop()


def served_document() -> dict:
    """The document as a server on default settings serves it (catalogue and limits in)."""
    defaults = Settings.model_fields
    limits = (defaults["appeal_text_min_chars"].default, defaults["appeal_text_max_chars"].default)
    return load_openapi([s.code for s in load_sectors()] + [AUTO_SERVICE], limits)


# Loaded from the repository's document at collection (pytest 9 has no fixture-loaded
# schemas in schemathesis 4); the server under test is a fixture, its URL given per call.
schema = schemathesis.openapi.from_dict(served_document())


def test_the_served_document_is_the_repositorys(schema_api):
    served = requests.get(schema_api.url("/open311/v2/openapi.json"), timeout=10)
    assert served.status_code == 200 and served.json() == served_document()


def request_line(case) -> int:
    """The HTTP server refuses request lines over 8 KiB before the API sees them (documented);
    percent-encoding makes a Cyrillic or emoji character up to 12 bytes."""
    return len(case.formatted_path) + len(urlencode(case.query or {}, doseq=True))


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_openapi_document(case, schema_api):
    # Most examples carry the test client's key, so filing and reading are exercised for real;
    # the generated key is kept when it is the only thing in a body (403 is documented too).
    assume(request_line(case) < 7000)
    if case.method == "GET" and isinstance(case.query, dict) and "api_key" in case.query:
        case.query["api_key"] = KEY
    if case.method == "POST" and isinstance(case.body, dict):
        case.body["api_key"] = KEY
    case.call_and_validate(base_url=schema_api.url("/open311/v2"), checks=CHECKS)


negative = schemathesis.openapi.from_dict(served_document())
negative.config.generation.update(modes=[schemathesis.GenerationMode.NEGATIVE])


@negative.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_input_outside_the_document_is_refused(case, schema_api):
    """Invalid by the document (wrong types, out of range, missing required): a 4xx in
    GeoReport's error shape, never a server error and never a filed appeal."""
    assume(request_line(case) < 7000)
    if case.method == "POST" and isinstance(case.body, dict):
        case.body["api_key"] = KEY
    case.call_and_validate(
        base_url=schema_api.url("/open311/v2"), checks=[*CHECKS, negative_data_rejection]
    )
