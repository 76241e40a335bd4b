"""The per-group flood limit kept by the sender (Telegram: ~20 messages a minute a group)."""

from __future__ import annotations

import pytest

from bot.pacing import GroupPacer

GROUP = -1001


def test_twenty_messages_a_minute_then_a_wait_until_the_oldest_expires():
    pacer = GroupPacer()
    for second in range(20):
        assert pacer.reserve(GROUP, float(second)) == 0.0
    assert pacer.reserve(GROUP, 30.0) == pytest.approx(30.0)  # the first send frees at t=60
    assert pacer.reserve(GROUP, 60.0) == 0.0
    assert pacer.reserve(GROUP, 60.5) == pytest.approx(0.5)  # t=1's slot frees at 61


def test_a_new_case_reserves_all_its_messages_at_once():
    pacer = GroupPacer()
    assert pacer.reserve(GROUP, 0.0, count=18) == 0.0
    # topic + card + one photo do not fit: wait until three slots are free, take none now
    assert pacer.reserve(GROUP, 1.0, count=3) == pytest.approx(59.0)
    assert pacer.reserve(GROUP, 1.0, count=2) == 0.0


def test_groups_are_limited_apart_and_private_chats_not_at_all():
    pacer = GroupPacer(per_minute=1)
    assert pacer.reserve(GROUP, 0.0) == 0.0
    assert pacer.reserve(GROUP - 1, 0.0) == 0.0
    assert pacer.reserve(GROUP, 0.0) > 0
    assert all(pacer.reserve(42, 0.0) == 0.0 for _ in range(100))
