"""Deadline reminders with a controllable clock: the outbox sender (real aiogram over HTTP to
the fake Bot API) delivers the timers written at registration — 50 %, 80 %, the head's
mention at 100 %, the ЦУР alert — after a restart too, and drops the stale ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_bot
from bot.notifier import NotificationSender
from core import case_actions, casework
from core import services as core
from core.commands import SubmitAppeal
from core.directory import Directory, load_directory
from core.model import ActorKind, Appeal, Channel, EventKind, Resolution
from core.sectors import load_sectors
from fake_telegram import FakeTelegramThread
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "directory.example.yaml"
GKH = -1001000000102
CURATORS = -1001000000199
HEAD = 7000011
START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday, 10:00 in Moscow


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


async def start(
    tg: FakeTelegramThread, url: str, clock: Clock
) -> tuple[Services, NotificationSender]:
    settings = Settings(
        database_url=url,
        bot_token=tg.token,
        telegram_api_url=tg.base_url,
        curator_chat_id=CURATORS,
    )
    services = await bootstrap(settings, clock=clock)
    return services, NotificationSender(build_bot(settings), services)


async def stop(services: Services, sender: NotificationSender) -> None:
    await sender.bot.session.close()
    await services.close()


def populate(tg: FakeTelegramThread, directory: Directory) -> None:
    """The directory's groups and officials, and the ЦУР group, in the fake Telegram."""
    for authority in directory.authorities:
        tg.add_group(authority.chat_id, authority.name)
        for official in authority.officials:
            tg.add_user(official.tg_user_id, first_name=official.full_name.split()[1])
    tg.add_group(CURATORS, "ЦУР")


def texts_in(tg: FakeTelegramThread, chat: int) -> list[str]:
    return [m.get("text") or "" for m in tg.bot_messages(chat)]


async def test_reminders_escalation_and_alerts_follow_the_clock(test_db):
    directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
    clock = Clock(START)
    with FakeTelegramThread() as tg:
        populate(tg, directory)

        services, sender = await start(tg, test_db.url, clock)
        await core.import_directory(services.uow, directory)
        submitted = await core.submit_appeal(
            SubmitAppeal(
                text="Течёт крыша в подъезде дома 5 в Рязани, управляющая компания не чинит",
                channel=Channel.PHONE,
                idempotency_key="timers-1",
                sector="housing",
                municipality="ryazan",
            ),
            services.uow,
            clock,
            services.deadlines,
        )
        appeal = submitted.appeal
        assert appeal.due_at is not None
        span = appeal.due_at - START  # 10 working days of ЖКХ
        assert await sender.deliver_due() == 1  # the card; the timers wait
        assert any("Обращение" in t for t in texts_in(tg, GKH))

        # A restart between the timers changes nothing: they are rows, not sleeps.
        await stop(services, sender)
        clock.at = START + span * 0.5 + timedelta(minutes=1)
        services, sender = await start(tg, test_db.url, clock)
        # 50 % of ten working days is past the 7-day forwarding frame's reminder as well
        assert await sender.deliver_due() == 2
        half, frame = texts_in(tg, GKH)[-2:]
        assert half.startswith(f"⏰ Обращение {appeal.number}: прошло 50 % срока")
        assert frame.startswith(f"↪️ Обращение {appeal.number} ещё никто не взял в работу")
        assert "до 30.11.2026" in frame  # registered Monday 23.11 + 7 days

        # 80 % falls on Saturday night: the reminder waits for Monday morning
        clock.at = START + span * 0.8 + timedelta(minutes=1)
        assert await sender.deliver_due() == 0
        clock.at = services.deadlines.during_office_hours(clock.at) + timedelta(minutes=1)
        assert await sender.deliver_due() == 1
        assert "прошло 80 % срока" in texts_in(tg, GKH)[-1]

        clock.at = services.deadlines.during_office_hours(appeal.due_at) + timedelta(minutes=1)
        assert await sender.deliver_due() == 2  # the head's mention and the ЦУР alert
        due = tg.bot_messages(GKH)[-1]
        assert due["text"].startswith(f"🔥 Истёк срок по обращению {appeal.number}")
        assert [e["user"]["id"] for e in due["entities"] if e["type"] == "text_mention"] == [HEAD]
        alert = texts_in(tg, CURATORS)[-1]
        assert f"Просрочено обращение {appeal.number}" in alert and "Управление ЖКХ" in alert
        first = next(m for m in tg.bot_messages(GKH) if (m.get("text") or "").startswith("📨"))
        card = tg.get_message(GKH, first["message_id"])  # as edited since
        assert "(просрочено)" in card["text"]

        # The head extends by 14 days: the old law alert is dropped, new timers follow.
        result = await case_actions.extend_deadline(
            services.uow,
            clock,
            services.deadlines,
            appeal_id=appeal.id or 0,
            chat_id=GKH,
            tg_user_id=HEAD,
            days=14,
        )
        assert result.outcome.value == "done" and result.appeal is not None
        extended = result.appeal
        assert extended.due_at is not None and extended.law_due_at is not None
        clock.at = services.deadlines.during_office_hours(extended.due_at) + timedelta(minutes=1)
        before = len(texts_in(tg, CURATORS))
        await sender.deliver_due()
        curators = texts_in(tg, CURATORS)[before:]
        assert len(curators) == 1 and "Просрочено" in curators[0]  # one alert, the new one
        clock.at = services.deadlines.during_office_hours(extended.law_due_at)
        clock.at += timedelta(minutes=1)
        await sender.deliver_due()
        assert "Нарушен срок 59-ФЗ" in texts_in(tg, CURATORS)[-1]
        await stop(services, sender)


