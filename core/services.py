"""Use cases shared by every channel (bot, voice line, API, operator CLI)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core import informing
from core.clock import Clock
from core.commands import SubmitAppeal
from core.deadlines import DeadlinePolicy, load_policy
from core.directory import Directory, ImportReport, Municipality
from core.errors import Conflict, ConsentRequired, NotFound, UnknownSector
from core.examples import ExampleSource, LabeledExample
from core.model import ActorKind, Appeal, AppealStatus, Citizen, EventKind, Location
from core.notifications import CURATORS_CHAT, Notification, NotificationKind
from core.numbering import counter_name, format_number
from core.outbox import notify
from core.phones import normalise_phone
from core.ports import AppealSummary, UnitOfWork, UnitOfWorkFactory
from core.routing import Router


@dataclass(frozen=True, slots=True)
class Submission:
    """Result of `submit_appeal`: the case, whether it is new, and its confirmation to deliver."""

    appeal: Appeal
    created: bool
    notification: Notification | None

    @property
    def notification_id(self) -> int | None:
        return self.notification.id if self.notification else None


async def get_citizen(uow_factory: UnitOfWorkFactory, tg_user_id: int) -> Citizen | None:
    async with uow_factory() as uow:
        return await uow.citizens.get_by_tg(tg_user_id)


async def give_consent(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tg_user_id: int,
    *,
    version: str,
    full_name: str | None = None,
) -> Citizen:
    """Record consent to personal-data processing; idempotent."""
    async with uow_factory() as uow:
        citizen = await uow.citizens.get_by_tg(tg_user_id)
        if citizen is None:
            citizen = await uow.citizens.add(
                Citizen(
                    id=None,
                    tg_user_id=tg_user_id,
                    consent_given_at=clock.now(),
                    consent_version=version,
                    full_name=full_name,
                )
            )
        elif not citizen.has_consent:
            citizen.consent_given_at = clock.now()
            citizen.consent_version = version
            citizen.full_name = full_name or citizen.full_name
            await uow.citizens.save(citizen)
        await uow.commit()
        return citizen


async def withdraw_consent(uow_factory: UnitOfWorkFactory, tg_user_id: int) -> bool:
    """Withdraw consent: contact data is erased; registered appeals stay (the law requires
    keeping them), but no new personal data is accepted."""
    async with uow_factory() as uow:
        citizen = await uow.citizens.get_by_tg(tg_user_id)
        if citizen is None or not citizen.has_consent:
            return False
        citizen.consent_given_at = None
        citizen.phone = None
        citizen.full_name = None
        citizen.email = None
        await uow.citizens.save(citizen)
        await uow.commit()
        return True


async def save_phone(uow_factory: UnitOfWorkFactory, tg_user_id: int, phone: str) -> None:
    """Remember the citizen's own phone number (shared with the bot's contact button)."""
    async with uow_factory() as uow:
        citizen = await uow.citizens.get_by_tg(tg_user_id)
        if citizen is None or not citizen.has_consent:
            raise ConsentRequired
        citizen.phone = normalise_phone(phone) or phone
        await uow.citizens.save(citizen)
        assert citizen.id is not None
        # Calls from this number to the voice line become this citizen's appeals (/my).
        await uow.appeals.claim_by_phone(citizen.phone, citizen.id)
        await uow.commit()


async def submit_appeal(
    cmd: SubmitAppeal,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    policy: DeadlinePolicy | None = None,
) -> Submission:
    """Register an appeal, its deadlines, routing and confirmation in one transaction.

    A retried command with the same idempotency key returns the case already registered,
    so a crash between commit and confirmation never makes a duplicate.
    """
    try:
        return await _submit_once(cmd, uow_factory, clock, policy or load_policy())
    except Conflict:
        # A concurrent submission with the same key won the race: return its case.
        async with uow_factory() as uow:
            existing = await uow.appeals.get_by_idempotency_key(cmd.idempotency_key)
        if existing is None:
            raise
        return Submission(existing, created=False, notification=None)


async def _submit_once(
    cmd: SubmitAppeal, uow_factory: UnitOfWorkFactory, clock: Clock, policy: DeadlinePolicy
) -> Submission:
    async with uow_factory() as uow:
        existing = await uow.appeals.get_by_idempotency_key(cmd.idempotency_key)
        if existing is not None:
            return Submission(existing, created=False, notification=None)
        if cmd.citizen_id is not None:
            citizen = await uow.citizens.get(cmd.citizen_id)
            if citizen is None or not citizen.has_consent:
                raise ConsentRequired
        caller_phone = normalise_phone(cmd.caller_phone)
        citizen_id = cmd.citizen_id
        if citizen_id is None and caller_phone is not None:
            known = await uow.citizens.get_by_phone(caller_phone)
            citizen_id = known.id if known is not None else None
        if citizen_id is None and cmd.new_citizen is not None:
            # contacts given with the appeal by an integrated system (Open311), with consent
            citizen_id = (await uow.citizens.add(replace(cmd.new_citizen))).id
        now = clock.now()
        seq = await uow.appeals.next_sequence(counter_name(now.year))
        appeal = Appeal(
            id=None,
            number=format_number(now.year, seq),
            citizen_id=citizen_id,
            channel=cmd.channel,
            status=AppealStatus.REGISTERED,
            text=cmd.text,
            created_at=now,
            updated_at=now,
            sector=cmd.sector,
            sector_confidence=cmd.sector_confidence,
            location=cmd.location,
            attachments=list(cmd.attachments),
            idempotency_key=cmd.idempotency_key,
            caller_phone=caller_phone,
        )
        appeal.record(
            EventKind.CREATED,
            now,
            ActorKind.CITIZEN,
            channel=cmd.channel.value,
            attachments=len(cmd.attachments),
            **cmd.meta,
        )
        if cmd.sector:
            appeal.record(
                EventKind.SECTOR_SET,
                now,
                ActorKind.CITIZEN if cmd.sector_source == "citizen" else ActorKind.SYSTEM,
                sector=cmd.sector,
                confidence=cmd.sector_confidence,
                source=cmd.sector_source,
                **_classifier_trace(cmd),
            )
        deadlines = policy.deadlines(now, cmd.sector, cmd.text)
        appeal.set_deadlines(
            deadlines.due_at,
            deadlines.law_due_at,
            now,
            ActorKind.SYSTEM,
            priority=deadlines.priority,
            target_working_days=deadlines.target_working_days,
        )
        appeal = await uow.appeals.add(appeal)
        if cmd.sector and cmd.sector_source == "citizen" and cmd.text:
            await uow.examples.add(
                LabeledExample(
                    text=cmd.text,
                    sector=cmd.sector,
                    source=ExampleSource.CITIZEN,
                    created_at=now,
                    predicted=cmd.sector_predicted,
                    appeal_id=appeal.id,
                )
            )
        await _route(uow, appeal, now, cmd.municipality, policy)
        notification = None
        if cmd.notify_chat_id is not None:
            claimed = cmd.deliver_within is not None
            notification = await uow.notifications.add(
                Notification(
                    kind=NotificationKind.APPEAL_REGISTERED,
                    chat_id=cmd.notify_chat_id,
                    created_at=now,
                    appeal_id=appeal.id,
                    payload={"number": appeal.number},
                    attempts=1 if claimed else 0,
                    claimed_until=now + cmd.deliver_within if cmd.deliver_within else None,
                )
            )
        await informing.answer_known_issue(uow, appeal, cmd.notify_chat_id, now)
        await uow.commit()
        return Submission(appeal, created=True, notification=notification)


_routers: list[Router] = []  # the last one: its place index is reused while the directory is


def _router_for(directory: Directory) -> Router:
    if not _routers or _routers[0].directory is not directory:
        _routers[:] = [Router(directory)]
    return _routers[0]


async def _route(
    uow: UnitOfWork,
    appeal: Appeal,
    now: datetime,
    municipality: str | None,
    policy: DeadlinePolicy,
) -> None:
    """Hand a new case to the responsible authority, or to ЦУР triage; never drop it.

    Without an imported directory routing is not configured and the case stays REGISTERED
    (operators see it in `priemnaya appeals list`)."""
    router = _router_for(await uow.directory.load())
    if not router.configured:
        return
    decision = router.decide(appeal.sector, appeal.text, appeal.location, municipality)
    place = decision.municipality
    appeal.assign(
        decision.authority.code if decision.authority else None,
        place.code if place else None,
        now,
        ActorKind.SYSTEM,
        municipality_source=decision.municipality_source,
        evidence=decision.evidence,
        reason=decision.triage.value if decision.triage else None,
    )
    await uow.appeals.save(appeal)
    assert appeal.id is not None
    if decision.authority is not None and decision.authority.chat_id is not None:
        kind, chat = NotificationKind.FORWARDED, decision.authority.chat_id
    else:
        kind, chat = NotificationKind.TRIAGE, CURATORS_CHAT
    await notify(uow, appeal, kind, chat, now, authority=appeal.authority)
    forwarded = kind is NotificationKind.FORWARDED
    await schedule_timers(uow, appeal, chat if forwarded else None, now, policy)
    await schedule_redirect_frame(uow, appeal, chat, now, policy)


async def schedule_timers(
    uow: UnitOfWork,
    appeal: Appeal,
    authority_chat: int | None,
    now: datetime,
    policy: DeadlinePolicy,
) -> None:
    """Reminders into the authority's topic and overdue alerts for ЦУР, as outbox rows due
    later: they survive restarts; a stale one (case closed, deadline moved, case moved) is
    dropped when its time comes."""
    if appeal.due_at is None or appeal.law_due_at is None:
        return
    assert appeal.id is not None
    for timer in policy.reminders(
        appeal_id=appeal.id,
        number=appeal.number,
        authority_chat=authority_chat,
        start=now,
        due_at=appeal.due_at,
        law_due_at=appeal.law_due_at,
        now=now,
    ):
        await uow.notifications.add(timer)


async def schedule_redirect_frame(
    uow: UnitOfWork, appeal: Appeal, chat: int, now: datetime, policy: DeadlinePolicy
) -> None:
    """The reminder that the 7 days to forward a case elsewhere are running out, for its
    new holder (an authority's group, or `CURATORS_CHAT` for triage)."""
    assert appeal.id is not None
    timer = policy.redirect_timer(
        appeal_id=appeal.id, number=appeal.number, chat=chat, since=now, now=now
    )
    if timer is not None:
        await uow.notifications.add(timer)


def _classifier_trace(cmd: SubmitAppeal) -> dict[str, Any]:
    """What the classifier said, kept in the history only when it said something."""
    trace: dict[str, Any] = {}
    if cmd.sector_predicted:
        trace["predicted"] = cmd.sector_predicted
    if cmd.sector_reasons:
        trace["reasons"] = list(cmd.sector_reasons)
    return trace


@dataclass(frozen=True, slots=True)
class PlaceGuess:
    """Where a draft is about, as the citizen will see it on the card."""

    code: str
    name: str
    source: str  # location | text


async def municipality_choices(uow_factory: UnitOfWorkFactory) -> list[Municipality]:
    """The directory's municipalities a citizen can choose from, by name (empty when no
    directory is imported)."""
    async with uow_factory() as uow:
        directory = await uow.directory.load()
    return sorted(directory.municipalities, key=lambda m: m.name)


@dataclass(frozen=True, slots=True)
class PlaceLookup:
    offered: bool  # the directory has municipalities to choose from
    guess: PlaceGuess | None  # what routing would find in the text and location


async def guess_place(
    uow_factory: UnitOfWorkFactory, text: str, location: Location | None
) -> PlaceLookup:
    """The municipality routing would find for this text and location (the same finder)."""
    async with uow_factory() as uow:
        directory = await uow.directory.load()
    if not directory.municipalities:
        return PlaceLookup(offered=False, guess=None)
    match = _router_for(directory).places.find(
        text,
        location.latitude if location else None,
        location.longitude if location else None,
    )
    if match is None:
        return PlaceLookup(offered=True, guess=None)
    m = match.municipality
    return PlaceLookup(offered=True, guess=PlaceGuess(m.code, m.name, match.source))


async def citizen_appeals(
    uow_factory: UnitOfWorkFactory, citizen_id: int, *, limit: int = 10, offset: int = 0
) -> tuple[list[AppealSummary], int]:
    """A page of the citizen's own appeals, newest first, and the total count."""
    async with uow_factory() as uow:
        items = await uow.appeals.summaries_for_citizen(citizen_id, limit=limit, offset=offset)
        total = await uow.appeals.count_for_citizen(citizen_id)
        return items, total


async def citizen_appeal(
    uow_factory: UnitOfWorkFactory, citizen_id: int, appeal_id: int
) -> Appeal:
    """One appeal with history — only if it belongs to this citizen."""
    async with uow_factory() as uow:
        appeal = await uow.appeals.get(appeal_id)
        if appeal is None or appeal.citizen_id != citizen_id:
            raise NotFound(appeal_id)
        return appeal


async def appeal_by_id(uow_factory: UnitOfWorkFactory, appeal_id: int) -> Appeal | None:
    """An appeal by its internal id (for officials' and curators' buttons)."""
    async with uow_factory() as uow:
        return await uow.appeals.get(appeal_id)


async def find_appeal(uow_factory: UnitOfWorkFactory, number: str) -> Appeal:
    """An appeal by its public number (operators)."""
    async with uow_factory() as uow:
        appeal = await uow.appeals.get_by_number(number)
        if appeal is None:
            raise NotFound(number)
        return appeal


async def list_appeals(
    uow_factory: UnitOfWorkFactory,
    *,
    status: AppealStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Appeal]:
    async with uow_factory() as uow:
        return await uow.appeals.list(status=status, limit=limit, offset=offset)


async def correct_sector(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    number: str,
    sector: str,
    *,
    known_sectors: set[str],
    actor: ActorKind = ActorKind.OPERATOR,
) -> Appeal:
    """An operator re-assigns an appeal's sector; the decision is kept as a labeled example."""
    if sector not in known_sectors:
        raise UnknownSector(sector)
    async with uow_factory() as uow:
        appeal = await uow.appeals.get_by_number(number)
        if appeal is None:
            raise NotFound(number)
        if appeal.sector == sector:
            return appeal
        await resector(uow, appeal, sector, clock.now(), actor, source="operator")
        await uow.appeals.save(appeal)
        await uow.commit()
        return appeal


async def resector(
    uow: UnitOfWork,
    appeal: Appeal,
    sector: str,
    now: datetime,
    actor: ActorKind,
    **data: Any,
) -> None:
    """A person puts the case into another sector: recorded in its history and kept as a
    labeled example (with what it was before) for retraining the classifier."""
    previous = appeal.sector
    appeal.reassign_sector(sector, now, actor, **data)
    if appeal.text:
        await uow.examples.add(
            LabeledExample(
                text=appeal.text,
                sector=sector,
                source=ExampleSource.OPERATOR,
                created_at=now,
                predicted=previous,
                appeal_id=appeal.id,
            )
        )


async def labeled_examples(uow_factory: UnitOfWorkFactory) -> list[LabeledExample]:
    """Every stored correction, oldest first (training data for `classify train`)."""
    async with uow_factory() as uow:
        return await uow.examples.all()


async def import_directory(uow_factory: UnitOfWorkFactory, directory: Directory) -> ImportReport:
    """Replace the stored authority directory (idempotent: the same file changes nothing)."""
    async with uow_factory() as uow:
        report = await uow.directory.replace(directory)
        await uow.commit()
        return report


async def load_directory(uow_factory: UnitOfWorkFactory) -> Directory:
    async with uow_factory() as uow:
        return await uow.directory.load()
