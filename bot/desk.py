"""Delivers the officials' side of the outbox: a forum topic with a card per case in the
authority's group, messages relayed both ways (copyMessage keeps photos and documents),
notices to citizens. Group sends are paced under Telegram's ~20/min per group; a deleted
topic is recreated from the database; RetryAfter postpones, never drops."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
)

from bot import transcripts
from bot.callbacks import CaseAction, CaseCb, FeedbackCb, TriageAction, TriageCb
from bot.pacing import GroupPacer
from bot.render import fmt_date, fmt_deadline, status_name
from core import casework
from core import services as core
from core.desk import LinkDirection, Topic
from core.directory import Authority, Directory
from core.model import (
    LOCAL_FILE_PREFIX,
    Appeal,
    AppealStatus,
    Attachment,
    AttachmentKind,
    EventKind,
    Resolution,
    Verdict,
)
from core.notifications import CURATORS_CHAT, Notification, NotificationKind
from priemnaya.bootstrap import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

TOPIC_NAME_CHARS = 128  # Telegram's limit for a topic name
CARD_TEXT_CHARS = 2500


class Postpone(Exception):  # noqa: N818 (a signal, not an error)
    """Deliver this notification later (after `seconds`)."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def thread_is_gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic was deleted" in text


class CaseDesk:
    def __init__(self, bot: Bot, services: Services, pacer: GroupPacer | None = None) -> None:
        self.bot = bot
        self.services = services
        self.pacer = pacer or GroupPacer(services.settings.group_messages_per_minute)

    # -- dispatch ---------------------------------------------------------------------------

    async def deliver(self, n: Notification) -> None:
        """Raises Postpone, or Telegram errors for the sender to classify."""
        handlers = {
            NotificationKind.FORWARDED: self.forward,
            NotificationKind.TRIAGE: self.triage,
            NotificationKind.RELAY_TO_CITIZEN: self.relay_to_citizen,
            NotificationKind.RELAY_TO_GROUP: self.relay_to_group,
            NotificationKind.CASE_NOTICE: self.notice,
            NotificationKind.INFO_REQUEST: self.info_request,
            NotificationKind.RESULT: self.result,
            NotificationKind.GROUP_NOTICE: self.group_notice,
            NotificationKind.DEADLINE_REMINDER: self.reminder,
            NotificationKind.OVERDUE_ALERT: self.overdue,
            NotificationKind.MIRROR_EDIT: self.mirror_edit,
            NotificationKind.REDIRECT_FRAME: self.redirect_frame,
        }
        handler = handlers.get(n.kind)
        if handler is None:
            raise ValueError(f"not a desk notification: {n.kind}")
        await handler(n)

    def _pace(self, chat_id: int, count: int = 1) -> None:
        wait = self.pacer.reserve(chat_id, time.monotonic(), count)
        if wait > 0:
            raise Postpone(wait, f"group {chat_id} is at its per-minute limit")

    async def _case(self, n: Notification) -> tuple[Appeal, Directory]:
        assert n.appeal_id is not None
        async with self.services.uow() as uow:
            appeal = await uow.appeals.get(n.appeal_id)
            directory = await uow.directory.load()
        if appeal is None:
            raise ValueError(f"notification {n.id}: appeal {n.appeal_id} is gone")
        return appeal, directory

    # -- the case's topic -------------------------------------------------------------------

    async def forward(self, n: Notification) -> None:
        appeal, directory = await self._case(n)
        authority = directory.authority(appeal.authority)
        if authority is None or authority.chat_id is None:
            log.warning("case %s: its authority has no group any more", appeal.number)
            return
        try:
            await self.ensure_topic(appeal, authority, directory)
        except TelegramBadRequest as exc:
            if not thread_is_gone(exc):
                raise
            # created, then deleted before its card went in: open it again
            topic = await casework.current_topic(self.services.uow, appeal.id or 0)
            if topic is not None:
                await casework.drop_topic(self.services.uow, topic.id or 0)
            await self.ensure_topic(appeal, authority, directory)

    async def ensure_topic(
        self, appeal: Appeal, authority: Authority, directory: Directory
    ) -> Topic:
        """The case's open topic; created with its card and attachments when missing."""
        assert appeal.id is not None and authority.chat_id is not None
        topic = await casework.current_topic(self.services.uow, appeal.id)
        if topic is not None and topic.authority != authority.code:
            await casework.drop_topic(self.services.uow, topic.id or 0)
            topic = None
        if topic is None:
            self._pace(authority.chat_id, 2 + len(appeal.attachments))
            created = await self.bot.create_forum_topic(
                authority.chat_id, self.topic_name(appeal, directory)
            )
            topic = await casework.record_topic(
                self.services.uow,
                self.services.clock,
                appeal.id,
                authority,
                created.message_thread_id,
            )
        if topic.card_message_id is None:
            card = await self.bot.send_message(
                authority.chat_id,
                self.card_text(appeal, directory),
                message_thread_id=topic.thread_id,
                reply_markup=self.card_markup(appeal),
            )
            assert topic.id is not None
            await casework.set_card(self.services.uow, topic.id, card.message_id)
            topic.card_message_id = card.message_id
            with contextlib.suppress(TelegramBadRequest):  # pinning needs a right; optional
                await self.bot.pin_chat_message(
                    authority.chat_id, card.message_id, disable_notification=True
                )
            for attachment in appeal.attachments:
                with contextlib.suppress(TelegramBadRequest, FileNotFoundError):
                    await self._send_attachment(
                        authority.chat_id,
                        topic.thread_id,
                        attachment,
                        transcripts.caption_for(self.services.texts, appeal, attachment),
                    )
        return topic

    async def _send_attachment(
        self, chat_id: int, thread_id: int, a: Attachment, caption: str | None = None
    ) -> None:
        media: str | FSInputFile = a.file_id
        if a.file_id.startswith(LOCAL_FILE_PREFIX):
            name = Path(a.file_id.removeprefix(LOCAL_FILE_PREFIX)).name  # never a path
            path = self.services.settings.voice_recordings_dir / name
            if not path.exists():
                raise FileNotFoundError(path)
            media = FSInputFile(path, filename=a.file_name or name)
        kw = {"message_thread_id": thread_id}
        if a.kind is AttachmentKind.VIDEO_NOTE:  # takes no caption: its transcript is on the card
            await self.bot.send_video_note(chat_id, media, **kw)
            return
        if caption:
            kw["caption"] = caption
        if a.kind is AttachmentKind.PHOTO:
            await self.bot.send_photo(chat_id, media, **kw)
        elif a.kind is AttachmentKind.VOICE or (
            a.kind is AttachmentKind.AUDIO and a.mime_type == "audio/ogg"
        ):
            await self.bot.send_voice(chat_id, media, **kw)
        elif a.kind is AttachmentKind.AUDIO:
            await self.bot.send_audio(chat_id, media, **kw)
        elif a.kind is AttachmentKind.VIDEO:
            await self.bot.send_video(chat_id, media, **kw)
        else:
            await self.bot.send_document(chat_id, media, **kw)

    def topic_name(self, appeal: Appeal, directory: Directory) -> str:
        t = self.services.texts
        place = ""
        if appeal.location and appeal.location.address:
            place = f" · {appeal.location.address}"
        elif (m := directory.municipality(appeal.municipality)) is not None:
            place = f" · {m.name}"
        name = t(
            "case-topic-name",
            number=appeal.number,
            sector=self.services.sector_title(appeal.sector),
            place=place,
        )
        return name[:TOPIC_NAME_CHARS]

    def card_text(self, appeal: Appeal, directory: Directory) -> str:
        t, s = self.services.texts, self.services
        confidence = ""
        created = next((e for e in appeal.history if e.kind is EventKind.CREATED), None)
        sector_event = next(
            (e for e in reversed(appeal.history) if e.kind is EventKind.SECTOR_SET), None
        )
        if appeal.sector_confidence is not None and sector_event is not None:
            reasons = ", ".join(sector_event.data.get("reasons") or []) or "—"
            confidence = t(
                "case-card-confidence",
                percent=min(99, round(appeal.sector_confidence * 100)),
                reasons=escape(reasons),
            )
        municipality = directory.municipality(appeal.municipality)
        place = t("case-card-no-place")
        if appeal.location is not None:
            loc = appeal.location
            place = f"{loc.latitude:.5f}, {loc.longitude:.5f}"
            if loc.address:
                place = f"{escape(loc.address)} ({place})"
        executor = next(
            (
                e.data.get("official")
                for e in reversed(appeal.history)
                if e.kind is EventKind.STATUS_CHANGED and e.data.get("new") == "in_progress"
            ),
            None,
        )
        text = appeal.text[:CARD_TEXT_CHARS] + ("…" if len(appeal.text) > CARD_TEXT_CHARS else "")
        lines = [
            t(
                "case-card",
                number=appeal.number,
                sector=escape(s.sector_title(appeal.sector)),
                confidence=confidence,
                municipality=escape(municipality.name)
                if municipality
                else t("case-card-no-municipality"),
                place=place,
                created=fmt_date(s, appeal.created_at),
                channel=t(f"channel-{appeal.channel.value}"),
                status=status_name(s, appeal.status.value),
                executor=escape(executor) if executor else t("case-card-no-executor"),
                text=escape(text),
            )
        ]
        lines += self._deadline_lines(appeal)
        unsure = (created.data.get("unsure_words") if created else None) or []
        if transcripts.transcripts_of(appeal):
            lines += transcripts.card_lines(t, appeal)
        elif unsure:
            lines.append(t("case-card-unsure", words=escape(", ".join(unsure[:20]))))
        lines += ["", t("case-card-help")]
        return "\n".join(lines)

    def _deadline_lines(self, appeal: Appeal) -> list[str]:
        t, s = self.services.texts, self.services
        if appeal.due_at is None or appeal.law_due_at is None:
            return []
        if appeal.is_open:
            days = s.deadlines.working_days_left(appeal.due_at, s.clock.now())
            left = t("case-card-left", days=days) if days > 0 else t("case-card-overdue")
        else:
            left = status_name(s, appeal.status.value)
        lines = [t("case-card-deadline", date=fmt_deadline(s, appeal.due_at), left=left)]
        if appeal.law_due_at != appeal.due_at:
            lines.append(t("case-card-law", date=fmt_deadline(s, appeal.law_due_at)))
        if appeal.status is AppealStatus.ROUTED and appeal.assigned_at is not None:
            until = s.deadlines.redirect_due(appeal.assigned_at)
            if s.clock.now() < until:
                lines.append(t("case-card-redirect-until", date=fmt_deadline(s, until)))
        if appeal.extensions:
            lines.append(t("case-card-extended"))
        return lines

    def _button(
        self, text: str, appeal: Appeal, action: CaseAction, arg: str = ""
    ) -> InlineKeyboardButton:
        assert appeal.id is not None
        return InlineKeyboardButton(
            text=text, callback_data=CaseCb(action=action, appeal_id=appeal.id, arg=arg).pack()
        )

    def card_markup(self, appeal: Appeal) -> InlineKeyboardMarkup | None:
        """The card's main buttons, by the case's state (none once it is closed)."""
        if not appeal.is_open or appeal.id is None:
            return None
        t, b = self.services.texts, self._button
        rows: list[list[InlineKeyboardButton]] = []
        if appeal.status is not AppealStatus.IN_PROGRESS:
            rows.append([b(t("case-button-take"), appeal, CaseAction.TAKE)])
        rows.append(
            [
                b(t("case-button-ask"), appeal, CaseAction.ASK),
                b(t("case-button-redirect"), appeal, CaseAction.REDIRECT),
            ]
        )
        rows.append([b(t("case-button-contacts"), appeal, CaseAction.CONTACTS)])
        last = [b(t("case-button-close"), appeal, CaseAction.CLOSE)]
        if appeal.extensions < self.services.deadlines.extensions_allowed:
            last.insert(0, b(t("case-button-extend"), appeal, CaseAction.EXTEND))
        rows.append(last)
        return InlineKeyboardMarkup(inline_keyboard=rows)

    def close_markup(self, appeal: Appeal) -> InlineKeyboardMarkup:
        t, b = self.services.texts, self._button
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [b(t(f"case-close-{r.value}"), appeal, CaseAction.CLOSE_AS, r.value)]
                for r in Resolution
            ]
            + [[b(t("case-button-back"), appeal, CaseAction.BACK)]]
        )

    def extend_markup(self, appeal: Appeal) -> InlineKeyboardMarkup:
        t, b = self.services.texts, self._button
        most = self.services.deadlines.extension_max_days
        options = sorted({d for d in (7, 14, most) if d <= most})
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    b(t("case-extend-by", days=d), appeal, CaseAction.EXTEND_BY, str(d))
                    for d in options
                ],
                [b(t("case-button-back"), appeal, CaseAction.BACK)],
            ]
        )

    def redirect_markup(self, appeal: Appeal, directory: Directory) -> InlineKeyboardMarkup:
        t, b = self.services.texts, self._button
        targets = [
            a
            for a in directory.authorities
            if a.chat_id is not None and a.code != appeal.authority
        ]
        targets.sort(key=lambda a: (a.municipality != appeal.municipality, a.name))
        rows = [[b(a.name[:60], appeal, CaseAction.REDIRECT_TO, a.code)] for a in targets[:40]]
        return InlineKeyboardMarkup(
            inline_keyboard=rows + [[b(t("case-button-back"), appeal, CaseAction.BACK)]]
        )

    async def refresh_card(self, appeal: Appeal) -> None:
        """Edit the card in place after the case moved (best effort: the history is truth)."""
        assert appeal.id is not None
        topic = await casework.current_topic(self.services.uow, appeal.id)
        if topic is None or topic.card_message_id is None:
            return
        directory = await core.load_directory(self.services.uow)
        with contextlib.suppress(TelegramBadRequest):
            await self.bot.edit_message_text(
                self.card_text(appeal, directory),
                chat_id=topic.chat_id,
                message_id=topic.card_message_id,
                reply_markup=self.card_markup(appeal),
            )

    # -- triage -----------------------------------------------------------------------------

    async def triage(self, n: Notification) -> None:
        chat = self.services.settings.curator_chat_id
        appeal, directory = await self._case(n)
        if chat is None:
            log.warning("case %s needs triage, but CURATOR_CHAT_ID is not set", appeal.number)
            return
        t = self.services.texts
        reason = next(
            (
                e.data.get("reason")
                for e in reversed(appeal.history)
                if e.kind is EventKind.STATUS_CHANGED and e.data.get("new") == "triage"
            ),
            None,
        )
        municipality = directory.municipality(appeal.municipality)
        self._pace(chat)
        await self.bot.send_message(
            chat,
            t(
                "case-triage-card",
                number=appeal.number,
                reason=t(f"triage-reason-{reason or 'no_route'}"),
                sector=escape(self.services.sector_title(appeal.sector)),
                municipality=escape(municipality.name)
                if municipality
                else t("case-card-no-municipality"),
                text=escape(appeal.text[:CARD_TEXT_CHARS]),
            ),
            reply_markup=self.triage_markup(appeal),
        )

    def _triage_button(
        self, text: str, appeal: Appeal, action: TriageAction, arg: str = ""
    ) -> InlineKeyboardButton:
        assert appeal.id is not None
        return InlineKeyboardButton(
            text=text, callback_data=TriageCb(action=action, appeal_id=appeal.id, arg=arg).pack()
        )

    def triage_markup(self, appeal: Appeal) -> InlineKeyboardMarkup:
        t, b = self.services.texts, self._triage_button
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [b(t("triage-button-sector"), appeal, TriageAction.SECTORS)],
                [b(t("triage-button-route"), appeal, TriageAction.AUTHORITIES)],
            ]
        )

    def triage_sectors_markup(self, appeal: Appeal) -> InlineKeyboardMarkup:
        s, b = self.services, self._triage_button
        buttons = [b(x.title, appeal, TriageAction.SECTOR, x.code) for x in s.sectors]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return InlineKeyboardMarkup(
            inline_keyboard=rows + [[b(s.texts("case-button-back"), appeal, TriageAction.BACK)]]
        )

    def triage_authorities_markup(
        self, appeal: Appeal, directory: Directory
    ) -> InlineKeyboardMarkup:
        t, b = self.services.texts, self._triage_button
        targets = [a for a in directory.authorities if a.active and a.chat_id is not None]
        targets.sort(key=lambda a: (a.municipality != appeal.municipality, a.name))
        rows = [[b(a.name[:60], appeal, TriageAction.AUTHORITY, a.code)] for a in targets[:40]]
        return InlineKeyboardMarkup(
            inline_keyboard=rows + [[b(t("case-button-back"), appeal, TriageAction.BACK)]]
        )

    # -- relays -----------------------------------------------------------------------------

    async def relay_to_citizen(self, n: Notification) -> None:
        assert n.appeal_id is not None
        header = await self.bot.send_message(
            n.chat_id, self.services.texts("relay-answer-header", number=n.payload["number"])
        )
        copied = await self.bot.copy_message(
            n.chat_id,
            n.payload["from_chat_id"],
            n.payload["message_id"],
            reply_parameters=_reply_to(n.payload.get("reply_to")),
        )
        await casework.link_notice(
            self.services.uow, n.appeal_id, n.chat_id, header.message_id, LinkDirection.TO_CITIZEN
        )
        await casework.link_notice(
            self.services.uow,
            n.appeal_id,
            n.chat_id,
            copied.message_id,
            LinkDirection.TO_CITIZEN,
            group=(n.payload["from_chat_id"], n.payload["message_id"]),
        )

    async def relay_to_group(self, n: Notification) -> None:
        appeal, directory = await self._case(n)
        authority = directory.authority(appeal.authority)
        if authority is None or authority.chat_id is None:
            return
        chat = authority.chat_id
        copied = await self._into_topic(
            appeal,
            authority,
            directory,
            lambda thread: self.bot.copy_message(
                chat,
                n.payload["from_chat_id"],
                n.payload["message_id"],
                message_thread_id=thread,
                reply_parameters=_reply_to(n.payload.get("reply_to")),
            ),
        )
        await casework.link_notice(  # its copy in the topic: edits follow it
            self.services.uow,
            appeal.id or 0,
            n.payload["from_chat_id"],
            n.payload["message_id"],
            LinkDirection.TO_GROUP,
            group=(chat, copied.message_id),
        )
        if n.payload.get("refresh_card"):  # the citizen answered a question
            await self.refresh_card(appeal)

    async def _into_topic(
        self,
        appeal: Appeal,
        authority: Authority,
        directory: Directory,
        send: Callable[[int], Awaitable[T]],
    ) -> T:
        """Send into the case's topic (paced); a topic deleted behind the bot's back is
        opened again from the database and the send repeated once."""
        assert authority.chat_id is not None
        for attempt in range(2):
            topic = await self.ensure_topic(appeal, authority, directory)
            self._pace(authority.chat_id)
            try:
                return await send(topic.thread_id)
            except TelegramBadRequest as exc:
                if not thread_is_gone(exc) or attempt:
                    raise
                log.warning("case %s: its topic was deleted; opening a new one", appeal.number)
                await casework.drop_topic(self.services.uow, topic.id or 0)
        raise AssertionError("unreachable")

    async def notice(self, n: Notification) -> None:
        assert n.appeal_id is not None
        extra = {}
        if "due_at" in n.payload:
            extra["date"] = fmt_deadline(
                self.services, datetime.fromisoformat(n.payload["due_at"])
            )
        if "authority" in n.payload:
            extra["authority"] = escape(n.payload["authority"] or "")
        sent: Message = await self.bot.send_message(
            n.chat_id,
            self.services.texts(
                f"notice-{n.payload['notice']}", number=n.payload["number"], **extra
            ),
        )
        await casework.link_notice(self.services.uow, n.appeal_id, n.chat_id, sent.message_id)

    async def info_request(self, n: Notification) -> None:
        """The authority's question, copied to the citizen under a header; a reply to either
        message goes back to the case's topic."""
        assert n.appeal_id is not None
        header = await self.bot.send_message(
            n.chat_id, self.services.texts("info-request-header", number=n.payload["number"])
        )
        copied = await self.bot.copy_message(
            n.chat_id, n.payload["from_chat_id"], n.payload["message_id"]
        )
        await casework.link_notice(self.services.uow, n.appeal_id, n.chat_id, header.message_id)
        await casework.link_notice(
            self.services.uow,
            n.appeal_id,
            n.chat_id,
            copied.message_id,
            LinkDirection.TO_CITIZEN,
            group=(n.payload["from_chat_id"], n.payload["message_id"]),
        )

    async def mirror_edit(self, n: Notification) -> None:
        """Edit the copy of an edited message (text or caption, with its formatting)."""
        if n.chat_id < 0:
            self._pace(n.chat_id)
        entities = [MessageEntity.model_validate(e) for e in n.payload.get("entities") or []]
        try:
            if n.payload.get("caption"):
                await self.bot.edit_message_caption(
                    chat_id=n.chat_id,
                    message_id=n.payload["message_id"],
                    caption=n.payload["text"],
                    caption_entities=entities,
                    parse_mode=None,
                )
            else:
                await self.bot.edit_message_text(
                    n.payload["text"],
                    chat_id=n.chat_id,
                    message_id=n.payload["message_id"],
                    entities=entities,
                    parse_mode=None,
                )
        except TelegramBadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def result(self, n: Notification) -> None:
        """The case is closed: the citizen hears how and says whether it was solved."""
        assert n.appeal_id is not None
        t = self.services.texts
        resolution = Resolution(n.payload["resolution"])
        markup = None
        if resolution is not Resolution.DUPLICATE:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=t(f"verdict-{v.value}"),
                            callback_data=FeedbackCb(
                                appeal_id=n.appeal_id, verdict=v.value
                            ).pack(),
                        )
                        for v in Verdict
                    ]
                ]
            )
        sent = await self.bot.send_message(
            n.chat_id,
            t(
                f"result-{resolution.value}",
                number=n.payload["number"],
                original=n.payload.get("duplicate_of", ""),
            ),
            reply_markup=markup,
        )
        await casework.link_notice(self.services.uow, n.appeal_id, n.chat_id, sent.message_id)

    # -- messages into a case's topic: notices and deadline reminders ----------------------

    def _mentions(self, authority: Authority) -> str:
        return ", ".join(
            f'<a href="tg://user?id={o.tg_user_id}">{escape(o.full_name)}</a>'
            for o in authority.heads
        )

    async def _say_in_topic(
        self, appeal: Appeal, authority: Authority, directory: Directory, text: str
    ) -> None:
        chat = authority.chat_id
        assert chat is not None
        await self._into_topic(
            appeal,
            authority,
            directory,
            lambda thread: self.bot.send_message(chat, text, message_thread_id=thread),
        )

    async def group_notice(self, n: Notification) -> None:
        t = self.services.texts
        number, notice = n.payload["number"], n.payload["notice"]
        if notice == "redirected":  # into the old topic, which is closed after it
            thread = n.payload["thread_id"]
            self._pace(n.chat_id)
            with contextlib.suppress(TelegramBadRequest):  # a deleted old topic: nothing to say
                await self.bot.send_message(
                    n.chat_id,
                    t(
                        "group-redirected",
                        number=number,
                        authority=escape(n.payload["target_name"]),
                        reason=escape(n.payload["reason"]),
                    ),
                    message_thread_id=thread,
                )
                await self.bot.close_forum_topic(n.chat_id, thread)
            return
        appeal, directory = await self._case(n)
        authority = directory.authority(appeal.authority)
        if authority is None or authority.chat_id != n.chat_id:
            return  # the case has moved on since
        heads = self._mentions(authority) if n.payload.get("mention_heads") else ""
        await self._say_in_topic(
            appeal, authority, directory, t(f"group-{notice}", number=number, heads=heads or "—")
        )
        await self.refresh_card(appeal)

    def _timer_is_live(self, n: Notification, appeal: Appeal) -> bool:
        """A timer written for the case as it was: dropped once the case closed, its
        deadline moved or it went to another authority (a newer timer took over)."""
        return (
            appeal.is_open
            and appeal.due_at is not None
            and appeal.due_at.isoformat() == n.payload.get("due_at")
        )

    async def reminder(self, n: Notification) -> None:
        appeal, directory = await self._case(n)
        authority = directory.authority(appeal.authority)
        if (
            not self._timer_is_live(n, appeal)
            or authority is None
            or authority.chat_id != n.chat_id
        ):
            return
        assert appeal.due_at is not None
        s, t = self.services, self.services.texts
        stage = int(n.payload["stage"])
        date = fmt_deadline(s, appeal.due_at)
        if stage >= 100:
            text = t(
                "reminder-due",
                number=appeal.number,
                date=date,
                heads=self._mentions(authority) or "—",
            )
        else:
            days = max(0, s.deadlines.working_days_left(appeal.due_at, s.clock.now()))
            text = t("reminder", number=appeal.number, percent=stage, date=date, days=days)
        await self._say_in_topic(appeal, authority, directory, text)
        await self.refresh_card(appeal)

    async def overdue(self, n: Notification) -> None:
        chat = self.services.settings.curator_chat_id
        appeal, directory = await self._case(n)
        if not self._timer_is_live(n, appeal):
            return
        if n.payload["stage"] == "law" and (
            appeal.law_due_at is None or appeal.law_due_at.isoformat() != n.payload["at"]
        ):
            return
        if chat is None:
            log.warning("case %s is overdue, but CURATOR_CHAT_ID is not set", appeal.number)
            return
        authority = directory.authority(appeal.authority)
        self._pace(chat)
        await self.bot.send_message(
            chat,
            self.services.texts(
                f"overdue-{n.payload['stage']}",
                number=appeal.number,
                authority=escape(authority.name)
                if authority
                else self.services.texts("triage-nobody"),
                date=fmt_deadline(self.services, datetime.fromisoformat(n.payload["at"])),
                status=status_name(self.services, appeal.status.value),
            ),
        )

    async def redirect_frame(self, n: Notification) -> None:
        """The 7 days to forward the case are running out and nobody has taken it: remind
        its holder (the authority's topic, or the ЦУР triage group)."""
        appeal, directory = await self._case(n)
        since = appeal.assigned_at
        if not appeal.is_open or since is None or since.isoformat() != n.payload["since"]:
            return  # closed, or moved on since the timer was written
        t = self.services.texts
        date = fmt_deadline(self.services, datetime.fromisoformat(n.payload["until"]))
        if n.chat_id == CURATORS_CHAT:
            chat = self.services.settings.curator_chat_id
            if appeal.status is not AppealStatus.TRIAGE or chat is None:
                return
            self._pace(chat)
            await self.bot.send_message(
                chat, t("redirect-frame-triage", number=appeal.number, date=date)
            )
            return
        authority = directory.authority(appeal.authority)
        if (
            appeal.status is not AppealStatus.ROUTED
            or authority is None
            or authority.chat_id != n.chat_id
        ):
            return  # taken in work (someone judged it), or it went elsewhere
        await self._say_in_topic(
            appeal, authority, directory, t("redirect-frame", number=appeal.number, date=date)
        )
