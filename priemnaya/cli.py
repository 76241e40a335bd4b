"""The `priemnaya` command: run the service, migrate the database, look at appeals."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from core import services as core
from core.errors import NotFound
from core.model import Appeal, AppealStatus
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.settings import Settings

T = TypeVar("T")

TOKEN_HELP = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

How to get a token:
  1. Open Telegram and write to @BotFather.
  2. Send /newbot, choose a name and a username ending in "bot".
  3. BotFather answers with a token like 123456789:AAH...; keep it secret.
Then start the service with it, e.g.:
  BOT_TOKEN=123456789:AAH... priemnaya run
or put BOT_TOKEN=... into a .env file in the working directory.
"""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise click.ClickException(f"invalid configuration:\n{exc}") from exc


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiogram.event").setLevel(max(logging.getLevelName(level), logging.WARNING))


def with_services(
    settings: Settings, work: Callable[[Services], Awaitable[T]], *, migrate: bool = True
) -> T:
    async def runner() -> T:
        services = await bootstrap(settings, migrate=migrate)
        try:
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(runner())


@click.group()
def main() -> None:
    """Priemnaya — citizen appeals to the regional ЦУР (Telegram bot, voice line)."""


@main.command()
def run() -> None:
    """Start the bot (long polling); applies database migrations first."""
    settings = load_settings()
    setup_logging(settings.log_level)
    if settings.bot_token is None:
        click.echo(TOKEN_HELP, err=True)
        sys.exit(2)
    from bot.app import run_polling

    with_services(settings, run_polling)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (also done automatically by `run`)."""
    settings = load_settings()
    setup_logging(settings.log_level)

    async def noop(_services: Services) -> None:
        return None

    with_services(settings, noop)
    click.echo("database is up to date")


@main.group()
def appeals() -> None:
    """Look at registered appeals (for ЦУР operators)."""


def appeal_as_dict(appeal: Appeal) -> dict[str, Any]:
    return {
        "number": appeal.number,
        "status": appeal.status.value,
        "channel": appeal.channel.value,
        "sector": appeal.sector,
        "sector_confidence": appeal.sector_confidence,
        "text": appeal.text,
        "created_at": appeal.created_at.isoformat(),
        "updated_at": appeal.updated_at.isoformat(),
        "location": (
            {
                "latitude": appeal.location.latitude,
                "longitude": appeal.location.longitude,
                "address": appeal.location.address,
            }
            if appeal.location
            else None
        ),
        "attachments": [
            {
                "kind": a.kind.value,
                "file_id": a.file_id,
                "file_name": a.file_name,
                "mime_type": a.mime_type,
                "file_size": a.file_size,
            }
            for a in appeal.attachments
        ],
        "history": [
            {"at": e.at.isoformat(), "kind": e.kind.value, "actor": e.actor.value, "data": e.data}
            for e in appeal.history
        ],
    }


@appeals.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--status", type=click.Choice([s.value for s in AppealStatus]), help="Only this status."
)
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
def appeals_list(as_json: bool, status: str | None, limit: int) -> None:
    """Newest appeals first."""
    settings = load_settings()

    async def work(services: Services) -> list[Appeal]:
        return await core.list_appeals(
            services.uow, status=AppealStatus(status) if status else None, limit=limit
        )

    items = with_services(settings, work)
    if as_json:
        click.echo(json.dumps([appeal_as_dict(a) for a in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("no appeals")
        return
    for a in items:
        excerpt = a.text.replace("\n", " ")[:60]
        click.echo(
            f"{a.number}  {a.created_at:%Y-%m-%d %H:%M}  {a.status.value:<14} "
            f"{a.sector or '-':<10} {excerpt}"
        )


@appeals.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def appeals_show(number: str, as_json: bool) -> None:
    """One appeal with its attachments and full history."""
    settings = load_settings()

    async def work(services: Services) -> Appeal | None:
        try:
            return await core.find_appeal(services.uow, number)
        except NotFound:
            return None

    appeal = with_services(settings, work)
    if appeal is None:
        raise click.ClickException(f"appeal {number} not found")
    data = appeal_as_dict(appeal)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"Appeal {appeal.number}  [{appeal.status.value}]  via {appeal.channel.value}")
    click.echo(f"Created: {appeal.created_at:%Y-%m-%d %H:%M %Z}   Sector: {appeal.sector or '-'}")
    if appeal.location:
        click.echo(f"Location: {appeal.location.latitude}, {appeal.location.longitude}")
    click.echo(f"\n{appeal.text}\n")
    for att in data["attachments"]:
        click.echo(f"  attachment: {att['kind']} {att['file_name'] or att['file_id']}")
    click.echo("History:")
    for event in data["history"]:
        click.echo(f"  {event['at']}  {event['kind']:<16} {event['actor']:<9} {event['data']}")


if __name__ == "__main__":
    main()
