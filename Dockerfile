# Priemnaya service image: slim Python, dependencies in a build stage, non-root runtime.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY storage ./storage
COPY bot ./bot
COPY handlers ./handlers
COPY voice ./voice
COPY priemnaya ./priemnaya
COPY fake_telegram ./fake_telegram
COPY web ./web
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .
# The voice line's prompts, spoken from the i18n catalogue (core/locales/ru/voice.ftl) by
# espeak-ng into 8 kHz WAV; only the WAV files go into the runtime image.
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/* \
    && /opt/venv/bin/priemnaya voice render-prompts --dest /opt/prompts
# The Russian Vosk model from the publisher (alphacephei.com), unpacked only when its SHA-256
# matches (Alpha Cephei publishes no digests: pin the one you trust with
# --build-arg VOSK_MODEL_SHA256=...). Without it the image has no model and voice notes are
# kept as audio; with it, run with VOSK_MODEL_PATH=/opt/models/$VOSK_MODEL
# (`priemnaya run` for the bot, `priemnaya voice-line` for the phone line).
ARG VOSK_MODEL=vosk-model-small-ru-0.22
ARG VOSK_MODEL_SHA256=""
RUN mkdir -p /opt/models && if [ -n "$VOSK_MODEL_SHA256" ]; then \
        /opt/venv/bin/priemnaya voice download-model "$VOSK_MODEL" --dest /opt/models \
            --sha256 "$VOSK_MODEL_SHA256"; \
    else echo "VOSK_MODEL_SHA256 not given: building without a speech model"; fi

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/data \
    VOICE_PROMPTS_DIR=/opt/prompts \
    VOICE_RECORDINGS_DIR=/data/recordings
RUN useradd --create-home --uid 10001 priemnaya && mkdir -p /data && chown priemnaya /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
COPY --from=build /opt/prompts /opt/prompts
USER priemnaya
WORKDIR /data
VOLUME ["/data"]
# BOT_TOKEN must be given at run time; DATABASE_URL defaults to an SQLite file in /data/var.
CMD ["priemnaya", "run"]
