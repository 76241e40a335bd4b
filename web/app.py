"""The aiohttp application `priemnaya run` serves beside the bot (WEB_HOST:WEB_PORT).

`build_app(services)` makes the application from the shared Services; every web part is a
`setup_*(app, services)` function (the dashboard here; Open311, health and metrics beside it)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from priemnaya.bootstrap import Services
from web.dashboard import setup_dashboard
from web.keys import SERVICES
from web.open311 import setup_open311
from web.ops import setup_ops

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No framing, no referrer (a sign-in link must not leak), no caching of figures."""
    response = await handler(request)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.content_type == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_app(
    services: Services, *, on_submitted: Callable[[], None] | None = None
) -> web.Application:
    """The application with every web part set up on it: the dashboard, the Open311 API
    (`on_submitted` wakes the outbox after an API appeal is committed), /healthz, /metrics."""
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SERVICES] = services
    setup_dashboard(app, services)
    setup_open311(app, services, services.settings, on_submitted=on_submitted)
    setup_ops(app, services, services.settings)
    return app


async def start_web(
    services: Services,
    app: web.Application | None = None,
    *,
    on_submitted: Callable[[], None] | None = None,
) -> web.AppRunner:
    """Serve the application on WEB_HOST:WEB_PORT until the runner is cleaned up."""
    settings = services.settings
    runner = web.AppRunner(app or build_app(services, on_submitted=on_submitted), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    log.info(
        "web dashboard on http://%s:%s (links: %s)",
        settings.web_host,
        settings.web_port,
        settings.dashboard_url,
    )
    return runner
