"""Targeted informing without I/O: poll parsing, audiences, the send budget and per-chat
pacing on a controlled clock, group commits."""

from __future__ import annotations

import asyncio
from types import TracebackType

import pytest

from bot.budget import counts
from bot.pacing import ChatPacer, SendBudget
from core.broadcasts import Audience, PollError, Subscription, parse_poll
from core.group_commit import GroupCommit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_poll_is_a_question_and_its_options():
    poll = parse_poll("Удобно ли время?\n- Да\n• Нет\n\nНет\nНе знаю")
    assert poll.question == "Удобно ли время?"
    assert poll.options == ("Да", "Нет", "Не знаю")  # duplicates and bullets dropped


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("Вопрос?\nДа", "options-count"),
        ("Вопрос?\n" + "\n".join(str(i) for i in range(11)), "options-count"),
        ("В" * 301 + "\nДа\nНет", "question-too-long"),
        ("Вопрос?\nДа\n" + "Н" * 101, "option-too-long"),
    ],
)
def test_bad_polls_say_what_is_wrong(text, problem):
    with pytest.raises(PollError) as caught:
        parse_poll(text)
    assert str(caught.value) == problem


def test_audience_and_subscription_match_sector_and_place():
    roads_here = Audience(("roads",), ("ryazan",))
    assert roads_here.covers("roads", "ryazan")
    assert not roads_here.covers("roads", "kasimov")
    assert not roads_here.covers("housing", "ryazan")
    assert not roads_here.covers(None, "ryazan")
    assert Audience().covers("housing", None)  # the ЦУР's region-wide announcement
    anywhere = Subscription(frozenset({"roads"}))
    assert anywhere.follows("roads", "kasimov") and not anywhere.follows("housing", "kasimov")
    here = Subscription(frozenset({"roads"}), frozenset({"ryazan"}))
    assert here.follows("roads", "ryazan") and not here.follows("roads", None)
    assert not Subscription().active


def test_budget_lets_interactive_traffic_use_the_reserve_first():
    clock = Clock()
    budget = SendBudget(30, reserve=2, clock=clock)
    # a full bucket: broadcasts may take one token (leaving the reserve) …
    assert budget.wait_time(background=True) == 0.0
    budget.take()
    assert budget.wait_time(background=True) > 0
    # … while replies still find tokens at once
    assert budget.wait_time() == 0.0
    budget.take()
    budget.take()
    assert budget.wait_time() > 0
    # the rate refills them: a broadcast waits for the reserve to be back
    wait = budget.wait_time(background=True)
    clock.now += wait
    assert budget.wait_time(background=True) == pytest.approx(0.0, abs=1e-9)


def test_budget_never_exceeds_the_ceiling_over_a_second():
    clock = Clock()
    budget = SendBudget(30, clock=clock)
    taken = 0
    start = clock.now
    while clock.now < start + 1.0:
        wait = budget.wait_time(background=True)
        if wait > 0:
            clock.now += wait
            continue
        budget.take()
        taken += 1
    assert 28 <= taken <= 30


def test_a_429_holds_everyone():
    clock = Clock()
    budget = SendBudget(30, clock=clock)
    budget.hold(3)
    assert budget.wait_time() == pytest.approx(3.0)
    assert budget.wait_time(background=True) == pytest.approx(3.0)
    clock.now += 3
    assert budget.wait_time() == 0.0


def test_chat_pacer_waits_a_second_after_the_last_message():
    clock = Clock()
    pacer = ChatPacer(1.0, clock=clock)
    assert pacer.wait_time(5) == 0.0
    pacer.record(5)
    clock.now += 0.25
    assert pacer.wait_time(5) == pytest.approx(0.75)
    assert pacer.wait_time(6) == 0.0
    clock.now += 0.75
    assert pacer.wait_time(5) == 0.0


def test_what_counts_against_the_budget():
    assert counts("sendMessage") and counts("sendPoll") and counts("copyMessage")
    assert counts("editMessageText") and counts("stopPoll")
    assert not counts("sendChatAction") and not counts("getUpdates")
    assert not counts("answerCallbackQuery")


class FakeUow:
    def __init__(self, log: list[str], fail: bool) -> None:
        self.log, self.fail = log, fail

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        if self.fail:
            raise RuntimeError("database is gone")
        self.log.append("commit")


async def test_group_commit_shares_transactions_and_reports_failures():
    log: list[str] = []
    fail = False
    writes = GroupCommit(lambda: FakeUow(log, fail))  # type: ignore[arg-type, return-value]

    async def step(uow: FakeUow, n: int) -> int:
        uow.log.append(f"step {n}")
        return n * 10

    results = await asyncio.gather(*(writes.run(lambda u, n=n: step(u, n)) for n in range(5)))
    assert results == [0, 10, 20, 30, 40]
    assert log.count("commit") < 5 and log[-1] == "commit"
    fail = True
    with pytest.raises(RuntimeError):
        await writes.run(lambda u: step(u, 9))
    await writes.close()
