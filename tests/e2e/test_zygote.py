"""The zygote that forks the end-to-end bots behaves like `python -m priemnaya ...`."""

from __future__ import annotations

import os
import signal

import pytest

from tests.e2e.zygote import Zygote


@pytest.fixture(scope="module")
def parent():
    zygote = Zygote()
    yield zygote
    zygote.close()


def test_a_forked_command_gets_its_environment_directory_output_and_exit_code(parent, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    log = tmp_path / "run.log"
    child = parent.spawn(["run"], env, tmp_path, log)
    assert child.wait(30) == 2  # no BOT_TOKEN: the help text and exit status 2, as in a shell
    assert "BOT_TOKEN is not set" in log.read_text(encoding="utf-8")

    help_log = tmp_path / "help.log"
    assert parent.spawn(["--help"], env, tmp_path, help_log).wait(30) == 0
    assert "voice-line" in help_log.read_text(encoding="utf-8")


def test_a_killed_child_reports_the_signal_like_subprocess(parent, tmp_path):
    env = {**os.environ, "BOT_TOKEN": "123456:ABC", "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    env.pop("REDIS_URL", None)
    child = parent.spawn(["run"], env, tmp_path, tmp_path / "bot.log")
    assert child.poll() is None
    child.send_signal(signal.SIGKILL)
    assert child.wait(30) == -signal.SIGKILL
