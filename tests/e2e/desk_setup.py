"""The authority directory of docs/directory.example.yaml in the fake Telegram, and a bot
process that serves it (officials' groups, the ЦУР group)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

from core import services as core
from core.directory import load_directory
from core.sectors import load_sectors
from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings
from tests.e2e.harness import BotProcess, text_of

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"
CITY_GKH = -1001000000102  # ryazan-gkh's group
WASTE = -1001000000103  # eco-operator's group
CURATORS = -1001000000199
EXECUTOR = 7000012  # Кузнецова Мария Олеговна, ryazan-gkh
STRANGER = 7000999
HEAD = 7000011  # Сидоров Пётр Павлович, ryazan-gkh's head
ROOF = "Течёт крыша в подъезде дома 5 на Канищеве в Рязани, управляющая компания не чинит"


def desk_bot(tg, module_db, tmp_path_factory, **env: str) -> Iterator[BotProcess]:
    """Seed the directory, register its groups and officials, run the bot."""
    directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
    for authority in directory.authorities:
        tg.add_group(authority.chat_id, authority.name)  # (re)created empty for the module
        for official in authority.officials:
            tg.add_user(official.tg_user_id, first_name=official.full_name.split()[1])
    tg.add_group(CURATORS, "ЦУР: распределение")
    tg.add_user(STRANGER, first_name="Чужой")

    async def seed() -> None:
        services = await bootstrap(Settings(database_url=module_db.url))
        try:
            await core.import_directory(services.uow, directory)
        finally:
            await services.close()

    asyncio.run(seed())
    process = BotProcess(
        tg,
        module_db.url,
        tmp_path_factory.mktemp("desk-bot"),
        CURATOR_CHAT_ID=str(CURATORS),
        OUTBOX_RETRY_SECONDS="0.2",
        **env,
    ).start()
    yield process
    assert process.stop() == 0, process.log()


def card_in(tg, chat_id: int, number: str, after: int) -> dict:
    return tg.wait_for_bot_message(
        chat_id, lambda m: f"Обращение {number}" in text_of(m), after=after, timeout=15
    )
