# Story AI Studio: the Discord bot image.
#
#   docker compose up -d --build        (see docker-compose.yml and docs/deploy.md)
#
# The container migrates the database, then runs the bot:
#   storyai db upgrade && exec storyai bot
# Configuration comes from the environment only; docs/deploy.md lists every variable.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The package, built from the context that .dockerignore lets through, then thrown away.
COPY . /tmp/storyai-src
RUN pip install /tmp/storyai-src && rm -rf /tmp/storyai-src

# A user of its own, and /data for everything storyai writes: the data folder (a SQLite
# database when no STORYAI_DATABASE_URL is set), the reply cache, the config folder.
RUN useradd --create-home --uid 10001 --user-group storyai \
    && mkdir -p /data \
    && chown storyai:storyai /data \
    && printf '#!/bin/sh\nset -e\nstoryai db upgrade && exec storyai bot "$@"\n' \
        > /usr/local/bin/storyai-start \
    && chmod 0755 /usr/local/bin/storyai-start
ENV XDG_DATA_HOME=/data/share \
    XDG_CACHE_HOME=/data/cache \
    XDG_CONFIG_HOME=/data/config \
    STORYAI_CONFIG=/data/config.toml
VOLUME ["/data"]
WORKDIR /data
USER storyai

ENTRYPOINT ["/usr/local/bin/storyai-start"]
