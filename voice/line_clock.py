"""One clock for the whole phone line: prompt frames out, caller audio in.

Waking the process costs far more than the work done per wake (on a VM, far more than writing
a 20 ms frame or reading 0.1 s of audio), so every call of the line shares the same wake-ups:

* while a prompt plays, the clock ticks every 20 ms and writes the next frame of every
  playing call itself (:meth:`LineClock.play`): no coroutine of a call resumes per frame;
* every ``poll_ticks``-th tick (0.1 s by default) is a *poll*: calls waiting in
  :meth:`LineClock.poll` resume together and read what their sockets gathered meanwhile, so
  a call costs 10 reads a second instead of one wake-up per 20 ms packet;
* with nothing playing, the clock sleeps from poll to poll; with no call at all, it stops.

The schedule is absolute (a late tick does not shift the next ones), so prompts keep
real-time pace; polls fall on the same ticks as frames.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

__all__ = ["LineClock"]


class LineClock:
    """20 ms ticks while prompts play, a poll every ``poll_ticks`` ticks while calls listen."""

    def __init__(self, period: float = 0.02, poll_ticks: int = 5) -> None:
        if period <= 0 or poll_ticks < 1:
            raise ValueError("the period must be positive and poll_ticks at least 1")
        self.period = period
        self.poll_ticks = poll_ticks
        self._tick_waiter: asyncio.Future[None] | None = None
        self._poll_waiter: asyncio.Future[None] | None = None
        self._playing: list[_Playback] = []
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0  # how many times the clock woke the line

    @property
    def poll_seconds(self) -> float:
        return self.period * self.poll_ticks

    async def tick(self) -> None:
        """Wait for the next tick (20 ms)."""
        if self._tick_waiter is None or self._tick_waiter.done():
            self._tick_waiter = self._new_waiter()
        await asyncio.shield(self._tick_waiter)

    async def poll(self) -> None:
        """Wait for the next poll (every ``poll_ticks`` ticks): all calls wake together."""
        if self._poll_waiter is None or self._poll_waiter.done():
            self._poll_waiter = self._new_waiter()
        await asyncio.shield(self._poll_waiter)

    async def play(self, push: Callable[[bytes], bool], frames: Sequence[bytes]) -> None:
        """Hand `frames` to `push`, one per tick (the first one now); returns once the last
        one had its 20 ms, or when `push` says the connection is gone. Cancelling it stops
        the playback."""
        if not frames or not push(frames[0]):
            return
        loop = asyncio.get_running_loop()
        playback = _Playback(push, frames, 1, loop.create_future())
        self._playing.append(playback)
        self._ensure_running(loop)
        try:
            await asyncio.shield(playback.done)
        finally:
            playback.stopped = True

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _new_waiter(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        self._ensure_running(loop)
        return loop.create_future()

    def _ensure_running(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())

    def _wanted(self) -> tuple[bool, bool]:
        ticks = bool(self._playing) or _pending(self._tick_waiter)
        return ticks, _pending(self._poll_waiter)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        origin = loop.time()
        count = 0
        idle = False
        while True:
            every_tick, polls = self._wanted()
            if not every_tick and not polls:
                if idle:  # nobody played or listened for a whole poll: stop
                    return
                idle = True  # listeners just released may come back for the next poll
            else:
                idle = False
            count += 1
            if not every_tick:  # only listeners: sleep until the next poll
                count += -count % self.poll_ticks
            delay = origin + count * self.period - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -5 * self.period:  # far behind (a stalled loop): restart the schedule
                origin = loop.time() - count * self.period
            self.ticks += 1
            if self._playing:
                self._playing = [p for p in self._playing if p.step()]
            _release(self._tick_waiter)
            if count % self.poll_ticks == 0:
                _release(self._poll_waiter)


def _pending(waiter: asyncio.Future[None] | None) -> bool:
    return waiter is not None and not waiter.done()


def _release(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


@dataclass(slots=True)
class _Playback:
    """A prompt being written by the clock: the next frame's index, and who waits."""

    push: Callable[[bytes], bool]
    frames: Sequence[bytes]
    next: int
    done: asyncio.Future[None]
    stopped: bool = False

    def step(self) -> bool:
        """Write the next frame; False once the playback is over (or its connection is)."""
        if self.stopped:
            return False
        alive = self.next < len(self.frames)  # else: the last frame had its 20 ms
        if alive:
            try:
                alive = self.push(self.frames[self.next])
            except Exception:  # a broken transport ends this playback only
                log.debug("voice line: writing a prompt frame failed", exc_info=True)
                alive = False
            self.next += 1
        if not alive and not self.done.done():
            self.done.set_result(None)
        return alive
