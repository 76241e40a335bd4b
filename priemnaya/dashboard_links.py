"""The dashboard's sign-in links as the bot and the web app share them: one secret, one
lifetime (both run in `priemnaya run`; a separate process with the same settings agrees)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.signin import SignInLinks
from priemnaya.bootstrap import Services
from priemnaya.settings import Settings

SECRET_FILE = "web-secret.key"


def dashboard_secret(settings: Settings) -> str:
    """WEB_SECRET_KEY, else a random key made once and kept in var/ (readable by the owner)."""
    if settings.web_secret_key is not None:
        return settings.web_secret_key.get_secret_value()
    path = Path(settings.var_dir) / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def signin_links(services: Services) -> SignInLinks:
    s = services.settings
    return SignInLinks(
        services.uow,
        services.clock,
        dashboard_secret(s),
        link_minutes=s.dashboard_link_minutes,
        session_hours=s.dashboard_session_hours,
    )


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.dashboard_url}/auth/{token}"
