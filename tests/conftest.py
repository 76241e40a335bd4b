from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import TestDatabase, describe


def pytest_report_header() -> str:
    return f"priemnaya backends: {describe()}"


@pytest.fixture
def test_db(tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty database of the run's backend, dropped afterwards."""
    db = TestDatabase(tmp_path)
    db.create()
    yield db
    db.drop()


@pytest.fixture(scope="session")
def session_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    db = TestDatabase(tmp_path_factory.mktemp("db"))
    db.create()
    yield db
    db.drop()
