"""The core package must never import a channel or an adapter."""

import ast
from pathlib import Path

FORBIDDEN = {
    "aiogram",
    "sqlalchemy",
    "sqlmodel",
    "redis",
    "vosk",
    "aiohttp",
    "storage",
    "bot",
    "handlers",
    "voice",
    "priemnaya",
}
CORE = Path(__file__).resolve().parents[2] / "core"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_channel_or_adapter():
    files = list(CORE.rglob("*.py"))
    assert len(files) >= 8
    offenders = {str(f.relative_to(CORE)): sorted(imported_roots(f) & FORBIDDEN) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}
