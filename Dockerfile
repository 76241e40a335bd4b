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
# The Russian Vosk model, verified by SHA-256 (Alpha Cephei publishes none: pin the digest you
# trust with --build-arg VOSK_MODEL_SHA256=...). Without it the image has no model and voice
# notes are kept as audio; with it, run the image with VOSK_MODEL_PATH=/opt/models/$VOSK_MODEL.
ARG VOSK_MODEL=vosk-model-small-ru-0.22
ARG VOSK_MODEL_SHA256=""
RUN mkdir -p /opt/models && if [ -n "$VOSK_MODEL_SHA256" ]; then \
        /opt/venv/bin/priemnaya voice download-model "$VOSK_MODEL" --dest /opt/models \
            --sha256 "$VOSK_MODEL_SHA256"; \
    else echo "VOSK_MODEL_SHA256 not given: building without a speech model"; fi

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/data
RUN useradd --create-home --uid 10001 priemnaya && mkdir -p /data && chown priemnaya /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
USER priemnaya
WORKDIR /data
VOLUME ["/data"]
# BOT_TOKEN must be given at run time; DATABASE_URL defaults to an SQLite file in /data/var.
CMD ["priemnaya", "run"]
