"""Operators' endpoints: `/healthz` (200 or 503 JSON: database, Redis when configured, the
outbox's backlog) and Prometheus `/metrics` (appeals by status, the outbox's queues, Telegram
errors, transcription times, and the process's own figures)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.notifications import CURATORS_CHAT
from priemnaya.bootstrap import Services
from priemnaya.settings import Settings
from storage import ops_repo

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds per check: a hanging dependency is a failing one


async def _timed(check: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await asyncio.wait_for(check(), CHECK_TIMEOUT)
    return result, round((time.perf_counter() - started) * 1000, 1)


def _failure(exc: BaseException) -> dict[str, Any]:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return {"ok": False, "error": f"{type(exc).__name__}: {detail}".rstrip(": ")}


class Health:
    def __init__(self, services: Services, settings: Settings) -> None:
        self.services, self.settings = services, settings
        self.redis: Any = None
        if settings.redis_url:
            from redis.asyncio import Redis

            self.redis = Redis.from_url(
                settings.redis_url,
                socket_connect_timeout=CHECK_TIMEOUT,
                socket_timeout=CHECK_TIMEOUT,
            )

    async def database(self) -> dict[str, Any]:
        try:
            _, ms = await _timed(lambda: ops_repo.ping(self.services.engine))
        except Exception as exc:
            return _failure(exc)
        return {"ok": True, "latency_ms": ms}

    async def redis_check(self) -> dict[str, Any]:
        if self.redis is None:
            return {"ok": True, "configured": False}
        try:
            _, ms = await _timed(self.redis.ping)
        except Exception as exc:
            return {**_failure(exc), "configured": True}
        return {"ok": True, "configured": True, "latency_ms": ms}

    async def outbox(self) -> dict[str, Any]:
        now = self.services.clock.now()
        try:
            stats, _ = await _timed(lambda: ops_repo.outbox_stats(self.services.engine, now))
        except Exception as exc:
            return _failure(exc)
        lag = (now - stats.oldest_pending_at).total_seconds() if stats.oldest_pending_at else 0.0
        limit = self.settings.health_outbox_max_lag_seconds
        return {
            "ok": lag <= limit,
            "pending": stats.pending,
            "scheduled": stats.scheduled,
            "failed": stats.failed,
            "oldest_pending_seconds": round(max(lag, 0.0), 1),
            "max_lag_seconds": limit,
        }

    async def handle(self, request: web.Request) -> web.Response:  # noqa: ARG002
        database, redis, outbox = await asyncio.gather(
            self.database(), self.redis_check(), self.outbox()
        )
        checks = {"database": database, "redis": redis, "outbox": outbox}
        ok = all(c["ok"] for c in checks.values())
        if not ok:
            log.warning(
                "health check failed: %s", {k: v for k, v in checks.items() if not v["ok"]}
            )
        return web.json_response(
            {"status": "ok" if ok else "fail", "checks": checks},
            status=200 if ok else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


@dataclass
class Snapshot:
    """What the database said at the last scrape."""

    up: bool = False
    appeals: dict[str, int] = field(default_factory=dict)
    outbox: ops_repo.OutboxStats | None = None
    groups: dict[int, str] = field(default_factory=dict)
    lag_seconds: float = 0.0


class StorageCollector(Collector):
    """Gauges read from the database at each scrape (prometheus_client collects synchronously,
    so the handler reads first and this only reports)."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        s = self.snapshot
        yield GaugeMetricFamily(
            "priemnaya_database_up", "1 when the database answered this scrape", value=int(s.up)
        )
        appeals = GaugeMetricFamily("priemnaya_appeals", "Appeals by status", labels=["status"])
        for status, count in sorted(s.appeals.items()):
            appeals.add_metric([status], count)
        yield appeals
        if s.outbox is None:
            return
        o = s.outbox
        for name, doc, value in (
            ("outbox_pending", "Due outbox messages not yet delivered", o.pending),
            ("outbox_scheduled", "Outbox timers due later (reminders, alerts)", o.scheduled),
            ("outbox_failed", "Outbox messages given up (refused or blocked)", o.failed),
            ("outbox_oldest_pending_seconds", "Age of the oldest due message", s.lag_seconds),
        ):
            yield GaugeMetricFamily(f"priemnaya_{name}", doc, value=value)
        groups = GaugeMetricFamily(
            "priemnaya_group_queue",
            "Due messages waiting per group (authority code, `curators`, or the chat id)",
            labels=["group"],
        )
        citizens = 0
        for chat, count in sorted(o.per_chat.items()):
            if chat > 0:  # private chats: summed, never one series per person
                citizens += count
                continue
            label = "curators" if chat == CURATORS_CHAT else s.groups.get(chat, str(chat))
            groups.add_metric([label], count)
        yield groups
        yield GaugeMetricFamily(
            "priemnaya_citizen_queue", "Due messages waiting for citizens' chats", value=citizens
        )


class Metrics:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.collector = StorageCollector()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.collector)

    async def _read(self) -> Snapshot:
        engine, now = self.services.engine, self.services.clock.now()

        async def read() -> Snapshot:
            appeals = await ops_repo.appeals_by_status(engine)
            outbox = await ops_repo.outbox_stats(engine, now)
            groups = await ops_repo.group_names(engine)
            oldest = outbox.oldest_pending_at
            lag = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
            return Snapshot(True, appeals, outbox, groups, lag)

        try:
            return await asyncio.wait_for(read(), CHECK_TIMEOUT)
        except Exception as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            return Snapshot(up=False)

    async def handle(self, request: web.Request) -> web.Response:  # noqa: ARG002
        self.collector.snapshot = await self._read()
        body = generate_latest(REGISTRY) + generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_ops(app: web.Application, services: Services, settings: Settings) -> None:
    """Add GET /healthz and GET /metrics to `app`."""
    health = Health(services, settings)
    metrics = Metrics(services)
    app.router.add_get("/healthz", health.handle)
    app.router.add_get("/metrics", metrics.handle)

    async def close(_: web.Application) -> None:
        await health.close()

    app.on_cleanup.append(close)
