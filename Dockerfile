# trackplan bot: gunicorn serving bot.app:create_app() as a non-root user.
# The base image by digest: a tag moves to new builds, a digest never does. To update it,
# read the digest of the newest python:3.11-slim (docker buildx imagetools inspect
# python:3.11-slim, or Dependabot's docker updates), replace it here, rebuild, run the tests.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TRACKPLAN_DATA_DIR=/data

RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 trackplan \
    && mkdir -p /data && chown trackplan /data

WORKDIR /app
# Every dependency pinned by hash (requirements/action.txt, generated from pyproject.toml
# with the bot and postgres extras), then trackplan itself with nothing resolved at build
# time: the image is `trackplan[bot,postgres]`.
COPY requirements/action.txt ./requirements/action.txt
RUN pip install --require-hashes --no-deps -r requirements/action.txt
COPY pyproject.toml README.md ./
COPY trackplan ./trackplan
COPY registry ./registry
COPY bot ./bot
COPY schemas ./schemas
RUN pip install --no-deps --no-build-isolation .

USER trackplan
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

# The same command the tests run (tests/test_bot_gunicorn.py).
CMD ["gunicorn", "-c", "bot/web/gunicorn.conf.py", "bot.app:create_app()"]
