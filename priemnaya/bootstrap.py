"""Composition root: builds the services every channel shares. Nothing is built at import."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import Clock, SystemClock
from core.deadlines import DeadlinePolicy, load_policy
from core.draft import DraftLimits
from core.i18n import Texts, get_texts
from core.ports import UnitOfWorkFactory
from core.sectors import Sector, load_sectors
from priemnaya.settings import Settings
from storage.engine import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

if TYPE_CHECKING:  # vosk is loaded only when a model is configured
    from voice.stt import SpeechRecognizer

log = logging.getLogger(__name__)


class SectorGuess(Protocol):
    sector: str
    confidence: float
    ranking: list[tuple[str, float]]
    reasons: list[str]


class SectorClassifier(Protocol):
    def classify(self, text: str) -> SectorGuess: ...


@dataclass
class Services:
    """What handlers, the voice line and the CLI get: storage, clock, texts, catalogue."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    clock: Clock
    texts: Texts
    sectors: tuple[Sector, ...]
    classifier: SectorClassifier | None = None
    speech: SpeechRecognizer | None = None
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    deadlines: DeadlinePolicy = field(default_factory=load_policy)

    @property
    def draft_limits(self) -> DraftLimits:
        s = self.settings
        return DraftLimits(
            text_max_chars=s.appeal_text_max_chars,
            text_min_chars=s.appeal_text_min_chars,
            attachment_max_bytes=s.attachment_max_bytes,
            attachments_max_count=s.attachments_max_count,
        )

    def sector_title(self, code: str | None) -> str:
        for sector in self.sectors:
            if sector.code == code:
                return sector.title
        return self.texts("sector-none") if code is None else code

    async def close(self) -> None:
        if self.speech is not None:
            self.speech.close(wait=False)
        await self.engine.dispose()


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    classifier: SectorClassifier | None = None,
    speech: SpeechRecognizer | None = None,
    migrate: bool = True,
) -> Services:
    """Open the database (applying migrations) and assemble the services."""
    engine = make_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
        log.info("database schema is up to date")
    return Services(
        settings=settings,
        engine=engine,
        uow=SqlUnitOfWorkFactory(make_session_factory(engine)),
        clock=clock or SystemClock(),
        texts=get_texts(),
        sectors=load_sectors(),
        classifier=classifier,
        speech=speech,
        tz=ZoneInfo(settings.timezone),
        deadlines=load_policy(settings.deadline_policy, settings.timezone),
    )
