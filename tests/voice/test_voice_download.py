"""download_model against a local HTTP server: checksum, safe unpacking, atomicity."""

from __future__ import annotations

import hashlib
import io
import stat
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from voice.model_download import (
    DEFAULT_MODEL,
    KNOWN_SHA256,
    ChecksumMismatch,
    ModelDownloadError,
    UnknownChecksum,
    UnsafeArchive,
    download_model,
)
from voice.stt import SpeechRecognizer
from voice.tones import say_words

NAME = "vosk-model-tiny-test-0.1"


class FakeModelServer:
    """Serves ``files`` (URL path -> bytes) and counts the requests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/vosk/models"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def publish(self, name: str, data: bytes) -> str:
        """Serve ``data`` as ``NAME.zip``; return its SHA-256."""
        self.files[f"/vosk/models/{name}.zip"] = data
        return hashlib.sha256(data).hexdigest()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    fake = FakeModelServer()
    yield fake
    fake.close()


def zip_model(model_dir: Path, top: str = NAME) -> bytes:
    """Zip a model directory the way Alpha Cephei does (one top-level folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(model_dir.rglob("*")):
            archive.write(path, f"{top}/{path.relative_to(model_dir).as_posix()}")
    return buffer.getvalue()


def zip_with(model_dir: Path, member: zipfile.ZipInfo, payload: bytes = b"x") -> bytes:
    """A model zip with one extra, hostile member."""
    buffer = io.BytesIO(zip_model(model_dir))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(member, payload)
    return buffer.getvalue()


def test_downloads_verifies_and_unpacks(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path
) -> None:
    digest = server.publish(NAME, zip_model(tiny_model_dir))
    dest = tmp_path / "models"
    seen: list[tuple[int, int | None]] = []
    path = download_model(
        NAME,
        dest,
        base_url=server.base_url,
        sha256=digest.upper(),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert path == dest / NAME
    assert (path / "am" / "final.mdl").read_bytes() == (
        tiny_model_dir / "am" / "final.mdl"
    ).read_bytes()
    assert sorted(p.name for p in dest.iterdir()) == [NAME]  # no temporary files left
    size = len(server.files[f"/vosk/models/{NAME}.zip"])
    assert seen[0] == (0, size)
    assert seen[-1] == (size, size)
    with SpeechRecognizer(path, max_workers=1) as speech:
        assert speech.transcribe_blocking(say_words(["два"]), 16000).text == "два"

    again = download_model(NAME, dest, base_url=server.base_url, sha256=digest)
    assert again == path
    assert len(server.requests) == 1  # already installed: nothing fetched


def test_flat_archive_is_accepted(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(tiny_model_dir.rglob("*")):
            archive.write(path, path.relative_to(tiny_model_dir).as_posix())
    digest = server.publish(NAME, buffer.getvalue())
    path = download_model(NAME, tmp_path, base_url=server.base_url, sha256=digest)
    assert (path / "graph" / "HCLG.fst").is_file()


def test_checksum_mismatch_leaves_nothing(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path
) -> None:
    server.publish(NAME, zip_model(tiny_model_dir))
    dest = tmp_path / "models"
    wrong = "0" * 64
    with pytest.raises(ChecksumMismatch) as caught:
        download_model(NAME, dest, base_url=server.base_url, sha256=wrong)
    assert caught.value.expected == wrong
    assert caught.value.actual != wrong
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize(
    "member",
    [
        zipfile.ZipInfo("../evil.txt"),
        zipfile.ZipInfo(f"{NAME}/../../evil.txt"),
        zipfile.ZipInfo("/tmp/evil.txt"),
        zipfile.ZipInfo("C:/evil.txt"),
    ],
    ids=["parent", "nested-parent", "absolute", "drive"],
)
def test_path_traversal_is_refused(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path, member: zipfile.ZipInfo
) -> None:
    digest = server.publish(NAME, zip_with(tiny_model_dir, member))
    dest = tmp_path / "models"
    with pytest.raises(UnsafeArchive, match="escapes"):
        download_model(NAME, dest, base_url=server.base_url, sha256=digest)
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_member_is_refused(
    server: FakeModelServer, tiny_model_dir: Path, tmp_path: Path
) -> None:
    link = zipfile.ZipInfo(f"{NAME}/graph/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    digest = server.publish(NAME, zip_with(tiny_model_dir, link, b"/etc/passwd"))
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        download_model(NAME, tmp_path, base_url=server.base_url, sha256=digest)
    assert list(tmp_path.iterdir()) == []


def test_archive_without_model_is_refused(server: FakeModelServer, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{NAME}/README", "not a model")
    digest = server.publish(NAME, buffer.getvalue())
    with pytest.raises(ModelDownloadError, match="does not contain a Vosk model"):
        download_model(NAME, tmp_path, base_url=server.base_url, sha256=digest)
    assert list(tmp_path.iterdir()) == []


def test_not_a_zip(server: FakeModelServer, tmp_path: Path) -> None:
    digest = server.publish(NAME, b"<html>not found</html>")
    with pytest.raises(ModelDownloadError, match="not a valid zip"):
        download_model(NAME, tmp_path, base_url=server.base_url, sha256=digest)
    assert list(tmp_path.iterdir()) == []


def test_http_error(server: FakeModelServer, tmp_path: Path) -> None:
    with pytest.raises(ModelDownloadError, match="HTTP 404"):
        download_model(NAME, tmp_path, base_url=server.base_url, sha256="a" * 64)
    assert list(tmp_path.iterdir()) == []


def test_checksum_is_required(server: FakeModelServer, tmp_path: Path) -> None:
    assert DEFAULT_MODEL not in KNOWN_SHA256  # no published SHA-256 exists
    with pytest.raises(UnknownChecksum, match="--sha256"):
        download_model(DEFAULT_MODEL, tmp_path, base_url=server.base_url)
    assert server.requests == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("../escape", {"sha256": "a" * 64}, "invalid model name"),
        (NAME, {"sha256": "abc"}, "64 hexadecimal"),
        (NAME, {"sha256": "a" * 64, "base_url": "file:///etc"}, "http"),
    ],
)
def test_bad_arguments(tmp_path: Path, name: str, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        download_model(name, tmp_path, **kwargs)
