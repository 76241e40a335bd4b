"""Keep aiogram's parametrised `Response[...]` models alive.

aiogram validates every Bot API answer with `Response[method.__returning__]`. pydantic keeps
parametrised generic models in a weak cache, so each garbage collection drops them and the
next call rebuilds the model and its schema (about a millisecond each, on every API call
under load). Holding one strong reference per method type makes the cache hit every time.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiogram import methods
from aiogram.methods import Response, TelegramMethod

_KEPT: list[Any] = []


def keep_response_types() -> int:
    """Parametrise `Response` once for every Bot API method; returns how many are held."""
    if not _KEPT:
        for _, cls in inspect.getmembers(methods, inspect.isclass):
            if issubclass(cls, TelegramMethod) and cls is not TelegramMethod:
                returning = getattr(cls, "__returning__", None)
                if returning is not None:
                    _KEPT.append(Response[returning])  # type: ignore[index]
    return len(_KEPT)
