"""The one place user-facing texts come from: Fluent catalogues in `core/locales/<lang>/`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "ru"


class MissingText(KeyError):
    """A text id that the catalogue does not define."""


class Texts:
    """Formats messages by id; `texts("appeal-registered", number=...)`."""

    def __init__(self, locale: str = DEFAULT_LOCALE, directory: Path = LOCALES_DIR) -> None:
        self.locale = locale
        self.bundle = FluentBundle([locale], use_isolating=False)
        for path in sorted((directory / locale).glob("*.ftl")):
            resource = FluentResource(path.read_text(encoding="utf-8"))
            self.bundle.add_resource(resource)

    def __call__(self, text_id: str, **args: Any) -> str:
        if not self.bundle.has_message(text_id):
            raise MissingText(text_id)
        message = self.bundle.get_message(text_id)
        if message.value is None:
            raise MissingText(text_id)
        text, errors = self.bundle.format_pattern(message.value, args)
        if errors:
            raise ValueError(f"{text_id}: {errors}")
        return text

    def has(self, text_id: str) -> bool:
        return self.bundle.has_message(text_id)

    def ids(self) -> list[str]:
        return sorted(self.bundle._messages)  # noqa: SLF001 (fluent has no public listing)


@lru_cache(maxsize=4)
def get_texts(locale: str = DEFAULT_LOCALE) -> Texts:
    return Texts(locale)
