"""gunicorn settings for the bot: `gunicorn -c bot/gunicorn.conf.py 'bot.app:create_app()'`."""

import os

bind = os.environ.get("TRACKPLAN_BIND", "0.0.0.0:8000")
# Each worker process acknowledges webhooks and drains the shared SQLite queue.
workers = int(os.environ.get("TRACKPLAN_WORKERS", "2"))
threads = int(os.environ.get("TRACKPLAN_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("TRACKPLAN_LOG_LEVEL", "info")
# GitHub's webhook deliveries time out after 10 s; acknowledge fast, never buffer forever.
keepalive = 5
