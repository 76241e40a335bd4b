"""Typed configuration from the environment or `.env` (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/priemnaya.db"
TELEGRAM_API_DEFAULT = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything the service reads from its environment; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore"
    )

    bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather")
    telegram_api_url: str = Field(
        default=TELEGRAM_API_DEFAULT, description="Base URL of the Bot API server"
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    redis_url: str | None = Field(default=None, description="Without it FSM state is in memory")
    redis_key_prefix: str = "priemnaya"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    var_dir: Path = Path("./var")
    timezone: str = Field(default="Europe/Moscow", description="Region's time zone for dates")

    # Citizen intake limits.
    appeal_text_max_chars: int = Field(default=5000, ge=100)
    appeal_text_min_chars: int = Field(default=10, ge=1)
    attachment_max_mb: int = Field(default=20, ge=1, description="20 MB is the Bot API's limit")
    attachments_max_count: int = Field(default=10, ge=1)
    album_settle_seconds: float = Field(default=0.8, ge=0.0)
    draft_ttl_hours: int = Field(default=72, ge=1)
    consent_version: str = "2026-01"

    # Delivery of notifications (outbox).
    classifier_enabled: bool = Field(default=True, description="Guess the sector of appeals")
    classifier_model: Path | None = Field(
        default=None,
        description="Model file from `priemnaya classify train` (default: var/models/"
        "classifier.joblib if present, else the model built from the shipped corpus)",
    )
    classifier_threshold: float = Field(
        default=0.55, ge=0.0, le=1.0, description="Below it the citizen picks the sector"
    )
    # Speech recognition of voice notes (Vosk); without a model voice notes are kept as audio.
    vosk_model_path: Path | None = Field(
        default=None, description="Directory of a Vosk model (`priemnaya voice download-model`)"
    )
    voice_max_seconds: float = Field(default=300.0, gt=0, description="Longest voice note")
    voice_workers: int = Field(default=2, ge=1, description="Recognitions running at once")
    voice_line_host: str = Field(default="127.0.0.1", description="AudioSocket listen address")
    voice_line_port: int = Field(default=9092, ge=1, le=65535, description="AudioSocket port")
    voice_line_api_port: int = Field(
        default=9093, ge=1, le=65535, description="HTTP port where the dialplan announces callers"
    )
    voice_prompts_dir: Path = Field(
        default=Path("var/prompts"), description="8 kHz WAV prompts (`voice render-prompts`)"
    )
    voice_recordings_dir: Path = Field(
        default=Path("var/recordings"), description="Where phone calls are kept (OGG/Opus)"
    )
    curator_chat_id: int | None = Field(
        default=None, description="The ЦУР curator group: cases nobody is responsible for"
    )
    deadline_policy: Path | None = Field(
        default=None,
        description="Deadline policy (TOML; default: core/data/deadlines.toml — 59-ФЗ frame, "
        "ЦУР targets per sector, priority topics, reminders)",
    )
    group_messages_per_minute: int = Field(
        default=20, ge=1, description="Messages a minute into one group (Telegram's limit)"
    )
    outbox_poll_seconds: float = Field(default=5.0, gt=0)
    outbox_retry_seconds: float = Field(
        default=2.5, gt=0, description="First retry delay of a failed send (doubles each time)"
    )
    polling_timeout: int = Field(default=25, ge=0, le=50)
    # Targeted informing (broadcasts): Telegram's limits, shared by every send of the bot.
    telegram_messages_per_second: float = Field(
        default=30.0, gt=0, description="Global ceiling of messages a second (Telegram: ~30)"
    )
    chat_message_interval_seconds: float = Field(
        default=1.0, ge=0, description="A broadcast sends at most one message a second per chat"
    )
    broadcast_concurrency: int = Field(default=40, ge=1, description="Sends in flight at once")
    broadcast_progress_seconds: float = Field(
        default=5.0, gt=0, description="How often the sender's progress message is updated"
    )
    broadcast_max_attempts: int = Field(
        default=5, ge=1, description="Tries of one recipient before it counts as failed"
    )

    # Open311 GeoReport v2 API and operators' endpoints (web/open311, web/ops).
    open311_api_keys: SecretStr | None = Field(
        default=None, description="Clients allowed to POST: `name:key` pairs, comma-separated"
    )
    open311_public_read: bool = Field(
        default=False, description="GET of requests without api_key (texts are personal data)"
    )
    open311_posts_per_minute: int = Field(
        default=60, ge=1, description="Requests one client may file a minute (429 beyond)"
    )
    open311_jurisdiction_id: str | None = Field(
        default=None, description="When set, a request naming another jurisdiction is refused"
    )
    health_outbox_max_lag_seconds: float = Field(
        default=600.0, gt=0, description="/healthz fails when a due message waits longer"
    )
    # The web dashboard (ЦУР analytics), served by `priemnaya run` beside the bot.
    web_enabled: bool = Field(default=True, description="Serve the web dashboard")
    web_host: str = Field(default="127.0.0.1", description="Where the dashboard listens")
    web_port: int = Field(default=8080, ge=0, le=65535, description="Dashboard port")
    web_base_url: str | None = Field(
        default=None,
        description="Public address of the dashboard in the bot's links "
        "(default http://WEB_HOST:WEB_PORT)",
    )
    web_secret_key: SecretStr | None = Field(
        default=None,
        description="Signs sign-in links (default: a random key kept in var/web-secret.key)",
    )
    dashboard_link_minutes: int = Field(default=10, ge=1, le=1440)
    dashboard_session_hours: int = Field(default=8, ge=1, le=720)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def dashboard_url(self) -> str:
        """Base address of the dashboard for links (no trailing slash)."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def attachment_max_bytes(self) -> int:
        return self.attachment_max_mb * 1024 * 1024
