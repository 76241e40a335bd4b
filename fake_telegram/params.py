"""Decoding of Bot API request parameters.

Bot API clients (aiogram included) send every parameter as a form field: strings as is,
everything else JSON-encoded (``123``, ``true``, ``{"inline_keyboard": ...}``). The
decoder therefore works per *known parameter type*: a ``text`` of ``"123"`` stays a
string while a ``chat_id`` of ``"123"`` becomes an int.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["decode_param", "normalize_json_param"]

INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "duration",
        "width",
        "height",
        "length",
        "cache_time",
        "icon_color",
        "open_period",
        "close_date",
        "correct_option_id",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "max_connections",
        "until_date",
        "direct_messages_topic_id",
        "video_start_timestamp",
        "receiver_user_id",
    }
)
FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "show_alert",
        "drop_pending_updates",
        "is_anonymous",
        "allows_multiple_answers",
        "allows_revoting",
        "is_closed",
        "has_spoiler",
        "supports_streaming",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "only_if_banned",
        "revoke_messages",
        "shuffle_options",
        "allow_adding_options",
        "hide_results_until_closes",
        "members_only",
    }
)
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "media",
        "entities",
        "caption_entities",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
        "menu_button",
        "options",
        "explanation_entities",
        "question_entities",
        "description_entities",
        "message_ids",
        "permissions",
        "results",
        "reaction",
        "rights",
        "country_codes",
        "correct_option_ids",
        "suggested_post_parameters",
        "ephemeral_message_parameters",
    }
)

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


def _to_int(value: str) -> int | str:
    try:
        return int(value.strip())
    except ValueError:
        try:
            as_float = float(value)
        except ValueError:
            return value
        return int(as_float) if as_float.is_integer() else value


def _to_float(value: str) -> float | str:
    try:
        return float(value.strip())
    except ValueError:
        return value


def decode_param(name: str, value: str) -> Any:
    """Decode one form/query field by its parameter name."""
    if name in INT_PARAMS:
        return _to_int(value)
    if name in FLOAT_PARAMS:
        return _to_float(value)
    if name in BOOL_PARAMS:
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return value
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def normalize_json_param(name: str, value: Any) -> Any:
    """Normalize one value from an application/json body (types may already be right)."""
    if isinstance(value, str):
        return decode_param(name, value)
    if name in FLOAT_PARAMS and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
