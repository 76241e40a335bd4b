"""Run the whole test suite: lint, then pytest once per backend mode.

Modes: `sqlite` (SQLite file, FSM in memory — the embedded defaults) and `postgres+redis`
(the servers on 127.0.0.1). The second runs when the servers answer; with CI=true they are
required. Extra arguments go to pytest.

The modes run at the same time (most of a mode's time is spent waiting on the bot processes
it drives), each writing its log to var/test-reports/<mode>.log, shown when it ends;
PRIEMNAYA_TEST_SERIAL=1 runs them one after another with live output.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("PRIEMNAYA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PRIEMNAYA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REPORTS = ROOT / "var" / "test-reports"


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def counts(report: Path) -> tuple[int, int, int]:
    """passed, failed (incl. errors), skipped from a JUnit XML report."""
    if not report.exists():
        return 0, 1, 0
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return tests - failed - skipped, failed, skipped


CHROMIUM = Path("/usr/bin/chromium")


def ensure_browser() -> None:
    """The browser tests drive the system Chromium (Debian's `chromium`, `chromium-driver`)
    through Playwright; install it quietly when it is missing."""
    if CHROMIUM.exists():
        return
    print("== installing chromium (apt-get) for the browser tests", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False, **quiet)
    result = subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends",
         "chromium", "chromium-driver"],
        check=False,
        **quiet,
    )
    if result.returncode != 0 or not CHROMIUM.exists():
        print("could not install chromium: the browser tests will fail", flush=True)


def prepare(python: str) -> None:
    """What both modes share, made once before they start: the system browser, and the
    default sector model that the end-to-end bots load (trained from the shipped corpus,
    cached in var/test-models)."""
    ensure_browser()
    subprocess.run(
        [python, "-c", "from tests.e2e.harness import shared_classifier_model as m; m()"],
        cwd=ROOT,
        check=True,
    )


def run_modes(
    python: str, modes: list[tuple[str, dict[str, str]]], args: list[str], *, serial: bool
) -> list[tuple[str, Path, int]]:
    """pytest once per mode: (mode, its JUnit report, exit code)."""
    started = []
    for name, env in modes:
        slug = name.replace("+", "-")
        report, log_path = REPORTS / f"{slug}.xml", REPORTS / f"{slug}.log"
        report.unlink(missing_ok=True)
        command = [python, "-m", "pytest", f"--junitxml={report}", *args]
        if serial:
            print(f"\n== pytest, mode {name}", flush=True)
            code = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}).returncode
            started.append((name, report, log_path, code))
            continue
        with log_path.open("w") as log:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
            )
        started.append((name, report, log_path, proc))
    if serial:
        return [(name, report, code) for name, report, _, code in started]
    print(f"\n== pytest, modes {', '.join(n for n, _ in modes)} at once", flush=True)
    results = []
    for name, report, log_path, proc in started:
        code = proc.wait()
        print(f"\n== mode {name} ({log_path.relative_to(ROOT)})", flush=True)
        print(log_path.read_text(encoding="utf-8", errors="replace"), flush=True)
        results.append((name, report, code))
    return results


def main() -> int:
    python = sys.executable
    print("== ruff check", flush=True)
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT)
    modes: list[tuple[str, dict[str, str]]] = [
        ("sqlite", {"PRIEMNAYA_TEST_DB": "sqlite", "PRIEMNAYA_TEST_REDIS": ""})
    ]
    servers_up = reachable(PG_URL, 5432) and reachable(REDIS_URL, 6379)
    if servers_up:
        modes.append(
            ("postgres+redis", {"PRIEMNAYA_TEST_DB": PG_URL, "PRIEMNAYA_TEST_REDIS": REDIS_URL})
        )
    elif os.environ.get("CI") == "true":
        print(
            f"PostgreSQL ({PG_URL}) or Redis ({REDIS_URL}) is not reachable; "
            "CI requires both (.ci/run starts them)",
            flush=True,
        )
        return 1
    else:
        print(
            f"NOTE: PostgreSQL/Redis not reachable at {PG_URL} / {REDIS_URL}: "
            "running the SQLite mode only",
            flush=True,
        )
    REPORTS.mkdir(parents=True, exist_ok=True)
    prepare(python)
    serial = os.environ.get("PRIEMNAYA_TEST_SERIAL") == "1" or len(modes) == 1
    runs = run_modes(python, modes, sys.argv[1:], serial=serial)
    total = [0, 0, 0]
    failed_modes = []
    for name, report, code in runs:
        passed, failed, skipped = counts(report)
        total = [total[0] + passed, total[1] + failed, total[2] + skipped]
        if code != 0:
            failed_modes.append(name)
    print(
        f"\nmodes: {', '.join(n for n, _ in modes)}; failed: {', '.join(failed_modes) or 'none'}"
        f"; ruff: {'ok' if lint.returncode == 0 else 'FAILED'}"
    )
    print(f"total: {total[0]} passed, {total[1]} failed, {total[2]} skipped", flush=True)
    return 1 if failed_modes or lint.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
