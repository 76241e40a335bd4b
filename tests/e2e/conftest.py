from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import services as core
from core.errors import NotFound
from core.examples import LabeledExample
from core.model import Appeal
from fake_telegram import FakeTelegramThread
from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings
from tests.backends import TestDatabase
from tests.e2e.harness import BotProcess, Citizen


@pytest.fixture(scope="session")
def tg() -> Iterator[FakeTelegramThread]:
    with FakeTelegramThread() as server:
        yield server


@pytest.fixture(scope="module")
def module_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    db = TestDatabase(tmp_path_factory.mktemp("e2e-db"))
    db.create()
    yield db
    db.drop()


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    process = BotProcess(tg, module_db.url, tmp_path_factory.mktemp("bot")).start()
    yield process
    code = process.stop()
    assert code == 0, f"bot did not stop cleanly ({code}):\n{process.log()}"


@pytest.fixture(autouse=True)
def _bot_stays_up(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "bot" in request.fixturenames:
        process: BotProcess = request.getfixturevalue("bot")
        if process.proc is not None:
            assert process.proc.poll() is None, f"the bot crashed:\n{process.log()}"


@pytest.fixture
def citizen(tg, bot) -> Citizen:
    person = Citizen(tg)
    person.consent()
    return person


class Records:
    """Reads the bot's database the way an operator would (through the core services)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def _with(self, work: Any) -> Any:
        services = await bootstrap(Settings(database_url=self.url), migrate=False)
        try:
            return await work(services)
        finally:
            await services.close()

    def appeal(self, number: str) -> Appeal | None:
        async def work(services):
            try:
                return await core.find_appeal(services.uow, number)
            except NotFound:
                return None

        return asyncio.run(self._with(work))

    def citizen_appeals(self, tg_user_id: int) -> list[str]:
        async def work(services):
            person = await core.get_citizen(services.uow, tg_user_id)
            if person is None:
                return []
            items, _ = await core.citizen_appeals(services.uow, person.id, limit=100)
            return [i.number for i in items]

        return asyncio.run(self._with(work))

    def labeled_examples(self) -> list[LabeledExample]:
        async def work(services):
            return await core.labeled_examples(services.uow)

        return asyncio.run(self._with(work))

    def citizen_exists(self, tg_user_id: int) -> bool:
        async def work(services):
            return await core.get_citizen(services.uow, tg_user_id) is not None

        return asyncio.run(self._with(work))


@pytest.fixture(scope="module")
def records(module_db) -> Records:
    return Records(module_db.url)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
