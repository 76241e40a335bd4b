"""Open311 API benchmark: the real aiohttp app (Open311 + /healthz + /metrics) on a free port
in a thread of its own, over a fresh SQLite file (or DATABASE_URL) with the example directory
and the default sector model; clients POST requests (classified, placed, routed, numbered,
outbox rows written) and read them back.

    ./dev bench open311 [--requests 400] [--concurrency 16]

Prints filing throughput (requests/s) and latency (p50/p99), GET of one request, of a page of
100, /healthz and /metrics latencies, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from core import services as core  # noqa: E402
from core.classification import load_classifier  # noqa: E402
from core.directory import load_directory  # noqa: E402
from priemnaya.bootstrap import bootstrap  # noqa: E402
from priemnaya.settings import Settings  # noqa: E402
from web.app import build_app  # noqa: E402

KEY = "bench-key-0123456789abcdef"
TEXTS = [
    "Течёт крыша в подъезде дома 5 на Канищеве, управляющая компания не чинит",
    "Вторую неделю не вывозят мусор с контейнерной площадки в Касимове",
    "Яма на дороге у остановки, машины объезжают по встречной полосе",
    "Нет горячей воды третий день, в управляющей компании не отвечают",
    "Не горят фонари на улице, вечером темно и опасно ходить",
]


def serve(settings: Settings, ready: threading.Event, box: dict) -> None:
    async def main() -> None:
        services = await bootstrap(
            settings, classifier=load_classifier(cache_dir=ROOT / "var" / "models")
        )
        directory = load_directory(
            ROOT / "docs" / "directory.example.yaml", [s.code for s in services.sectors]
        )
        await core.import_directory(services.uow, directory)
        app = build_app(services)  # the web app `priemnaya run` serves
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        box["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}"
        box["stop"] = stop = asyncio.Event()
        box["loop"] = asyncio.get_running_loop()
        ready.set()
        await stop.wait()
        await runner.cleanup()
        await services.close()

    asyncio.run(main())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def drive(url: str, total: int, concurrency: int) -> None:
    latencies: list[float] = []
    numbers: list[str] = []
    counter = iter(range(total))

    async with aiohttp.ClientSession() as http:

        async def client() -> None:
            for n in counter:
                data = {
                    "api_key": KEY,
                    "service_code": "auto" if n % 2 else "housing",
                    "description": f"{TEXTS[n % len(TEXTS)]} (№{n})",
                    "lat": "54.62",
                    "long": "39.70",
                    "phone": "+7 912 000-00-00",
                }
                started = time.perf_counter()
                async with http.post(f"{url}/open311/v2/requests.json", data=data) as r:
                    body = await r.json()
                    assert r.status == 201, body
                latencies.append(time.perf_counter() - started)
                numbers.append(body[0]["service_request_id"])

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        print(f"POST requests.json: {total} requests, {concurrency} clients")
        print(f"  throughput          {total / elapsed:8.1f} requests/s")
        print(f"  latency p50 / p99   {pct(latencies, 0.5):8.1f} / {pct(latencies, 0.99):.1f} ms")

        async def timed(path: str, rounds: int, **query: str) -> list[float]:
            result = []
            for _ in range(rounds):
                t = time.perf_counter()
                async with http.get(f"{url}{path}", params=query) as r:
                    await r.read()
                    assert r.status in (200, 503), r.status
                result.append(time.perf_counter() - t)
            return result

        one = await timed(f"/open311/v2/requests/{numbers[-1]}.json", 100, api_key=KEY)
        page = await timed("/open311/v2/requests.json", 30, api_key=KEY, page_size="100")
        health = await timed("/healthz", 50)
        metrics = await timed("/metrics", 50)
        for name, values in (
            ("GET requests/{id}.json", one),
            ("GET requests.json (100)", page),
            ("GET /healthz", health),
            ("GET /metrics", metrics),
        ):
            print(f"{name:24s} p50 {pct(values, 0.5):6.1f} ms   p99 {pct(values, 0.99):6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings = Settings(
            database_url=url,
            open311_api_keys=f"bench:{KEY}",
            open311_posts_per_minute=1_000_000,  # measure the service, not the pacing
        )
        ready, box = threading.Event(), {}
        thread = threading.Thread(target=serve, args=(settings, ready, box), daemon=True)
        thread.start()
        if not ready.wait(120):
            sys.exit("the server did not start")
        print(f"database: {url.split('://')[0]}   (server and clients share this process)")
        try:
            asyncio.run(drive(box["url"], args.requests, args.concurrency))
        finally:
            box["loop"].call_soon_threadsafe(box["stop"].set)
            thread.join(30)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (server, model and clients)")


if __name__ == "__main__":
    main()
