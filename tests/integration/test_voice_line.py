"""A phone call through the AudioSocket line becomes an appeal in the database of the run."""

from __future__ import annotations

import stat
import sys
import uuid
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import services as core
from core.i18n import get_texts
from core.model import LOCAL_FILE_PREFIX, AttachmentKind, Channel
from priemnaya.bootstrap import Services, bootstrap
from priemnaya.phone import make_registrar, render_prompts
from priemnaya.settings import Settings
from tests.voice.test_phone_line import PROMPTS, call, speech8k
from voice.audio import decode_file
from voice.audiosocket import RATE, Kind, audio_frames, encode_frame
from voice.phone_line import (
    PROMPT_NAMES,
    CallerDirectory,
    CallResult,
    LineSettings,
    PhoneLine,
    Prompts,
    caller_api,
)
from voice.stt import SpeechRecognizer
from voice.tinymodel import build_tiny_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
async def services(test_db, tmp_path: Path) -> AsyncIterator[Services]:
    s = await bootstrap(
        Settings(database_url=test_db.url, voice_recordings_dir=tmp_path / "recordings")
    )
    yield s
    await s.close()


async def test_call_is_registered_as_a_phone_appeal_once(services: Services, model_dir: Path):
    speech = SpeechRecognizer(model_dir, max_workers=2)
    register = make_registrar(services)
    line = await PhoneLine(speech, register, PROMPTS, LineSettings(pause_seconds=1.0)).start()
    call_id = uuid.uuid4()
    try:
        heard = await call(
            line.port,
            audio_frames(speech8k("один", "два", "один")) + [encode_frame(Kind.DTMF, b"#")],
            call_id=call_id,
        )
    finally:
        await line.close()
    appeals = await core.list_appeals(services.uow)
    (appeal,) = [a for a in appeals if a.channel is Channel.PHONE]
    assert heard[1:-1] == ["registered", *(f"digit-{c}" for c in appeal.number if c.isdigit())]
    stored = await core.find_appeal(services.uow, appeal.number)
    assert stored.text == "один два один"
    assert stored.history[0].data["call_id"] == str(call_id)
    assert stored.history[0].data["ended_by"] == "dtmf"
    # The recording is kept with the case, as OGG/Opus the official can play in Telegram.
    (recording,) = stored.attachments
    assert recording.kind is AttachmentKind.AUDIO and recording.mime_type == "audio/ogg"
    assert recording.file_id == f"{LOCAL_FILE_PREFIX}call-{call_id}.ogg"
    path = services.settings.voice_recordings_dir / recording.file_name
    assert path.stat().st_size == recording.file_size
    again_heard = await speech.transcribe_audio(decode_file(path))
    assert again_heard.text == "один два один"
    # Asterisk retrying the same call (same UUID) does not make a second case.
    again = await register(CallResult(call_id, "один два один", [], 2.0, "dtmf"))
    assert again == appeal.number
    speech.close()


async def test_a_failed_registration_is_told_to_the_caller(model_dir: Path):
    async def broken(result: CallResult) -> str:
        raise ConnectionError("the database is down")

    speech = SpeechRecognizer(model_dir, max_workers=1)
    line = await PhoneLine(speech, broken, PROMPTS, LineSettings(pause_seconds=1.0)).start()
    try:
        heard = await call(
            line.port, audio_frames(speech8k("два")) + [encode_frame(Kind.DTMF, b"#")]
        )
    finally:
        await line.close()
        speech.close()
    assert heard[-1] == "failed"
    assert "registered" not in heard


def test_prompts_are_rendered_from_the_catalogue_at_8khz(tmp_path: Path):
    fake = tmp_path / "espeak-ng"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys, wave\n"
        "args = sys.argv[1:]\n"
        "assert args[args.index('-v') + 1] == 'ru'\n"
        "out = wave.open(args[args.index('-w') + 1], 'wb')\n"
        "out.setnchannels(1); out.setsampwidth(2); out.setframerate(22050)\n"
        "out.writeframes(b'\\x10\\x00' * (22050 // 10 + len(args[-1])))\n"
        "out.close()\n",
        encoding="utf-8",
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    written = render_prompts(get_texts(), tmp_path / "prompts", espeak=str(fake))
    assert sorted(p.stem for p in written) == sorted(PROMPT_NAMES)
    with wave.open(str(tmp_path / "prompts" / "greeting.wav")) as wav:
        assert wav.getframerate() == RATE
        assert wav.getnframes() > RATE // 10
    prompts = Prompts.from_directory(tmp_path / "prompts")
    assert set(prompts.pcm) == set(PROMPT_NAMES)


async def announce(client, call_id: uuid.UUID, caller: str) -> None:
    response = await client.post("/calls", data={"uuid": str(call_id), "caller": caller})
    assert response.status == 200


async def test_caller_announced_by_the_dialplan_later_sees_the_call_in_my(
    services: Services, model_dir: Path
):
    from aiohttp.test_utils import TestClient, TestServer

    callers = CallerDirectory()
    speech = SpeechRecognizer(model_dir, max_workers=1)
    line = await PhoneLine(
        speech, make_registrar(services), PROMPTS, LineSettings(pause_seconds=1.0), callers=callers
    ).start()
    client = TestClient(TestServer(caller_api(callers)))
    await client.start_server()
    try:
        bad = await client.post("/calls", data={"uuid": "not-a-uuid", "caller": "1"})
        assert bad.status == 400
        call_id = uuid.uuid4()
        await announce(client, call_id, "8 (912) 345-67-89")
        frames = audio_frames(speech8k("два", "два")) + [encode_frame(Kind.DTMF, b"#")]
        await call(line.port, frames, call_id=call_id)
    finally:
        await client.close()
        await line.close()
        speech.close()
    (appeal,) = [a for a in await core.list_appeals(services.uow) if a.channel is Channel.PHONE]
    assert appeal.caller_phone == "+79123456789" and appeal.citizen_id is None
    # The citizen shares the same number with the bot: the call becomes theirs.
    citizen = await core.give_consent(services.uow, services.clock, 5551, version="v1")
    assert citizen.id is not None
    await core.save_phone(services.uow, 5551, "+7 912 345 67 89")
    mine, total = await core.citizen_appeals(services.uow, citizen.id)
    assert total == 1 and [s.number for s in mine] == [appeal.number]


async def test_call_from_a_known_number_belongs_to_that_citizen_at_once(services: Services):
    citizen = await core.give_consent(services.uow, services.clock, 5552, version="v1")
    await core.save_phone(services.uow, 5552, "89001112233")
    number = await make_registrar(services)(
        CallResult(uuid.uuid4(), "один один", [], 1.0, "silence", caller="+79001112233")
    )
    assert number is not None
    stored = await core.find_appeal(services.uow, number)
    assert stored.citizen_id == citizen.id
