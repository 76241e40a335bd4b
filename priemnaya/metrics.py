"""Process-wide Prometheus metrics that the channels update (`web/ops.py` exposes them).

They live in prometheus_client's default registry, created once when this module is first
imported — the library's own convention; counting before anyone scrapes costs nothing."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

disable_created_metrics()  # no `_created` twin series: Prometheus does not need them

TELEGRAM_ERRORS = Counter(
    "priemnaya_telegram_errors",
    "Failed Telegram sends from the outbox, by kind of error",
    ["error"],
)
TRANSCRIPTIONS = Histogram(
    "priemnaya_transcription_seconds",
    "Speech recognition time: a whole clip (voice note, incl. the wait for a worker), or the "
    "end of a call's turn (streaming)",
    ["mode"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)
OPEN311_REQUESTS = Counter(
    "priemnaya_open311_requests",
    "Open311 API requests by operation and HTTP status",
    ["operation", "status"],
)


def telegram_error_kind(exc: BaseException) -> str:
    """A short, bounded label for a Telegram failure."""
    name = type(exc).__name__
    return {
        "TelegramRetryAfter": "retry_after",
        "TelegramForbiddenError": "forbidden",
        "TelegramBadRequest": "bad_request",
        "TelegramServerError": "server_error",
        "TelegramNetworkError": "network",
        "TelegramNotFound": "not_found",
        "TelegramConflictError": "conflict",
        "TelegramUnauthorizedError": "unauthorized",
        "TelegramEntityTooLarge": "too_large",
    }.get(name, "other")


def count_telegram_error(exc: BaseException) -> None:
    TELEGRAM_ERRORS.labels(error=telegram_error_kind(exc)).inc()
