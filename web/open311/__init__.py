"""Open311 GeoReport v2 (JSON) for integrated systems: ПОС connectors, city apps, incident
management. Mounted under /open311/v2/ as a sub-application with its own error handling.

    GET  services.json              one service per sector block, and `auto`
    GET  services/{code}.json       its definition (no extra attributes)
    GET  requests.json              appeals, newest first, paged
    POST requests.json              a new appeal of channel `api` (api_key required)
    GET  requests/{id}.json         one appeal by its number
    GET  openapi.json               the OpenAPI document (web/open311/openapi.yaml)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from core.api_intake import submit_service_request
from core.errors import UnknownSector
from core.open311 import AUTO_SERVICE, DEFAULT_WINDOW, RequestReader, RequestRecord
from priemnaya.bootstrap import Services
from priemnaya.settings import Settings
from storage.engine import make_session_factory
from storage.open311_repo import SqlRequestReader
from web.open311 import params, views
from web.open311.auth import ApiKeys
from web.open311.errors import TEXTS, ApiError, bad, json_response, open311_errors
from web.open311.limits import FilingLimiter

log = logging.getLogger(__name__)

PREFIX = "/open311/v2/"
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


class Open311Api:
    """The handlers, with what they share: services, keys, the reader, the hook."""

    def __init__(
        self,
        services: Services,
        settings: Settings,
        reader: RequestReader,
        on_submitted: Callable[[], None] | None = None,
    ) -> None:
        self.services, self.settings, self.reader = services, settings, reader
        secret = settings.open311_api_keys
        self.keys = ApiKeys(secret.get_secret_value() if secret else None)
        self.on_submitted = on_submitted
        self.limiter = FilingLimiter(settings.open311_posts_per_minute)
        self.texts = services.texts
        self.sectors = {s.code for s in services.sectors}
        self.titles = {s.code: s.title for s in services.sectors}
        self.services_json = views.services(services.sectors, self.texts)
        self.openapi = load_openapi(
            [s.code for s in services.sectors] + [AUTO_SERVICE],
            (settings.appeal_text_min_chars, settings.appeal_text_max_chars),
        )

    # -- checks shared by every operation --------------------------------------------------
    def _jurisdiction(self, given: params.Params) -> None:
        value = params.clean(given, "jurisdiction_id")
        expected = self.settings.open311_jurisdiction_id
        if value is not None and expected is not None and value != expected:
            raise ApiError(404, "open311-error-jurisdiction", value=value, expected=expected)

    def _client(self, given: params.Params, headers: Mapping[str, str]) -> str | None:
        """The client named by a valid api_key (query, body or X-Api-Key), None without one."""
        key = params.clean(given, "api_key") or headers.get("X-Api-Key")
        if not key:
            return None
        client = self.keys.client(key)
        if client is None:
            raise ApiError(403, "open311-error-api-key-invalid")
        return client

    def _may_read(self, request: web.Request) -> None:
        self._jurisdiction(request.query)
        client = self._client(request.query, request.headers)
        if client is None and not self.settings.open311_public_read:
            raise ApiError(403, "open311-error-api-key-missing")

    # -- operations -----------------------------------------------------------------------
    async def list_services(self, request: web.Request) -> web.Response:
        self._jurisdiction(request.query)
        return json_response(self.services_json)

    async def service_definition(self, request: web.Request) -> web.Response:
        self._jurisdiction(request.query)
        code = request.match_info["code"]
        if code not in self.sectors and code != AUTO_SERVICE:
            raise ApiError(404, "open311-error-not-found", what=f"service_code {code[:64]}")
        return json_response(views.service_definition(code))

    async def list_requests(self, request: web.Request) -> web.Response:
        self._may_read(request)
        wanted = params.request_filter(request.query, self.sectors, self.services.tz)
        if not wanted.numbers and wanted.start is None:
            start = self.services.clock.now() - DEFAULT_WINDOW
            if wanted.end is not None:
                start = min(start, wanted.end - DEFAULT_WINDOW)
            wanted = replace(wanted, start=start)
        records, total = await self.reader.page(wanted)
        body = [self._view(r) for r in records]
        headers = {"X-Total-Count": str(total)}
        link = _links(request, wanted.offset, wanted.limit, total)
        if link:
            headers["Link"] = link
        return json_response(body, headers=headers)

    async def get_request(self, request: web.Request) -> web.Response:
        self._may_read(request)
        number = request.match_info["id"]
        record = await self.reader.one(number) if len(number) <= 24 else None
        if record is None:
            raise ApiError(
                404, "open311-error-not-found", what=f"service_request_id {number[:64]}"
            )
        return json_response([self._view(record)])

    async def post_request(self, request: web.Request) -> web.Response:
        given = await params.read_body(request)
        self._jurisdiction(given)
        if not self.keys:
            raise ApiError(403, "open311-error-api-disabled")
        client = self._client(given, request.headers)
        if client is None:
            raise ApiError(403, "open311-error-api-key-missing")
        wait = self.limiter.take(client)
        if wait > 0:
            raise ApiError(
                429,
                "open311-error-rate",
                per_minute=self.settings.open311_posts_per_minute,
                seconds=math.ceil(wait),
                headers={"Retry-After": str(math.ceil(wait))},
            )
        s = self.services
        intake = params.intake(
            given,
            client=client,
            known_services=self.sectors | {AUTO_SERVICE},
            min_chars=self.settings.appeal_text_min_chars,
            max_chars=self.settings.appeal_text_max_chars,
            key=params.request_key(request),
        )
        try:
            submission = await submit_service_request(
                intake,
                s.uow,
                s.clock,
                s.deadlines,
                known_sectors=self.sectors,
                classify=s.classifier.classify if s.classifier is not None else None,
                threshold=self.settings.classifier_threshold,
                address_label=self.texts("open311-address-label"),
            )
        except UnknownSector as exc:
            raise bad("open311-error-unknown-service", value=str(exc)) from None
        appeal = submission.appeal
        if submission.created and self.on_submitted is not None:
            try:  # e.g. wake the outbox sender: the authority's topic opens now
                self.on_submitted()
            except Exception:  # the case is committed: it is acknowledged whatever the hook does
                log.exception(
                    "open311: the on_submitted hook failed for %s", submission.appeal.number
                )
        if appeal.due_at is not None:
            due = appeal.due_at.astimezone(s.tz).strftime("%d.%m.%Y")
            notice = self.texts("open311-notice", number=appeal.number, due=due)
        else:
            notice = self.texts("open311-notice-no-due", number=appeal.number)
        return json_response(
            [
                {
                    "service_request_id": appeal.number,
                    "service_notice": notice,
                    "account_id": intake.account_id,
                }
            ],
            status=201 if submission.created else 200,
        )

    async def openapi_document(self, request: web.Request) -> web.Response:  # noqa: ARG002
        return json_response(self.openapi)

    def _view(self, record: RequestRecord) -> dict[str, Any]:
        return views.service_request(record, self.titles, self.texts, self.services.tz)


async def only_json(request: web.Request) -> web.Response:
    """GeoReport's XML flavour is not served: say so instead of a bare 404."""
    raise ApiError(404, "open311-error-format", path=request.path[:200])


