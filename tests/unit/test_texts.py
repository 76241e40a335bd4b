"""Every text id the code asks for exists in the Russian catalogue."""

import re
from pathlib import Path

from core.i18n import Texts
from core.model import AppealStatus, Channel, EventKind

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(
    r"""\b(?:t|texts|services\.texts|self\.services\.texts)\(\s*["']([a-z0-9-]+)["']"""
)
LABEL = re.compile(r"""Label\(\s*["']([a-z0-9-]+)["']""")


def used_ids() -> set[str]:
    ids: set[str] = set()
    for folder in ("bot", "handlers", "core", "voice", "priemnaya"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            ids |= set(CALL.findall(source)) | set(LABEL.findall(source))
    return ids


def test_every_used_text_exists():
    texts = Texts()
    ids = used_ids()
    assert len(ids) > 40
    assert sorted(i for i in ids if not texts.has(i)) == []


def test_enum_driven_texts_exist():
    texts = Texts()
    dynamic = [f"status-{s.value}" for s in AppealStatus]
    dynamic += [f"channel-{c.value}" for c in Channel]
    dynamic += [f"event-{k.value}" for k in EventKind]
    assert [i for i in dynamic if not texts.has(i)] == []


def test_russian_plurals():
    texts = Texts()
    assert texts("count-documents", n=1) == "1 документ"
    assert texts("count-documents", n=3) == "3 документа"
    assert texts("count-documents", n=11) == "11 документов"
