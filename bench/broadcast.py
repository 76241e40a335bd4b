"""Broadcast benchmark: an official announces to N subscribers through the real bot process
(the /announce dialog, «Разослать») against the project's fake Bot API enforcing Telegram's
flood limits (30 messages/s per bot, 1 message/s per chat; 429 with retry_after beyond).

    ./dev bench broadcast [--subscribers 1200] [--rate 30] [--poll]

Prints the achieved sending rate against the ceiling (target ≥ 0.95 of it), the number of
429 answers (target 0), the time from «Разослать» to the last message, and whether every
subscriber got the announcement exactly once. With --poll each subscriber also gets a poll,
at least a second after the announcement (the per-chat limit).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fake_telegram import FakeTelegramThread  # noqa: E402
from tests.e2e.broadcast_setup import announce, seed, wait_for  # noqa: E402
from tests.e2e.desk_setup import CITY_GKH, EXECUTOR  # noqa: E402
from tests.e2e.harness import BotProcess, text_of  # noqa: E402

FIRST_USER = 950_000_000
TEXT = "Плановое отключение горячей воды на Канищеве 9 декабря с 9 до 18 часов"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1200)
    parser.add_argument("--rate", type=float, default=30.0, help="Telegram's global ceiling")
    parser.add_argument("--poll", action="store_true", help="attach a poll (2 messages each)")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    users = [FIRST_USER + i for i in range(args.subscribers)]
    with tempfile.TemporaryDirectory() as tmp, FakeTelegramThread() as tg:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        seed(tg, url, users)
        bot = BotProcess(
            tg,
            url,
            Path(tmp),
            TELEGRAM_MESSAGES_PER_SECOND=str(args.rate),
            BROADCAST_PROGRESS_SECONDS="5",
        )
        bot.env.pop("PRIEMNAYA_TEST_REDIS", None)
        try:
            bot.start(timeout=120)  # a loaded machine starts slowly
            summary = announce_with_poll(tg) if args.poll else announce(tg, EXECUTOR, TEXT)
            tg.set_rate_limits(per_chat_per_s=1, global_per_s=args.rate)
            mark = tg.mark()
            pressed = time.monotonic()
            tg.press(EXECUTOR, summary, "✅ Разослать")
            parts = 2 if args.poll else 1
            expected = len(users) * parts
            timeout = expected / args.rate * 3 + 60
            wait_for(lambda: len(sent_calls(tg, mark, set(users))) >= expected, timeout, 1.0)
            done = tg.wait_for_edit(
                CITY_GKH,
                summary["message_id"],
                lambda m: "завершена" in text_of(m),
                after=mark,
                timeout=30,
            )
            calls = sent_calls(tg, mark, set(users))
            report(args, calls, users, parts, pressed, tg, text_of(done))
        finally:
            bot.stop()


def announce_with_poll(tg: FakeTelegramThread) -> dict:
    def step(send_text: str | None, press: tuple[dict, str] | None, expect: str) -> dict:
        mark = tg.mark()
        if send_text is not None:
            tg.send_message(EXECUTOR, send_text, chat_id=CITY_GKH)
        if press is not None:
            tg.press(EXECUTOR, *press)
            return tg.wait_for_edit(
                CITY_GKH, press[0]["message_id"], lambda m: expect in text_of(m), after=mark
            )
        return tg.wait_for_bot_message(
            CITY_GKH, lambda m: expect in text_of(m), after=mark, timeout=60
        )

    step("/announce", None, "Новое объявление")
    sectors = step(TEXT, None, "Кому")
    sectors = step(None, (sectors, "▫️ ЖКХ"), "Кому")
    outage = step(None, (sectors, "Далее →"), "авария")
    poll = step(None, (outage, "Нет"), "Добавить опрос")
    step(None, (poll, "📊 Добавить опрос"), "первая строка")
    return step("Удобно ли время отключения?\nДа\nНет", None, "Получателей")


def sent_calls(tg: FakeTelegramThread, mark: int, users: set[int]) -> list:
    return [
        c
        for c in tg.calls_since(mark)
        if c.method in ("sendMessage", "sendPoll")
        and c.status == 200
        and int(c.params.get("chat_id", 0)) in users
    ]


def report(args, calls, users, parts, pressed, tg, progress) -> None:
    starts = sorted(c.time for c in calls)
    span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
    rate = (len(starts) - 1) / span if span else 0.0
    per_chat: dict[int, list[float]] = {}
    for c in calls:
        per_chat.setdefault(int(c.params["chat_id"]), []).append(c.time)
    gaps = [b - a for times in per_chat.values() for a, b in pairwise(sorted(times))]
    counts = [len(per_chat.get(u, [])) for u in users]
    stats = tg.stats()
    print(f"subscribers: {len(users)}, messages each: {parts}, ceiling: {args.rate:g}/s")
    print(
        f"messages sent: {len(calls)} in {span:.1f} s (from «Разослать»: "
        f"{starts[-1] - pressed:.1f} s)"
    )
    print(
        f"achieved rate: {rate:.2f} msg/s = {rate / args.rate:.3f} of the ceiling (target ≥ 0.95)"
    )
    print(f"429 answers: {stats['rate_limited']} (target 0)")
    peak, left = 0, 0
    for right, t in enumerate(starts):
        while starts[left] <= t - 1.0:
            left += 1
        peak = max(peak, right - left + 1)
    print(f"most messages in any 1 s window (as the fake saw them arrive): {peak}")
    for c in tg.calls_since(0):
        if c.status == 429:
            print(f"  429: {c.method} to {c.params.get('chat_id')} at +{c.time - pressed:.2f} s")
    if gaps:
        print(f"shortest gap between two messages to one chat: {min(gaps):.2f} s (limit 1 s)")
    exact = all(n == parts for n in counts)
    print(f"every subscriber got it exactly once: {'yes' if exact else 'NO'}")
    print(f"progress message: {progress.splitlines()[0]}")
    print(f"CPU cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