def _links(request: web.Request, offset: int, limit: int, total: int) -> str | None:
    """RFC 8288 `Link` with the next and previous pages."""
    page = offset // limit + 1
    links = []
    if offset + limit < total:
        links.append(f'<{request.rel_url.update_query(page=page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{request.rel_url.update_query(page=page - 1)}>; rel="prev"')
    return ", ".join(links) or None


def load_openapi(
    service_codes: list[str] | None = None, text_chars: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The OpenAPI document kept in the repository (YAML), with this server's catalogue and
    text limits filled in when given (it is served as JSON)."""
    document = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    new = document["components"]["schemas"]["NewRequest"]["properties"]
    if service_codes is not None:
        new["service_code"]["enum"] = service_codes
    if text_chars is not None:
        new["description"]["minLength"], new["description"]["maxLength"] = text_chars
    return document


def build_open311_app(
    services: Services,
    settings: Settings,
    *,
    reader: RequestReader | None = None,
    on_submitted: Callable[[], None] | None = None,
) -> web.Application:
    api = Open311Api(
        services,
        settings,
        reader or SqlRequestReader(make_session_factory(services.engine)),
        on_submitted,
    )
    app = web.Application(middlewares=[open311_errors])
    app[TEXTS] = services.texts
    app.router.add_get("/services.json", api.list_services)
    app.router.add_get("/services/{code}.json", api.service_definition)
    app.router.add_get("/requests.json", api.list_requests)
    app.router.add_post("/requests.json", api.post_request)
    app.router.add_get("/requests/{id}.json", api.get_request)
    app.router.add_get("/openapi.json", api.openapi_document)
    app.router.add_route("*", r"/{path:.+}.xml", only_json)
    return app


def setup_open311(
    app: web.Application,
    services: Services,
    settings: Settings,
    *,
    on_submitted: Callable[[], None] | None = None,
) -> None:
    """Mount the API under /open311/v2/ of `app` (the web process `priemnaya run` starts).

    `on_submitted` is called after a new request is committed (pass the outbox sender's
    `wake`, so the authority's topic opens at once rather than at the next poll)."""
    app.add_subapp(PREFIX, build_open311_app(services, settings, on_submitted=on_submitted))

