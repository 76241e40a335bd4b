"""The SQL unit of work: one AsyncSession, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import Conflict
from storage.analytics_repo import SqlAnalyticsRepository
from storage.broadcast_repo import SqlBroadcastRepository, SqlSubscriptionRepository
from storage.desk_repo import SqlLinkRepository, SqlTopicRepository
from storage.directory_repo import SqlDirectoryRepository
from storage.repositories import (
    SqlAppealRepository,
    SqlCitizenRepository,
    SqlLabeledExampleRepository,
    SqlNotificationRepository,
)
from storage.signin_repo import SqlSignInRepository


class SqlUnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self.citizens = SqlCitizenRepository(self.session)
        self.appeals = SqlAppealRepository(self.session)
        self.notifications = SqlNotificationRepository(self.session)
        self.examples = SqlLabeledExampleRepository(self.session)
        self.directory = SqlDirectoryRepository(self.session)
        self.topics = SqlTopicRepository(self.session)
        self.links = SqlLinkRepository(self.session)
        self.analytics = SqlAnalyticsRepository(self.session)
        self.signins = SqlSignInRepository(self.session)
        self.subscriptions = SqlSubscriptionRepository(self.session)
        self.broadcasts = SqlBroadcastRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
            self.session = None

    async def commit(self) -> None:
        assert self.session is not None
        try:
            await self.session.commit()
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc

    async def rollback(self) -> None:
        assert self.session is not None
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    """Callable that opens a fresh unit of work; handed to the core services."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory)
