"""`priemnaya voice download-model` and `priemnaya transcribe FILE`: the speech model and a check.

priemnaya voice download-model --sha256 <64 hex digits>     # vosk-model-small-ru-0.22
priemnaya transcribe call.wav --model var/models/vosk-model-small-ru-0.22 --json
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from tqdm import tqdm

from voice.model_download import (
    DEFAULT_BASE_URL,
    DEFAULT_DEST_DIR,
    DEFAULT_MODEL,
    ModelDownloadError,
    download_model,
)


@click.group()
def voice() -> None:
    """Speech recognition (Vosk): the model."""


@voice.command("download-model")
@click.argument("name", default=DEFAULT_MODEL)
@click.option(
    "--sha256",
    envvar="VOSK_MODEL_SHA256",
    help="Expected SHA-256 of the archive (Alpha Cephei publishes none: pin the one you trust).",
)
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DEST_DIR,
    show_default=True,
    help="Directory that receives NAME/.",
)
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True, help="Where models live.")
def download_model_command(name: str, sha256: str | None, dest: Path, base_url: str) -> None:
    """Download an official Vosk model, verify its SHA-256 and unpack it."""
    with tqdm(unit="B", unit_scale=True, desc=name, leave=False) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            path = download_model(name, dest, base_url=base_url, sha256=sha256, progress=progress)
        except (ModelDownloadError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"model ready: {path}")
    click.echo(f"use it with: VOSK_MODEL_PATH={path}")


@voice.command("render-prompts")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the WAV prompts (default: VOICE_PROMPTS_DIR, var/prompts).",
)
def render_prompts_command(dest: Path | None) -> None:
    """Speak the voice line's prompts (i18n catalogue) with espeak-ng into 8 kHz WAV files."""
    import shutil

    from core.i18n import get_texts
    from priemnaya.phone import render_prompts
    from priemnaya.settings import Settings

    if shutil.which("espeak-ng") is None:
        raise click.ClickException("espeak-ng is not installed (Debian: apt install espeak-ng)")
    target = dest or Settings().voice_prompts_dir
    written = render_prompts(get_texts(), target)
    click.echo(f"{len(written)} prompts written to {target}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VOSK_MODEL_PATH",
    required=True,
    help="Vosk model directory (default: $VOSK_MODEL_PATH).",
)
@click.option("--json", "as_json", is_flag=True, help="Print {text, words: [...]} as JSON.")
def transcribe(file: Path, model_dir: Path, as_json: bool) -> None:
    """Print what is said in an audio FILE (OGG/Opus, WAV, MP3, ...)."""
    from voice.audio import AudioError
    from voice.cli_helpers import transcribe_file
    from voice.stt import ModelLoadError

    try:
        result = transcribe_file(file, model_dir)
    except ModelLoadError as exc:
        raise click.ClickException(str(exc)) from exc
    except AudioError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(result["text"] or "(no speech recognised)")
