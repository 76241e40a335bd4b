"""Thousands of subscribers at once (the database and the fake Telegram), and the /announce
dialog played by an official, for the broadcast's restart tests and its benchmark."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import insert, select

from core import services as core
from core.directory import load_directory
from core.sectors import load_sectors
from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings
from storage.tables import CitizenRow, SubscriptionRow
from tests.e2e.desk_setup import CITY_GKH, EXAMPLE
from tests.e2e.harness import text_of


def seed(tg, database_url: str, user_ids: list[int]) -> None:
    """The example directory, and `user_ids` as consented citizens following ЖКХ in Рязань."""
    directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
    for authority in directory.authorities:
        tg.add_group(authority.chat_id, authority.name)
        for official in authority.officials:
            tg.add_user(official.tg_user_id, first_name=official.full_name.split()[1])
    tg.add_users(user_ids)

    async def fill() -> None:
        services = await bootstrap(Settings(database_url=database_url))
        try:
            await core.import_directory(services.uow, directory)
            now = datetime.now(UTC)
            async with services.engine.begin() as conn:
                await conn.execute(
                    insert(CitizenRow),
                    [
                        {"tg_user_id": u, "consent_given_at": now, "created_at": now}
                        for u in user_ids
                    ],
                )
                rows = await conn.execute(
                    select(CitizenRow.id).where(CitizenRow.tg_user_id.in_(user_ids))  # type: ignore[union-attr]
                )
                ids = [r[0] for r in rows]
                subs = [
                    {"citizen_id": c, "kind": kind, "code": code, "created_at": now}
                    for c in ids
                    for kind, code in (("sector", "housing"), ("place", "ryazan"))
                ]
                await conn.execute(insert(SubscriptionRow), subs)
        finally:
            await services.close()

    asyncio.run(fill())


def announce(tg, official: int, text: str, chat: int = CITY_GKH) -> dict:
    """Play /announce to the preview (ЖКХ, the authority's own place, no outage, no poll);
    returns the summary message with «Разослать»."""

    def reply(send: str, expect: str) -> dict:
        mark = tg.mark()
        tg.send_message(official, send, chat_id=chat)
        return tg.wait_for_bot_message(
            chat, lambda m: expect in text_of(m), after=mark, timeout=30
        )

    def press(message: dict, button: str, expect: str) -> dict:
        mark = tg.mark()
        tg.press(official, message, button)
        return tg.wait_for_edit(
            chat, message["message_id"], lambda m: expect in text_of(m), after=mark, timeout=30
        )

    reply("/announce", "Новое объявление")
    sectors = reply(text, "Кому")
    sectors = press(sectors, "▫️ ЖКХ", "Кому")
    outage = press(sectors, "Далее →", "авария")
    poll_ask = press(outage, "Нет", "Добавить опрос")
    mark = tg.mark()
    tg.press(official, poll_ask, "Без опроса")
    return tg.wait_for_bot_message(
        chat, lambda m: "Получателей" in text_of(m), after=mark, timeout=60
    )


def deliveries(tg, mark: int, text: str) -> Counter[int]:
    """How many times each chat got the announcement (successful sends since `mark`)."""
    got: Counter[int] = Counter()
    for call in tg.calls_since(mark):
        if call.method != "sendMessage" or call.status != 200:
            continue
        if text in str(call.params.get("text")):
            got[int(call.params["chat_id"])] += 1
    return got


def wait_for(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met in {timeout} s")
