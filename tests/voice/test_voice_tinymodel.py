"""The generated tiny model is a real Vosk model that understands tones."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import vosk

from voice.tinymodel import build_tiny_model
from voice.tones import say_words, silence, tone


def recognise(model_dir: Path, pcm: bytes, rate: int = 16000) -> dict[str, Any]:
    """Run raw Vosk over ``pcm`` and return the merged final result."""
    vosk.SetLogLevel(-1)
    recognizer = vosk.KaldiRecognizer(vosk.Model(str(model_dir)), rate)
    recognizer.SetWords(True)
    step = rate // 5 * 2  # 0.2 s, an even number of bytes
    results = []
    for offset in range(0, len(pcm), step):
        if recognizer.AcceptWaveform(pcm[offset : offset + step]):
            results.append(json.loads(recognizer.Result()))
    results.append(json.loads(recognizer.FinalResult()))
    words = [word for result in results for word in result.get("result", [])]
    text = " ".join(result["text"] for result in results if result.get("text"))
    return {"text": text, "result": words}


def test_writes_the_files_vosk_needs(tiny_model_dir: Path) -> None:
    for name in (
        "am/final.mdl",
        "conf/model.conf",
        "conf/mfcc.conf",
        "graph/HCLG.fst",
        "graph/words.txt",
        "graph/phones/word_boundary.int",
    ):
        assert (tiny_model_dir / name).is_file(), name
    assert not (tiny_model_dir / "ivector").exists()
    words = (tiny_model_dir / "graph/words.txt").read_text(encoding="utf-8").split()
    assert words == ["<eps>", "0", "один", "1", "два", "2"]
    mdl = (tiny_model_dir / "am/final.mdl").read_text(encoding="ascii")
    assert mdl.startswith("<TransitionModel> \n")
    assert "<Nnet3> \ninput-node name=input dim=13\n" in mdl
    assert "--frame-subsampling-factor=3" in (tiny_model_dir / "conf/model.conf").read_text()


def test_hclg_is_an_openfst_vector_fst(tiny_model_dir: Path) -> None:
    data = (tiny_model_dir / "graph/HCLG.fst").read_bytes()
    magic, type_len = struct.unpack_from("<ii", data, 0)
    assert magic == 2125659606
    fst_type = data[8 : 8 + type_len]
    offset = 8 + type_len
    (arc_len,) = struct.unpack_from("<i", data, offset)
    arc_type = data[offset + 4 : offset + 4 + arc_len]
    offset += 4 + arc_len
    version, flags, _props, start, num_states, num_arcs = struct.unpack_from(
        "<iiQqqq", data, offset
    )
    assert (fst_type, arc_type, version, flags, start) == (b"vector", b"standard", 2, 0, 0)
    # per state: final weight (4) + arc count (8); per arc: 16 bytes
    assert len(data) == offset + 40 + num_states * 12 + num_arcs * 16


def test_model_loads(tiny_model_dir: Path) -> None:
    vosk.SetLogLevel(-1)
    model = vosk.Model(str(tiny_model_dir))
    assert model.vosk_model_find_word("один") == 1
    assert model.vosk_model_find_word("два") == 2
    assert model.vosk_model_find_word("три") == -1


@pytest.mark.parametrize(("freq", "word"), [(440.0, "один"), (3000.0, "два")])
def test_a_tone_is_one_word(tiny_model_dir: Path, freq: float, word: str) -> None:
    pcm = silence(0.3) + tone(freq, 0.6) + silence(0.3)
    result = recognise(tiny_model_dir, pcm)
    assert result["text"] == word
    [item] = result["result"]
    assert item["start"] == pytest.approx(0.3, abs=0.05)
    assert item["end"] == pytest.approx(0.9, abs=0.05)
    assert 0.0 < item["conf"] <= 1.0


def test_silence_gives_nothing(tiny_model_dir: Path) -> None:
    assert recognise(tiny_model_dir, silence(2.0))["text"] == ""


def test_sequence_with_pauses_has_sensible_word_times(tiny_model_dir: Path) -> None:
    pcm = say_words(["один", "два", "один"])  # 0.3 s silence, then 0.4 s words, 0.3 s gaps
    result = recognise(tiny_model_dir, pcm)
    assert result["text"] == "один два один"
    expected_starts = [0.3, 1.0, 1.7]
    previous_end = 0.0
    for item, start in zip(result["result"], expected_starts, strict=True):
        assert item["start"] == pytest.approx(start, abs=0.05)
        assert item["end"] == pytest.approx(start + 0.4, abs=0.05)
        assert previous_end <= item["start"] < item["end"]
        assert 0.0 < item["conf"] <= 1.0
        previous_end = item["end"]


def test_any_order_of_words_is_allowed(tiny_model_dir: Path) -> None:
    words = ["два", "два", "один", "два", "один", "один"]
    assert recognise(tiny_model_dir, say_words(words))["text"] == " ".join(words)


def test_8khz_audio_is_upsampled_by_vosk(tiny_model_dir: Path) -> None:
    result = recognise(tiny_model_dir, say_words(["два", "один"], 8000), rate=8000)
    assert result["text"] == "два один"
    assert result["result"][1]["start"] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(("amplitude", "text"), [(0.9, "один два"), (0.003, "один два")])
def test_loudness_does_not_change_the_word(
    tiny_model_dir: Path, amplitude: float, text: str
) -> None:
    pcm = say_words(["один", "два"], amplitude=amplitude)
    assert recognise(tiny_model_dir, pcm)["text"] == text


def test_very_quiet_tone_counts_as_silence(tiny_model_dir: Path) -> None:
    pcm = say_words(["один", "два"], amplitude=0.0003)  # RMS about 7 of 32768
    assert recognise(tiny_model_dir, pcm)["text"] == ""


def test_custom_words(tmp_path: Path) -> None:
    model_dir = build_tiny_model(tmp_path / "yes-no", ("yes", "no"))
    result = recognise(model_dir, say_words(["no", "yes"], vocabulary=("yes", "no")))
    assert result["text"] == "no yes"


@pytest.mark.parametrize("words", [("один", "один"), ("один", "два три"), ("", "два")])
def test_rejects_bad_words(tmp_path: Path, words: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="word"):
        build_tiny_model(tmp_path / "bad", words)


def test_command_line_entry(tmp_path: Path) -> None:
    out = tmp_path / "cli-model"
    completed = subprocess.run(
        [sys.executable, "-m", "voice.tinymodel", str(out)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.stdout.strip() == str(out)
    assert recognise(out, say_words(["два"]))["text"] == "два"


def test_tone_helpers() -> None:
    assert len(tone(440, 0.5)) == 16000
    assert len(tone(440, 0.5, rate=8000)) == 8000
    assert silence(0.25, 8000) == bytes(4000)
    # 0.3 s lead-in + 2 x (0.4 s word + 0.3 s gap)
    assert len(say_words(["один", "два"])) == 2 * round(1.7 * 16000)
    with pytest.raises(ValueError, match="only knows"):
        say_words(["три"])
    with pytest.raises(ValueError, match="amplitude"):
        tone(440, 0.1, amplitude=1.5)
