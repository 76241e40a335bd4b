"""The user side: citizens write to the bot, edit messages, press buttons."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from .chat import build_poll, delete_topic
from .media import make_photo, media_object, store_upload
from .models import ChatState
from .state import State, now_ts

__all__ = ["SimulationMixin", "inline_buttons_of"]

_WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\r\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07"
)


def inline_buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """All inline keyboard buttons of a message, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button for row in rows for button in row]


def _media_arg(value: Any) -> tuple[bytes, int | None]:
    if isinstance(value, tuple):
        return bytes(value[0]), (int(value[1]) if len(value) > 1 else None)
    return bytes(value), None


class SimulationMixin:
    """Simulation methods of :class:`FakeTelegram` (call them inside the server's loop)."""

    state: State

    def add_user(
        self,
        user_id: int,
        first_name: str = "Иван",
        username: str | None = None,
        language_code: str = "ru",
    ) -> dict[str, Any]:
        """Register a user (and their private chat with the bot)."""
        return self.state.add_user(user_id, first_name, username, language_code)

    def add_group(self, chat_id: int, title: str, is_forum: bool = True) -> dict[str, Any]:
        """Register a supergroup the bot is an administrator of."""
        return self.state.add_group(chat_id, title, is_forum)

    def add_users(self, user_ids: list[int], first_name: str = "Житель") -> int:
        """Register many users at once (thousands of subscribers); returns how many."""
        for user_id in user_ids:
            self.state.add_user(user_id, first_name, None, "ru")
        return len(user_ids)

    def vote_poll(self, user_id: int, message_id: int, option_ids: list[int]) -> dict[str, Any]:
        """The user answers (or, with no options, retracts) a bot's poll in their chat: the
        poll's counts change and the bot gets a `poll` update (a `poll_answer` too when the
        poll is not anonymous)."""
        st = self.state
        message = self._chat(user_id).messages.get(message_id)
        if message is None or "poll" not in message:
            raise AssertionError(f"no poll {message_id} in chat {user_id}")
        poll = message["poll"]
        if poll["is_closed"]:
            raise AssertionError("the poll is closed")
        votes = poll.setdefault("_votes", {})
        for i in votes.pop(str(user_id), []):
            poll["options"][i]["voter_count"] -= 1
        for i in option_ids:
            poll["options"][i]["voter_count"] += 1
        if option_ids:
            votes[str(user_id)] = list(option_ids)
        poll["total_voter_count"] = len(votes)
        public = {k: copy.deepcopy(v) for k, v in poll.items() if k != "_votes"}
        st.enqueue({"poll": public})
        if not poll.get("is_anonymous", True):
            st.enqueue(
                {
                    "poll_answer": {
                        "poll_id": poll["id"],
                        "user": dict(st.user(user_id)),
                        "option_ids": list(option_ids),
                    }
                }
            )
        return public

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: further sends to them get 403."""
        self.state.block_bot(user_id)

    def delete_topic_behind_bot(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes a forum topic (and its messages) without the bot knowing."""
        delete_topic(self._chat(chat_id), thread_id)

    def send_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Enqueue any update as is (update_id assigned if missing)."""
        return self.state.enqueue(copy.deepcopy(update))

    def _chat(self, chat_id: int) -> ChatState:
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise AssertionError(f"unknown chat {chat_id}: add_user/add_group first")
        return chat

    # ------------------------------------------------------------------ messages

    def send_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        photo: bytes | None = None,
        document: tuple[str, bytes, str] | None = None,
        voice: tuple[bytes, int] | None = None,
        audio: Any = None,
        video_note: Any = None,
        location: tuple[float, float] | None = None,
        venue: dict[str, Any] | None = None,
        contact: dict[str, Any] | None = None,
        sticker: bool = False,
        poll: dict[str, Any] | None = None,
        dice: str | None = None,
        media_group_id: str | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        file_size: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A user writes to the bot; returns the Message (also queued as an update)."""
        st = self.state
        user = dict(st.user(user_id))
        chat = self._chat(user_id if chat_id is None else chat_id)
        message = st.base_message(chat, user)
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
        if reply_to_message_id is not None:
            original = chat.messages.get(reply_to_message_id)
            if original is None:
                raise AssertionError(f"no message {reply_to_message_id} in chat {chat.id}")
            message["reply_to_message"] = {
                k: v for k, v in original.items() if k != "reply_to_message"
            }
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        content = False
        if photo is not None:
            message["photo"] = make_photo(st, bytes(photo), file_size)
            content = True
        if document is not None:
            name, data, mime = document
            stored = store_upload(
                st, "document", data, filename=name, mime_type=mime, size=file_size
            )
            message["document"] = media_object(stored)
            content = True
        for kind, value in (("voice", voice), ("audio", audio), ("video_note", video_note)):
            if value is not None:
                data, duration = _media_arg(value)
                stored = store_upload(st, kind, data, duration=duration or 1, size=file_size)
                message[kind] = media_object(stored)
                content = True
        if sticker:
            message["sticker"] = media_object(st.add_file("sticker", _WEBP, width=512, height=512))
            content = True
        if location is not None:
            message["location"] = {"latitude": float(location[0]), "longitude": float(location[1])}
            content = True
        if venue is not None:
            place = {"latitude": float(venue["latitude"]), "longitude": float(venue["longitude"])}
            message["location"] = place
            message["venue"] = {
                "location": place,
                "title": venue.get("title", "Место"),
                "address": venue.get("address", ""),
            }
            content = True
        if contact is not None:
            message["contact"] = {"phone_number": "+79990000000", "first_name": "Иван", **contact}
            content = True
        if poll is not None:
            message["poll"] = self._poll(poll)
            content = True
        if dice is not None:
            message["dice"] = {"emoji": dice, "value": 1 + secrets.randbelow(6)}
            content = True
        if text is not None:
            message["text"] = text
            if entities is None and text.startswith("/"):
                command = text.split()[0] if text.split() else text
                entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            if entities:
                message["entities"] = entities
            content = True
        elif caption is not None:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if not content:
            raise AssertionError("send_message needs text or some content")
        st.store(message)
        st.enqueue({"message": message})
        return message

    def _poll(self, poll: dict[str, Any]) -> dict[str, Any]:
        options = [
            str(o.get("text")) if isinstance(o, dict) else str(o)
            for o in poll.get("options", ["Да", "Нет"])
        ]
        settings = {k: v for k, v in poll.items() if k not in ("question", "options")}
        return build_poll(self.state, poll.get("question", "Вопрос?"), options, **settings)

    def send_album(
        self,
        user_id: int,
        photos: list[bytes],
        caption: str | None = None,
        *,
        chat_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """A user sends several photos as one album (caption on the first)."""
        group_id = str(13_500_000_000_000_000 + secrets.randbelow(10**15))
        return [
            self.send_message(
                user_id,
                chat_id=chat_id,
                photo=data,
                caption=caption if i == 0 else None,
                media_group_id=group_id,
            )
            for i, data in enumerate(photos)
        ]

    def edit_message(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A user edits their message: an ``edited_message`` update."""
        chat = self._chat(user_id if chat_id is None else chat_id)
        old = chat.messages.get(message_id)
        if old is None or old.get("from", {}).get("id") != user_id:
            raise AssertionError(f"user {user_id} has no message {message_id} in chat {chat.id}")
        new = dict(old)
        key = (
            "text" if "text" in old or "caption" not in old and not _has_media(old) else "caption"
        )
        new[key] = text
        new.pop("entities" if key == "text" else "caption_entities", None)
        new["edit_date"] = now_ts()
        self.state.store(new)
        self.state.enqueue({"edited_message": new})
        return new

    # ------------------------------------------------------------------ buttons

    def press_button(
        self, user_id: int, message: dict[str, Any], callback_data: str
    ) -> dict[str, Any]:
        """A user presses an inline button with ``callback_data``; returns the CallbackQuery."""
        st = self.state
        chat_id = int(message["chat"]["id"])
        current = st.find_message(chat_id, int(message["message_id"]))
        if current is None:
            raise AssertionError(f"message {message['message_id']} of chat {chat_id} is gone")
        query_id = str(4_000_000_000_000_000_000 + st.new_id() * 7919 + secrets.randbelow(7919))
        st.callback_queries[query_id] = False
        query = {
            "id": query_id,
            "from": dict(st.user(user_id)),
            "message": current,
            "chat_instance": str(-(8_000_000_000_000_000_000 + abs(chat_id) % 10**15)),
            "data": callback_data,
        }
        st.enqueue({"callback_query": query})
        return query

    def press(self, user_id: int, message: dict[str, Any], button_text: str) -> dict[str, Any]:
        """Press the inline button labelled ``button_text`` (exact, else a unique substring)."""
        chat_id = int(message["chat"]["id"])
        current = self.state.find_message(chat_id, int(message["message_id"])) or message
        buttons = inline_buttons_of(current)
        found = [b for b in buttons if b.get("text") == button_text]
        if not found:
            found = [b for b in buttons if button_text in str(b.get("text"))]
        labels = [b.get("text") for b in buttons]
        if len(found) != 1:
            raise AssertionError(
                f"no unique button {button_text!r} in message {message['message_id']}; "
                f"buttons: {labels}"
            )
        data = found[0].get("callback_data")
        if data is None:
            raise AssertionError(f"button {button_text!r} has no callback_data: {found[0]}")
        return self.press_button(user_id, current, data)


def _has_media(message: dict[str, Any]) -> bool:
    media = ("photo", "document", "voice", "audio", "video", "video_note", "animation")
    return any(k in message for k in media)
