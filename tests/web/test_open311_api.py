"""The Open311 API over HTTP against a real server and database: a POSTed request becomes a
routed appeal of channel `api`, findable by GET without the citizen's personal data; paging
and filters; every bad input answers a GeoReport error and stores nothing."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import requests

from core import services as core
from core.model import ActorKind, Appeal, AppealStatus, Channel, EventKind, Resolution
from core.notifications import CURATORS_CHAT
from core.sectors import load_sectors
from priemnaya.bootstrap import Services
from storage import ops_repo
from tests.web.server import KEY, OTHER_KEY, ApiServer

V2 = "/open311/v2"
RYAZAN_GKH = -1001000000102
ROOF = "Течёт крыша в подъезде, управляющая компания не чинит уже месяц"


def post(api: ApiServer, *, headers: dict[str, str] | None = None, **fields: str):
    return requests.post(api.url(f"{V2}/requests.json"), data=fields, headers=headers, timeout=30)


def get(api: ApiServer, path: str, **query: str):
    return requests.get(api.url(f"{V2}{path}"), params={"api_key": KEY, **query}, timeout=30)


def appeal_count(api: ApiServer) -> int:
    async def count(s: Services) -> int:
        return sum((await ops_repo.appeals_by_status(s.engine)).values())

    return api.call(count)


def stored(api: ApiServer, number: str) -> Appeal:
    return api.call(lambda s: core.find_appeal(s.uow, number))


def error_of(response: requests.Response) -> str:
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert body[0]["code"] == response.status_code
    assert response.headers["Content-Type"].startswith("application/json")
    return body[0]["description"]


def test_services_are_the_sector_blocks_and_auto(api):
    response = requests.get(api.url(f"{V2}/services.json"), timeout=10)
    assert response.status_code == 200
    services = response.json()
    sectors = load_sectors()
    assert [s["service_code"] for s in services] == [s.code for s in sectors] + ["auto"]
    housing = services[0]
    assert housing["service_name"] == "ЖКХ" and housing["metadata"] is False
    assert housing["type"] == "realtime" and "отопление" in housing["keywords"]
    definition = requests.get(api.url(f"{V2}/services/housing.json"), timeout=10)
    assert definition.json() == {"service_code": "housing", "attributes": []}
    missing = requests.get(api.url(f"{V2}/services/nothing.json"), timeout=10)
    assert missing.status_code == 404 and "nothing" in error_of(missing)


def test_a_posted_request_is_a_routed_appeal_found_by_get_without_personal_data(api):
    before = api.submitted
    response = post(
        api,
        api_key=KEY,
        jurisdiction_id="ryazan-region",
        service_code="housing",
        description=f"{ROOF}. Перезвоните мне: +7 912 345-67-89 или anna.petrova@example.ru",
        lat="54.62",
        long="39.70",
        email="anna.petrova@example.ru",
        phone="8 (912) 345-67-89",
        first_name="Анна",
        last_name="Петрова",
        device_id="device-42",
        account_id="acc-7",
        media_url="https://city.example/photos/1.jpg",
    )
    assert response.status_code == 201, response.text
    [receipt] = response.json()
    number = receipt["service_request_id"]
    assert receipt["account_id"] == "acc-7"
    assert f"под номером {number}" in receipt["service_notice"]
    assert api.submitted == before + 1  # the outbox sender would be woken

    # In the database: an appeal of channel api, routed by the location, its topic queued.
    appeal = stored(api, number)
    assert appeal.channel is Channel.API and appeal.status is AppealStatus.ROUTED
    assert (appeal.sector, appeal.municipality, appeal.authority) == (
        "housing",
        "ryazan",
        "ryazan-gkh",
    )
    created = appeal.history[0]
    assert created.kind is EventKind.CREATED and created.data["client"] == "pos"
    assert created.data["media_url"] == "https://city.example/photos/1.jpg"
    routed = next(e for e in appeal.history if e.kind is EventKind.STATUS_CHANGED)
    assert routed.data["municipality_source"] == "location"
    sector = next(e for e in appeal.history if e.kind is EventKind.SECTOR_SET)
    assert sector.data["source"] == "api" and sector.data["predicted"] == "housing"

    async def contacts_and_outbox(s: Services):
        async with s.uow() as uow:
            citizen = await uow.citizens.get(appeal.citizen_id)
        return citizen, await ops_repo.outbox_stats(s.engine, s.clock.now())

    citizen, stats = api.call(contacts_and_outbox)
    assert (citizen.full_name, citizen.phone, citizen.email) == (
        "Анна Петрова",
        "+79123456789",
        "anna.petrova@example.ru",
    )
    assert citizen.tg_user_id is None and citizen.consent_version == "api:pos"
    assert stats.per_chat.get(RYAZAN_GKH, 0) >= 1  # FORWARDED: the topic opens from here

    # GET by id: GeoReport fields, our status in the notes, no personal data anywhere.
    found = get(api, f"/requests/{number}.json")
    assert found.status_code == 200
    [view] = found.json()
    assert view["service_request_id"] == number and view["status"] == "open"
    assert view["status_notes"] == (
        "направлено в ведомство: Управление ЖКХ администрации г. Рязани"
    )
    assert view["agency_responsible"] == "Управление ЖКХ администрации г. Рязани"
    assert (view["service_code"], view["service_name"]) == ("housing", "ЖКХ")
    assert (view["lat"], view["long"]) == (54.62, 39.70)
    assert view["media_url"] == "https://city.example/photos/1.jpg"
    assert view["requested_datetime"].endswith("+03:00") and view["expected_datetime"]
    assert view["extended_attributes"]["status"] == "routed"
    assert view["extended_attributes"]["channel"] == "api"
    assert view["description"].startswith(ROOF)
    assert view["description"].endswith("Перезвоните мне: *** или ***")
    raw = found.text
    for secret in ("anna.petrova", "912", "Петрова", "Анна", "device-42", "acc-7"):
        assert secret not in raw
    listed = get(api, "/requests.json", service_request_id=number)
    assert listed.json() == [view]
    assert all("Петрова" not in json.dumps(r) for r in get(api, "/requests.json").json())


def test_auto_lets_the_classifier_choose_and_the_address_places_the_case(api):
    response = post(
        api,
        api_key=OTHER_KEY,
        service_code="auto",
        description="Вторую неделю не вывозят мусор с контейнерной площадки, баки переполнены",
        address_string="Касимов, ул. Ленина, 5",
    )
    assert response.status_code == 201, response.text
    number = response.json()[0]["service_request_id"]
    appeal = stored(api, number)
    assert (appeal.sector, appeal.municipality, appeal.authority) == (
        "waste",
        "kasimov",
        "eco-operator",
    )
    assert appeal.citizen_id is None  # no contacts given: no citizen row
    assert appeal.text.endswith("Адрес: Касимов, ул. Ленина, 5")
    assert appeal.history[0].data["client"] == "city-app"
    [view] = get(api, f"/requests/{number}.json").json()
    assert view["address"] == "Касимов, ул. Ленина, 5" and view["lat"] is None
    assert view["service_code"] == "waste"


def test_an_unsure_classifier_sends_the_case_to_ЦУР_triage(api):
    response = post(
        api,
        api_key=KEY,
        service_code="auto",
        description="Прошу разобраться с этим вопросом",
        address_id="fias-0001",
    )
    assert response.status_code == 201, response.text
    appeal = stored(api, response.json()[0]["service_request_id"])
    assert appeal.status is AppealStatus.TRIAGE and appeal.sector is None

    async def curators(s: Services) -> int:
        stats = await ops_repo.outbox_stats(s.engine, s.clock.now())
        return stats.per_chat.get(CURATORS_CHAT, 0)

    assert api.call(curators) >= 1
    [view] = get(api, f"/requests/{appeal.number}.json").json()
    assert view["service_code"] is None and view["address_id"] == "fias-0001"
    assert view["status_notes"] == "на распределении в ЦУР"


def test_json_body_and_a_repeated_idempotency_key_file_one_case(api):
    body = {
        "api_key": KEY,
        "service_code": "roads",
        "description": "Яма на дороге у остановки, машины объезжают по встречной",
        "lat": 54.63,
        "long": 39.71,
        "attribute": {"source_id": "pos-555"},
    }
    headers = {"Idempotency-Key": "pos-555"}
    url = api.url(f"{V2}/requests.json")
    first = requests.post(url, json=body, headers=headers, timeout=30)
    assert first.status_code == 201, first.text
    count = appeal_count(api)
    again = requests.post(url, json=body, headers=headers, timeout=30)
    assert again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert appeal_count(api) == count
    # Another client's key with the same Idempotency-Key is another case.
    other = requests.post(url, json={**body, "api_key": OTHER_KEY}, headers=headers, timeout=30)
    assert other.status_code == 201 and appeal_count(api) == count + 1
    appeal = stored(api, first.json()[0]["service_request_id"])
    assert appeal.history[0].data["attributes"] == {"source_id": "pos-555"}


def test_filters_status_mapping_and_paging(api):
    numbers = []
    for n in range(3):
        r = post(
            api,
            api_key=KEY,
            service_code="education",
            description=f"Нет мест в детском саду номер {n + 1}, очередь не движется",
            address_string="Рязань",
        )
        numbers.append(r.json()[0]["service_request_id"])

    async def close_first(s: Services) -> None:
        async with s.uow() as uow:
            appeal = await uow.appeals.get_by_number(numbers[0])
            appeal.close(Resolution.NOT_COMPETENT, s.clock.now(), ActorKind.OFFICIAL)
            await uow.appeals.save(appeal)
            await uow.commit()

    api.call(close_first)
    page1 = get(api, "/requests.json", service_code="education", page_size="2")
    assert page1.status_code == 200 and page1.headers["X-Total-Count"] == "3"
    assert [r["service_request_id"] for r in page1.json()] == numbers[:0:-1]  # newest first
    assert 'rel="next"' in page1.headers["Link"] and "page=2" in page1.headers["Link"]
    page2 = get(api, "/requests.json", service_code="education", page_size="2", page="2")
    assert [r["service_request_id"] for r in page2.json()] == [numbers[0]]
    assert 'rel="prev"' in page2.headers["Link"] and 'rel="next"' not in page2.headers["Link"]
    [closed] = get(api, "/requests.json", service_code="education", status="closed").json()
    assert closed["service_request_id"] == numbers[0] and closed["status"] == "closed"
    assert closed["status_notes"] == "закрыто (вопрос не в компетенции ведомства)"
    assert closed["extended_attributes"]["resolution"] == "not_competent"
    open_ = get(api, "/requests.json", service_code="education", status="open").json()
    assert {r["service_request_id"] for r in open_} == set(numbers[1:])
    both = get(api, "/requests.json", service_request_id=f"{numbers[1]},{numbers[2]},2099-1")
    assert {r["service_request_id"] for r in both.json()} == set(numbers[1:])
    future = get(api, "/requests.json", start_date="2099-01-01T00:00:00Z")
    assert future.json() == [] and future.headers["X-Total-Count"] == "0"
    # without start_date the window reaches 90 days back from now (or from end_date if earlier)
    window = get(api, "/requests.json", service_code="education", end_date="2099-01-01")
    assert window.headers["X-Total-Count"] == "3"


GOOD = {
    "api_key": KEY,
    "service_code": "housing",
    "description": ROOF,
    "lat": "54.62",
    "long": "39.70",
}


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": "wrong-key-0000000000"}, 403, "Неверный api_key"),
        ({"api_key": None}, 403, "Нужен параметр api_key"),
        ({"jurisdiction_id": "moscow"}, 404, "jurisdiction_id: moscow"),
        ({"service_code": "unicorns"}, 400, "Неизвестный service_code: unicorns"),
        ({"service_code": "housing' OR '1'='1"}, 400, "Неизвестный service_code"),
        ({"service_code": None}, 400, "Нужен параметр service_code"),
        ({"description": None}, 400, "Нужен параметр description"),
        ({"description": "   "}, 400, "Нужен параметр description"),
        ({"description": "Крыша"}, 400, "description слишком короткий: 5 симв., минимум 10"),
        (
            {"description": "ы" * 5001},
            400,
            "description слишком длинный: 5001 симв., максимум 5000",
        ),
        ({"description": ROOF + "\x00"}, 400, "description содержит недопустимые"),
        ({"lat": None, "long": None}, 400, "Нужно место"),
        ({"long": None}, 400, "lat и long задаются вместе"),
        ({"lat": "сто"}, 400, "lat должен быть числом, получено «сто»"),
        ({"lat": "91"}, 400, "lat должен быть от -90 до 90"),
        ({"long": "-180.5"}, 400, "long должен быть от -180 до 180"),
        ({"lat": "nan"}, 400, "lat должен быть от -90 до 90"),
        ({"long": "inf"}, 400, "long должен быть от -180 до 180"),
        ({"email": "not-an-email"}, 400, "email не похож"),
        ({"phone": "12"}, 400, "phone не похож"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url должен быть адресом http(s)"),
        ({"address_string": "д" * 513}, 400, "address_string слишком длинный"),
    ],
)
def test_bad_posts_are_refused_clearly_and_store_nothing(api, change, status, words):
    fields = {**GOOD, **change}
    before = appeal_count(api)
    response = post(api, **{k: v for k, v in fields.items() if v is not None})
    assert response.status_code == status, response.text
    assert words in error_of(response)
    assert appeal_count(api) == before


def test_bodies_that_are_not_requests_are_refused(api):
    url = api.url(f"{V2}/requests.json")
    before = appeal_count(api)
    huge = requests.post(url, data={**GOOD, "description": "я" * 70_000}, timeout=30)
    assert huge.status_code == 413 and "больше 65536 байт" in error_of(huge)
    plain = requests.post(url, data="hello", headers={"Content-Type": "text/plain"}, timeout=30)
    assert plain.status_code == 415 and "text/plain" in error_of(plain)
    broken = requests.post(
        url, data="{not json", headers={"Content-Type": "application/json"}, timeout=30
    )
    assert broken.status_code == 400 and "не разобрано" in error_of(broken)
    array = requests.post(url, json=[GOOD], timeout=30)
    assert array.status_code == 400 and "not an object" in error_of(array)
    nested = requests.post(url, json={**GOOD, "lat": [1, 2]}, timeout=30)
    assert nested.status_code == 400
    latin1 = requests.post(
        url,
        data=b"service_code=housing&description=%FF%FE",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert latin1.status_code == 400
    key = requests.post(url, data=GOOD, headers={"Idempotency-Key": "a b"}, timeout=30)
    assert key.status_code == 400 and "Idempotency-Key" in error_of(key)
    assert appeal_count(api) == before


def test_the_longest_text_and_other_body_forms_are_taken_whole(api):
    url = api.url(f"{V2}/requests.json")
    longest = ("Течёт крыша, " * 500)[:5000]  # 5000 Cyrillic characters, ~30 KB encoded
    response = requests.post(url, data={**GOOD, "description": longest}, timeout=30)
    assert response.status_code == 201, response.text
    assert stored(api, response.json()[0]["service_request_id"]).text == longest.strip()

    def chunks():  # a chunked body arriving in pieces
        body = urlencode({**GOOD, "description": longest})
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000].encode()

    chunked = requests.post(
        url,
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert chunked.status_code == 201, chunked.text
    number = chunked.json()[0]["service_request_id"]
    assert stored(api, number).text == longest.strip()

    multipart = requests.post(url, files={k: (None, v) for k, v in GOOD.items()}, timeout=30)
    assert multipart.status_code == 201, multipart.text
    before = appeal_count(api)
    with_file = requests.post(
        url, data=GOOD, files={"media": ("roof.jpg", b"\xff\xd8", "image/jpeg")}, timeout=30
    )
    assert with_file.status_code == 400 and "media_url" in error_of(with_file)
    deep = requests.post(
        url, data="[" * 50_000, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert deep.status_code == 400 and "не разобрано" in error_of(deep)
    no_boundary = requests.post(
        url, data="x=1", headers={"Content-Type": "multipart/form-data"}, timeout=30
    )
    assert no_boundary.status_code == 400 and "не разобрано" in error_of(no_boundary)
    assert appeal_count(api) == before


def test_sql_looking_input_is_only_text(api):
    sql = "'; DROP TABLE appeals; -- \" OR 1=1; SELECT * FROM citizens"
    response = post(api, **{**GOOD, "description": f"{ROOF} {sql}", "address_string": sql})
    assert response.status_code == 201, response.text
    number = response.json()[0]["service_request_id"]
    assert stored(api, number).text == f"{ROOF} {sql}"
    [view] = get(api, f"/requests/{number}.json").json()
    assert view["description"] == f"{ROOF} {sql}"
    injected = get(api, "/requests.json", service_request_id="1' OR '1'='1")
    assert injected.status_code == 200 and injected.json() == []
    by_path = get(api, "/requests/1' OR '1'='1.json")
    assert by_path.status_code == 404 and "service_request_id" in error_of(by_path)
    assert appeal_count(api) > 0  # the tables are all there


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"page": "0"}, "page должен быть целым числом от 1 до 1000000, получено «0»"),
        ({"page": "abc"}, "page должен быть целым числом"),
        ({"page": "-1"}, "page должен быть целым числом"),
        ({"page": "1.5"}, "page должен быть целым числом"),
        ({"page_size": "1001"}, "page_size должен быть целым числом от 1 до 1000"),
        ({"page_size": "0"}, "page_size должен быть целым числом"),
        ({"status": "pending"}, "допустимы open и closed, получено «pending»"),
        ({"start_date": "вчера"}, "start_date должен быть датой-временем ISO 8601"),
        ({"start_date": "0001-01-01T00:00:00"}, "start_date должен быть от 1970 до 2999"),
        ({"end_date": "9999-12-31T23:59:59-12:00"}, "end_date должен быть от 1970 до 2999"),
        ({"start_date": "2026-12-02", "end_date": "2026-12-01"}, "start_date позже end_date"),
        ({"service_code": "housing,nope"}, "Неизвестный service_code: nope"),
        ({"service_request_id": ",".join(f"2026-{n:06}" for n in range(101))}, "не больше 100"),
        ({"api_key": "wrong-key-0000000000"}, "Неверный api_key"),
        ({"api_key": ""}, "Нужен параметр api_key"),
    ],
)
def test_bad_queries_are_refused_clearly(api, query, words):
    response = requests.get(
        api.url(f"{V2}/requests.json"), params={"api_key": KEY, **query}, timeout=10
    )
    assert response.status_code in (400, 403), response.text
    assert words in error_of(response)


def test_unknown_paths_and_methods_answer_in_georeport_form(api):
    missing = requests.get(api.url(f"{V2}/requests/2099-999999.json"), params={"api_key": KEY})
    assert missing.status_code == 404 and "2099-999999" in error_of(missing)
    nowhere = requests.get(api.url(f"{V2}/discovery.json"), timeout=10)
    assert nowhere.status_code == 404 and "discovery.json" in error_of(nowhere)
    xml = requests.get(api.url(f"{V2}/services.xml"), timeout=10)
    assert xml.status_code == 404 and "только JSON" in error_of(xml)
    delete = requests.delete(api.url(f"{V2}/requests.json"), timeout=10)
    assert delete.status_code == 405 and "DELETE" in error_of(delete)


def test_reading_needs_a_key_unless_public(api, module_db):
    closed = requests.get(api.url(f"{V2}/requests.json"), timeout=10)
    assert closed.status_code == 403 and "api_key" in error_of(closed)
    header = requests.get(api.url(f"{V2}/requests.json"), headers={"X-Api-Key": KEY})
    assert header.status_code == 200
    public = ApiServer(module_db.url, directory=False, open311_public_read=True).start()
    try:
        listed = requests.get(public.url(f"{V2}/requests.json"), timeout=10)
        assert listed.status_code == 200 and len(listed.json()) > 0
        posted = requests.post(public.url(f"{V2}/requests.json"), data={**GOOD, "api_key": ""})
        assert posted.status_code == 403  # filing always needs a key
    finally:
        public.stop()


def test_without_keys_the_api_files_nothing(module_db):
    server = ApiServer(module_db.url, directory=False, open311_api_keys=None).start()
    try:
        response = requests.post(server.url(f"{V2}/requests.json"), data=GOOD, timeout=10)
        assert response.status_code == 403 and "OPEN311_API_KEYS" in error_of(response)
    finally:
        server.stop()


def test_a_client_filing_too_fast_is_told_when_to_retry(module_db):
    server = ApiServer(module_db.url, directory=False, open311_posts_per_minute=2).start()
    try:
        url = server.url(f"{V2}/requests.json")
        assert [requests.post(url, data=GOOD).status_code for _ in range(2)] == [201, 201]
        before = appeal_count(server)
        refused = requests.post(url, data=GOOD, timeout=10)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "не больше 2 в минуту" in error_of(refused)
        assert appeal_count(server) == before
        other = requests.post(url, data={**GOOD, "api_key": OTHER_KEY}, timeout=10)
        assert other.status_code == 201  # the other client is not held back
    finally:
        server.stop()
