"""Files and media: uploads, file_id reuse, photo sizes, send* media methods, getFile."""
# ruff: noqa: ARG001  (every handler takes (state, params, uploads); many use only some)

from __future__ import annotations

import mimetypes
import secrets
from typing import Any

from .methods import (
    api,
    bot_message,
    edit_target,
    finish_edit,
    format_text,
    set_markup,
    validate_markup,
)
from .models import StoredFile, Upload, bad_request, image_size
from .state import MAX_DOWNLOAD_SIZE, State

__all__ = ["make_photo", "media_object", "store_upload"]

_DEFAULT_MIME = {
    "voice": "audio/ogg",
    "audio": "audio/mpeg",
    "video": "video/mp4",
    "video_note": "video/mp4",
    "animation": "video/mp4",
}


def make_photo(st: State, data: bytes, size: int | None = None) -> list[dict[str, Any]]:
    """Store a photo as Telegram does: a small thumbnail and the full size."""
    width, height = image_size(data) or (1280, 960)
    full_size = len(data) if size is None else size
    scale = 90 / max(width, height, 1)
    small_w, small_h = max(1, round(width * scale)), max(1, round(height * scale))
    small = st.add_file("photo", data, size=max(1, full_size // 20), width=small_w, height=small_h)
    full = st.add_file("photo", data, size=full_size, width=width, height=height)
    sizes = [
        {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "width": f.width,
            "height": f.height,
        }
        for f in (small, full)
    ]
    small.photo_sizes = full.photo_sizes = sizes
    return sizes


def media_object(stored: StoredFile) -> Any:
    """The object a message carries for a stored file (a PhotoSize list for photos)."""
    if stored.kind == "photo":
        return [dict(s) for s in stored.photo_sizes or ()]
    obj: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.kind in ("document", "audio", "video", "animation") and stored.file_name:
        obj["file_name"] = stored.file_name
    if stored.kind != "video_note" and stored.mime_type:
        obj["mime_type"] = stored.mime_type
    if stored.kind in ("voice", "audio", "video", "video_note", "animation"):
        obj["duration"] = stored.duration or 0
    if stored.kind in ("video", "animation", "sticker"):
        obj["width"] = stored.width or 640
        obj["height"] = stored.height or 480
    if stored.kind == "video_note":
        obj["length"] = stored.width or 240
    if stored.kind == "sticker":
        obj.update(type="regular", is_animated=False, is_video=False, emoji="👍")
    return obj


def store_upload(
    st: State,
    kind: str,
    data: bytes,
    *,
    filename: str | None = None,
    mime_type: str | None = None,
    duration: int | None = None,
    size: int | None = None,
) -> StoredFile:
    """Store new content of ``kind`` (photos get their sizes)."""
    if kind == "photo":
        sizes = make_photo(st, data, size)
        return st.file(sizes[-1]["file_id"])
    if mime_type in (None, "", "application/octet-stream") and filename:
        mime_type = mimetypes.guess_type(filename)[0] or mime_type
    width_height = image_size(data) if kind in ("sticker", "video") else None
    width, height = width_height or (None, None)
    return st.add_file(
        kind,
        data,
        size=size,
        file_name=filename if kind in ("document", "audio", "video", "animation") else None,
        mime_type=mime_type or _DEFAULT_MIME.get(kind),
        duration=duration,
        width=width,
        height=height,
    )


def resolve_file(
    st: State, kind: str, value: Any, uploads: dict[str, Upload], params: dict[str, Any]
) -> StoredFile:
    """An InputFile parameter: ``attach://name``, a direct upload, a URL or a file_id."""
    upload: Upload | None = None
    if isinstance(value, str) and value.startswith("attach://"):
        upload = uploads.get(value[len("attach://") :])
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
    elif value is None:
        upload = uploads.get(kind)
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        name = value.rsplit("/", 1)[-1] or kind
        return store_upload(st, kind, b"", filename=name)
    if upload is None:
        stored = st.file(str(value).strip())
        return stored
    duration = params.get("duration") if isinstance(params.get("duration"), int) else None
    return store_upload(
        st,
        kind,
        upload.data,
        filename=upload.filename if upload.filename != kind else None,
        mime_type=upload.content_type,
        duration=duration,
    )


def _caption(message: dict[str, Any], p: dict[str, Any]) -> None:
    raw = p.get("caption")
    if not raw:
        return
    caption, entities = format_text(
        raw, p.get("parse_mode"), p.get("caption_entities"), caption=True
    )
    if caption:
        message["caption"] = caption
    if entities:
        message["caption_entities"] = entities


def _send_media(kind: str) -> Any:
    def handler(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
        st.writable_chat(p.get("chat_id"))
        probe: dict[str, Any] = {}
        _caption(probe, p)
        stored = resolve_file(st, kind, p.get(kind), up, p)
        _, message = bot_message(st, p)
        message[kind] = media_object(stored)
        message.update(probe)
        if p.get("has_spoiler"):
            message["has_media_spoiler"] = True
        return st.store(message, by_bot=True)

    return handler


for _kind, _name in (
    ("photo", "sendPhoto"),
    ("document", "sendDocument"),
    ("voice", "sendVoice"),
    ("audio", "sendAudio"),
    ("video", "sendVideo"),
    ("video_note", "sendVideoNote"),
    ("animation", "sendAnimation"),
    ("sticker", "sendSticker"),
):
    api(_name)(_send_media(_kind))


@api("sendMediaGroup")
def send_media_group(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    st.writable_chat(p.get("chat_id"))
    media = p.get("media")
    if not isinstance(media, list) or not media:
        raise bad_request('parameter "media" is required')
    if len(media) > 10:
        raise bad_request("too many messages to send as an album")
    prepared: list[tuple[str, StoredFile, dict[str, Any]]] = []
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ("photo", "video", "document", "audio"):
            raise bad_request("wrong type of the media in the media group")
        probe: dict[str, Any] = {}
        _caption(probe, item)
        prepared.append((kind, resolve_file(st, kind, item.get("media"), up, item), probe))
    kinds = {kind for kind, _, _ in prepared}
    if len(kinds) > 1 and kinds & {"document", "audio"}:
        raise bad_request("documents and audio can't be mixed with other media types")
    group_id = str(13_000_000_000_000_000 + secrets.randbelow(10**15))
    messages = []
    params = {k: v for k, v in p.items() if k != "reply_markup"}
    for kind, stored, probe in prepared:
        _, message = bot_message(st, params)
        message["media_group_id"] = group_id
        message[kind] = media_object(stored)
        message.update(probe)
        messages.append(st.store(message, by_bot=True))
    return messages


@api("getFile")
def get_file(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    stored = st.file(str(p.get("file_id") or "").strip())
    if stored.size > MAX_DOWNLOAD_SIZE:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


@api("editMessageMedia")
def edit_message_media(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    old = edit_target(st, p)
    item = p.get("media")
    kind = item.get("type") if isinstance(item, dict) else None
    if kind not in ("photo", "video", "document", "audio", "animation"):
        raise bad_request("can't parse InputMedia JSON object")
    stored = resolve_file(st, kind, item.get("media"), up, item)
    new = {
        k: v
        for k, v in old.items()
        if k not in ("photo", "video", "document", "audio", "animation", "caption")
    }
    new.pop("caption_entities", None)
    new[kind] = media_object(stored)
    _caption(new, item)
    set_markup(st, new, validate_markup(p.get("reply_markup")))
    return finish_edit(st, old, new)
