"""Operators' endpoints over HTTP: /healthz answers 200 when the database, Redis (when
configured) and the outbox are fine and 503 naming what is not; /metrics has appeals by
status, the outbox's queues per group, Telegram errors from the real sender and transcription
times from the real recogniser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_bot
from bot.notifier import NotificationSender
from core.notifications import Notification, NotificationKind
from fake_telegram import FakeTelegramThread
from priemnaya.bootstrap import Services
from priemnaya.settings import Settings
from tests.backends import TEST_REDIS
from tests.web.server import KEY, ApiServer
from voice.stt import SpeechRecognizer
from voice.tinymodel import build_tiny_model
from voice.tones import say_words

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:9/nothing"  # the discard port: refused at once
ROOF = "Течёт крыша в подъезде дома 5, управляющая компания не чинит"


def metrics(api: ApiServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = requests.get(api.url("/metrics"), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def file_request(api: ApiServer, **fields: str) -> str:
    data = {"api_key": KEY, "service_code": "housing", "description": ROOF, "lat": "54.62"}
    response = requests.post(
        api.url("/open311/v2/requests.json"), data={**data, "long": "39.70", **fields}, timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()[0]["service_request_id"]


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Iterator[ApiServer]:
    """The same endpoints over a database that does not answer."""
    server = ApiServer(UNREACHABLE_DB, directory=False, migrate=False).start()
    yield server
    server.stop()


def test_healthz_is_ok_when_everything_answers(api):
    file_request(api)
    response = requests.get(api.url("/healthz"), timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["ok"] is True and checks["database"]["latency_ms"] >= 0
    assert checks["redis"] == {
        "ok": True,
        "configured": bool(TEST_REDIS),
        **({"latency_ms": checks["redis"]["latency_ms"]} if TEST_REDIS else {}),
    }
    outbox = checks["outbox"]
    assert outbox["ok"] is True and outbox["pending"] >= 1  # the new case's topic is queued
    assert outbox["scheduled"] >= 1  # its reminders are timers due later
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_fails_when_the_database_does_not_answer(broken):
    response = requests.get(broken.url("/healthz"), timeout=15)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"]  # says what failed
    assert body["checks"]["outbox"]["ok"] is False


def test_the_api_says_unavailable_and_files_nothing_without_a_database(broken):
    read = requests.get(broken.url("/open311/v2/requests.json"), params={"api_key": KEY})
    assert read.status_code == 503
    [error] = read.json()
    assert error["code"] == 503 and "база данных не отвечает" in error["description"]
    posted = requests.post(
        broken.url("/open311/v2/requests.json"),
        data={"api_key": KEY, "service_code": "housing", "description": ROOF, "address_id": "1"},
        timeout=15,
    )
    assert posted.status_code == 503 and posted.json()[0]["code"] == 503
    assert "service_request_id" not in posted.text  # nothing acknowledged
    assert metrics(broken)[("priemnaya_database_up", ())] == 0


def test_healthz_fails_on_redis_down_and_on_a_stuck_outbox(module_db):
    server = ApiServer(
        module_db.url,
        directory=False,
        redis_url="redis://127.0.0.1:9/0",
        health_outbox_max_lag_seconds=0.001,
    ).start()
    try:
        file_request(server, service_code="waste", description="Не вывозят мусор с площадки")
        response = requests.get(server.url("/healthz"), timeout=15)
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"]["ok"] is True
        assert checks["redis"]["ok"] is False and checks["redis"]["configured"] is True
        assert checks["outbox"]["ok"] is False and checks["outbox"]["pending"] >= 1
        assert checks["outbox"]["oldest_pending_seconds"] > 0.001
    finally:
        server.stop()


def test_metrics_show_appeals_queues_and_api_calls(api):
    file_request(api)
    figures = metrics(api)
    assert figures[("priemnaya_database_up", ())] == 1
    assert figures[("priemnaya_appeals", (("status", "routed"),))] >= 1
    assert figures[("priemnaya_outbox_pending", ())] >= 1
    assert figures[("priemnaya_outbox_scheduled", ())] >= 1
    assert figures[("priemnaya_group_queue", (("group", "ryazan-gkh"),))] >= 1
    assert ("priemnaya_citizen_queue", ()) in figures
    assert ("priemnaya_outbox_oldest_pending_seconds", ()) in figures
    created = ("operation", "POST /open311/v2/requests.json"), ("status", "201")
    assert figures[("priemnaya_open311_requests_total", created)] >= 1
    assert ("process_resident_memory_bytes", ()) in figures  # the process's own figures


def test_telegram_errors_of_the_sender_are_counted(api):
    forbidden = ("priemnaya_telegram_errors_total", (("error", "forbidden"),))
    before = metrics(api).get(forbidden, 0)
    with FakeTelegramThread() as tg:
        tg.add_user(555001, first_name="Блок")
        tg.fail_next("sendMessage", error_code=403, description="Forbidden: bot was blocked")

        async def deliver(s: Services) -> bool:
            bot = build_bot(Settings(bot_token=tg.token, telegram_api_url=tg.base_url))
            try:
                async with s.uow() as uow:
                    row = await uow.notifications.add(
                        Notification(
                            NotificationKind.APPEAL_REGISTERED,
                            555001,
                            s.clock.now(),
                            payload={"number": "2026-999999"},
                        )
                    )
                    await uow.commit()
                assert row.id is not None
                return await NotificationSender(bot, s).deliver(row.id)
            finally:
                await bot.session.close()

        assert api.call(deliver) is False  # given up on, as before the counter
    assert metrics(api)[forbidden] == before + 1


def test_transcription_times_are_observed(api, tmp_path: Path):
    count = ("priemnaya_transcription_seconds_count", (("mode", "clip"),))
    before = metrics(api).get(count, 0)
    model = build_tiny_model(tmp_path / "tiny")
    with SpeechRecognizer(model, max_workers=1) as speech:

        async def transcribe(_: Services) -> str:
            transcript = await speech.transcribe(say_words(["один", "два"]), 16000)
            return transcript.text

        assert api.call(transcribe) == "один два"
    figures = metrics(api)
    assert figures[count] == before + 1
    assert figures[("priemnaya_transcription_seconds_sum", (("mode", "clip"),))] > 0


def test_the_outbox_lag_is_relative_to_due_time_not_creation(api):
    """A timer due in a week is not a backlog; the same row overdue is."""

    async def add_timer(s: Services) -> None:
        async with s.uow() as uow:
            await uow.notifications.add(
                Notification(
                    NotificationKind.GROUP_NOTICE,
                    -1001000000102,
                    s.clock.now() - timedelta(days=30),
                    not_before=s.clock.now() + timedelta(days=7),
                )
            )
            await uow.commit()

    before = requests.get(api.url("/healthz"), timeout=10).json()["checks"]["outbox"]
    api.call(add_timer)
    after = requests.get(api.url("/healthz"), timeout=10).json()["checks"]["outbox"]
    assert after["scheduled"] == before["scheduled"] + 1
    assert after["oldest_pending_seconds"] < 30 * 86400
