from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends import TestDatabase
from tests.web.server import ApiServer


@pytest.fixture(scope="module")
def module_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    db = TestDatabase(tmp_path_factory.mktemp("web-db"))
    db.create()
    yield db
    db.drop()


@pytest.fixture(scope="module")
def api(module_db: TestDatabase) -> Iterator[ApiServer]:
    """The API over the module's database (reads need a key; jurisdiction `ryazan-region`)."""
    server = ApiServer(module_db.url, open311_jurisdiction_id="ryazan-region").start()
    yield server
    server.stop()
