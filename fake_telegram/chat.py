"""Bot API methods about chats: copy/forward, locations, polls, chat info, pins, forum topics."""
# ruff: noqa: ARG001  (every handler takes (state, params, uploads); many use only some)

from __future__ import annotations

import secrets
from typing import Any

from .methods import api, bot_message, format_text
from .models import ChatState, Upload, bad_request
from .state import BOT_ID, State

__all__ = ["CONTENT_KEYS", "build_poll", "delete_topic"]

CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "sticker",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "has_media_spoiler",
)
_COPYABLE = frozenset(CONTENT_KEYS) - {"entities", "caption_entities", "has_media_spoiler"}


def _source(st: State, p: dict[str, Any], what: str) -> dict[str, Any]:
    source_chat = st.chat(p.get("from_chat_id"))
    message_id = p.get("message_id")
    message = source_chat.messages.get(message_id) if isinstance(message_id, int) else None
    if message is None:
        raise bad_request(f"message to {what} not found")
    if not _COPYABLE & message.keys():
        raise bad_request("message can't be " + ("copied" if what == "copy" else "forwarded"))
    return message


@api("copyMessage")
def copy_message(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    original = _source(st, p, "copy")
    _, message = bot_message(st, p)
    message.update({k: original[k] for k in CONTENT_KEYS if k in original})
    if "caption" in p and "text" not in original:
        message.pop("caption", None)
        message.pop("caption_entities", None)
        if p["caption"]:
            caption, entities = format_text(
                p["caption"], p.get("parse_mode"), p.get("caption_entities"), caption=True
            )
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
    st.store(message, by_bot=True)
    return {"message_id": message["message_id"]}


@api("forwardMessage")
def forward_message(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    original = _source(st, p, "forward")
    _, message = bot_message(st, {k: v for k, v in p.items() if k != "reply_markup"})
    message.update({k: original[k] for k in CONTENT_KEYS if k in original})
    sender = original.get("from") or {}
    message["forward_origin"] = {"type": "user", "sender_user": sender, "date": original["date"]}
    message["forward_from"] = sender
    message["forward_date"] = original["date"]
    return st.store(message, by_bot=True)


# --------------------------------------------------------------------- other content


@api("sendLocation")
def send_location(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    lat, lon = p.get("latitude"), p.get("longitude")
    if not isinstance(lat, float) or not isinstance(lon, float):
        raise bad_request("wrong latitude/longitude specified")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude/longitude specified")
    _, message = bot_message(st, p)
    message["location"] = {"latitude": lat, "longitude": lon}
    return st.store(message, by_bot=True)


@api("sendVenue")
def send_venue(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    location = {"latitude": p.get("latitude"), "longitude": p.get("longitude")}
    _, message = bot_message(st, p)
    message["location"] = location
    message["venue"] = {"location": location, "title": p.get("title"), "address": p.get("address")}
    return st.store(message, by_bot=True)


@api("sendContact")
def send_contact(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    _, message = bot_message(st, p)
    message["contact"] = {"phone_number": p.get("phone_number"), "first_name": p.get("first_name")}
    return st.store(message, by_bot=True)


@api("sendDice")
def send_dice(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    _, message = bot_message(st, p)
    message["dice"] = {"emoji": p.get("emoji") or "🎲", "value": 1 + secrets.randbelow(6)}
    return st.store(message, by_bot=True)


@api("sendPoll")
def send_poll(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    question = str(p.get("question") or "").strip()
    if not question:
        raise bad_request("poll question must be non-empty")
    options = p.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 12:
        raise bad_request("poll must have at least 2 option")
    texts = [str(o.get("text") if isinstance(o, dict) else o) for o in options]
    _, message = bot_message(st, p)
    message["poll"] = build_poll(
        st,
        question,
        texts,
        is_anonymous=p.get("is_anonymous", True),
        type=p.get("type") or "regular",
        allows_multiple_answers=bool(p.get("allows_multiple_answers")),
    )
    return st.store(message, by_bot=True)


def build_poll(st: State, question: str, options: list[str], **settings: Any) -> dict[str, Any]:
    """A Poll object as aiogram expects it."""
    poll: dict[str, Any] = {
        "id": str(st.new_id() + 5_000_000_000_000_000_000),
        "question": question,
        "options": [
            {"persistent_id": str(i), "text": text, "voter_count": 0}
            for i, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }
    poll.update(settings)
    return poll


# --------------------------------------------------------------------- chat info, pins


_GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)


@api("getChat")
def get_chat(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.chat(p.get("chat_id"))
    info = dict(chat.chat)
    info.update(accent_color_id=0, max_reaction_count=11)
    info["accepted_gift_types"] = dict.fromkeys(_GIFT_TYPES, False)
    if chat.pinned and chat.pinned[-1] in chat.messages:
        info["pinned_message"] = chat.messages[chat.pinned[-1]]
    return info


@api("getChatMember")
def get_chat_member(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.chat(p.get("chat_id"))
    user_id = p.get("user_id")
    if user_id == BOT_ID:
        return {"status": "administrator", "user": dict(st.bot_user), **_ADMIN_RIGHTS}
    if user_id not in st.users:
        raise bad_request("user not found")
    status = chat.members.get(user_id, "member")
    return {"status": status, "user": dict(st.users[user_id])}


_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": True,
}


@api("pinChatMessage")
def pin_chat_message(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.writable_chat(p.get("chat_id"))
    message_id = p.get("message_id")
    if message_id not in chat.messages:
        raise bad_request("message to pin not found")
    if message_id in chat.pinned:
        chat.pinned.remove(message_id)
    chat.pinned.append(message_id)
    return True


@api("unpinChatMessage")
def unpin_chat_message(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.chat(p.get("chat_id"))
    message_id = p.get("message_id")
    if message_id is None:
        if chat.pinned:
            chat.pinned.pop()
        return True
    if message_id not in chat.pinned:
        raise bad_request("message to unpin not found")
    chat.pinned.remove(message_id)
    return True


@api("unpinAllChatMessages")
def unpin_all(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    st.chat(p.get("chat_id")).pinned.clear()
    return True


# --------------------------------------------------------------------- forum topics


def _forum(st: State, p: dict[str, Any]) -> ChatState:
    chat = st.chat(p.get("chat_id"))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic(chat: ChatState, p: dict[str, Any]) -> dict[str, Any]:
    thread_id = p.get("message_thread_id")
    topic = chat.topics.get(thread_id) if isinstance(thread_id, int) else None
    if topic is None or thread_id in chat.deleted_topics:
        raise bad_request("TOPIC_ID_INVALID")
    return topic


@api("createForumTopic")
def create_forum_topic(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = _forum(st, p)
    name = str(p.get("name") or "").strip()
    if not name or len(name) > 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    icon_color = p.get("icon_color") if isinstance(p.get("icon_color"), int) else 7322096
    topic: dict[str, Any] = {"name": name, "icon_color": icon_color}
    if p.get("icon_custom_emoji_id"):
        topic["icon_custom_emoji_id"] = p["icon_custom_emoji_id"]
    service = st.base_message(chat, dict(st.bot_user))
    thread_id = service["message_id"]
    topic["message_thread_id"] = thread_id
    service.update(
        message_thread_id=thread_id,
        is_topic_message=True,
        forum_topic_created={"name": name, "icon_color": icon_color},
    )
    chat.topics[thread_id] = {**topic, "is_closed": False}
    st.store(service)
    return topic


@api("editForumTopic")
def edit_forum_topic(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    topic = _topic(_forum(st, p), p)
    new_name = p.get("name")
    if new_name is not None and new_name == topic["name"] and "icon_custom_emoji_id" not in p:
        raise bad_request("TOPIC_NOT_MODIFIED")
    if new_name:
        topic["name"] = str(new_name)
    if "icon_custom_emoji_id" in p:
        topic["icon_custom_emoji_id"] = p["icon_custom_emoji_id"]
    return True


def _set_closed(st: State, p: dict[str, Any], closed: bool) -> bool:
    topic = _topic(_forum(st, p), p)
    if topic["is_closed"] == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic["is_closed"] = closed
    return True


@api("closeForumTopic")
def close_forum_topic(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return _set_closed(st, p, True)


@api("reopenForumTopic")
def reopen_forum_topic(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return _set_closed(st, p, False)


def delete_topic(chat: ChatState, thread_id: int) -> None:
    """Delete a topic with all its messages."""
    chat.deleted_topics.add(thread_id)
    doomed = [mid for mid, m in chat.messages.items() if m.get("message_thread_id") == thread_id]
    for mid in doomed:
        del chat.messages[mid]


@api("deleteForumTopic")
def delete_forum_topic(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = _forum(st, p)
    _topic(chat, p)
    delete_topic(chat, p["message_thread_id"])
    return True


@api("leaveChat")
def leave_chat(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    st.chat(p.get("chat_id"))
    return True


@api("stopPoll")
def stop_poll(st: State, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = st.writable_chat(p.get("chat_id"))
    message_id = p.get("message_id")
    message = chat.messages.get(message_id) if isinstance(message_id, int) else None
    if message is None:
        raise bad_request("message to stop poll not found")
    poll = message.get("poll")
    if poll is None or message.get("from", {}).get("id") != BOT_ID:
        raise bad_request("message with poll to stop not found")
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    poll["is_closed"] = True
    return {k: v for k, v in poll.items() if k != "_votes"}
