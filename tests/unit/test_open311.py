"""The Open311 pieces without I/O: status mapping, masking of personal data, API keys."""

from __future__ import annotations

import pytest

from core.model import AppealStatus
from core.open311 import Open311Status, mask_personal, open311_status, statuses_of
from web.open311.auth import ApiKeys
from web.open311.limits import FilingLimiter


def test_status_mapping_covers_every_status_once():
    open_, closed = statuses_of([Open311Status.OPEN]), statuses_of([Open311Status.CLOSED])
    assert open_ | closed == frozenset(AppealStatus) and not open_ & closed
    assert closed == {AppealStatus.ANSWERED, AppealStatus.CLOSED}
    assert open311_status(AppealStatus.REOPENED) is Open311Status.OPEN
    assert open311_status(AppealStatus.ANSWERED) is Open311Status.CLOSED


@pytest.mark.parametrize(
    ("text", "known", "masked"),
    [
        ("звоните +7 912 345-67-89 вечером", (), "звоните *** вечером"),
        ("тел. 8(912)3456789, спросить", (), "тел. ***, спросить"),
        ("пишите на anna.petrova+city@mail.example.ru!", (), "пишите на ***!"),
        ("Я, Петрова Анна, прошу", ("Анна Петрова",), "Я, *** ***, прошу"),
        ("дом 12, кв. 45, подъезд 3", (), "дом 12, кв. 45, подъезд 3"),  # no number to hide
        ("с 2026-12-01 по 2026-12-03", (), "с 2026-12-01 по 2026-12-03"),  # dates stay
        ("ИНН 1234567890 и СНИЛС", (), "ИНН *** и СНИЛС"),  # ten digits: masked anyway
    ],
)
def test_personal_data_is_masked_in_published_text(text, known, masked):
    assert mask_personal(text, known) == masked


def test_api_keys_are_named_and_checked_whole():
    keys = ApiKeys("pos:0123456789abcdef, City-App : fedcba9876543210 ,, 00000000000000000000")
    assert keys.clients == ["pos", "city-app", "client-4"]
    assert keys.client("0123456789abcdef") == "pos"
    assert keys.client("fedcba9876543210") == "city-app"
    assert keys.client("0123456789abcde") is None  # a prefix is not the key
    assert keys.client("") is None
    assert not ApiKeys(None) and not ApiKeys(" , ")


@pytest.mark.parametrize("spec", ["pos:short", "bad name!:0123456789abcdef"])
def test_malformed_keys_stop_the_start(spec):
    with pytest.raises(ValueError, match="OPEN311_API_KEYS"):
        ApiKeys(spec)


def test_filing_is_paced_per_client():
    now = [100.0]
    limiter = FilingLimiter(6, clock=lambda: now[0])  # 6 a minute: one every 10 s, burst of 6
    assert [limiter.take("pos") for _ in range(6)] == [0.0] * 6
    assert limiter.take("pos") == pytest.approx(10.0)
    assert limiter.take("city-app") == 0.0  # another client has its own bucket
    now[0] += 5
    assert limiter.take("pos") == pytest.approx(5.0)
    now[0] += 5
    assert limiter.take("pos") == 0.0
