"""GeoReport v2 errors: `[{"code": 400, "description": "..."}]`, for every failure under the
API's prefix — bad input, unknown paths and methods, a database that does not answer."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError, OperationalError

from core.i18n import Texts
from priemnaya.metrics import OPEN311_REQUESTS

log = logging.getLogger(__name__)

TEXTS = web.AppKey("open311_texts", Texts)


class ApiError(Exception):
    """A request the API refuses; `text_id` names the description in the catalogue."""

    def __init__(
        self, status: int, text_id: str, *, headers: dict[str, str] | None = None, **args: Any
    ) -> None:
        super().__init__(text_id)
        self.headers = headers or {}
        # numbers as they were given: Fluent would group digits («1 000 000»)
        plain = {k: str(v) if isinstance(v, int | float) else v for k, v in args.items()}
        self.status, self.text_id, self.args_ = status, text_id, plain


def bad(text_id: str, **args: Any) -> ApiError:
    return ApiError(400, text_id, **args)


def dumps(value: Any) -> str:
    """JSON with Cyrillic as is (readable in logs and consoles)."""
    return json.dumps(value, ensure_ascii=False)


def json_response(value: Any, status: int = 200, **kwargs: Any) -> web.Response:
    return web.json_response(value, status=status, dumps=dumps, **kwargs)


def error_response(
    status: int, description: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = [{"code": status, "description": description}]
    return json_response(body, status=status, headers=headers)


def _operation(request: web.Request) -> str:
    route = request.match_info.route
    resource = route.resource
    name = resource.canonical if resource is not None else "unknown"
    return f"{request.method} {name}"


@web.middleware
async def open311_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    texts = request.app[TEXTS]
    try:
        response = await handler(request)
    except ApiError as exc:
        response = error_response(exc.status, texts(exc.text_id, **exc.args_), exc.headers)
    except web.HTTPMethodNotAllowed as exc:
        response = error_response(
            exc.status, texts("open311-error-method", method=request.method, path=request.path)
        )
    except web.HTTPNotFound as exc:
        response = error_response(exc.status, texts("open311-error-not-found", what=request.path))
    except web.HTTPException as exc:
        response = error_response(exc.status, exc.reason)
    except (OperationalError, DBAPIError, OSError, TimeoutError):
        log.exception("open311: storage failed on %s %s", request.method, request.path)
        response = error_response(503, texts("open311-error-unavailable"))
    except Exception:
        log.exception("open311: %s %s failed", request.method, request.path)
        response = error_response(500, texts("open311-error-internal"))
    OPEN311_REQUESTS.labels(operation=_operation(request), status=str(response.status)).inc()
    return response
