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
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/data
RUN useradd --create-home --uid 10001 priemnaya && mkdir -p /data && chown priemnaya /data
COPY --from=build /opt/venv /opt/venv
USER priemnaya
WORKDIR /data
VOLUME ["/data"]
# BOT_TOKEN must be given at run time; DATABASE_URL defaults to an SQLite file in /data/var.
CMD ["priemnaya", "run"]
