"""FakeTelegram in a background thread, with a synchronous, thread-safe API for sync tests."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

from .server import FakeTelegram
from .state import DEFAULT_TOKEN

__all__ = ["FakeTelegramThread"]

T = TypeVar("T")

# Plain methods of FakeTelegram exposed synchronously (run inside the server loop).
SYNC_METHODS = (
    "add_user",
    "add_group",
    "block_bot",
    "add_users",
    "vote_poll",
    "send_message",
    "send_album",
    "edit_message",
    "press_button",
    "press",
    "send_raw_update",
    "calls",
    "calls_since",
    "mark",
    "messages",
    "bot_messages",
    "last_bot_message",
    "get_message",
    "inline_buttons",
    "reply_keyboard",
    "callback_answers",
    "topics",
    "pending_updates_count",
    "stats",
    "fail_next",
    "hang_next",
    "delete_topic_behind_bot",
    "set_rate_limits",
    "reset_faults",
)
# Coroutine methods of FakeTelegram; they wait inside the loop without blocking it.
ASYNC_METHODS = (
    "wait_for_call",
    "wait_for_bot_message",
    "wait_for_edit",
    "wait_for_callback_answer",
)


class FakeTelegramThread:
    """Runs :class:`FakeTelegram` on 127.0.0.1 (a free port) in its own thread and loop.

    Every simulation and inspection method of FakeTelegram is available here as a
    blocking method with the same signature; calls are marshalled into the server loop.
    """

    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0):
        self.server = FakeTelegram(token)
        self._host = host
        self._port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.server.token

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.base_url

    def start(self) -> FakeTelegramThread:
        """Start the thread and wait until the server listens."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._main, name="fake-telegram", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("fake Telegram failed to start") from self._error
        return self

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        await self.server.start(self._host, self._port)
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self.server.stop()
            # Requests still held open (a hung call, a long poll) end here, not at loop.close().
            current = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        """Stop the server and join the thread."""
        loop, thread, stopping = self._loop, self._thread, self._stopping
        if loop is None or thread is None or stopping is None:
            return
        if not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeTelegramThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ marshalling

    def _submit(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        loop = self._loop
        if loop is None or self._thread is None:
            coro.close()
            raise RuntimeError("FakeTelegramThread is not running: call start() first")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    def call_in_loop(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` inside the server loop and return its result."""

        async def run() -> T:
            return fn(*args, **kwargs)

        return self._submit(run(), timeout=30)


def _sync_wrapper(name: str) -> Callable[..., Any]:
    target = getattr(FakeTelegram, name)

    @functools.wraps(target)
    def method(self: FakeTelegramThread, *args: Any, **kwargs: Any) -> Any:
        return self.call_in_loop(getattr(self.server, name), *args, **kwargs)

    return method


def _async_wrapper(name: str) -> Callable[..., Any]:
    target = getattr(FakeTelegram, name)

    @functools.wraps(target)
    def method(self: FakeTelegramThread, *args: Any, **kwargs: Any) -> Any:
        # The coroutine enforces its own timeout.
        return self._submit(getattr(self.server, name)(*args, **kwargs))

    return method


for _name in SYNC_METHODS:
    setattr(FakeTelegramThread, _name, _sync_wrapper(_name))
for _name in ASYNC_METHODS:
    setattr(FakeTelegramThread, _name, _async_wrapper(_name))
