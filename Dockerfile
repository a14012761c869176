# syntax=docker/dockerfile:1
# Needs BuildKit (the default builder since Docker 23) for the RUN --mount below.
#
#   docker build -t wheelbot .
#   docker run -d --name wheelbot --restart unless-stopped \
#     -e TELEGRAM_BOT_TOKEN -v wheelbot-data:/data wheelbot
#   docker exec wheelbot wheelbot backup --keep 14 /data/backups     (nightly, from cron)
#
# See docs/operating.md.

# ---- build: the project and every dependency as wheels ---------------------------------------
# Building here keeps the build backend, the sources and pip's downloads out of the final image,
# which then installs from local files only.
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
# Only what the wheel is made of, so that editing docs or tests does not rebuild it.
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY data ./data
COPY locales ./locales
# -c: every dependency at the version the tests last passed with, not whatever is newest today.
RUN pip wheel --no-cache-dir --wheel-dir /wheels -c constraints.txt ".[webhooks]"

# ---- runtime -----------------------------------------------------------------------------------
FROM python:3.12-slim

# PYTHONUNBUFFERED: log lines reach `docker logs` as they are written, not when a buffer fills
# (or never, if the process is killed). PYTHONDONTWRITEBYTECODE: the installed code belongs to
# root, so the bot's user could not write .pyc files anyway; pip compiled them at install time.
# WHEELBOT_WEBHOOK_LISTEN: inside a container 127.0.0.1 cannot be reached through a published
# port; who can reach the webhook server is decided by `-p` / `ports:` instead. Long polling
# (the default) ignores it.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    WHEELBOT_DB=/data/wheelbot.sqlite \
    WHEELBOT_WEBHOOK_LISTEN=0.0.0.0

# A fixed uid, so a host directory mounted at /data can be handed to it (chown 10001:10001).
# --no-log-init: with a high uid, useradd would otherwise write a large sparse /var/log/faillog
# into the layer.
RUN groupadd --system --gid 10001 wheelbot \
    && useradd --system --uid 10001 --gid wheelbot --no-log-init \
        --home-dir /data --no-create-home --shell /usr/sbin/nologin wheelbot \
    && mkdir /data \
    && chown wheelbot:wheelbot /data

# The wheels are mounted for this one step, so they never become a layer of the image.
# /wheels holds exactly what `pip wheel -c constraints.txt ".[webhooks]"` resolved: the bot, its
# dependencies and the webhook extra, so installing all of it is installing the bot with that
# extra. --no-index: nothing is fetched from the network here.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl \
    && wheelbot --version

# Numeric, so that the host (and Kubernetes' runAsNonRoot) can tell it is not root without
# reading the image's /etc/passwd.
USER 10001:10001
# Relative paths given to `wheelbot backup` then land in the volume, not in the container layer
# that is lost with the container.
WORKDIR /data
# Declared after the chown above: a new named volume starts as a copy of /data, owner included.
VOLUME ["/data"]

# Only used in webhook mode (WHEELBOT_WEBHOOK_URL set); long polling needs no open port.
EXPOSE 8443

# The bot renews a heartbeat file every 30 s and `wheelbot health` fails once it is 2 minutes
# old, so a hung bot turns "unhealthy", not only a dead one. health reads that file only (it does
# not load the bot), so running it every minute is cheap. The start period covers start-up and
# database migrations before the first heartbeat.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["wheelbot", "health"]

# Exec form: wheelbot is PID 1 and gets docker stop's SIGTERM itself, so it finishes the update
# in hand and closes the database cleanly. The token is never part of the image: it comes from
# the environment at `docker run` time.
ENTRYPOINT ["wheelbot"]
CMD ["run"]
