# trackplan bot: gunicorn serving bot.app:create_app() as a non-root user.
FROM python:3.11-slim

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
COPY pyproject.toml README.md ./
COPY registry ./registry
COPY bot ./bot
COPY schemas ./schemas
RUN pip install .

USER trackplan
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

# The same command the tests run (tests/test_bot_gunicorn.py).
CMD ["gunicorn", "-c", "bot/gunicorn.conf.py", "bot.app:create_app()"]
