"""The operator's `priemnaya` command, run as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from core import services as core
from core.commands import SubmitAppeal
from core.model import Attachment, AttachmentKind, Channel, Location
from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 5, 4, 12, 30, tzinfo=UTC)


def priemnaya(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "priemnaya", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def seed(url: str) -> str:
    async def work() -> str:
        services = await bootstrap(Settings(database_url=url), clock=FixedClock())
        try:
            citizen = await core.give_consent(services.uow, services.clock, 42, version="v1")
            sub = await core.submit_appeal(
                SubmitAppeal(
                    text="Не вывозят мусор с площадки у дома 5",
                    channel=Channel.BOT,
                    idempotency_key="cli-1",
                    citizen_id=citizen.id,
                    attachments=(Attachment(AttachmentKind.PHOTO, "ph1", "u1", file_size=10),),
                    location=Location(54.6, 39.7),
                    sector="waste",
                    sector_confidence=0.9,
                    sector_source="classifier",
                ),
                services.uow,
                services.clock,
            )
            return sub.appeal.number
        finally:
            await services.close()

    return asyncio.run(work())


def test_run_without_token_explains_how_to_get_one(tmp_path):
    result = priemnaya("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr


def test_db_upgrade_creates_the_default_sqlite_file(tmp_path):
    result = priemnaya("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "var" / "priemnaya.db").exists()


def test_appeals_list_and_show(test_db, tmp_path):
    number = seed(test_db.url)
    env = {"DATABASE_URL": test_db.url}
    listed = priemnaya("appeals", "list", "--json", cwd=tmp_path, **env)
    assert listed.returncode == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    assert item["number"] == number and item["status"] == "registered"
    assert item["sector"] == "waste" and item["created_at"].startswith("2026-05-04T12:30")

    shown = priemnaya("appeals", "show", number, "--json", cwd=tmp_path, **env)
    data = json.loads(shown.stdout)
    assert data["attachments"][0]["kind"] == "photo"
    assert data["location"] == {"latitude": 54.6, "longitude": 39.7, "address": None}
    assert [e["kind"] for e in data["history"]] == ["created", "sector_set", "deadline_set"]
    # 04.05.2026 (Monday): ТКО's target is 5 working days; 9 and 11 May are days off
    assert data["due_at"] == "2026-05-12T21:00:00+00:00"  # through 12.05 in Moscow
    assert data["law_due_at"] == "2026-06-03T21:00:00+00:00"  # 30 days: 03.06

    human = priemnaya("appeals", "show", number, cwd=tmp_path, **env)
    assert f"Appeal {number}" in human.stdout and "Не вывозят мусор" in human.stdout
    table = priemnaya("appeals", "list", "--status", "registered", cwd=tmp_path, **env)
    assert number in table.stdout

    missing = priemnaya("appeals", "show", "2026-999999", cwd=tmp_path, **env)
    assert missing.returncode == 1 and "not found" in missing.stderr
    empty = priemnaya("appeals", "list", "--status", "closed", cwd=tmp_path, **env)
    assert empty.stdout.strip() == "no appeals"
