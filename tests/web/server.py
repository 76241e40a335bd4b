"""A real aiohttp server with the Open311 API and the operators' endpoints, on a free port in
a thread of its own (blocking HTTP clients such as schemathesis' can call it), over the run's
database with the example directory imported and the default sector model loaded."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from core import services as core
from core.classification.model import Classifier
from core.directory import load_directory
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings
from tests.backends import TEST_REDIS
from tests.e2e.harness import shared_classifier_model
from web.open311 import setup_open311
from web.ops import setup_ops

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"
KEY = "pos-test-key-0123456789"
OTHER_KEY = "city-app-key-9876543210"
API_KEYS = f"pos:{KEY},city-app:{OTHER_KEY}"

_T = TypeVar("_T")


class ApiServer:
    """`start()` → `base_url`; `call(fn)` runs `fn(services)` (a coroutine) in the server loop."""

    def __init__(
        self, database_url: str, *, directory: bool = True, migrate: bool = True, **settings: Any
    ) -> None:
        defaults: dict[str, Any] = {
            "open311_api_keys": API_KEYS,
            "classifier_model": Path(shared_classifier_model()),
            "redis_url": TEST_REDIS,  # /healthz pings the run's Redis when there is one
        }
        self.settings = Settings(database_url=database_url, **{**defaults, **settings})
        self.directory, self.migrate = directory, migrate
        self.services: Services | None = None
        self.base_url = ""
        self.submitted = 0  # how often the on_submitted hook fired
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="api-server", daemon=True)

    def start(self) -> ApiServer:
        self._thread.start()
        if not self._ready.wait(120):
            raise RuntimeError("the API server did not start in 120 s")
        if self._error is not None:
            raise RuntimeError("the API server did not start") from self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def call(self, fn: Callable[[Services], Awaitable[_T]], timeout: float = 30) -> _T:
        assert self._loop is not None and self.services is not None
        services = self.services
        future: Future[_T] = asyncio.run_coroutine_threadsafe(_run(fn, services), self._loop)
        return future.result(timeout)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    def _hook(self) -> None:
        self.submitted += 1

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        classifier = Classifier.load(self.settings.classifier_model)
        services = await bootstrap(self.settings, classifier=classifier, migrate=self.migrate)
        self.services = services
        if self.directory:
            directory = load_directory(EXAMPLE, [s.code for s in services.sectors])
            await core.import_directory(services.uow, directory)
        app = web.Application()
        setup_open311(app, services, self.settings, on_submitted=self._hook)
        setup_ops(app, services, self.settings)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await services.close()


async def _run(fn: Callable[[Services], Awaitable[_T]], services: Services) -> _T:
    return await fn(services)
