"""The ЦУР analytics pages: sign-in by a one-time link from the bot, the dashboard with its
filters and export, the rating of authorities, the monthly and quarterly reports.

Every page and file checks the session and the person's role on each request: a ЦУР analyst
sees the region, an authority's head sees their authorities. No citizen's name, phone or text
appears anywhere here."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from core import dashboard as analytics
from core.analytics import Filters, WorkdayMeter
from core.dashboard import month_period, quarter_period
from core.directory import Directory, OfficialRole
from core.model import AppealStatus, Channel
from core.ratings import PRIOR_CASES, WEIGHTS
from core.signin import Refusal, Viewer
from priemnaya.bootstrap import Services
from priemnaya.dashboard_links import signin_links
from web.charts import Series, bar_chart, line_chart
from web.exports import csv_bytes, xlsx
from web.filters import Parsed, parse_filters
from web.keys import RENDERER, SERVICES, SIGNIN
from web.render import Renderer
from web.tables import (
    Labels,
    breakdown_tables,
    monthly_tables,
    quarterly_table,
    ratings_table,
)

log = logging.getLogger(__name__)
COOKIE = "priemnaya_session"
STATIC = Path(__file__).parent / "static"
REFRESH_LOOP_SECONDS = 30.0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def setup_dashboard(app: web.Application, services: Services) -> None:
    """Routes, the renderer, the sign-in links and the facts' background refresh."""
    app[SIGNIN] = signin_links(services)
    app[RENDERER] = Renderer(services.texts, services.tz)
    app.router.add_get("/", root)
    app.router.add_get("/auth/{token}", sign_in_page)
    app.router.add_post("/auth/{token}", sign_in)
    app.router.add_post("/logout", sign_out)
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_get("/dashboard/export.xlsx", dashboard_xlsx)
    app.router.add_get("/dashboard/export.csv", dashboard_csv)
    app.router.add_get("/ratings", ratings_page)
    app.router.add_get("/reports", reports_page)
    app.router.add_get("/reports/monthly/{month}.{ext}", monthly_file)
    app.router.add_get("/reports/quarterly/{quarter}.{ext}", quarterly_file)
    app.router.add_static("/static", STATIC)
    app.cleanup_ctx.append(_refresh_loop)


async def _refresh_loop(app: web.Application) -> Any:
    """Keep the facts close to the events even when nobody looks, so a page never waits
    for a long catch-up."""
    services = app[SERVICES]
    meter = _meter(services)

    async def loop() -> None:
        while True:
            try:
                await analytics.refresh_facts(services.uow, meter)
            except Exception:  # a database hiccup: try again next round
                log.exception("refreshing the analytics facts failed")
            await asyncio.sleep(REFRESH_LOOP_SECONDS)

    task = asyncio.create_task(loop(), name="analytics-refresh")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _meter(services: Services) -> WorkdayMeter:
    return WorkdayMeter(services.deadlines.calendar, services.tz)


