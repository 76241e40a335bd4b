"""Dashboard benchmark: N appeals (default 100,000) with their full histories in PostgreSQL,
then every page and file of the web dashboard over HTTP, timed.

    ./dev bench dashboard [--appeals 100000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                          [--repeat 5] [--keep]

A fresh database is created on the server (and dropped unless --keep). The region is
generated: 24 municipalities, 10 sectors, 60 authorities with executors and heads, a year of
appeals through every channel and status — answered, late, reopened, rated — written with
COPY. Prints the time of the initial facts build, of an incremental refresh, and per page the
first (cold) request and the median of the rest (warm: a computed cut is kept until an event
arrives, at most a minute). The machine's load average is printed beside: the figures are
only comparable on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from core import dashboard as analytics  # noqa: E402
from core import services as core  # noqa: E402
from core.analytics import WorkdayMeter  # noqa: E402
from core.directory import (  # noqa: E402
    Authority,
    AuthorityKind,
    Directory,
    Municipality,
    Official,
    OfficialRole,
    Route,
)
from priemnaya.bootstrap import bootstrap  # noqa: E402
from priemnaya.dashboard_links import signin_links  # noqa: E402
from priemnaya.settings import Settings  # noqa: E402
from web.app import build_app  # noqa: E402

TZ = ZoneInfo("Europe/Moscow")
SECTORS = [
    "housing",
    "waste",
    "energy",
    "education",
    "healthcare",
    "roads",
    "transport",
    "social",
    "other",
]
TOPICS = {
    "housing": ["крыша", "подъезд", "отопление", "вода", "лифт"],
    "waste": ["контейнер", "мусор", "свалка"],
    "energy": ["свет", "электричество"],
    "education": ["школа", "детсад"],
    "healthcare": ["поликлиника", "запись", "лекарство"],
    "roads": ["яма", "дорога", "тротуар"],
    "transport": ["автобус", "маршрут"],
    "social": ["пособие", "выплата"],
    "other": ["двор", "фонарь", "парк"],
}
STREETS = [
    "Ленина",
    "Есенина",
    "Гагарина",
    "Победы",
    "Садовая",
    "Мира",
    "Советская",
    "Космонавтов",
    "Новая",
    "Школьная",
]
CHANNELS = ["bot"] * 70 + ["voice_note"] * 12 + ["phone"] * 13 + ["api"] * 5
ANALYST = 8_000_000


def region() -> Directory:
    municipalities = tuple(Municipality(f"m{i:02d}", f"Город {i:02d}") for i in range(24))
    authorities, routes = [], []
    person = 8_000_100
    for sector in SECTORS:
        code = f"oiv-{sector}"
        staff = []
        for k in range(3):
            role = OfficialRole.HEAD if k == 0 else OfficialRole.EXECUTOR
            staff.append(Official(person, role, f"Сотрудник {person}"))
            person += 1
        authorities.append(
            Authority(
                code,
                f"Министерство: {sector}",
                AuthorityKind.OIV,
                None,
                -1002000000000 - len(authorities),
                tuple(staff),
            )
        )
        routes.append(Route(sector, None, code))
    for i, m in enumerate(municipalities[:12]):  # big towns have their own ЖКХ and roads
        for sector in ("housing", "roads"):
            code = f"omsu-{sector}-{i:02d}"
            staff = tuple(
                Official(
                    person + k,
                    OfficialRole.HEAD if k == 0 else OfficialRole.EXECUTOR,
                    f"Сотрудник {person + k}",
                )
                for k in range(3)
            )
            person += 3
            authorities.append(
                Authority(
                    code,
                    f"Администрация {m.name}: {sector}",
                    AuthorityKind.OMSU,
                    m.code,
                    -1003000000000 - len(authorities),
                    staff,
                )
            )
            routes.append(Route(sector, m.code, code))
    authorities.append(
        Authority(
            "cur",
            "Центр управления регионом",
            AuthorityKind.OIV,
            None,
            None,
            (Official(ANALYST, OfficialRole.ANALYST, "Аналитик ЦУР"),),
        )
    )
    return Directory(municipalities, tuple(authorities), tuple(routes))


def generate(n: int, directory: Directory, policy, today: date):  # noqa: ANN001
    """Rows for COPY: appeals and their events (the same shapes the bot writes)."""
    rnd = random.Random(20261203)
    appeals, events = [], []
    start = datetime.combine(today - timedelta(days=365), datetime.min.time(), TZ)
    now = datetime.combine(today, datetime.min.time(), TZ).astimezone(UTC)
    munis = [m.code for m in directory.municipalities]
    weights = [max(1, 30 - 2 * i) for i in range(len(munis))]
    for i in range(1, n + 1):
        created = (start + timedelta(seconds=rnd.randrange(365 * 86400))).astimezone(UTC)
        sector = rnd.choice(SECTORS)
        muni = rnd.choices(munis, weights)[0]
        authority = directory.route(sector, muni)
        assert authority is not None
        topic = rnd.choice(TOPICS[sector])
        street = rnd.choice(STREETS)
        text = f"Проблема: {topic}, ул. {street}, {rnd.randint(1, 40)}"
        deadlines = policy.deadlines(created, sector, text)
        executors = [o for o in authority.officials if o.role is OfficialRole.EXECUTOR]
        who = rnd.choice(executors)
        ev = [
            ("created", "citizen", created, {"channel": "x", "reasons": [topic]}),
            (
                "status_changed",
                "system",
                created,
                {
                    "old": "registered",
                    "new": "routed",
                    "authority": authority.code,
                    "municipality": muni,
                },
            ),
            (
                "deadline_set",
                "system",
                created,
                {
                    "due_at": deadlines.due_at.isoformat(),
                    "law_due_at": deadlines.law_due_at.isoformat(),
                },
            ),
        ]
        status, verdict, rating = "routed", None, None
        age_days = (now - created).total_seconds() / 86400
        fate = rnd.random()
        official = {"tg_user_id": who.tg_user_id, "official": who.full_name}
        if fate < 0.85 and age_days > 1:
            taken = created + timedelta(hours=rnd.uniform(1, 30))
            ev.append(
                (
                    "status_changed",
                    "official",
                    taken,
                    {"old": "routed", "new": "in_progress", **official},
                )
            )
            status = "in_progress"
            span = (deadlines.due_at - created) * rnd.uniform(0.1, 1.4)
            answered = created + span
            if answered < now and fate < 0.8:
                ev.append(("authority_message", "official", answered, {"text": "…", **official}))
                resolution = "solved" if rnd.random() < 0.9 else "not_competent"
                closed = answered + timedelta(minutes=rnd.randint(1, 600))
                ev.append(
                    (
                        "status_changed",
                        "official",
                        closed,
                        {
                            "old": "in_progress",
                            "new": "answered" if resolution == "solved" else "closed",
                            "resolution": resolution,
                            **official,
                        },
                    )
                )
                ev.append(("closed", "official", closed, {"resolution": resolution, **official}))
                status = "answered" if resolution == "solved" else "closed"
                if rnd.random() < 0.6:
                    verdict = rnd.choices(["solved", "partly", "not_solved"], [6, 2, 1])[0]
                    at = closed + timedelta(hours=2)
                    ev.append(("feedback", "citizen", at, {"verdict": verdict}))
                    if verdict == "not_solved":
                        ev.append(
                            (
                                "status_changed",
                                "citizen",
                                at,
                                {"old": status, "new": "reopened", "verdict": "not_solved"},
                            )
                        )
                        status = "reopened"
                    if rnd.random() < 0.7:
                        rating = rnd.choices([1, 2, 3, 4, 5], [1, 1, 2, 3, 4])[0]
                        ev.append(("feedback", "citizen", at, {"rating": rating}))
        appeals.append(
            (
                i,
                f"{created.year}-{i:06d}",
                rnd.choice(CHANNELS),
                status,
                sector,
                text,
                muni,
                authority.code,
                deadlines.due_at,
                deadlines.law_due_at,
                verdict,
                rating,
                created,
                ev[-1][2],
                1,
            )
        )
        events.extend(
            (i, kind, actor, at, json.dumps(data, ensure_ascii=False))
            for kind, actor, at, data in ev
        )
    return appeals, events


async def load(url: str, appeals: list, events: list) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "appeals",
            records=appeals,
            columns=[
                "id",
                "number",
                "channel",
                "status",
                "sector",
                "text",
                "municipality",
                "authority",
                "due_at",
                "law_due_at",
                "verdict",
                "rating",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        await conn.execute("SELECT setval('appeals_id_seq', (SELECT max(id) FROM appeals))")
        await conn.copy_records_to_table(
            "appeal_events", records=events, columns=["appeal_id", "kind", "actor", "at", "data"]
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> None:
    server = make_url(args.pg).set(drivername="postgresql")
    if args.reuse:
        dsn = server.set(database=args.reuse).render_as_string(hide_password=False)
        print(f"database {args.reuse} (reused)")
        await measure(args, dsn)
        return
    name = f"priemnaya_bench_dashboard_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = server.set(database=name).render_as_string(hide_password=False)
    print(f"database {name} on {server.host}:{server.port or 5432}")
    try:
        await measure(args, dsn)
    finally:
        if not args.keep:
            admin = await asyncpg.connect(server.render_as_string(hide_password=False))
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


async def measure(args: argparse.Namespace, dsn: str) -> None:
    settings = Settings(database_url=dsn, web_port=0, var_dir=Path(args.var))
    services = await bootstrap(settings)
    directory = region()
    today = datetime.now(TZ).date()
    meter = WorkdayMeter(services.deadlines.calendar, services.tz)
    if args.reuse:
        conn = await asyncpg.connect(
            make_url(dsn).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        services.bench_appeals = await conn.fetchval("SELECT count(*) FROM appeals")
        await conn.close()
    else:
        await seed_and_build(args, dsn, services, directory, today, meter)
    await serve_and_time(args, services, directory, today)


async def seed_and_build(args, dsn, services, directory, today, meter) -> None:  # noqa: ANN001
    await core.import_directory(services.uow, directory)
    t0 = time.perf_counter()
    appeals, events = generate(args.appeals, directory, services.deadlines, today)
    t1 = time.perf_counter()
    await load(dsn, appeals, events)
    t2 = time.perf_counter()
    print(
        f"generated {len(appeals):,} appeals, {len(events):,} events in {t1 - t0:.1f} s; "
        f"COPY in {t2 - t1:.1f} s"
    )
    t3 = time.perf_counter()
    built = await analytics.refresh_facts(services.uow, meter)
    t4 = time.perf_counter()
    print(
        f"initial facts build: {built:,} appeals in {t4 - t3:.1f} s "
        f"({(t4 - t3) / max(built, 1) * 1e6:.0f} µs per appeal)"
    )
    services.bench_appeals = len(appeals)  # type: ignore[attr-defined]
    await incremental(services, meter)


async def serve_and_time(args, services, directory, today) -> None:  # noqa: ANN001
    app = build_app(services)
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    issued = await signin_links(services).issue(ANALYST)
    assert issued is not None
    head = next(a for a in directory.authorities if a.code == "oiv-housing").officials[0]
    head_link = await signin_links(services).issue(head.tg_user_id)
    assert head_link is not None
    year_from = (today - timedelta(days=364)).isoformat()
    q = (today.month - 1) // 3 + 1
    month = f"{today.year}-{today.month:02d}"
    pages = [
        ("dashboard, region, 30 days", "/dashboard"),
        ("dashboard, region, 365 days", f"/dashboard?from={year_from}&to={today}"),
        (
            "dashboard, 365 days, sector+channel",
            f"/dashboard?from={year_from}&to={today}&sector=housing&channel=phone",
        ),
        (
            "dashboard, 365 days, one municipality",
            f"/dashboard?from={year_from}&to={today}&municipality=m00",
        ),
        ("ratings, 365 days", f"/ratings?from={year_from}&to={today}"),
        ("ratings, 30 days", "/ratings"),
        ("reports page", "/reports"),
        ("monthly report HTML", f"/reports/monthly/{month}.html"),
        ("monthly report XLSX", f"/reports/monthly/{month}.xlsx"),
        ("quarterly XLSX", f"/reports/quarterly/{today.year}-Q{q}.xlsx"),
        ("quarterly CSV", f"/reports/quarterly/{today.year}-Q{q}.csv"),
        ("export XLSX, 365 days", f"/dashboard/export.xlsx?from={year_from}&to={today}"),
        ("export CSV, 365 days", f"/dashboard/export.csv?from={year_from}&to={today}"),
    ]
    worst_all = 0.0
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(f"{base}/auth/{issued.token}") as r:
            assert r.status == 200, r.status
        print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"\n{'page':<40} {'cold ms':>9} {'warm ms':>9} {'bytes':>10}")
        for label, path in pages:
            times, size = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                async with http.get(base + path) as r:
                    body = await r.read()
                    assert r.status == 200, (path, r.status, body[:300])
                times.append((time.perf_counter() - started) * 1000)
                size = len(body)
            worst_all = max(worst_all, max(times))
            warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
            print(f"{label:<40} {times[0]:>9.0f} {warm:>9.0f} {size:>10,}")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(f"{base}/auth/{head_link.token}") as r:
            assert r.status == 200
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            async with http.get(f"{base}/dashboard?from={year_from}&to={today}") as r:
                await r.read()
            times.append((time.perf_counter() - started) * 1000)
        worst_all = max(worst_all, max(times))
        label = "dashboard, a head's authority, 365 days"
        warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
        print(f"{label:<40} {times[0]:>9.0f} {warm:>9.0f}")
    print(
        f"\nslowest request of all (a cold one): {worst_all:.0f} ms "
        f"({'under' if worst_all < 1000 else 'OVER'} the 1 s goal); "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    await runner.cleanup()
    await services.close()


def services_count(services) -> int:  # noqa: ANN001
    return services.bench_appeals


async def incremental(services, meter) -> None:  # noqa: ANN001
    """100 new events on 100 appeals, then one refresh (what a page view may pay)."""
    conn_url = make_url(services.settings.database_url).set(drivername="postgresql")
    conn = await asyncpg.connect(conn_url.render_as_string(hide_password=False))
    try:
        now = datetime.now(UTC)
        await conn.executemany(
            "INSERT INTO appeal_events (appeal_id, kind, actor, at, data) "
            "VALUES ($1, 'authority_message', 'official', $2, '{}')",
            [(i * 997 % services_count(services) + 1, now) for i in range(100)],
        )
    finally:
        await conn.close()
    started = time.perf_counter()
    rebuilt = await analytics.refresh_facts(services.uow, meter)
    took = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    await analytics.refresh_facts(services.uow, meter)
    idle = (time.perf_counter() - started) * 1000
    print(f"incremental refresh: {rebuilt} appeals in {took:.0f} ms; nothing new: {idle:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DB", help="a database kept by --keep: skip seeding")
    parser.add_argument("--var", default=str(ROOT / "var" / "bench-dashboard"))
    args = parser.parse_args()
    try:
        asyncio.run(run(args))
    except (OSError, asyncpg.PostgresError) as exc:
        sys.exit(f"PostgreSQL at {args.pg} is needed: {exc}")


if __name__ == "__main__":
    main()
