"""Signing in to the web dashboard without passwords: the bot sends a registered official a
signed, short-lived, one-time link; the link becomes a browser session. Who may see what is
read from the directory on every request (a removed official loses access at once)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.analytics import Scope
from core.clock import Clock
from core.directory import Directory, OfficialRole
from core.ports import UnitOfWorkFactory

SALT = "priemnaya-dashboard-link"


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in person: their name, what they are, and what they may see."""

    tg_user_id: int
    full_name: str
    role: OfficialRole  # analyst (the region) or head (their authorities)
    scope: Scope


def viewer_of(directory: Directory, tg_user_id: int) -> Viewer | None:
    """A ЦУР analyst sees the region; an authority's head sees their authorities; anyone else
    (executors, observers, strangers) has no dashboard."""
    heads: list[str] = []
    name = None
    for authority in directory.authorities_of(tg_user_id):
        official = authority.official(tg_user_id)
        assert official is not None
        if official.role is OfficialRole.ANALYST:
            return Viewer(tg_user_id, official.full_name, official.role, Scope(region=True))
        if official.role is OfficialRole.HEAD:
            heads.append(authority.code)
            name = official.full_name
    if heads and name:
        scope = Scope(region=False, authorities=frozenset(heads))
        return Viewer(tg_user_id, name, OfficialRole.HEAD, scope)
    return None


class Refusal(StrEnum):
    FORGED = "forged"  # not signed by us, or altered
    EXPIRED = "expired"
    USED = "used"  # one-time: already opened (or unknown)
    NOT_ALLOWED = "not_allowed"  # the person has no dashboard (any more)


@dataclass(frozen=True, slots=True)
class LinkIssued:
    token: str
    minutes: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_token: str | None = None
    viewer: Viewer | None = None
    refusal: Refusal | None = None


class SignInLinks:
    """Issues and redeems links; `secret` signs them, `link_minutes` is their lifetime."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        secret: str,
        *,
        link_minutes: int = 10,
        session_hours: int = 8,
    ) -> None:
        self.uow, self.clock = uow, clock
        self.serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.link_minutes, self.session_hours = link_minutes, session_hours

    async def issue(self, tg_user_id: int) -> LinkIssued | None:
        """A link for `tg_user_id` when they may see the dashboard; None otherwise."""
        async with self.uow() as uow:
            if viewer_of(await uow.directory.load(), tg_user_id) is None:
                return None
            now = self.clock.now()
            nonce = secrets.token_urlsafe(24)
            expires = now + timedelta(minutes=self.link_minutes)
            await uow.signins.add_link(nonce, tg_user_id, now, expires)
            await uow.commit()
        return LinkIssued(self.sign(nonce, tg_user_id), self.link_minutes)

    def sign(self, nonce: str, tg_user_id: int) -> str:
        return self.serializer.dumps({"n": nonce, "u": tg_user_id})

    def _payload(self, token: str) -> dict[str, object] | Refusal:
        try:
            payload = self.serializer.loads(token, max_age=self.link_minutes * 60)
        except SignatureExpired:
            return Refusal.EXPIRED
        except BadSignature:
            return Refusal.FORGED
        if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
            return Refusal.FORGED
        return payload

    def check(self, token: str) -> Refusal | None:
        """Whether a link is ours and fresh, without spending it (the page that asks the
        person to press «Войти»: link previews and scanners only ever GET it)."""
        found = self._payload(token)
        return found if isinstance(found, Refusal) else None

    async def redeem(self, token: str) -> SignedIn:
        """Open a link once: a session for its official, or why not."""
        payload = self._payload(token)
        if isinstance(payload, Refusal):
            return SignedIn(refusal=payload)
        async with self.uow() as uow:
            now = self.clock.now()
            user = await uow.signins.use_link(str(payload["n"]), now)
            if user is None or user != payload.get("u"):
                await uow.commit()
                return SignedIn(refusal=Refusal.USED)
            viewer = viewer_of(await uow.directory.load(), user)
            if viewer is None:
                await uow.commit()  # the link is spent all the same
                return SignedIn(refusal=Refusal.NOT_ALLOWED)
            session = secrets.token_urlsafe(32)
            expires = now + timedelta(hours=self.session_hours)
            await uow.signins.add_session(_hash(session), user, now, expires)
            await uow.commit()
        return SignedIn(session_token=session, viewer=viewer)

    async def viewer(self, session_token: str | None) -> Viewer | None:
        """Who holds this session cookie now (None: signed out, expired, or no longer allowed)."""
        if not session_token:
            return None
        async with self.uow() as uow:
            user = await uow.signins.session_user(_hash(session_token), self.clock.now())
            if user is None:
                return None
            return viewer_of(await uow.directory.load(), user)

    async def sign_out(self, session_token: str | None) -> None:
        if not session_token:
            return
        async with self.uow() as uow:
            await uow.signins.drop_session(_hash(session_token))
            await uow.commit()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
