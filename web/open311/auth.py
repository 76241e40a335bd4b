"""API keys of the systems allowed to file requests: `OPEN311_API_KEYS=pos:KEY1,city-app:KEY2`."""

from __future__ import annotations

import hashlib
import hmac
import re

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,23}$")
MIN_KEY_CHARS = 16


class ApiKeys:
    """Named keys, compared in constant time (every key is checked, digests of equal length)."""

    def __init__(self, spec: str | None) -> None:
        self._keys: list[tuple[str, bytes]] = []
        for number, item in enumerate(p.strip() for p in (spec or "").split(",")):
            if not item:
                continue
            name, sep, key = item.partition(":")
            if not sep:
                name, key = f"client-{number + 1}", item
            name, key = name.strip().lower(), key.strip()
            if not _NAME.match(name):
                raise ValueError(f"OPEN311_API_KEYS: bad client name {name!r} (a-z, 0-9, -_.)")
            if len(key) < MIN_KEY_CHARS:
                raise ValueError(
                    f"OPEN311_API_KEYS: the key of {name!r} is shorter than {MIN_KEY_CHARS}"
                )
            self._keys.append((name, _digest(key)))

    def __bool__(self) -> bool:
        return bool(self._keys)

    @property
    def clients(self) -> list[str]:
        return [name for name, _ in self._keys]

    def client(self, key: str) -> str | None:
        """The client's name for a valid key, else None."""
        given = _digest(key)
        found = None
        for name, digest in self._keys:
            if hmac.compare_digest(given, digest):
                found = found or name
        return found


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
