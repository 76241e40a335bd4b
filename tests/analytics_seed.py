"""A small region with known answers for the statistics: appeals written through the domain
model (the same events the bot writes), at chosen moments around holidays.

Times are Moscow time. «Now» is 2026-12-01 12:00. See tests/integration/test_analytics.py
for the figures they give."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.deadlines import DeadlinePolicy
from core.directory import (
    Authority,
    AuthorityKind,
    Directory,
    Municipality,
    Official,
    OfficialRole,
    Route,
)
from core.model import ActorKind, Appeal, AppealStatus, Channel, EventKind, Resolution, Verdict

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=MSK).astimezone(UTC)
ANALYST = 7000900
HEAD_GKH = 7000011
EXECUTOR_GKH = 7000012
EXECUTOR_WASTE = 7000021
EXECUTOR_ROADS = 7000031

DIRECTORY = Directory(
    municipalities=(
        Municipality("ryazan", "Рязань"),
        Municipality("kasimov", "Касимов"),
        Municipality("skopin", "Скопин"),
    ),
    authorities=(
        Authority(
            "cur",
            "Центр управления регионом",
            AuthorityKind.OIV,
            None,
            None,
            (Official(ANALYST, OfficialRole.ANALYST, "Аналитикова Ольга Петровна"),),
        ),
        Authority(
            "ryazan-gkh",
            "Управление ЖКХ г. Рязани",
            AuthorityKind.OMSU,
            "ryazan",
            -1001000000102,
            (
                Official(HEAD_GKH, OfficialRole.HEAD, "Сидоров Пётр Павлович"),
                Official(EXECUTOR_GKH, OfficialRole.EXECUTOR, "Кузнецова Мария Олеговна"),
            ),
        ),
        Authority(
            "eco-operator",
            "Региональный оператор ТКО",
            AuthorityKind.RSO,
            None,
            -1001000000103,
            (Official(EXECUTOR_WASTE, OfficialRole.EXECUTOR, "Смирнов Олег Викторович"),),
        ),
        Authority(
            "mindor",
            "Министерство транспорта",
            AuthorityKind.OIV,
            None,
            -1001000000104,
            (Official(EXECUTOR_ROADS, OfficialRole.EXECUTOR, "Волков Сергей Андреевич"),),
        ),
    ),
    routes=(
        Route("housing", "ryazan", "ryazan-gkh"),
        Route("waste", None, "eco-operator"),
        Route("roads", None, "mindor"),
    ),
)
NAMES = {
    EXECUTOR_GKH: "Кузнецова Мария Олеговна",
    EXECUTOR_WASTE: "Смирнов Олег Викторович",
    EXECUTOR_ROADS: "Волков Сергей Андреевич",
}


def msk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MSK).astimezone(UTC)  # type: ignore[misc]


class Story:
    """One appeal told step by step with explicit times."""

    def __init__(
        self,
        policy: DeadlinePolicy,
        number: str,
        at: datetime,
        sector: str,
        municipality: str,
        authority: str,
        text: str,
        channel: Channel = Channel.BOT,
        reasons: tuple[str, ...] = (),
    ) -> None:
        self.appeal = Appeal(
            id=None,
            number=number,
            citizen_id=None,
            channel=channel,
            status=AppealStatus.REGISTERED,
            text=text,
            created_at=at,
            updated_at=at,
            sector=sector,
        )
        data: dict[str, Any] = {"channel": channel.value}
        if reasons:
            data["reasons"] = list(reasons)
        self.appeal.record(EventKind.CREATED, at, ActorKind.CITIZEN, **data)
        self.appeal.assign(authority, municipality, at, ActorKind.SYSTEM)
        d = policy.deadlines(at, sector, text)
        self.appeal.set_deadlines(d.due_at, d.law_due_at, at, ActorKind.SYSTEM)
        self.policy = policy

    def take(self, at: datetime, official: int) -> Story:
        self.appeal.change_status(
            AppealStatus.IN_PROGRESS, at, ActorKind.OFFICIAL, **_who(official)
        )
        return self

    def answer(self, at: datetime, official: int) -> Story:
        self.appeal.record(
            EventKind.AUTHORITY_MESSAGE, at, ActorKind.OFFICIAL, text="Ответ", **_who(official)
        )
        return self

    def close(self, at: datetime, official: int, resolution: Resolution) -> Story:
        self.appeal.close(resolution, at, ActorKind.OFFICIAL, **_who(official))
        return self

    def verdict(self, at: datetime, verdict: Verdict, rating: int | None = None) -> Story:
        a = self.appeal
        a.verdict = verdict
        a.record(EventKind.FEEDBACK, at, ActorKind.CITIZEN, verdict=verdict.value)
        if verdict is Verdict.NOT_SOLVED:
            a.change_status(AppealStatus.REOPENED, at, ActorKind.CITIZEN, verdict="not_solved")
            a.due_at = self.policy.deadlines(at, a.sector, a.text).due_at
            a.record(EventKind.DEADLINE_SET, at, ActorKind.SYSTEM, reopened=True)
        if rating is not None:
            a.rating = rating
            a.record(EventKind.FEEDBACK, at, ActorKind.CITIZEN, rating=rating)
        return self


def _who(official: int) -> dict[str, Any]:
    return {"tg_user_id": official, "official": NAMES[official]}


def stories(policy: DeadlinePolicy) -> list[Story]:
    """The seeded region; comments give the facts the tests expect."""
    s = Story
    housing = ("ryazan", "ryazan-gkh")
    roof = "Течёт крыша, ул. Ленина, 5, управляющая компания не чинит"
    return [
        # Feb: Fri 18:00 before the Defender's day Monday, answered Tue 12:00 → 0.75 wd
        s(policy, "2026-900001", msk(2026, 2, 20, 18), "housing", *housing, "Течёт кран")
        .answer(msk(2026, 2, 24, 12), EXECUTOR_GKH)
        .close(msk(2026, 2, 24, 13), EXECUTOR_GKH, Resolution.SOLVED)
        .verdict(msk(2026, 2, 25, 10), Verdict.SOLVED, 5),
        # Dec 29, 10 working days across the New Year holidays: due Jan 21 2027, closed then
        s(
            policy,
            "2026-900002",
            msk(2026, 12, 29, 9),
            "housing",
            *housing,
            "Нет тяги в вентиляции",
        )
        .answer(msk(2027, 1, 21, 16), EXECUTOR_GKH)
        .close(msk(2027, 1, 21, 17), EXECUTOR_GKH, Resolution.SOLVED),
        # Nov: Mon 2nd 09:00; Nov 4 is a holiday → due Nov 17; closed Nov 18 09:00: late,
        # 11.0 wd to the first answer and to the closing
        s(
            policy,
            "2026-900003",
            msk(2026, 11, 2, 9),
            "housing",
            *housing,
            roof,
            reasons=("крыша",),
        )
        .take(msk(2026, 11, 3, 9), EXECUTOR_GKH)
        .answer(msk(2026, 11, 18, 9), EXECUTOR_GKH)
        .close(msk(2026, 11, 18, 9), EXECUTOR_GKH, Resolution.SOLVED),
        # Nov 10: answered and closed a working day later, «не решено» → reopened, due Nov 25,
        # open past it now
        s(
            policy,
            "2026-900004",
            msk(2026, 11, 10, 10),
            "housing",
            *housing,
            roof,
            reasons=("крыша", "течь"),
        )
        .answer(msk(2026, 11, 11, 10), EXECUTOR_GKH)
        .close(msk(2026, 11, 11, 10), EXECUTOR_GKH, Resolution.SOLVED)
        .verdict(msk(2026, 11, 11, 12), Verdict.NOT_SOLVED),
        # Nov 5 (after the holiday): not competent a day later, «частично», 2 stars
        s(
            policy,
            "2026-900005",
            msk(2026, 11, 5, 10),
            "waste",
            "kasimov",
            "eco-operator",
            "Не вывозят контейнер",
            Channel.VOICE_NOTE,
            reasons=("контейнер",),
        )
        .close(msk(2026, 11, 6, 10), EXECUTOR_WASTE, Resolution.NOT_COMPETENT)
        .verdict(msk(2026, 11, 6, 11), Verdict.PARTLY, 2),
        # Nov 9: waste, 5 working days → due Nov 16, nobody answered: overdue
        s(
            policy,
            "2026-900006",
            msk(2026, 11, 9, 10),
            "waste",
            "ryazan",
            "eco-operator",
            "Мусор на улице Ленина, дом 5 не вывозят неделю",
            reasons=("мусор",),
        ),
        # Nov 20: roads, taken, not overdue (15 working days)
        s(
            policy,
            "2026-900007",
            msk(2026, 11, 20, 10),
            "roads",
            "skopin",
            "mindor",
            "Яма на дороге",
            Channel.API,
            reasons=("яма",),
        ).take(msk(2026, 11, 23, 10), EXECUTOR_ROADS),
        # Oct (the month before): one answered on time by the GKH
        s(policy, "2026-900008", msk(2026, 10, 5, 10), "housing", *housing, "Протечка")
        .answer(msk(2026, 10, 6, 10), EXECUTOR_GKH)
        .close(msk(2026, 10, 6, 11), EXECUTOR_GKH, Resolution.SOLVED)
        .verdict(msk(2026, 10, 7, 10), Verdict.SOLVED, 4),
    ]


async def seed(services: Any) -> None:
    """Write the directory and the stories into the services' database."""
    from core import services as core

    await core.import_directory(services.uow, DIRECTORY)
    async with services.uow() as uow:
        for story in stories(services.deadlines):
            await uow.appeals.add(story.appeal)
        await uow.commit()