async def root(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/dashboard")


# -- signing in -------------------------------------------------------------------------------


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """The link from the bot opens a page with «Войти»: only the press (a POST) spends the
    one-time link, so a link preview or a mail scanner that fetches it spends nothing."""
    renderer = request.app[RENDERER]
    refusal = request.app[SIGNIN].check(request.match_info["token"])
    if refusal is not None:
        log.info("dashboard sign-in refused: %s", refusal.value)
        return renderer.html("refused.html", status=403, reason=refusal.value, viewer=None)
    return renderer.html("sign_in.html", viewer=None, action=request.path)


def _same_origin(request: web.Request) -> bool:
    """A browser's POST from another site carries its Origin: refused (login CSRF)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":  # no-referrer pages send «null» for their own
        return True
    return origin.split("://", 1)[-1] == request.host


async def sign_in(request: web.Request) -> web.StreamResponse:
    """«Войти» pressed: the link is spent, once, within its minutes, for an analyst or a
    head."""
    renderer = request.app[RENDERER]
    if not _same_origin(request):
        return renderer.html("refused.html", status=403, reason="forged", viewer=None)
    result = await request.app[SIGNIN].redeem(request.match_info["token"])
    if result.refusal is not None or result.session_token is None:
        refusal = result.refusal or Refusal.FORGED
        log.info("dashboard sign-in refused: %s", refusal.value)
        return renderer.html("refused.html", status=403, reason=refusal.value, viewer=None)
    services = request.app[SERVICES]
    response = web.HTTPSeeOther("/dashboard")
    response.set_cookie(
        COOKIE,
        result.session_token,
        max_age=services.settings.dashboard_session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=services.settings.dashboard_url.startswith("https://"),
        path="/",
    )
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    await request.app[SIGNIN].sign_out(request.cookies.get(COOKIE))
    response = request.app[RENDERER].html("signed_out.html", viewer=None)
    response.del_cookie(COOKIE, path="/")
    return response


def signed_in(page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The page for a signed-in analyst or head only; everyone else is told how to sign in."""

    @functools.wraps(page)
    async def guarded(request: web.Request) -> web.StreamResponse:
        viewer = await request.app[SIGNIN].viewer(request.cookies.get(COOKIE))
        if viewer is None:
            return request.app[RENDERER].html(
                "refused.html", status=401, reason="signed_out", viewer=None
            )
        return await page(request, viewer)

    return guarded


# -- what every page needs --------------------------------------------------------------------


class Context:
    """The request's services, directory, labels and parsed filters."""

    def __init__(self, request: web.Request, viewer: Viewer, directory: Directory) -> None:
        self.request = request
        self.services: Services = request.app[SERVICES]
        self.viewer = viewer
        self.directory = directory
        s = self.services
        self.labels = Labels.of(s, directory)
        self.meter = _meter(s)
        self.today = s.clock.now().astimezone(s.tz).date()

    def parse(self) -> Parsed:
        s = self.services
        return parse_filters(
            self.request.query,
            today=self.today,
            texts=s.texts,
            directory=self.directory,
            sectors={x.code for x in s.sectors},
            scope=self.viewer.scope,
        )

    def page(self, name: str, **context: Any) -> web.Response:
        return self.request.app[RENDERER].html(
            name, viewer=self.viewer, role=self.viewer.role.value, **context
        )

    def options(self) -> dict[str, list[tuple[str, str]]]:
        t, scope = self.services.texts, self.viewer.scope
        return {
            "sector": [(x.code, x.title) for x in self.services.sectors],
            "municipality": [(m.code, m.name) for m in self.directory.municipalities],
            "authority": [
                (a.code, a.name) for a in self.directory.authorities if scope.allows(a.code)
            ],
            "channel": [(c.value, t(f"channel-{c.value}")) for c in Channel],
            "status": [(x.value, t(f"status-{x.value}")) for x in AppealStatus],
        }


async def _context(request: web.Request, viewer: Viewer) -> Context:
    services = request.app[SERVICES]
    async with services.uow() as uow:
        directory = await uow.directory.load()
    return Context(request, viewer, directory)


async def _board(ctx: Context, filters: Filters) -> analytics.Dashboard:
    s = ctx.services
    return await analytics.dashboard(s.uow, s.clock, ctx.meter, filters, ctx.viewer.scope)


def _download(body: bytes, name: str, content_type: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _stamp(filters: Filters) -> str:
    return f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"


# -- the dashboard ----------------------------------------------------------------------------


@signed_in
async def dashboard_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = await _context(request, viewer)
    parsed = ctx.parse()
    board = await _board(ctx, parsed.filters)
    t, labels = ctx.services.texts, ctx.labels
    tables = breakdown_tables(t, labels, board)
    trend = board.trend
    charts = {
        "trend": line_chart(
            t("dash-chart-trend"),
            [b.label for b in trend],
            [
                Series(t("dash-col-received"), [b.count for b in trend], "s1"),
                Series(t("dash-col-closed"), [b.extra["closed"] or 0 for b in trend], "s2"),
                Series(t("dash-col-overdue"), [b.extra["overdue"] or 0 for b in trend], "s3"),
            ],
        ),
        "sectors": bar_chart(
            t("dash-chart-sectors"), [(labels.sector(b.key), b.count) for b in board.by_sector]
        ),
        "channels": bar_chart(
            t("dash-chart-channels"),
            [(labels.channel(b.key), b.count) for b in board.by_channel],
            css="s2",
        ),
        "statuses": bar_chart(
            t("dash-chart-statuses"),
            [(labels.status(b.key), b.count) for b in board.by_status],
            css="s4",
        ),
        "municipalities": bar_chart(
            t("dash-chart-municipalities"),
            [(labels.municipality(b.key or None), b.count) for b in board.by_municipality],
        ),
        "satisfaction": bar_chart(
            t("dash-chart-satisfaction"),
            [(row[0], row[1]) for row in tables["satisfaction"].rows],
            css="s2",
        ),
        "authorities": bar_chart(
            t("dash-chart-authorities"),
            [(labels.authority(x.key), x.summary.total) for x in board.authorities],
        ),
        "on_time": bar_chart(
            t("dash-chart-on-time"),
            [
                (labels.authority(x.key), x.summary.on_time_share)
                for x in board.authorities
                if x.summary.on_time_share is not None
            ],
            percent=True,
            css="s2",
        ),
        "officials": bar_chart(
            t("dash-chart-officials"),
            [(x.label or str(x.key), x.summary.open) for x in board.officials[:15]],
            css="s4",
        ),
        "topics": bar_chart(
            t("dash-chart-topics"),
            [(f"{b.key} ({labels.sector(b.label)})", b.count) for b in board.topics],
        ),
        "addresses": bar_chart(
            t("dash-chart-addresses"),
            [(f"{b.key}, {labels.municipality(b.label)}", b.count) for b in board.addresses],
            css="s3",
        ),
    }
    return ctx.page(
        "dashboard.html",
        parsed=parsed,
        query=parsed.query(),
        options=ctx.options(),
        summary=board.summary,
        charts=charts,
        tables=tables,
    )


async def _dashboard_tables(request: web.Request, viewer: Viewer) -> tuple[Parsed, dict]:
    ctx = await _context(request, viewer)
    parsed = ctx.parse()
    board = await _board(ctx, parsed.filters)
    return parsed, breakdown_tables(ctx.services.texts, ctx.labels, board)


@signed_in
async def dashboard_xlsx(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    parsed, tables = await _dashboard_tables(request, viewer)
    texts = request.app[SERVICES].texts
    heading = texts(
        "dash-export-heading",
        start=parsed.filters.date_from.strftime("%d.%m.%Y"),
        end=parsed.filters.date_to.strftime("%d.%m.%Y"),
    )
    body = xlsx(list(tables.values()), heading=heading)
    return _download(body, f"dashboard-{_stamp(parsed.filters)}.xlsx", XLSX)


@signed_in
async def dashboard_csv(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """One table of the dashboard as CSV (`table=authorities` by default)."""
    parsed, tables = await _dashboard_tables(request, viewer)
    key = request.query.get("table", "authorities")
    if key not in tables:
        raise web.HTTPNotFound(text="unknown table")
    body = csv_bytes(tables[key])
    return _download(body, f"{key}-{_stamp(parsed.filters)}.csv", "text/csv")


# -- the rating -------------------------------------------------------------------------------


@signed_in
async def ratings_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = await _context(request, viewer)
    parsed = ctx.parse()
    s = ctx.services
    table = await analytics.ratings(s.uow, s.clock, ctx.meter, parsed.filters, viewer.scope)
    t = s.texts
    rows = ratings_table(t, ctx.labels, table.ratings)
    chart = bar_chart(
        t("dash-rating"),
        [(ctx.labels.authority(r.authority), r.score) for r in table.ratings],
    )
    return ctx.page(
        "ratings.html",
        parsed=parsed,
        query=parsed.query(),
        options=ctx.options(),
        rating_table=rows,
        chart=chart,
        ratings=table.ratings,
        region=table.region,
        weights=WEIGHTS,
        prior=PRIOR_CASES,
    )


# -- the reports ------------------------------------------------------------------------------


@signed_in
async def reports_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = await _context(request, viewer)
    today = ctx.today
    months, quarters = [], []
    year, month = today.year, today.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    q, qy = (today.month - 1) // 3 + 1, today.year
    for _ in range(8):
        quarters.append(f"{qy}-Q{q}")
        qy, q = (qy, q - 1) if q > 1 else (qy - 1, 4)
    return ctx.page("reports.html", months=months, quarters=quarters)


@signed_in
async def monthly_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    month, ext = request.match_info["month"], request.match_info["ext"]
    try:
        month_period(month)
    except ValueError:
        raise web.HTTPNotFound(text="the month is YYYY-MM") from None
    if ext not in ("html", "xlsx"):
        raise web.HTTPNotFound(text="monthly reports are .html or .xlsx")
    ctx = await _context(request, viewer)
    body = await monthly_report_file(ctx.services, ctx.directory, viewer, month, ext)
    if ext == "html":  # a standalone, printable file: its own inline stylesheet, no script
        response = web.Response(body=body, content_type="text/html", charset="utf-8")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        )
        return response
    return _download(body, f"monthly-{month}.xlsx", XLSX)


@signed_in
async def quarterly_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    quarter, ext = request.match_info["quarter"].upper(), request.match_info["ext"]
    try:
        quarter_period(quarter)
    except ValueError:
        raise web.HTTPNotFound(text="the quarter is YYYY-Qn") from None
    if ext not in ("xlsx", "csv"):
        raise web.HTTPNotFound(text="quarterly tables are .xlsx or .csv")
    ctx = await _context(request, viewer)
    body = await quarterly_report_file(ctx.services, ctx.directory, viewer, quarter, ext)
    return _download(body, f"quarterly-{quarter}.{ext}", XLSX if ext == "xlsx" else "text/csv")


async def monthly_report_file(
    services: Services, directory: Directory, viewer: Viewer, month: str, ext: str
) -> bytes:
    """The monthly report as HTML (printable) or XLSX; the CLI writes the same files."""
    meter = _meter(services)
    report = await analytics.monthly_report(
        services.uow, services.clock, meter, month, viewer.scope
    )
    t = services.texts
    labels = Labels.of(services, directory)
    tables = monthly_tables(t, labels, report)
    first, last = month_period(month)
    title = t("dash-report-monthly", period=first.strftime("%m.%Y"))
    if ext == "xlsx":
        return xlsx(tables, heading=title)
    renderer = Renderer(t, services.tz)
    scope_name = (
        t("dash-scope-region")
        if viewer.scope.region
        else ", ".join(labels.authority(a) for a in sorted(viewer.scope.authorities))
    )
    return renderer.text(
        "report_monthly.html",
        title=title,
        scope_name=scope_name,
        report=report,
        tables=tables,
        first=first,
        last=last,
        generated=report.generated_at,
    ).encode("utf-8")


async def quarterly_report_file(
    services: Services, directory: Directory, viewer: Viewer, quarter: str, ext: str
) -> bytes:
    meter = _meter(services)
    report = await analytics.quarterly_report(
        services.uow, services.clock, meter, quarter, viewer.scope
    )
    t = services.texts
    labels = Labels.of(services, directory)
    table = quarterly_table(t, labels, report)
    return xlsx([table], heading=table.title) if ext == "xlsx" else csv_bytes(table)


def report_viewer(region: bool = True) -> Viewer:
    """Who the CLI's reports are for: the whole region (an operator on the server)."""
    from core.analytics import Scope

    return Viewer(0, "priemnaya report", OfficialRole.ANALYST, Scope(region=region))
