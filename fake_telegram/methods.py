"""Bot API methods: registry, shared helpers, updates, texts, edits, deletions, callbacks."""
# ruff: noqa: ARG001  (every handler takes (state, params, uploads); many use only some)

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from .formatting import ParseError, apply_parse_mode
from .models import ApiError, ChatState, Upload, bad_request
from .state import BOT_ID, State, now_ts

__all__ = ["METHODS", "api", "bot_message", "format_text", "set_markup", "validate_markup"]

Handler = Callable[[State, dict[str, Any], dict[str, Upload]], Any]
METHODS: dict[str, tuple[str, Handler]] = {}

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def api(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more (case-insensitive) method names."""

    def register(fn: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = (name, fn)
        return fn

    return register


# --------------------------------------------------------------------- helpers


def format_text(
    text: Any,
    parse_mode: Any,
    entities: Any,
    *,
    caption: bool = False,
    st: State | None = None,
) -> tuple[str, list[dict[str, Any]] | None]:
    """Parse text/caption with its parse mode; enforce Telegram's length limits.

    With the state, `tg://user?id=` links to users the server knows become text mentions
    (Telegram drops a mention of a user it cannot show, as here without the state)."""
    resolve = st.users.get if st is not None else None
    try:
        plain, found = apply_parse_mode(str(text), parse_mode, entities, resolve)
    except ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    if caption and len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if not caption and len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, found


def validate_markup(markup: Any) -> dict[str, Any] | None:
    """Check a reply_markup the way Telegram does (the parts bots get wrong)."""
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
        if len(button) < 2:
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
    return markup


def set_markup(st: State, message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    """Inline keyboards live in the message; reply keyboards are remembered on the side."""
    key = (int(message["chat"]["id"]), int(message["message_id"]))
    message.pop("reply_markup", None)
    if markup and "inline_keyboard" in markup:
        if markup["inline_keyboard"]:
            message["reply_markup"] = markup
    elif markup:
        st.reply_keyboards[key] = markup


def _thread(chat: ChatState, params: dict[str, Any], message: dict[str, Any]) -> None:
    thread_id = params.get("message_thread_id")
    if not thread_id or not chat.is_forum:
        return
    if thread_id != 1 and (thread_id not in chat.topics or thread_id in chat.deleted_topics):
        raise bad_request("message thread not found")
    if thread_id != 1:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True


def _reply(st: State, chat: ChatState, params: dict[str, Any], message: dict[str, Any]) -> None:
    reply = params.get("reply_parameters")
    if not isinstance(reply, dict):
        reply = {}
    reply_id = reply.get("message_id") or params.get("reply_to_message_id")
    if not reply_id:
        return
    allow = reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
    source_chat = chat
    if reply.get("chat_id") not in (None, chat.id):
        source_chat = st.chat(reply["chat_id"])
    original = source_chat.messages.get(int(reply_id))
    if original is None:
        if allow:
            return
        raise bad_request("message to be replied not found")
    quoted = {k: v for k, v in original.items() if k != "reply_to_message"}
    message["reply_to_message"] = quoted
    if "message_thread_id" not in message and original.get("message_thread_id"):
        message["message_thread_id"] = original["message_thread_id"]
        message["is_topic_message"] = True


def bot_message(st: State, params: dict[str, Any]) -> tuple[ChatState, dict[str, Any]]:
    """A new bot message in params["chat_id"] with thread, reply and markup resolved."""
    chat = st.writable_chat(params.get("chat_id"))
    markup = validate_markup(params.get("reply_markup"))
    message = st.base_message(chat, dict(st.bot_user))
    _thread(chat, params, message)
    _reply(st, chat, params, message)
    set_markup(st, message, markup)
    if params.get("has_protected_content") or params.get("protect_content"):
        message["has_protected_content"] = True
    return chat, message


def _put_text(message: dict[str, Any], key: str, text: str, entities: list | None) -> None:
    message[key] = text
    entity_key = "entities" if key == "text" else "caption_entities"
    if entities:
        message[entity_key] = entities
    else:
        message.pop(entity_key, None)


# --------------------------------------------------------------------- bot & updates


@api("getMe")
def get_me(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return dict(st.bot_user)


@api("close", "logOut")
def close(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return True


@api("getUpdates")
async def get_updates(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    offset = p.get("offset")
    if isinstance(offset, int) and offset:
        st.confirm(offset)
    limit = p.get("limit") if isinstance(p.get("limit"), int) else 100
    limit = min(100, max(1, limit or 100))
    timeout = p.get("timeout") if isinstance(p.get("timeout"), int) else 0
    allowed = set(p.get("allowed_updates") or ())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0, timeout)
    while True:
        ready = [u for u in st.updates if not allowed or allowed & u.keys()]
        if ready:
            return ready[:limit]
        remaining = deadline - loop.time()
        if remaining <= 0 or st.closing:
            return []
        st.update_event.clear()
        try:
            await asyncio.wait_for(st.update_event.wait(), remaining)
        except TimeoutError:
            return []


@api("deleteWebhook")
def delete_webhook(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    if p.get("drop_pending_updates"):
        st.updates.clear()
    return True


@api("setWebhook")
def set_webhook(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return True


@api("getWebhookInfo")
def get_webhook_info(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return {"url": "", "has_custom_certificate": False, "pending_update_count": len(st.updates)}


def _commands_key(p: dict[str, Any]) -> str:
    scope = p.get("scope") or {"type": "default"}
    return f"{scope}|{p.get('language_code') or ''}"


@api("setMyCommands")
def set_my_commands(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    commands = p.get("commands")
    if not isinstance(commands, list):
        raise bad_request('parameter "commands" is required')
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        if not name or len(name) > 32 or not command.get("description"):
            raise bad_request("BOT_COMMAND_INVALID")
    st.commands[_commands_key(p)] = commands
    return True


@api("getMyCommands")
def get_my_commands(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return st.commands.get(_commands_key(p), [])


@api("deleteMyCommands")
def delete_my_commands(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    st.commands.pop(_commands_key(p), None)
    return True


@api("setChatMenuButton")
def set_chat_menu_button(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    if p.get("chat_id") is not None:
        st.chat(p["chat_id"]).menu_button = p.get("menu_button")
    return True


@api("getChatMenuButton")
def get_chat_menu_button(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    if p.get("chat_id") is not None:
        return st.chat(p["chat_id"]).menu_button or {"type": "commands"}
    return {"type": "commands"}


# --------------------------------------------------------------------- sending texts


@api("sendMessage")
def send_message(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    text, entities = format_text(
        p.get("text") or "", p.get("parse_mode"), p.get("entities"), st=st
    )
    if not text:
        raise bad_request("message text is empty")
    _, message = bot_message(st, p)
    _put_text(message, "text", text, entities)
    return st.store(message, by_bot=True)


@api("sendChatAction")
def send_chat_action(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.writable_chat(p.get("chat_id"))
    if not p.get("action"):
        raise bad_request("wrong parameter action in request")
    _thread(chat, p, {})
    return True


# --------------------------------------------------------------------- edits


def edit_target(st: State, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = st.writable_chat(p.get("chat_id"))
    message = (
        chat.messages.get(p.get("message_id")) if isinstance(p.get("message_id"), int) else None
    )
    if message is None:
        raise bad_request("message to edit not found")
    if message.get("from", {}).get("id") != BOT_ID:
        raise bad_request("message can't be edited")
    return message


def finish_edit(st: State, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    keys = ("text", "entities", "caption", "caption_entities", "reply_markup")
    if all(old.get(k) == new.get(k) for k in keys):
        raise bad_request(NOT_MODIFIED)
    new["edit_date"] = now_ts()
    return st.store(new, by_bot=True)


@api("editMessageText")
def edit_message_text(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    old = edit_target(st, p)
    text, entities = format_text(
        p.get("text") or "", p.get("parse_mode"), p.get("entities"), st=st
    )
    if not text:
        raise bad_request("message text is empty")
    if "text" not in old:
        raise bad_request("there is no text in the message to edit")
    new = dict(old)
    _put_text(new, "text", text, entities)
    set_markup(st, new, validate_markup(p.get("reply_markup")))
    return finish_edit(st, old, new)


@api("editMessageCaption")
def edit_message_caption(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    old = edit_target(st, p)
    if "text" in old:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = format_text(
        p.get("caption") or "", p.get("parse_mode"), p.get("caption_entities"), caption=True
    )
    new = dict(old)
    if caption:
        _put_text(new, "caption", caption, entities)
    else:
        new.pop("caption", None)
        new.pop("caption_entities", None)
    set_markup(st, new, validate_markup(p.get("reply_markup")))
    return finish_edit(st, old, new)


@api("editMessageReplyMarkup")
def edit_message_reply_markup(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    old = edit_target(st, p)
    new = dict(old)
    set_markup(st, new, validate_markup(p.get("reply_markup")))
    return finish_edit(st, old, new)


# --------------------------------------------------------------------- deletions, callbacks


@api("deleteMessage")
def delete_message(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.chat(p.get("chat_id"))
    message_id = p.get("message_id")
    if not isinstance(message_id, int) or chat.messages.pop(message_id, None) is None:
        raise bad_request("message to delete not found")
    st.reply_keyboards.pop((chat.id, message_id), None)
    return True


@api("deleteMessages")
def delete_messages(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.chat(p.get("chat_id"))
    ids = p.get("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        chat.messages.pop(message_id, None)
    return True


@api("answerCallbackQuery")
def answer_callback_query(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    query_id = str(p.get("callback_query_id") or "")
    if st.callback_queries.get(query_id, True):
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(str(p.get("text") or "")) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    st.callback_queries[query_id] = True
    return True


def unknown_method() -> ApiError:
    """404 for a method Telegram does not have."""
    return ApiError(404, "Not Found: method not found")
