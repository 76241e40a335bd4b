"""Server-side HTML: Jinja2 templates with the i18n catalogue, number and date formats."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.i18n import Texts

TEMPLATES = Path(__file__).parent / "templates"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def num(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return f"{value:.{digits}f}".replace(".", ",")


class Renderer:
    def __init__(self, texts: Texts, tz: ZoneInfo) -> None:
        self.tz = tz
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html", "svg"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(t=texts, pct=pct, num=num)
        self.env.filters["local"] = self.local
        self.env.filters["day"] = lambda d: d.strftime("%d.%m.%Y") if d else "—"

    def local(self, value: datetime | date | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            return value.astimezone(self.tz).strftime("%d.%m.%Y %H:%M")
        return value.strftime("%d.%m.%Y")

    def html(self, name: str, status: int = 200, **context: Any) -> web.Response:
        body = self.env.get_template(name).render(**context)
        return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

    def text(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)
