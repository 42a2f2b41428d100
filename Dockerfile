# One image, a role per command: `serve` (default: web app + worker, embedded Redis and SQLite under /data),
# `web`, `worker`, `migrate` (production, with SCOPEGATE_REDIS_URL and SCOPEGATE_DATABASE_URL), `check …`.
FROM python:3.11-slim

# git: `scopegate check` runs it. Nothing to compile on linux/amd64: every dependency ships a wheel there.
# safe.directory: `check` reads repositories mounted from the host, owned by another uid, which git
# otherwise refuses. https://git-scm.com/docs/git-config#Documentation/git-config.txt-safedirectory
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
COPY pyproject.toml README.md app-manifest.yml ./
COPY bot ./bot
COPY rules ./rules
COPY workers ./workers
# The postgres extra: production's database (SQLite needs nothing).
RUN pip install ".[postgres]" && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /data --no-create-home scopegate \
    && mkdir /data && chown scopegate:scopegate /data
USER scopegate
WORKDIR /data
ENV SCOPEGATE_DATA_DIR=/data \
    SCOPEGATE_HOST=0.0.0.0
VOLUME /data
EXPOSE 8000

# The web roles' liveness; run `worker` with --no-healthcheck (it serves no HTTP).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SCOPEGATE_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["scopegate"]
CMD ["serve", "--host", "0.0.0.0"]
