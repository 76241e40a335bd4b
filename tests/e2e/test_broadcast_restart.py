"""A broadcast to 5,000 subscribers against a fake Telegram that enforces flood limits
(429 with retry_after): a restart in the middle resumes where it stopped — nobody gets the
announcement twice, nobody is skipped. The fake's limits are scaled up (300/s) so the test
stays short; `bench/broadcast.py` runs at Telegram's real 30/s."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import func, select

from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings
from storage.tables import DeliveryRow
from tests.e2e.broadcast_setup import announce, deliveries, seed, wait_for
from tests.e2e.desk_setup import CITY_GKH, EXECUTOR
from tests.e2e.harness import BotProcess, text_of

RATE = 300  # messages a second, the fake's global limit and the bot's budget
BASE = 900_000_000 + (os.getpid() % 1000) * 10_000


@pytest.fixture
def own_bot(tg, test_db, tmp_path):
    process = BotProcess(
        tg,
        test_db.url,
        tmp_path,
        TELEGRAM_MESSAGES_PER_SECOND=str(RATE),
        BROADCAST_PROGRESS_SECONDS="1",
        OUTBOX_RETRY_SECONDS="0.2",
    )
    yield process
    process.stop(kill=True)
    tg.reset_faults()


def num(n: int) -> str:
    """A number as the Russian catalogue prints it (thousands apart by a no-break space)."""
    return f"{n:,}".replace(",", "\xa0")


def resent_rows(url: str) -> int:
    async def count() -> int:
        services = await bootstrap(Settings(database_url=url), migrate=False)
        try:
            async with services.engine.connect() as conn:
                result = await conn.execute(
                    select(func.count()).select_from(DeliveryRow).where(DeliveryRow.resent)
                )
                return int(result.scalar_one())
        finally:
            await services.close()

    return asyncio.run(count())


def start_broadcast(tg, own_bot, users: list[int], text: str) -> tuple[int, dict]:
    own_bot.start()
    summary = announce(tg, EXECUTOR, text)
    assert f"Получателей: {num(len(users))}" in text_of(summary)
    tg.set_rate_limits(per_chat_per_s=1, global_per_s=RATE)
    mark = tg.mark()
    tg.press(EXECUTOR, summary, "✅ Разослать")
    return mark, summary


@pytest.mark.timeout(300)
def test_5000_subscribers_get_it_once_across_a_restart(tg, own_bot, test_db):
    users = [BASE + i for i in range(5000)]
    seed(tg, test_db.url, users)
    text = "Плановое отключение отопления в Рязани 5 декабря с 10 до 14 часов"
    mark, summary = start_broadcast(tg, own_bot, users, text)
    wait_for(lambda: len(deliveries(tg, mark, text)) >= 1500, timeout=120)
    assert own_bot.stop() == 0, own_bot.log()  # SIGTERM in the middle of the broadcast
    stopped_at = len(deliveries(tg, mark, text))
    assert stopped_at < len(users), "the broadcast ended before the restart"
    own_bot.start()
    done = tg.wait_for_edit(
        CITY_GKH,
        summary["message_id"],
        lambda m: "завершена" in text_of(m),
        after=mark,
        timeout=120,
    )
    got = deliveries(tg, mark, text)
    subscribers = {u: got.get(u, 0) for u in users}
    assert sorted(set(subscribers.values())) == [1]  # everyone once: none lost, none twice
    assert f"доставлено {num(len(users))} · не доставлено 0" in text_of(done)
    assert resent_rows(test_db.url) == 0  # a graceful stop leaves nothing in flight


@pytest.mark.timeout(200)
def test_a_crash_resends_only_what_was_in_flight(tg, own_bot, test_db):
    users = [BASE + 5000 + i for i in range(800)]
    seed(tg, test_db.url, users)
    text = "Ремонт теплотрассы на Первомайском проспекте продлится до пятницы"
    mark, summary = start_broadcast(tg, own_bot, users, text)
    wait_for(lambda: len(deliveries(tg, mark, text)) >= 200, timeout=60)
    own_bot.stop(kill=True)  # SIGKILL: requests in flight get no answer recorded
    own_bot.start()
    tg.wait_for_edit(
        CITY_GKH,
        summary["message_id"],
        lambda m: "завершена" in text_of(m),
        after=mark,
        timeout=60,
    )
    got = deliveries(tg, mark, text)
    assert all(got.get(u, 0) >= 1 for u in users)  # nobody is skipped
    twice = [u for u in users if got[u] > 1]
    # Only a row that was in flight at the crash may have gone twice, and such rows are few.
    assert len(twice) <= resent_rows(test_db.url) <= 40
