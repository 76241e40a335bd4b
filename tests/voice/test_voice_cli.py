"""`priemnaya voice download-model` and `priemnaya transcribe` as an operator runs them."""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from priemnaya.cli import main
from tests.voice.test_voice_download import NAME, FakeModelServer, zip_model
from voice.tones import say_words, silence


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    fake = FakeModelServer()
    yield fake
    fake.close()


def write_wav(path: Path, pcm: bytes, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return path


def test_download_model_verifies_and_says_how_to_use_it(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path
):
    digest = server.publish(NAME, zip_model(tiny_model_dir))
    args = ["voice", "download-model", NAME, "--dest", str(tmp_path), "--base-url"]
    result = CliRunner().invoke(main, [*args, server.base_url, "--sha256", digest])
    assert result.exit_code == 0, result.output
    assert f"VOSK_MODEL_PATH={tmp_path / NAME}" in result.output
    assert (tmp_path / NAME / "graph" / "HCLG.fst").is_file()


def test_download_model_refuses_a_wrong_checksum(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path
):
    server.publish(NAME, zip_model(tiny_model_dir))
    args = ["voice", "download-model", NAME, "--dest", str(tmp_path / "m"), "--base-url"]
    result = CliRunner().invoke(main, [*args, server.base_url, "--sha256", "0" * 64])
    assert result.exit_code == 1
    assert "SHA-256 mismatch" in result.output
    assert not (tmp_path / "m" / NAME).exists()


def test_download_model_without_a_checksum_explains_what_to_pass(tmp_path: Path):
    result = CliRunner().invoke(
        main, ["voice", "download-model", "--dest", str(tmp_path)], env={"VOSK_MODEL_SHA256": ""}
    )
    assert result.exit_code == 1
    assert "--sha256" in result.output


def test_transcribe_prints_text_and_json_words(tiny_model_dir: Path, tmp_path: Path):
    audio = write_wav(tmp_path / "call.wav", say_words(["один", "два"], 8000), 8000)
    runner = CliRunner()
    plain = runner.invoke(main, ["transcribe", str(audio), "--model", str(tiny_model_dir)])
    assert plain.exit_code == 0, plain.output
    assert plain.output.strip() == "один два"
    as_json = runner.invoke(
        main, ["transcribe", str(audio), "--model", str(tiny_model_dir), "--json"]
    )
    data = json.loads(as_json.output)
    assert data["text"] == "один два"
    assert [w["word"] for w in data["words"]] == ["один", "два"]
    assert all(set(w) == {"word", "start", "end", "conf"} for w in data["words"])
    assert data["words"][0]["end"] <= data["words"][1]["start"]


def test_transcribe_explains_bad_audio_and_a_missing_model(tiny_model_dir: Path, tmp_path: Path):
    quiet = write_wav(tmp_path / "quiet.wav", silence(1.0))
    result = CliRunner().invoke(main, ["transcribe", str(quiet), "--model", str(tiny_model_dir)])
    assert result.exit_code == 1 and "silent" in result.output
    result = CliRunner().invoke(main, ["transcribe", str(quiet), "--model", str(tmp_path / "x")])
    assert result.exit_code == 1 and "not found" in result.output


def test_voice_line_explains_what_it_needs(tiny_model_dir: Path, tmp_path: Path):
    env = {"VOSK_MODEL_PATH": "", "VOICE_PROMPTS_DIR": str(tmp_path / "prompts")}
    result = CliRunner().invoke(main, ["voice-line"], env=env)
    assert result.exit_code == 1 and "VOSK_MODEL_PATH is not set" in result.output
    env["VOSK_MODEL_PATH"] = str(tiny_model_dir)
    result = CliRunner().invoke(main, ["voice-line"], env=env)
    assert result.exit_code == 1 and "voice render-prompts" in result.output