async def test_timers_of_a_closed_case_stay_silent(test_db):
    directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
    clock = Clock(START)
    with FakeTelegramThread() as tg:
        for authority in directory.authorities:
            tg.add_group(authority.chat_id, authority.name)
        tg.add_group(CURATORS, "ЦУР")
        services, sender = await start(tg, test_db.url, clock)
        await core.import_directory(services.uow, directory)
        appeal = (
            await core.submit_appeal(
                SubmitAppeal(
                    text="Не вывозят мусор с контейнерной площадки в Рязани",
                    channel=Channel.PHONE,
                    idempotency_key="timers-2",
                    sector="waste",
                    municipality="ryazan",
                ),
                services.uow,
                clock,
                services.deadlines,
            )
        ).appeal
        await sender.deliver_due()
        authority = directory.authority(appeal.authority)
        assert authority is not None and authority.chat_id is not None
        chat, official = authority.chat_id, authority.officials[0].tg_user_id
        async with services.uow() as uow:  # the authority answered in the topic
            stored = await uow.appeals.get(appeal.id or 0)
            assert stored is not None
            stored.record(
                EventKind.AUTHORITY_MESSAGE, clock.now(), ActorKind.OFFICIAL, text="Вывезли"
            )
            await uow.appeals.save(stored)
            await uow.commit()
        closed = await case_actions.close_case(
            services.uow,
            clock,
            appeal_id=appeal.id or 0,
            chat_id=chat,
            tg_user_id=official,
            resolution=Resolution.SOLVED,
        )
        assert closed.outcome.value == "done"
        sent_before = len(tg.bot_messages(chat)), len(tg.bot_messages(CURATORS))
        clock.at = START + timedelta(days=60)
        await sender.deliver_due()
        assert (len(tg.bot_messages(chat)), len(tg.bot_messages(CURATORS))) == sent_before
        async with services.uow() as uow:  # …and none of them is left pending
            assert await uow.notifications.claim_due(clock.now(), timedelta(seconds=1), 50) == []
        await stop(services, sender)


async def _case(services: Services, clock: Clock, key: str, **kw: object) -> Appeal:
    return (
        await core.submit_appeal(
            SubmitAppeal(channel=Channel.PHONE, idempotency_key=key, **kw),  # type: ignore[arg-type]
            services.uow,
            clock,
            services.deadlines,
        )
    ).appeal


async def test_the_seven_days_to_forward_a_case_are_watched(test_db):
    """59-ФЗ ст. 8 ч. 3: a case outside the competence is forwarded within 7 days. Two days
    before that the holder is reminded, unless someone took it in work; triage cases remind
    the ЦУР group; a late redirect is marked as such in the history."""
    directory = load_directory(EXAMPLE, [s.code for s in load_sectors()])
    clock = Clock(START)
    with FakeTelegramThread() as tg:
        populate(tg, directory)
        services, sender = await start(tg, test_db.url, clock)
        await core.import_directory(services.uow, directory)
        roof = "Течёт крыша в подъезде дома 5 в Рязани"
        waiting = await _case(services, clock, "frame-1", text=roof, sector="housing")
        taken = await _case(services, clock, "frame-2", text=roof + ", кв. 7", sector="housing")
        triage = await _case(services, clock, "frame-3", text="Прошу разобраться в Рязани")
        await sender.deliver_due()  # two cards and the triage card
        card = next(
            m for m in tg.bot_messages(GKH) if f"Обращение {waiting.number}" in m.get("text", "")
        )
        assert "Переадресуйте до 30.11.2026" in card["text"]
        took = await casework.take_case(
            services.uow, clock, appeal_id=taken.id or 0, chat_id=GKH, tg_user_id=HEAD
        )
        assert took.outcome is casework.Outcome.DONE
        await sender.deliver_due()  # the citizen's notice (none: a phone case without one)

        before_gkh, before_curators = len(tg.bot_messages(GKH)), len(tg.bot_messages(CURATORS))
        clock.at = datetime(2026, 11, 30, 6, 1, tzinfo=UTC)  # Monday 9:01 in Moscow
        await sender.deliver_due()
        topic_news = texts_in(tg, GKH)[before_gkh:]
        assert len(topic_news) == 1 and waiting.number in topic_news[0]  # not the taken one
        curator_news = texts_in(tg, CURATORS)[before_curators:]
        assert len(curator_news) == 1
        assert curator_news[0].startswith(f"↪️ Обращение {triage.number} ждёт распределения")
        assert "до 30.11.2026" in curator_news[0]

        # After the frame the card no longer offers it; a redirect now is marked late.
        clock.at = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
        moved = await case_actions.redirect(
            services.uow,
            clock,
            services.deadlines,
            appeal_id=waiting.id or 0,
            chat_id=GKH,
            tg_user_id=HEAD,
            target="minzhkh",
            reason="Региональная программа капремонта",
        )
        assert moved.outcome is casework.Outcome.DONE and moved.appeal is not None
        event = next(e for e in moved.appeal.history if e.kind is EventKind.REDIRECTED)
        assert event.data["late"] is True
        # …and the new holder has 7 days of its own from now
        assert moved.appeal.assigned_at == clock.at
        await stop(services, sender)
