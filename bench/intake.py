"""Intake benchmark: simulated citizens file appeals through the real bot (text → card →
«Отправить» → number) against the project's fake Bot API; the same harness drives a bare
aiogram bot with the same round-trips (the framework's ceiling).

    ./dev bench intake [--citizens 200] [--rate 50] [--seconds 10]

Prints, for each bot: closed-loop throughput (appeals/s, every citizen files as fast as the
bot answers), open-loop latency at a fixed arrival rate (p50/p99 from the «Отправить» update
to the confirmation, and for the whole flow), and the bot process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fake_telegram import FakeTelegramThread  # noqa: E402

FIRST_USER = 900_000_000


@dataclass
class Flow:
    user_id: int
    text_sent: float = 0.0
    card_at: float = 0.0
    pressed_at: float = 0.0
    confirmed_at: float = 0.0


@dataclass
class Driver:
    """Reacts to the bot's messages the way a citizen would, as fast as possible."""

    tg: FakeTelegramThread
    cursor: int = 0
    flows: dict[int, Flow] = field(default_factory=dict)
    done: list[Flow] = field(default_factory=list)

    def start_flow(self, user_id: int, text: str) -> None:
        flow = Flow(user_id, text_sent=time.monotonic())
        self.flows[user_id] = flow
        self.tg.send_message(user_id, text)

    def pump(self) -> None:
        new = self.tg.calls_since(self.cursor)
        self.cursor += len(new)
        for call in new:
            if call.method != "sendMessage" or not call.response.get("ok"):
                continue
            message: dict[str, Any] = call.response["result"]
            chat = message["chat"]["id"]
            flow = self.flows.get(chat)
            text = message.get("text") or ""
            if flow is None:
                continue
            if "Черновик обращения" in text and not flow.card_at:
                flow.card_at = call.time
                data = submit_data(call.params.get("reply_markup"))
                flow.pressed_at = time.monotonic()
                self.tg.press_button(chat, message, data)
            elif "зарегистрировано" in text and flow.pressed_at and not flow.confirmed_at:
                flow.confirmed_at = call.time
                self.done.append(self.flows.pop(chat))


def submit_data(markup: Any) -> str:
    if isinstance(markup, str):
        import json

        markup = json.loads(markup)
    for row in markup["inline_keyboard"]:
        for button in row:
            if "Отправить" in button["text"]:
                return button["callback_data"]
    raise AssertionError("no «Отправить» button on the card")


def consent_all(tg: FakeTelegramThread, users: list[int]) -> None:
    mark = tg.mark()
    for user in users:
        tg.add_user(user, first_name="Житель")
        tg.send_message(user, "/start")
    pending = set(users)
    deadline = time.monotonic() + 120
    cursor = mark
    while pending and time.monotonic() < deadline:
        calls = tg.calls()
        for call in calls[cursor:]:
            if call.method != "sendMessage" or not call.response.get("ok"):
                continue
            message = call.response["result"]
            chat = message["chat"]["id"]
            markup = call.params.get("reply_markup")
            if chat in pending and markup and "согласие" in str(markup).lower():
                tg.press(chat, message, "Даю согласие")
            elif chat in pending and "Согласие получено" in (message.get("text") or ""):
                pending.discard(chat)
        cursor = len(calls)
        time.sleep(0.005)
    if pending:
        raise SystemExit(f"{len(pending)} citizens never got past consent")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def closed_loop(tg: FakeTelegramThread, users: list[int], seconds: float) -> tuple[float, int]:
    driver = Driver(tg, cursor=tg.mark())
    start = time.monotonic()
    for user in users:
        driver.start_flow(user, f"Не вывозят мусор у дома {user % 1000}, уже неделю")
    while time.monotonic() - start < seconds:
        before = len(driver.done)
        driver.pump()
        for flow in driver.done[before:]:
            driver.start_flow(flow.user_id, f"Яма на дороге у дома {flow.user_id % 977}")
        time.sleep(0.002)
    finished = [f for f in driver.done if f.confirmed_at <= start + seconds]
    elapsed = seconds
    # let the in-flight flows finish so the next phase starts clean
    deadline = time.monotonic() + 30
    while driver.flows and time.monotonic() < deadline:
        driver.pump()
        time.sleep(0.005)
    return len(finished) / elapsed, len(finished)


