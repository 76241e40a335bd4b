"""The end-of-turn rules: the same answer to the 20 ms whatever batches the audio comes in."""

from __future__ import annotations

import pytest

from voice.tones import silence, tone
from voice.turns import Turn

RATE = 8000
WINDOW = 320  # bytes of 20 ms


def new_turn(**overrides: float) -> Turn:
    rules = {
        "pause_seconds": 1.0,
        "no_speech_seconds": 3.0,
        "max_seconds": 30.0,
        "speech_dbfs": -35.0,
    }
    rules.update(overrides)
    return Turn(RATE, **rules)


def feed(turn: Turn, pcm: bytes, batch: int) -> bytes:
    kept = b""
    for offset in range(0, len(pcm), batch):
        kept += turn.push(pcm[offset : offset + batch])
    return kept


SPEECH = tone(440, 0.5, RATE)  # 25 windows
AFTER = tone(3000, 0.4, RATE)  # said after the pause: not part of the turn


@pytest.mark.parametrize("batch", [WINDOW, 480, 800, 1234, 10**6], ids=str)
def test_the_pause_ends_the_turn_at_the_same_window_whatever_the_batches(batch: int):
    turn = new_turn()
    kept = feed(turn, SPEECH + silence(1.5, RATE) + AFTER, batch)
    assert turn.ended_by == "silence" and turn.heard
    # speech, then exactly the 1 s pause (50 windows): nothing after it
    assert kept == SPEECH + silence(1.0, RATE)
    assert turn.seconds == pytest.approx(1.5)


def test_nothing_is_kept_after_the_end():
    turn = new_turn()
    turn.push(SPEECH + silence(1.0, RATE))
    assert turn.ended_by == "silence"
    assert turn.push(AFTER) == b""


def test_silence_before_speech_never_ends_the_turn_before_the_no_speech_time():
    turn = new_turn(no_speech_seconds=3.0)
    kept = feed(turn, silence(2.5, RATE) + SPEECH + silence(1.2, RATE), 800)
    assert turn.ended_by == "silence"
    assert kept == silence(2.5, RATE) + SPEECH + silence(1.0, RATE)


def test_a_caller_who_says_nothing_ends_at_the_no_speech_time():
    turn = new_turn(no_speech_seconds=2.0)
    kept = feed(turn, silence(3.0, RATE) + SPEECH, 1000)
    assert turn.ended_by == "no-speech" and not turn.heard
    assert len(kept) == 2 * int(2.0 * RATE)


def test_the_longest_turn_is_cut_at_max_seconds():
    turn = new_turn(max_seconds=1.0)
    kept = feed(turn, tone(440, 2.0, RATE), 4000)
    assert turn.ended_by == "max-duration"
    assert len(kept) == 2 * RATE


def test_a_short_last_piece_counts_when_the_call_ends_otherwise():
    turn = new_turn()
    turn.push(SPEECH + tone(440, 0.01, RATE))  # 10 ms past the last whole window
    assert turn.ended_by is None
    turn.finish()
    assert turn.seconds == pytest.approx(0.51)
    quiet = new_turn()
    quiet.push(tone(440, 0.01, RATE))  # less than one window, loud
    quiet.finish()
    assert quiet.heard
