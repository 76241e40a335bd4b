#!/usr/bin/env python3
"""A real call through a real Asterisk into `priemnaya voice-line`, checked end to end.

Not part of the test suite: it needs root (chroot, mounts) and Debian's mirror. It

1. debootstraps a Debian sid chroot (cached in var/asterisk-e2e/sid; the first run downloads
   ~100 MB) and installs asterisk (22.x: app_audiosocket, func_curl, res_pjsip) and
   sip-tester (sipp) there;
2. configures Asterisk with the pjsip.conf and extensions.conf shipped in docs/asterisk/ (only
   the provider's address and the ports are substituted);
3. starts the voice line on the host (tiny generated Vosk model, a fresh SQLite database,
   prompts rendered with espeak-ng when present) and Asterisk in the chroot;
4. places a call with sipp from +79101234567 playing an 8 kHz μ-law WAV over RTP (tones the
   tiny model hears as «один два один», then silence) and waits for the line to hang up;
5. checks the appeal: transcript, caller number, recording, how the turn ended.

    sudo .venv/bin/python scripts/asterisk_e2e.py [--mirror URL] [--keep]

Prints one line per check and exits 0 when all pass (1: a check failed, 2: set-up failed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "var" / "asterisk-e2e"
CHROOT = CACHE / "sid"
STAMP = CHROOT / ".priemnaya-ready"
PACKAGES = ["asterisk", "asterisk-modules", "sip-tester", "curl"]
APT = ["apt-get", "-o", "Acquire::Check-Valid-Until=false", "-o", "Acquire::Retries=3"]
CALLER = "+79101234567"
WORDS = ["один", "два", "один"]
PROVIDER_IP = "203.0.113.10"  # the placeholder in docs/asterisk/pjsip.conf


class SetupError(RuntimeError):
    """The environment could not be prepared (no root, no mirror, Asterisk did not start)."""


class Checks:
    def __init__(self) -> None:
        self.results: list[tuple[bool, str, str]] = []

    def check(self, ok: bool, what: str, detail: object = "") -> bool:
        self.results.append((bool(ok), what, str(detail)))
        print(f"[{'ok' if ok else 'FAIL'}] {what}" + (f": {detail}" if detail != "" else ""))
        return bool(ok)

    @property
    def failed(self) -> int:
        return sum(1 for ok, _, _ in self.results if not ok)


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def in_chroot(*cmd: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"}
    return run(["chroot", str(CHROOT), *cmd], env=env, timeout=timeout)


def tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# -- the chroot ----------------------------------------------------------------------------


@contextlib.contextmanager
def mounted() -> Iterator[None]:
    """/proc and /dev inside the chroot while it is used."""
    done = []
    try:
        for fs, target, opts in (
            ("proc", CHROOT / "proc", ["-t", "proc"]),
            ("/dev", CHROOT / "dev", ["--bind"]),
        ):
            if not os.path.ismount(target):
                result = run(["mount", *opts, fs, str(target)])
                if result.returncode != 0:
                    raise SetupError(f"cannot mount {fs} in the chroot: {result.stderr.strip()}")
                done.append(target)
        yield
    finally:
        for target in reversed(done):
            run(["umount", "-l", str(target)])


def prepare_chroot(mirror: str, checks: Checks) -> None:
    if STAMP.exists():
        checks.check(True, "Debian sid chroot (cached)", CHROOT.relative_to(ROOT))
        return
    if shutil.which("debootstrap") is None:
        raise SetupError("debootstrap is not installed (apt-get install debootstrap)")
    started = time.monotonic()
    if not (CHROOT / "usr" / "bin" / "apt-get").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        result = run(
            ["debootstrap", "--variant=minbase", "sid", str(CHROOT), mirror], timeout=1800
        )
        if result.returncode != 0:
            raise SetupError(
                f"debootstrap could not build sid from {mirror} (exit {result.returncode}):\n"
                + tail(result.stdout + result.stderr)
                + f"\n(see {CHROOT}/debootstrap/debootstrap.log)"
            )
    with mounted():
        for step in (["update"], ["install", "-y", "--no-install-recommends", *PACKAGES]):
            result = in_chroot(*APT, *step, timeout=1800)
            if result.returncode != 0:
                raise SetupError(
                    f"apt-get {step[0]} in the chroot failed ({mirror}):\n"
                    + tail(result.stdout + result.stderr)
                )
    STAMP.write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    checks.check(True, "Debian sid chroot built", f"{time.monotonic() - started:.0f} s")


# -- configuration -------------------------------------------------------------------------


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configure_asterisk(sip_port: int, line_port: int, api_port: int) -> None:
    """docs/asterisk/*.conf as shipped; only addresses and ports are local to this run."""
    etc = CHROOT / "etc" / "asterisk"
    pjsip = (ROOT / "docs" / "asterisk" / "pjsip.conf").read_text()
    pjsip = pjsip.replace(PROVIDER_IP, "127.0.0.1")
    pjsip = pjsip.replace("0.0.0.0:5060", f"127.0.0.1:{sip_port}")
    dialplan = (ROOT / "docs" / "asterisk" / "extensions.conf").read_text()
    dialplan = dialplan.replace("127.0.0.1:9093", f"127.0.0.1:{api_port}")
    dialplan = dialplan.replace("127.0.0.1:9092", f"127.0.0.1:{line_port}")
    (etc / "pjsip.conf").write_text(pjsip)
    (etc / "extensions.conf").write_text(dialplan)
    (etc / "rtp.conf").write_text("[general]\nrtpstart=31000\nrtpend=31999\n")
    (etc / "logger.conf").write_text("[logfiles]\nconsole => notice,warning,error,verbose\n")
    # Everything Debian ships, minus the channel drivers that would open ports of their own.
    noload = [
        "chan_iax2.so",
        "chan_skinny.so",
        "chan_mgcp.so",
        "chan_unistim.so",
        "chan_dahdi.so",
        "chan_sip.so",
        "res_ari.so",
        "cdr_radius.so",
        "cel_radius.so",
    ]
    (etc / "modules.conf").write_text(
        "[modules]\nautoload=yes\n" + "".join(f"noload => {m}\n" for m in noload)
    )
    (CHROOT / "run" / "asterisk").mkdir(parents=True, exist_ok=True)


def call_wav(path: Path) -> None:
    """The caller's speech for the tiny model, then 3 s of silence (the turn's pause), as an
    8 kHz μ-law WAV the way sipp streams it."""
    import av

    from voice.tones import say_words, silence

    pcm = say_words(WORDS, 8000) + silence(3.0, 8000)
    import numpy as np

    with av.open(str(path), mode="w", format="wav") as out:
        stream = out.add_stream("pcm_mulaw", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(pcm, dtype="<i2").reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="A citizen calls the voice line">
  <send retrans="500"><![CDATA[
INVITE sip:1000@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Citizen" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1000@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=citizen 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:1000@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Citizen" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1000@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><exec rtp_stream="{wav},1,0"/></action></nop>
  <recv request="BYE" timeout="90000"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:{caller}@[local_ip]:[local_port]>
Content-Length: 0
]]></send>
</scenario>
"""


# -- processes -----------------------------------------------------------------------------


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def priemnaya(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "priemnaya", *args], env=env, cwd=env["WORKDIR"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", default="http://deb.debian.org/debian")
    parser.add_argument("--keep", action="store_true", help="keep the run's files")
    args = parser.parse_args()
    checks = Checks()
    started = time.monotonic()
    if os.geteuid() != 0:
        print("needs root (chroot and mounts): sudo .venv/bin/python scripts/asterisk_e2e.py")
        return 2
    work = Path(tempfile.mkdtemp(prefix="asterisk-e2e-", dir=CACHE if CACHE.exists() else None))
    started_processes: list[subprocess.Popen[str]] = []
    try:
        prepare_chroot(args.mirror, checks)
        with mounted():
            call_through(checks, work, started_processes)
    except SetupError as exc:
        print(f"[SETUP FAILED] {exc}")
        return 2
    finally:
        for process in reversed(started_processes):
            if process is not None and process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"{len(checks.results) - checks.failed}/{len(checks.results)} checks passed "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 1 if checks.failed else 0


def call_through(checks: Checks, work: Path, processes: list[subprocess.Popen[str]]) -> None:
    from voice.tinymodel import build_tiny_model

    version = in_chroot("asterisk", "-V").stdout.strip()
    checks.check(version.startswith("Asterisk 22."), "Asterisk 22.x installed", version)
    sipp_version = [v for v in in_chroot("sipp", "-v").stdout.splitlines() if "SIPp" in v]
    checks.check(
        any("PCAP" in v for v in sipp_version), "sipp with RTP streaming", " ".join(sipp_version)
    )

    sip_port, line_port, api_port = free_port(socket.SOCK_DGRAM), free_port(), free_port()
    configure_asterisk(sip_port, line_port, api_port)
    model = build_tiny_model(work / "model")
    env = {
        **os.environ,
        "WORKDIR": str(work),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{work}/priemnaya.db",
        "VOSK_MODEL_PATH": str(model),
        "VOICE_PROMPTS_DIR": str(work / "prompts"),
        "VOICE_RECORDINGS_DIR": str(work / "recordings"),
        "VOICE_LINE_HOST": "127.0.0.1",
        "VOICE_LINE_PORT": str(line_port),
        "VOICE_LINE_API_PORT": str(api_port),
        "CLASSIFIER_ENABLED": "false",
    }
    rendered = priemnaya(env, "voice", "render-prompts")
    if rendered.returncode != 0:
        raise SetupError(f"render-prompts failed:\n{tail(rendered.stderr)}")
    prompts = sorted(p.stem for p in (work / "prompts").glob("*.wav"))
    checks.check(len(prompts) == 15, "prompts rendered with espeak-ng", f"{len(prompts)} files")

    line_log = (work / "voice-line.log").open("w")
    line = subprocess.Popen(
        [sys.executable, "-m", "priemnaya", "voice-line"],
        env=env,
        cwd=work,
        stdout=line_log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    processes.append(line)
    checks.check(
        wait_until(lambda: port_open(line_port) and port_open(api_port), 60),
        "voice line listening",
        f"AudioSocket :{line_port}, HTTP :{api_port}",
    )

    control = CHROOT / "run" / "asterisk" / "asterisk.ctl"
    if control.exists():  # left by an aborted run
        in_chroot("asterisk", "-rx", "core stop now", timeout=20)
        control.unlink(missing_ok=True)
    ast_log = (work / "asterisk.log").open("w")
    asterisk = subprocess.Popen(
        ["chroot", str(CHROOT), "asterisk", "-f", "-n", "-vvv"],
        stdin=subprocess.DEVNULL,
        stdout=ast_log,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb"},
    )
    processes.append(asterisk)
    wait_until(control.exists, 30)
    booted = in_chroot("asterisk", "-rx", "core waitfullybooted", timeout=60)
    if booted.returncode != 0:
        raise SetupError(f"Asterisk did not start:\n{tail((work / 'asterisk.log').read_text())}")
    checks.check(True, "Asterisk fully booted")
    modules = in_chroot("asterisk", "-rx", "module show").stdout
    for module in ("app_audiosocket.so", "func_curl.so", "chan_pjsip.so", "func_uri.so"):
        checks.check(module in modules, f"module {module} loaded")
    endpoints = in_chroot("asterisk", "-rx", "pjsip show endpoints").stdout
    checks.check("provider" in endpoints, "pjsip endpoint from docs/asterisk/pjsip.conf")
    dialplan = in_chroot("asterisk", "-rx", "dialplan show voice-line").stdout
    checks.check("AudioSocket" in dialplan, "dialplan from docs/asterisk/extensions.conf")

    call_wav(CHROOT / "tmp" / "call.wav")
    (CHROOT / "tmp" / "call.xml").write_text(
        SCENARIO.format(caller=CALLER, wav="/tmp/call.wav"), encoding="iso-8859-1"
    )
    call_started = time.monotonic()
    sipp = in_chroot(
        "sipp", f"127.0.0.1:{sip_port}", "-sf", "/tmp/call.xml", "-m", "1", "-l", "1",
        "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)),
        "-mp", str(free_port(socket.SOCK_DGRAM)), "-timeout", "120s", "-timeout_error",
        "-nostdin", "-trace_err",
        timeout=150,
    )  # fmt: skip
    call_seconds = time.monotonic() - call_started
    checks.check(
        sipp.returncode == 0,
        "sipp call answered, streamed, hung up by the line",
        f"exit {sipp.returncode}, {call_seconds:.1f} s"
        + ("" if sipp.returncode == 0 else "\n" + tail(sipp.stdout + sipp.stderr, 20)),
    )

    def registered() -> list[dict]:
        done = priemnaya(env, "appeals", "list", "--json")
        return json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else []

    wait_until(lambda: bool(registered()), 15, 0.5)
    appeals = registered()
    if not checks.check(len(appeals) == 1, "one appeal registered", len(appeals)):
        print(tail((work / "voice-line.log").read_text(), 30))
        print(tail((work / "asterisk.log").read_text(), 30))
        return
    shown = priemnaya(env, "appeals", "show", appeals[0]["number"], "--json")
    appeal = json.loads(shown.stdout)
    checks.check(appeal.get("channel") == "phone", "channel is phone", appeal.get("channel"))
    checks.check(appeal.get("text") == " ".join(WORDS), "transcript", appeal.get("text"))
    checks.check(appeal.get("caller_phone") == CALLER, "caller number from the dialplan",
                 appeal.get("caller_phone"))  # fmt: skip
    created = next((e for e in appeal.get("history", []) if e.get("kind") == "created"), {})
    data = created.get("data", {})
    ended_by = data.get("ended_by")
    checks.check(ended_by == "silence", "turn ended by the pause", ended_by)
    checks.check(
        bool(data.get("transcripts")) and data["transcripts"][0]["check"] == "phone",
        "transcript with word confidences kept",
        [w for w, _ in (data.get("transcripts") or [{}])[0].get("words", [])],
    )
    attachments = appeal.get("attachments", [])
    checks.check(
        len(attachments) == 1 and attachments[0].get("mime_type") == "audio/ogg",
        "recording attached",
        attachments[0].get("file_name") if attachments else None,
    )
    if attachments:
        from voice.audio import decode_file

        path = work / "recordings" / str(attachments[0]["file_name"])
        checks.check(path.exists(), "recording file on disk", path.name)
        if path.exists():
            audio = decode_file(path, rate=8000, silence_dbfs=None)
            checks.check(
                audio.seconds >= 3.0 and audio.dbfs > -40,
                "recording holds the caller's speech",
                f"{audio.seconds:.1f} s, {audio.dbfs:.1f} dBFS",
            )
    log_text = (work / "voice-line.log").read_text()
    checks.check("ended by silence, registered" in log_text, "voice line logged the call")


if __name__ == "__main__":
    sys.exit(main())
