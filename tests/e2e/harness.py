"""Runs the real `priemnaya run` process against the fake Bot API and plays citizens."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fake_telegram import FakeTelegramThread
from tests.backends import TEST_REDIS, redis_prefix
from tests.e2e.zygote import ForkedProcess, zygote

ROOT = Path(__file__).resolve().parents[2]
_MODEL: str | None = None


def shared_classifier_model() -> str:
    """The default sector model, trained from the shipped corpus once and cached in var/."""
    global _MODEL
    if _MODEL is None:
        from core.classification.model import Classifier, default_fingerprint

        cache = ROOT / "var" / "test-models"
        Classifier.load_default(cache)
        _MODEL = str(cache / f"default-{default_fingerprint()}.joblib")
    return _MODEL


_user_ids = itertools.count(700_000_000 + (os.getpid() % 1000) * 10_000)


def new_user_id() -> int:
    return next(_user_ids)


def calls_since(tg: FakeTelegramThread, mark: int, method: str | None = None) -> list[Any]:
    return [c for c in tg.calls()[mark:] if method is None or c.method == method]


def free_port() -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """`python -m priemnaya run` in a subprocess with the test's configuration."""

    def __init__(
        self, tg: FakeTelegramThread, database_url: str, workdir: Path, **env: str
    ) -> None:
        self.tg = tg
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {
            **os.environ,
            "BOT_TOKEN": tg.token,
            "TELEGRAM_API_URL": tg.base_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "INFO",
            "POLLING_TIMEOUT": "2",
            "ALBUM_SETTLE_SECONDS": "0.4",
            "OUTBOX_POLL_SECONDS": "0.5",
            "PYTHONPATH": str(ROOT),
            "CLASSIFIER_MODEL": shared_classifier_model(),
            "WEB_PORT": str(free_port()),  # every bot its own web dashboard port
        }
        if TEST_REDIS:
            self.env["REDIS_URL"] = TEST_REDIS
            self.env["REDIS_KEY_PREFIX"] = redis_prefix()
        else:
            self.env.pop("REDIS_URL", None)
        self.env.update(env)
        self.proc: subprocess.Popen[bytes] | ForkedProcess | None = None

    def start(self, timeout: float = 90.0) -> BotProcess:
        mark = self.tg.mark()
        parent = zygote()
        if parent is not None:  # a fork of the pre-imported zygote: the same `priemnaya run`
            self.proc = parent.spawn(["run"], self.env, self.workdir, self.log_path)
        else:
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "priemnaya", "run"],
                    cwd=self.workdir,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited with {self.proc.returncode}:\n{self.log()}")
            if calls_since(self.tg, mark, "getUpdates"):
                return self
            time.sleep(0.05)
        self.stop(kill=True)  # never leave a half-started bot running after the test
        raise AssertionError(f"bot did not start polling in {timeout}s:\n{self.log()}")

    def stop(self, *, kill: bool = False, timeout: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        return code

    @property
    def web_url(self) -> str:
        """Where this bot's web dashboard listens."""
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]


class Citizen:
    """A person in a private chat with the bot."""

    def __init__(self, tg: FakeTelegramThread, user_id: int | None = None, name: str = "Анна"):
        self.tg = tg
        self.id = user_id or new_user_id()
        tg.add_user(self.id, first_name=name)

    # -- talking -------------------------------------------------------------------------
    def say(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Send a message and wait for the bot's (first) answer."""
        mark = self.tg.mark()
        self.tg.send_message(self.id, text, **kwargs)
        return self.tg.wait_for_bot_message(self.id, after=mark)

    def send(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return self.tg.send_message(self.id, text, **kwargs)

    def press(self, message: dict[str, Any], button: str) -> dict[str, Any]:
        return self.tg.press(self.id, message, button)

    def wait(self, predicate: Any = None, after: int | None = None, timeout: float = 10.0):
        return self.tg.wait_for_bot_message(self.id, predicate, timeout=timeout, after=after)

    def replies_after(self, mark: int) -> list[dict[str, Any]]:
        return [
            c.response["result"]
            for c in calls_since(self.tg, mark)
            if c.method in {"sendMessage", "sendPhoto", "sendDocument"}
            and str(c.params.get("chat_id")) == str(self.id)
            and c.response.get("ok")
        ]

    # -- common paths ----------------------------------------------------------------------
    def consent(self) -> None:
        mark = self.tg.mark()
        self.tg.send_message(self.id, "/start")
        request = self.wait(lambda m: "согласие" in (m.get("text") or ""), after=mark)
        mark = self.tg.mark()
        self.press(request, "Даю согласие")
        self.wait(lambda m: "Согласие получено" in (m.get("text") or ""), after=mark)

    def card(self, after: int) -> dict[str, Any]:
        return self.wait(lambda m: "Черновик обращения" in (m.get("text") or ""), after=after)

    def submit(self, card: dict[str, Any]) -> str:
        """Press «Отправить» and return the registered number from the confirmation."""
        mark = self.tg.mark()
        self.press(card, "Отправить")
        confirmation = self.wait(lambda m: "зарегистрировано" in (m.get("text") or ""), after=mark)
        return number_in(confirmation["text"])

    def file_appeal(self, text: str) -> str:
        mark = self.tg.mark()
        self.send(text)
        return self.submit(self.card(mark))


def text_of(message: dict[str, Any]) -> str:
    """What a message says: its text, else its caption."""
    return message.get("text") or message.get("caption") or ""


def number_in(text: str) -> str:
    match = re.search(r"\b(\d{4}-\d{6})\b", text)
    assert match, f"no appeal number in {text!r}"
    return match.group(1)
