"""A pre-imported parent that forks the end-to-end bots.

A new interpreter spends about six seconds of CPU importing aiogram, SQLAlchemy, pymorphy3
and the rest before `priemnaya run` does anything, and the suite starts some forty bots.
The zygote imports all that once per test session; each bot is then a fork of it that sets
its environment, working directory and output and runs the same `priemnaya.cli.main(["run"])`
as `python -m priemnaya run` — the real service in a real process of its own, only without
the import.

Protocol (a UNIX socket): the client sends one JSON line `{"argv", "env", "cwd", "log"}`; the
zygote answers `pid N` and, when that child ends, `exit CODE` (negative: killed by that
signal, as in `subprocess`). The zygote ends when its stdin closes (the test run is gone),
killing the children it still has.

`PRIEMNAYA_TEST_FORK=0` makes the harness start plain `python -m priemnaya run` instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


# -- the zygote process -----------------------------------------------------------------------


def _preload() -> None:
    """What `priemnaya run` imports (the costly part of a start), the package first as in
    `python -m priemnaya` (it sets the process's BLAS threads before NumPy loads)."""
    import priemnaya  # noqa: F401, I001 - first, on purpose

    import aiogram  # noqa: F401

    import bot.app  # noqa: F401
    import handlers  # noqa: F401
    import priemnaya.cli  # noqa: F401
    import web.app  # noqa: F401


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become `priemnaya <argv>` and never return."""
    code = 1
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        os.setsid()  # signals meant for the test run's group do not reach it twice
        os.chdir(request["cwd"])
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.environ.clear()
        os.environ.update(request["env"])
        import random

        random.seed()  # not the zygote's sequence in every child
        from priemnaya.cli import main

        sys.argv = ["priemnaya", *request["argv"]]
        try:
            main(args=request["argv"], prog_name="priemnaya")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report it in the bot's log like Python would
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str) -> None:
    """The zygote's loop: accept requests, fork, report exits; stop when stdin closes."""
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    children: dict[int, socket.socket] = {}
    pending: dict[socket.socket, bytes] = {}
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        while True:
            for key, _ in selector.select(timeout=0.05):
                if key.data == "stdin":
                    if not sys.stdin.buffer.read1(4096):
                        return
                elif key.data == "accept":
                    conn, _ = listener.accept()
                    pending[conn] = b""
                    selector.register(conn, selectors.EVENT_READ, "request")
                else:
                    conn = key.fileobj
                    assert isinstance(conn, socket.socket)
                    data = conn.recv(1 << 20)
                    pending[conn] += data
                    if data and b"\n" not in pending[conn]:
                        continue
                    selector.unregister(conn)
                    raw = pending.pop(conn)
                    if not data and b"\n" not in raw:
                        conn.close()
                        continue
                    request = json.loads(raw.split(b"\n", 1)[0])
                    pid = os.fork()
                    if pid == 0:
                        for other in (listener, *children.values(), *pending):
                            other.close()
                        selector.close()
                        _child(request)
                    children[pid] = conn
                    conn.sendall(f"pid {pid}\n".encode())
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                conn = children.pop(pid, None)
                if conn is not None:
                    with contextlib.suppress(OSError):
                        conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                    conn.close()
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# -- the test side --------------------------------------------------------------------------


class ForkedProcess:
    """What the harness needs of `subprocess.Popen`, for a child of the zygote."""

    def __init__(self, conn: socket.socket, pid: int, args: list[str]) -> None:
        self._conn = conn
        self._buffer = b""
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def _parse(self) -> None:
        for line in self._buffer.split(b"\n"):
            if line.startswith(b"exit "):
                self.returncode = int(line.split()[1])

    def _read(self, timeout: float | None) -> None:
        self._parse()
        if self.returncode is not None:
            return
        self._conn.settimeout(timeout)
        try:
            data = self._conn.recv(4096)
        except (TimeoutError, BlockingIOError):
            return
        if not data:  # the zygote is gone: so is the child (it kills them on the way out)
            self.returncode = -signal.SIGKILL
            return
        self._buffer += data
        self._parse()

    def poll(self) -> int | None:
        self._read(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            self._read(left if left is None else min(left, 1.0))
        self._conn.close()
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The test session's zygote process (started on first use)."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="priemnaya-zygote-")
        self.path = os.path.join(self._dir, "zygote.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.zygote", self.path],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"the test zygote did not start: {ready!r}")

    def spawn(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> ForkedProcess:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.path)
        request = {"argv": argv, "env": env, "cwd": str(cwd), "log": str(log)}
        conn.sendall(json.dumps(request).encode() + b"\n")
        conn.settimeout(30)
        reply = b""
        while b"\n" not in reply:
            chunk = conn.recv(4096)
            if not chunk:
                raise RuntimeError("the test zygote closed the connection")
            reply += chunk
        line, rest = reply.split(b"\n", 1)
        process = ForkedProcess(conn, int(line.split()[1]), ["priemnaya", *argv])
        process._buffer = rest
        return process

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for name in os.listdir(self._dir):
            os.unlink(os.path.join(self._dir, name))
        os.rmdir(self._dir)


_zygote: Zygote | None = None


def zygote() -> Zygote | None:
    """The session's zygote, or None when PRIEMNAYA_TEST_FORK=0 asks for plain processes."""
    global _zygote
    if os.environ.get("PRIEMNAYA_TEST_FORK", "1") == "0":
        return None
    if _zygote is None or _zygote.process.poll() is not None:
        import atexit

        _zygote = Zygote()
        atexit.register(_zygote.close)
    return _zygote


if __name__ == "__main__":
    serve(sys.argv[1])
