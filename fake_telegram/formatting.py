"""Text formatting the way Telegram does it: parse modes, UTF-16 entity offsets, trimming.

The parsers follow the logic of TDLib's ``parse_html`` / ``parse_markdown_v2`` /
``parse_markdown`` closely enough to reproduce the error descriptions that the real
Bot API returns ("can't parse entities: ...").
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ParseError",
    "apply_parse_mode",
    "html_escape",
    "normalize_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "trim_text",
    "utf16_len",
]

_SPACES = " \t\r\n\f\v"
_TRIM = " \t\r\n"

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_HTML = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_LINK_SCHEMES = frozenset({"http", "https", "tg", "ton", "ftp"})


class ParseError(ValueError):
    """Raised when a parse mode cannot be applied; str() is Telegram's description tail."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (Telegram's entity unit)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _u16(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


@dataclass
class _Builder:
    """Accumulates plain text and entities while parsing."""

    parts: list[str] = field(default_factory=list)
    u16: int = 0
    chars: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.chars += len(text)
        self.u16 += utf16_len(text) if len(text) != 1 else _u16(text)

    def text(self) -> str:
        return "".join(self.parts)


def _check_link(url: str) -> str | None:
    """Normalize a link the way Telegram does; ``None`` if it would be dropped."""
    url = url.strip()
    if not url or any(ch in url for ch in " \n\t"):
        return None
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    if match is None:
        url = "http://" + url
        scheme = "http"
    else:
        scheme = match.group(1).lower()
    if scheme not in _LINK_SCHEMES:
        return None
    if scheme in ("http", "https"):
        rest = url.split("://", 1)[1] if "://" in url else ""
        if not rest:
            return None
        if "/" not in rest and "?" not in rest and "#" not in rest:
            url += "/"
    return url


def _link_entity(
    offset: int, length: int, url: str, resolve_user: Callable[[int], dict | None] | None
) -> dict[str, Any] | None:
    mention = re.match(r"^tg://user\?id=(\d+)$", url.strip())
    if mention is not None:
        user = resolve_user(int(mention.group(1))) if resolve_user else None
        if user is None:
            return None
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    checked = _check_link(url)
    if checked is None:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


def _sort(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# ---------------------------------------------------------------------------- HTML


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``pos``; returns (char, next position) or None (literal '&')."""
    end = text.find(";", pos + 1, pos + 12)
    if end == -1:
        return None
    body = text[pos + 1 : end]
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        except ValueError:
            return None
        if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), end + 1
    named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
    if body in named:
        return named[body], end + 1
    return None


def parse_html(
    text: str, resolve_user: Callable[[int], dict | None] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into (plain text, entities)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    out = _Builder()
    stack: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.add(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in _SPACES and at(i) not in (">", "\0"):
                i += 1
            if at(i) == "\0":
                raise ParseError(f"Unclosed start tag at byte offset {boff(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise ParseError(f'Unsupported start tag "{tag}" at byte offset {boff(begin)}')
            argument = ""
            expandable = False
            while at(i) != ">":
                while at(i) != "\0" and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                if at(i) == "\0":
                    raise ParseError(f'Unclosed start tag "{tag}" at byte offset {boff(begin)}')
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in ("=", ">", "\0"):
                    i += 1
                attr = text[attr_begin:i].lower()
                if not attr:
                    raise ParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {boff(begin)}'
                    )
                while at(i) != "\0" and at(i) in _SPACES:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr == "expandable":
                        expandable = True
                        continue
                    raise ParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {boff(begin)}'
                    )
                i += 1
                while at(i) != "\0" and at(i) in _SPACES:
                    i += 1
                if at(i) == "\0":
                    raise ParseError(f'Unclosed start tag "{tag}" at byte offset {boff(begin)}')
                value_chars: list[str] = []
                if at(i) not in ("'", '"'):
                    token_begin = i
                    while at(i).isalnum() or at(i) in ".-":
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ">":
                        raise ParseError(
                            f"Unexpected end of name token at byte offset {boff(token_begin)}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) != quote and at(i) != "\0":
                        if at(i) == "&":
                            decoded = _decode_html_entity(text, i)
                            if decoded is not None:
                                value_chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        value_chars.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(value_chars)
                if at(i) == "\0":
                    raise ParseError(f"Unclosed start tag at byte offset {boff(begin)}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise ParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {boff(begin)}'
                )
            if tag == "tg-emoji" and not (argument.isdigit() and int(argument) > 0):
                raise ParseError("Invalid custom emoji identifier specified")
            i += 1  # skip '>'
            stack.append(
                {
                    "tag": tag,
                    "argument": argument,
                    "expandable": expandable,
                    "offset": out.u16,
                    "chars": out.chars,
                }
            )
            continue

        # end tag
        if not stack:
            raise ParseError(f"Unexpected end tag at byte offset {boff(begin)}")
        i += 1
        name_begin = i
        while at(i) not in _SPACES and at(i) not in (">", "\0"):
            i += 1
        end_name = text[name_begin:i]
        while at(i) != "\0" and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise ParseError(f"Unclosed end tag at byte offset {boff(begin)}")
        i += 1
        info = stack.pop()
        tag = info["tag"]
        if end_name and end_name.lower() != tag:
            raise ParseError(
                f'Unmatched end tag at byte offset {boff(begin)}, expected "</{tag}>", '
                f'found "</{end_name}>"'
            )
        offset = info["offset"]
        length = out.u16 - offset
        if length <= 0:
            continue
        entities = out.entities
        if tag in _SIMPLE_HTML:
            entities.append({"type": _SIMPLE_HTML[tag], "offset": offset, "length": length})
        elif tag == "a":
            url = info["argument"] or out.text()[info["chars"] :]
            link = _link_entity(offset, length, url, resolve_user)
            if link is not None:
                entities.append(link)
        elif tag == "tg-emoji":
            entities.append(
                {
                    "type": "custom_emoji",
                    "offset": offset,
                    "length": length,
                    "custom_emoji_id": info["argument"],
                }
            )
        elif tag == "blockquote":
            kind = "expandable_blockquote" if info["expandable"] else "blockquote"
            entities.append({"type": kind, "offset": offset, "length": length})
        elif tag == "code":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "pre"
                and last["offset"] == offset
                and last["length"] == length
                and info["argument"]
            ):
                last["language"] = info["argument"]
            else:
                entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
                if info["argument"]:
                    entity["_language"] = info["argument"]
                entities.append(entity)
        elif tag == "pre":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == offset
                and last["length"] == length
            ):
                language = last.pop("_language", None)
                last["type"] = "pre"
                if language:
                    last["language"] = language
            else:
                entities.append({"type": "pre", "offset": offset, "length": length})
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    for entity in out.entities:
        entity.pop("_language", None)
    return out.text(), _sort(out.entities)


# ---------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(
    text: str, resolve_user: Callable[[int], dict | None] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into (plain text, entities)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    def reserved_error(ch: str) -> ParseError:
        return ParseError(
            f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
        )

    out = _Builder()
    stack: list[dict[str, Any]] = []
    quote_start: int | None = None
    quote_expandable = False
    i = 0
    while i < n:
        c = text[i]
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start and not stack:
            if c == ">" or (c == "*" and at(i + 1) == "*" and at(i + 2) == ">"):
                if quote_start is None:
                    quote_start = out.u16
                    quote_expandable = c == "*"
                i += 3 if c == "*" else 1
                continue
            if quote_start is not None and i > 0:
                _close_quote(out, quote_start, quote_expandable, trailing_newline=True)
                quote_start = None
        if c == "\\" and "\0" < at(i + 1) <= "~":
            out.add(text[i + 1])
            i += 2
            continue
        closes_quote = c == "|" and at(i + 1) == "|" and quote_start is not None
        if (
            closes_quote
            and at(i + 2) in ("\n", "\0")
            and (not stack or stack[-1]["type"] != "spoiler")
        ):
            # "||" closing an expandable blockquote
            i += 2
            continue
        reserved = _MDV2_RESERVED
        if stack and stack[-1]["type"] in ("code", "pre"):
            reserved = "`"
        if c not in reserved:
            out.add(c)
            i += 1
            continue
        top = stack[-1]["type"] if stack else None
        is_end = False
        if top == "bold":
            is_end = c == "*"
        elif top == "italic":
            is_end = c == "_" and at(i + 1) != "_"
        elif top == "code":
            is_end = c == "`"
        elif top == "pre":
            is_end = c == "`" and at(i + 1) == "`" and at(i + 2) == "`"
        elif top in ("text_link", "custom_emoji"):
            is_end = c == "]"
        elif top == "underline":
            is_end = c == "_" and at(i + 1) == "_"
        elif top == "strikethrough":
            is_end = c == "~"
        elif top == "spoiler":
            is_end = c == "|" and at(i + 1) == "|"
        if not is_end:
            begin = i
            argument = ""
            if c == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise reserved_error(c)
                i += 1
                kind = "spoiler"
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    i += 3
                    kind = "pre"
                    lang_end = i
                    while at(lang_end) not in _SPACES and at(lang_end) not in ("`", "\0"):
                        lang_end += 1
                    if i != lang_end and lang_end < n and at(lang_end) != "`":
                        argument = text[i:lang_end]
                        i = lang_end
                    if at(i) in ("\n", "\r"):
                        if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == "!":
                if at(i + 1) != "[":
                    raise reserved_error(c)
                i += 1
                kind = "custom_emoji"
            else:
                raise reserved_error(c)
            stack.append(
                {
                    "type": kind,
                    "argument": argument,
                    "offset": out.u16,
                    "byte": boff(begin),
                    "chars": out.chars,
                }
            )
            i += 1
            continue

        info = stack.pop()
        kind = info["type"]
        offset = info["offset"]
        length = out.u16 - offset
        entity: dict[str, Any] | None = {"type": kind, "offset": offset, "length": length}
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind == "pre":
            i += 2
            if info["argument"]:
                entity = {**entity, "language": info["argument"]}
        elif kind == "text_link":
            if at(i + 1) != "(":
                url = out.text()[info["chars"] :]
            else:
                i += 2
                url_begin = i
                url_chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and "\0" < at(i + 1) <= "~":
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise ParseError(f"Can't find end of a URL at byte offset {boff(url_begin)}")
                url = "".join(url_chars)
            entity = _link_entity(offset, length, url, resolve_user)
        elif kind == "custom_emoji":
            if at(i + 1) != "(":
                raise ParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            while i < n and text[i] != ")":
                i += 1
            if at(i) != ")":
                raise ParseError(f"Can't find end of a URL at byte offset {boff(url_begin)}")
            match = re.match(r"^tg://emoji\?id=(\d+)$", text[url_begin:i])
            if match is None:
                raise ParseError("Custom emoji URL must have an emoji identifier")
            entity = {**entity, "custom_emoji_id": match.group(1)}
        if entity is not None and length > 0:
            out.entities.append(entity)
        i += 1
    if stack:
        info = stack[-1]
        name = _MDV2_NAMES.get(info["type"], info["type"])
        raise ParseError(f"Can't find end of {name} entity at byte offset {info['byte']}")
    if quote_start is not None:
        _close_quote(out, quote_start, quote_expandable, trailing_newline=False)
    return out.text(), _sort(out.entities)


def _close_quote(out: _Builder, start: int, expandable: bool, *, trailing_newline: bool) -> None:
    end = out.u16 - (1 if trailing_newline else 0)
    if end > start:
        kind = "expandable_blockquote" if expandable else "blockquote"
        out.entities.append({"type": kind, "offset": start, "length": end - start})


# ------------------------------------------------------------------ legacy Markdown


def parse_markdown(
    text: str, resolve_user: Callable[[int], dict | None] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown (``parse_mode=Markdown``) into (plain text, entities)."""
    n = len(text)

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    out = _Builder()
    i = 0
    kinds = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in kinds:
            out.add(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and text[i : i + 2] == "``":
            is_pre = True
            i += 2
            lang_end = i
            while lang_end < n and text[lang_end] not in _SPACES and text[lang_end] != "`":
                lang_end += 1
            if lang_end > i and lang_end < n and text[lang_end] != "`":
                language = text[i:lang_end]
                i = lang_end
            if i < n and text[i] == "\n":
                i += 1
        offset = out.u16
        chars_at = out.chars
        while i < n and (text[i] != end_char or (is_pre and text[i + 1 : i + 3] != "``")):
            out.add(text[i])
            i += 1
        if i >= n:
            raise ParseError(f"Can't find end of the entity starting at byte offset {boff(begin)}")
        length = out.u16 - offset
        if is_pre:
            i += 2
            if length > 0:
                entity: dict[str, Any] = {"type": "pre", "offset": offset, "length": length}
                if language:
                    entity["language"] = language
                out.entities.append(entity)
        elif c == "[":
            url = out.text()[chars_at:]
            if i + 1 < n and text[i + 1] == "(":
                close = text.find(")", i + 2)
                if close != -1:
                    url = text[i + 2 : close]
                    i = close
            link = _link_entity(offset, length, url, resolve_user) if length > 0 else None
            if link is not None:
                out.entities.append(link)
        elif length > 0:
            out.entities.append({"type": kinds[c], "offset": offset, "length": length})
        i += 1
    return out.text(), _sort(out.entities)


# ------------------------------------------------------------------------- public


def trim_text(
    text: str, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]] | None]:
    """Strip leading/trailing whitespace like Telegram, shifting and clipping entities."""
    stripped_left = text.lstrip(_TRIM)
    shift = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip(_TRIM)
    if entities is None:
        return result, None
    total = utf16_len(result)
    fixed: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, int(entity.get("offset", 0)) - shift)
        end = min(total, int(entity.get("offset", 0)) + int(entity.get("length", 0)) - shift)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return result, fixed