def open_loop(tg: FakeTelegramThread, users: list[int], rate: float, seconds: float) -> list[Flow]:
    driver = Driver(tg, cursor=tg.mark())
    interval = 1.0 / rate
    total = int(rate * seconds)
    start = time.monotonic()
    issued = 0
    while issued < total or driver.flows:
        now = time.monotonic()
        while issued < total and now >= start + issued * interval:
            user = users[issued % len(users)]
            if user in driver.flows:  # that citizen is still busy: take the next free one
                free = [u for u in users if u not in driver.flows]
                user = free[0] if free else user
            driver.start_flow(user, f"Не горит фонарь у подъезда {issued}")
            issued += 1
        driver.pump()
        if now - start > seconds + 30:
            break
        time.sleep(0.001)
    return driver.done


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_bot(kind: str, tg: FakeTelegramThread, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "LOG_LEVEL": "WARNING",
        "POLLING_TIMEOUT": "10",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    cmd = [sys.executable, "-m", "priemnaya", "run"]
    if kind == "echo":
        cmd = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    # Profiling hook, e.g. BENCH_BOT_WRAPPER="-m cProfile -o bot.prof" (interpreter options)
    # or "py-spy record -o bot.svg --" (a command that takes the bot's command line).
    wrapper = os.environ.get("BENCH_BOT_WRAPPER")
    if wrapper and wrapper.startswith("-"):
        cmd = [cmd[0], *wrapper.split(), *cmd[1:]]
    elif wrapper:
        cmd = [*wrapper.split(), *cmd]
    log = (workdir / f"{kind}.log").open("wb")
    mark = tg.mark()
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not any(c.method == "getUpdates" for c in tg.calls()[mark:]):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{kind} bot did not start; see {workdir / (kind + '.log')}")
        time.sleep(0.05)
    return proc


def measure(kind: str, args: argparse.Namespace, workdir: Path, offset: int) -> dict[str, Any]:
    with FakeTelegramThread() as tg:
        proc = run_bot(kind, tg, workdir)
        try:
            users = [FIRST_USER + offset + i for i in range(args.citizens)]
            consent_all(tg, users)
            throughput, count = closed_loop(tg, users, args.seconds)
            flows = open_loop(tg, users, args.rate, args.seconds)
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    submit = [(f.confirmed_at - f.pressed_at) * 1000 for f in flows]
    whole = [(f.confirmed_at - f.text_sent) * 1000 for f in flows]
    return {
        "bot": kind,
        "throughput": throughput,
        "closed_loop_appeals": count,
        "open_loop_appeals": len(flows),
        "submit_p50": statistics.median(submit),
        "submit_p99": percentile(submit, 0.99),
        "flow_p50": statistics.median(whole),
        "flow_p99": percentile(whole, 0.99),
        "peak_rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200, help="simulated citizens")
    parser.add_argument("--rate", type=float, default=50.0, help="open-loop appeals per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--only", choices=["priemnaya", "echo"], help="measure one bot only")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="priemnaya-bench-") as tmp:
        # The default classifier is trained once and cached on a first start; do it here so
        # the bot's peak RSS is the steady state of a restart, not the one-off training.
        from core.classification import Classifier

        Classifier.load_default(cache_dir=Path(tmp) / "var" / "models")
        kinds = [args.only] if args.only else ["priemnaya", "echo"]
        for offset, kind in enumerate(kinds):
            results.append(measure(kind, args, Path(tmp), offset * 100_000))
    print(
        f"\nintake benchmark: {args.citizens} citizens, closed loop {args.seconds:.0f} s, "
        f"open loop {args.rate:.0f} appeals/s for {args.seconds:.0f} s; SQLite, one process, "
        f"{os.cpu_count()} CPUs"
    )
    header = (
        f"{'bot':<10} {'appeals/s':>10} {'submit p50':>11} {'submit p99':>11} "
        f"{'flow p50':>9} {'flow p99':>9} {'peak RSS':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['bot']:<10} {r['throughput']:>10.1f} {r['submit_p50']:>9.1f}ms "
            f"{r['submit_p99']:>9.1f}ms {r['flow_p50']:>7.1f}ms {r['flow_p99']:>7.1f}ms "
            f"{r['peak_rss_mb']:>7.1f}MB"
        )
    print(
        "\nappeals/s: closed loop (every citizen refiles as soon as confirmed); latencies: open "
        "loop at the fixed rate — submit = «Отправить» update → confirmation sent, flow = "
        "text update → confirmation (includes the card round-trip)."
    )


if __name__ == "__main__":
    main()
