"""Download, verify and install a Vosk model archive.

The zip is streamed over HTTP(S) to a temporary file in ``dest_dir`` while its
SHA-256 is computed; only if the digest matches is it unpacked (every member
checked first: no absolute paths, no ``..``, no symlinks) into a temporary
directory that is then renamed to ``dest_dir/NAME`` in one step.  On any error
nothing is left behind.

Checksums: Alpha Cephei does not publish SHA-256 sums for its models, so
:data:`KNOWN_SHA256` is empty and ``sha256=`` must be given (for example the
digest of an archive the operator checked once).  Add entries to the table
only from a trusted source.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "KNOWN_SHA256",
    "ChecksumMismatch",
    "ModelDownloadError",
    "ProgressCallback",
    "UnknownChecksum",
    "UnsafeArchive",
    "download_model",
]

DEFAULT_MODEL = "vosk-model-small-ru-0.22"
DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
DEFAULT_DEST_DIR = Path("var/models")

#: SHA-256 of official archives, by model name.  Intentionally empty: no
#: published digests exist; never add a value that was not verified.
KNOWN_SHA256: dict[str, str] = {}

ProgressCallback = Callable[[int, int | None], None]
"""``progress(bytes_done, bytes_total_or_None)``, called while downloading."""

_CHUNK = 1 << 20
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class ModelDownloadError(Exception):
    """Downloading or installing a model failed."""


class UnknownChecksum(ModelDownloadError):
    """No SHA-256 was given and none is known for the model name."""


class ChecksumMismatch(ModelDownloadError):
    """The downloaded archive does not have the expected SHA-256."""

    def __init__(self, name: str, expected: str, actual: str) -> None:
        super().__init__(f"SHA-256 mismatch for {name}: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class UnsafeArchive(ModelDownloadError):
    """The archive has a member that would land outside the target directory."""


def download_model(
    name: str = DEFAULT_MODEL,
    dest_dir: str | os.PathLike[str] = DEFAULT_DEST_DIR,
    *,
    base_url: str = DEFAULT_BASE_URL,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = 60.0,
) -> Path:
    """Install model ``name`` into ``dest_dir/name`` and return that path.

    If the directory already exists it is returned as is (nothing downloaded).
    Raises :class:`UnknownChecksum`, :class:`ChecksumMismatch`,
    :class:`UnsafeArchive` or :class:`ModelDownloadError`.
    """
    if not _NAME_RE.match(name) or ".." in name:
        raise ValueError(f"invalid model name: {name!r}")
    expected = (sha256 or KNOWN_SHA256.get(name) or "").strip().lower()
    if not expected:
        raise UnknownChecksum(
            f"no known SHA-256 for {name}; pass sha256= (CLI: --sha256) to verify the download"
        )
    if not _SHA256_RE.match(expected):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"base_url must be http(s), got {base_url!r}")

    dest = Path(dest_dir)
    target = dest / name
    if target.exists():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{urllib.parse.quote(name)}.zip"

    fd, part_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".zip.part", dir=dest)
    part = Path(part_name)
    staging: Path | None = None
    try:
        with os.fdopen(fd, "wb") as out:
            actual = _fetch(url, out, progress, timeout)
        if actual != expected:
            raise ChecksumMismatch(name, expected, actual)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".unpack", dir=dest))
        _safe_extract(part, staging)
        model_root = _single_top_directory(staging) or staging
        if not (
            (model_root / "am" / "final.mdl").is_file() or (model_root / "final.mdl").is_file()
        ):
            raise ModelDownloadError(f"{name}.zip does not contain a Vosk model (no final.mdl)")
        try:
            model_root.rename(target)
        except OSError as exc:
            if target.is_dir():  # installed concurrently by someone else
                return target
            raise ModelDownloadError(f"cannot move the model into {target}: {exc}") from exc
    finally:
        part.unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _fetch(url: str, out: BinaryIO, progress: ProgressCallback | None, timeout: float) -> str:
    """Stream ``url`` into the binary file ``out``; return the hex SHA-256."""
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "priemnaya-model-download"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if progress is not None:
                progress(done, total)
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        raise ModelDownloadError(f"download of {url} failed: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ModelDownloadError(f"download of {url} failed: {exc}") from exc
    return digest.hexdigest()


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    """Validated relative path of a zip member; raises :class:`UnsafeArchive`."""
    raw = info.filename.replace("\\", "/")
    path = PurePosixPath(raw)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchive(f"archive member is a symbolic link: {info.filename!r}")
    if (
        not raw
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
    ):
        raise UnsafeArchive(f"archive member escapes the target directory: {info.filename!r}")
    return path


def _safe_extract(archive: Path, dest: Path) -> None:
    """Check every member, then extract them all below ``dest``."""
    root = dest.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [(info, _member_path(info)) for info in zf.infolist()]
            for info, rel in members:
                target = (root / rel).resolve()
                if target != root and root not in target.parents:
                    raise UnsafeArchive(
                        f"archive member escapes the target directory: {info.filename!r}"
                    )
            for info, rel in members:
                target = root / rel
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
    except zipfile.BadZipFile as exc:
        raise ModelDownloadError(f"the download is not a valid zip archive: {exc}") from exc


def _single_top_directory(path: Path) -> Path | None:
    entries = list(path.iterdir())
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return None
