"""A fake Telegram Bot API server for end-to-end tests of the bot.

``FakeTelegram`` is the aiohttp server (use inside its event loop);
``FakeTelegramThread`` runs it in a background thread with a synchronous API.
"""

from .models import Call
from .runner import FakeTelegramThread
from .server import FakeTelegram
from .state import BOT_ID, DEFAULT_TOKEN

__all__ = ["BOT_ID", "DEFAULT_TOKEN", "Call", "FakeTelegram", "FakeTelegramThread"]
