"""The `priemnaya` command: run the service, migrate the database, look at appeals."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError

from core import services as core
from core.errors import NotFound, UnknownSector
from core.model import Appeal, AppealStatus
from priemnaya.bootstrap import SectorClassifier, Services, bootstrap
from priemnaya.cli_authorities import make_authorities_group
from priemnaya.cli_classify import make_classify_group
from priemnaya.cli_report import make_report_group
from priemnaya.cli_voice import transcribe, voice
from priemnaya.settings import Settings

if TYPE_CHECKING:
    from voice.stt import SpeechRecognizer

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
    settings: Settings,
    work: Callable[[Services], Awaitable[T]],
    *,
    migrate: bool = True,
    classifier: SectorClassifier | None = None,
    speech: SpeechRecognizer | None = None,
) -> T:
    async def runner() -> T:
        services = await bootstrap(settings, migrate=migrate, classifier=classifier, speech=speech)
        try:
            return await work(services)
        finally:
            await services.close()

    return run_async(runner())


def run_async(main_coroutine: Awaitable[T]) -> T:
    """Run on uvloop where it is installed (about 10 % more appeals/s), else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main_coroutine)  # type: ignore[arg-type]
    return uvloop.run(main_coroutine)  # type: ignore[arg-type]


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

    with_services(
        settings,
        run_polling,
        classifier=open_classifier(settings),
        speech=open_speech(settings),
    )


@main.command("voice-line")
def voice_line() -> None:
    """Answer phone calls from Asterisk (AudioSocket) and register what callers say."""
    settings = load_settings()
    setup_logging(settings.log_level)
    if settings.vosk_model_path is None:
        raise click.ClickException(
            "VOSK_MODEL_PATH is not set: the voice line needs a speech model "
            "(priemnaya voice download-model)"
        )
    prompts_dir = settings.voice_prompts_dir
    if not any(prompts_dir.glob("*.wav")):
        raise click.ClickException(
            f"no voice prompts in {prompts_dir}: run `priemnaya voice render-prompts` first"
        )
    from aiohttp import web

    from priemnaya.phone import make_registrar
    from voice.phone_line import CallerDirectory, PhoneLine, Prompts, caller_api

    speech = open_speech(settings)
    assert speech is not None

    async def serve(services: Services) -> None:
        callers = CallerDirectory()
        line = PhoneLine(
            speech,
            make_registrar(services),
            Prompts.from_directory(prompts_dir),
            callers=callers,
        )
        await line.start(settings.voice_line_host, settings.voice_line_port)
        app = caller_api(callers)
        line.websocket_routes(app)  # the same calls over WebSocket (FreeSWITCH audio fork)
        api = web.AppRunner(app)
        await api.setup()
        await web.TCPSite(api, settings.voice_line_host, settings.voice_line_api_port).start()
        click.echo(
            f"voice line on {settings.voice_line_host}:{line.port} (AudioSocket); "
            f"http://{settings.voice_line_host}:{settings.voice_line_api_port}: POST /calls "
            "(caller numbers), GET /ws/<call uuid> (audio over WebSocket)"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await line.close()
            await api.cleanup()

    with_services(settings, serve, classifier=open_classifier(settings), speech=speech)


def open_speech(settings: Settings) -> SpeechRecognizer | None:
    """The Vosk recogniser for voice notes (None without VOSK_MODEL_PATH)."""
    if settings.vosk_model_path is None:
        logging.getLogger(__name__).info(
            "VOSK_MODEL_PATH is not set: voice notes are kept as audio, not transcribed"
        )
        return None
    from voice.stt import ModelLoadError, SpeechRecognizer

    try:
        return SpeechRecognizer(settings.vosk_model_path, max_workers=settings.voice_workers)
    except (ModelLoadError, FileNotFoundError, OSError) as exc:
        raise click.ClickException(
            f"cannot load the Vosk model from {settings.vosk_model_path}: {exc}"
        ) from exc


def open_classifier(settings: Settings) -> SectorClassifier | None:
    """The sector classifier `run` uses (None when switched off)."""
    if not settings.classifier_enabled:
        return None
    from core.classification import load_classifier

    started = time.perf_counter()
    models = settings.var_dir / "models"
    region_model = models / "classifier.joblib"
    path = settings.classifier_model or (region_model if region_model.exists() else None)
    try:
        clf = load_classifier(path, cache_dir=models)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(f"cannot load the sector classifier: {exc}") from exc
    logging.getLogger(__name__).info(
        "sector classifier ready in %.2f s (%s)",
        time.perf_counter() - started,
        path or "default model",
    )
    return clf


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
        "municipality": appeal.municipality,
        "authority": appeal.authority,
        "caller_phone": appeal.caller_phone,  # the number a phone appeal came from
        "due_at": appeal.due_at.isoformat() if appeal.due_at else None,
        "law_due_at": appeal.law_due_at.isoformat() if appeal.law_due_at else None,
        "extensions": appeal.extensions,
        "verdict": appeal.verdict.value if appeal.verdict else None,
        "rating": appeal.rating,
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


@appeals.command("set-sector")
@click.argument("number")
@click.argument("sector")
def appeals_set_sector(number: str, sector: str) -> None:
    """Re-assign an appeal to another sector (kept as a labeled example for retraining)."""
    settings = load_settings()

    async def work(services: Services) -> Appeal:
        known = {s.code for s in services.sectors}
        return await core.correct_sector(
            services.uow, services.clock, number, sector, known_sectors=known
        )

    try:
        appeal = with_services(settings, work)
    except NotFound as exc:
        raise click.ClickException(f"appeal {number} not found") from exc
    except UnknownSector as exc:
        raise click.ClickException(f"unknown sector {sector!r}") from exc
    click.echo(f"{appeal.number}: sector {appeal.sector}")


def stored_corrections() -> list[tuple[str, str]]:
    """Sector corrections from the database, as (text, sector) training pairs."""
    settings = load_settings()

    async def work(services: Services) -> list[tuple[str, str]]:
        return [(e.text, e.sector) for e in await core.labeled_examples(services.uow)]

    return with_services(settings, work)


main.add_command(make_classify_group(extra_examples=stored_corrections))
main.add_command(voice)
main.add_command(transcribe)


if __name__ == "__main__":
    main()
main.add_command(make_authorities_group(load_settings, with_services), name="authorities")
main.add_command(make_report_group(load_settings, with_services), name="report")
