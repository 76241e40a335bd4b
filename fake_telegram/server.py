"""The fake Bot API HTTP server: request parsing, dispatch, faults, rate limits, call log."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import BodyPartReader, web

from . import chat as _chat
from . import media as _media
from .inspection import InspectionMixin
from .methods import METHODS, unknown_method
from .models import ApiError, Call, Fault, RateLimiter, Upload
from .params import decode_param, normalize_json_param
from .simulation import SimulationMixin
from .state import DEFAULT_TOKEN, State

__all__ = ["FakeTelegram"]

assert _chat and _media  # imported for their method registrations

log = logging.getLogger(__name__)
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_UNLIMITED = frozenset({"sendchataction", "sendmessagedraft"})


def _rate_limited(method: str) -> bool:
    lowered = method.lower()
    if lowered in _UNLIMITED:
        return False
    return lowered.startswith(("send", "copymessage", "forwardmessage"))


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


class FakeTelegram(SimulationMixin, InspectionMixin):
    """A Bot API server on aiohttp with a simulation API for tests (use it inside its loop)."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.state = State(token)
        self.app = web.Application(client_max_size=100 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        self.app.router.add_get("/file/bot{token}/{file_path:.*}", self._handle_file)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.state.token

    @property
    def base_url(self) -> str:
        """``http://host:port`` for ``TelegramAPIServer.from_base``."""
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 = a free port)."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or ()
        self.host = host
        self.port = int(sockets[0].getsockname()[1]) if sockets else port

    async def stop(self) -> None:
        """Stop listening; pending long polls end."""
        self.state.closing = True
        self.state.update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------- HTTP

    async def _parse(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        params: dict[str, Any] = {k: decode_param(k, v) for k, v in request.query.items()}
        uploads: dict[str, Upload] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, uploads
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update({k: normalize_json_param(k, v) for k, v in body.items()})
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read())
                    ctype_header = part.headers.get("Content-Type")
                    uploads[part.name] = Upload(part.filename, ctype_header, data)
                else:
                    params[part.name] = decode_param(part.name, await part.text())
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    uploads[key] = Upload(value.filename, value.content_type, data)
                else:
                    params[key] = decode_param(key, str(value))
        return params, uploads

    async def _handle_method(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        token = request.match_info["token"]
        method = request.match_info["method"]
        st = self.state
        unparsable = False
        try:
            params, uploads = await self._parse(request)
        except Exception:  # malformed body: answer like Telegram instead of a 500 page
            params, uploads, unparsable = {}, {}, True
        entry = METHODS.get(method.lower())
        if entry is not None:
            method = entry[0]
        files = {name: up.data for name, up in uploads.items()}
        call = Call(method, params, files, started)
        st.begin(call)
        try:
            if not _TOKEN_RE.match(token) or token != st.token:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise unknown_method()
            if unparsable:
                raise ApiError(400, "Bad Request: can't parse request")
            result = await self._run(method, entry[1], params, uploads)
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as exc:
            body, status = exc.payload(), exc.error_code
            st.produced = []
        except Exception as exc:  # a bug in the fake: answer like a broken Telegram would
            log.exception("fake Telegram failed on %s", method)
            body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc}"}
            status = 500
            st.produced = []
        raw = _dump(body)
        st.finish(call, raw, status, st.produced)
        st.produced = []
        return web.Response(
            text=raw, status=status, content_type="application/json", charset="utf-8"
        )

    async def _run(
        self, method: str, handler: Callable[..., Any], params: dict[str, Any], uploads: Any
    ) -> Any:
        st = self.state
        hang = st.take_fault(method, params, "hang")
        if hang is not None:
            await asyncio.sleep(hang.seconds)
        fail = st.take_fault(method, params, "fail")
        if fail is not None:
            extra = {"retry_after": fail.retry_after} if fail.retry_after is not None else None
            raise ApiError(fail.error_code, fail.description, extra)
        if st.rate_limiter is not None and _rate_limited(method):
            chat_id = params.get("chat_id")
            if isinstance(chat_id, int):
                retry = st.rate_limiter.check(chat_id, chat_id < 0, time.monotonic())
                if retry is not None:
                    st.rate_limited += 1
                    raise ApiError(
                        429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                    )
        if inspect.iscoroutinefunction(handler):
            return await handler(st, params, uploads)
        st.produced = []
        return handler(st, params, uploads)

    async def _handle_file(self, request: web.Request) -> web.Response:
        st = self.state
        if request.match_info["token"] != st.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = st.files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        times: int = 1,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (matching ``predicate``) fail."""
        self.state.faults.append(
            Fault(
                method,
                "fail",
                times=times,
                predicate=predicate,
                error_code=error_code,
                description=description,
                retry_after=retry_after,
            )
        )

    def hang_next(
        self,
        method: str,
        seconds: float,
        *,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        times: int = 1,
    ) -> None:
        """Delay the response to the next ``times`` calls of ``method`` by ``seconds``."""
        self.state.faults.append(
            Fault(method, "hang", times=times, predicate=predicate, seconds=seconds)
        )

    def set_rate_limits(
        self,
        per_chat_per_s: float | None = None,
        per_group_per_min: int | None = None,
        global_per_s: float | None = None,
    ) -> None:
        """Enable flood limits on sending methods (all None: disable)."""
        if per_chat_per_s is None and per_group_per_min is None and global_per_s is None:
            self.state.rate_limiter = None
            return
        self.state.rate_limiter = RateLimiter(per_chat_per_s, per_group_per_min, global_per_s)

    def reset_faults(self) -> None:
        """Forget injected failures, delays and rate limits."""
        self.state.faults.clear()
        self.state.rate_limiter = None