def normalize_entities(entities: Any) -> list[dict[str, Any]] | None:
    """Validate an explicit ``entities`` parameter; returns a clean list or None."""
    if entities is None:
        return None
    if not isinstance(entities, list):
        raise ParseError("entities must be an Array")
    clean = [dict(e) for e in entities if isinstance(e, dict) and e.get("length", 0) > 0]
    return _sort(clean) or None


def apply_parse_mode(
    text: str,
    parse_mode: str | None,
    entities: Any = None,
    resolve_user: Callable[[int], dict | None] | None = None,
) -> tuple[str, list[dict[str, Any]] | None]:
    """Turn (text, parse_mode, entities) into Telegram's stored (text, entities).

    Raises :class:`ParseError` for bad markup and :class:`ValueError` ("unsupported
    parse_mode") for an unknown mode.
    """
    if entities is not None:
        return trim_text(text, normalize_entities(entities))
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return trim_text(text, None)
    if mode == "html":
        plain, found = parse_html(text, resolve_user)
    elif mode == "markdownv2":
        plain, found = parse_markdown_v2(text, resolve_user)
    elif mode == "markdown":
        plain, found = parse_markdown(text, resolve_user)
    else:
        raise ValueError("unsupported parse_mode")
    plain, found = trim_text(plain, found)
    return plain, found or None


def html_escape(text: str) -> str:
    """Escape text for parse_mode=HTML (handy in tests)."""
    return html.escape(text, quote=False)
