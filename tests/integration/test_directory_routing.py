"""The directory through the CLI (import is idempotent), and new appeals routed by it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core import services as core
from core.commands import SubmitAppeal
from core.model import AppealStatus, Channel, EventKind, Location
from core.notifications import CURATORS_CHAT, NotificationKind
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings
from tests.integration.test_cli import priemnaya

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"


def test_import_is_idempotent_and_list_shows_the_directory(test_db, tmp_path: Path):
    env = {"DATABASE_URL": test_db.url}
    first = priemnaya("authorities", "import", str(EXAMPLE), cwd=tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert "added: authority ryazan-gkh" in first.stdout
    again = priemnaya("authorities", "import", str(EXAMPLE), cwd=tmp_path, **env)
    assert again.returncode == 0 and "no changes" in again.stdout

    listed = priemnaya("authorities", "list", "--json", cwd=tmp_path, **env)
    data = json.loads(listed.stdout)
    assert [a["code"] for a in data["authorities"]] == [
        "eco-operator",
        "mindor",
        "minzhkh",
        "ryazan-gkh",
    ]
    minzhkh = next(a for a in data["authorities"] if a["code"] == "minzhkh")
    assert minzhkh["officials"][0] == {
        "tg_user_id": 7000001,
        "role": "head",
        "full_name": "Иванов Иван Иванович",
        "position": "министр",
        "phone": "+74912000001",
        "email": "minzhkh@example.ru",
    }
    assert {"sector": "housing", "municipality": "ryazan", "authority": "ryazan-gkh"} in data[
        "routes"
    ]
    text = priemnaya("authorities", "list", cwd=tmp_path, **env).stdout
    assert "ЖКХ / Рязань → ryazan-gkh" in text and "Иванов Иван Иванович" in text

    # An authority dropped from the file is deactivated (its appeals keep pointing at it).
    smaller = tmp_path / "smaller.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  - {sector: waste, authority: eco-operator}\n", ""
    )
    text = (
        text.split("  - code: eco-operator")[0]
        + "  - code: mindor"
        + text.split("  - code: mindor")[1]
    )
    smaller.write_text(text, encoding="utf-8")
    changed = priemnaya("authorities", "import", str(smaller), cwd=tmp_path, **env)
    assert changed.returncode == 0, changed.stderr
    assert "deactivated: authority eco-operator" in changed.stdout


def test_a_broken_file_is_refused_and_nothing_changes(test_db, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes:\n  - {sector: housing, authority: nobody}\n")
    env = {"DATABASE_URL": test_db.url}
    result = priemnaya("authorities", "import", str(bad), cwd=tmp_path, **env)
    assert result.returncode == 1 and "unknown authority 'nobody'" in result.stderr
    listed = priemnaya("authorities", "list", cwd=tmp_path, **env)
    assert "the directory is empty" in listed.stdout


@pytest.fixture
async def services(test_db) -> AsyncIterator[Services]:
    from core.directory import load_directory

    s = await bootstrap(Settings(database_url=test_db.url))
    await core.import_directory(s.uow, load_directory(EXAMPLE, [x.code for x in s.sectors]))
    yield s
    await s.close()


async def submit(services: Services, key: str, text: str, sector: str | None, **kw):
    sub = await core.submit_appeal(
        SubmitAppeal(text=text, channel=Channel.BOT, idempotency_key=key, sector=sector, **kw),
        services.uow,
        services.clock,
    )
    async with services.uow() as uow:
        due = await uow.notifications.claim_due(services.clock.now(), timedelta(seconds=1), 10)
        await uow.commit()
    return sub.appeal, [n for n in due if n.appeal_id == sub.appeal.id]


async def test_new_appeals_are_routed_in_the_same_transaction(services: Services):
    appeal, [forward] = await submit(services, "r1", "В Рязани на Канищеве течёт крыша", "housing")
    assert appeal.status is AppealStatus.ROUTED
    assert (appeal.authority, appeal.municipality) == ("ryazan-gkh", "ryazan")
    assert forward.kind is NotificationKind.FORWARDED and forward.chat_id == -1001000000102
    stored = await core.find_appeal(services.uow, appeal.number)
    routed = [e for e in stored.history if e.kind is EventKind.STATUS_CHANGED][0]
    assert (
        routed.data["authority"] == "ryazan-gkh" and routed.data["municipality_source"] == "text"
    )

    by_point, _ = await submit(
        services, "r2", "течёт крыша", "housing", location=Location(54.62, 39.70)
    )
    assert by_point.authority == "ryazan-gkh"
    chosen, _ = await submit(services, "r3", "течёт крыша", "housing", municipality="kasimov")
    assert (chosen.authority, chosen.municipality) == ("minzhkh", "kasimov")


async def test_what_nobody_answers_goes_to_the_curators(services: Services):
    appeal, [triage] = await submit(services, "t1", "Нет света во всём Касимове", "energy")
    assert appeal.status is AppealStatus.TRIAGE and appeal.authority is None
    assert triage.kind is NotificationKind.TRIAGE and triage.chat_id == CURATORS_CHAT
    unknown, _ = await submit(services, "t2", "Помогите", None)
    assert unknown.status is AppealStatus.TRIAGE
    stored = await core.find_appeal(services.uow, unknown.number)
    assert stored.history[-1].data["reason"] == "no_sector"
