"""Phone numbers from a dialplan and from a Telegram contact meet in one spelling."""

from __future__ import annotations

import pytest

from core.phones import normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (912) 345-67-89", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("79123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+375 29 123-45-67", "+375291234567"),
        ("anonymous", None),
        ("", None),
        (None, None),
        ("112", None),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected
