"""gunicorn settings for the bot: `gunicorn -c bot/web/gunicorn.conf.py 'bot.app:create_app()'`.

Worker model (README, "Running in production"): gthread processes with many threads, each
request read under a deadline (bot/web/gworker.py), so slow clients cannot starve deliveries;
the queue's schema is set up once in the master before any worker starts; on SIGTERM each
worker finishes or returns the delivery in hand within the graceful timeout.
"""

import os
from typing import Any

bind = os.environ.get("TRACKPLAN_BIND", "0.0.0.0:8000")
# Each worker process acknowledges webhooks and, unless TRACKPLAN_EMBEDDED_WORKER=0, works
# off the shared queue (SQLite in the data folder, or PostgreSQL: TRACKPLAN_DATABASE_URL).
workers = int(os.environ.get("TRACKPLAN_WORKERS", "2"))
# Threads are cheap while they wait on a socket: 32 per process keep acks fast with dozens
# of slow or idle clients connected.
threads = int(os.environ.get("TRACKPLAN_THREADS", "32"))
worker_class = "bot.web.gworker.DeadlineThreadWorker"
timeout = 60
graceful_timeout = int(os.environ.get("TRACKPLAN_GRACEFUL_SECONDS", "20"))
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("TRACKPLAN_LOG_LEVEL", "info")
# GitHub's webhook deliveries time out after 10 s; acknowledge fast, never buffer forever.
keepalive = 5


def on_starting(server: Any) -> None:
    """Create or migrate the queue once, before workers boot: never in a request."""
    from bot.config import Config
    from bot.queue.backend import migrate

    migrate(Config.from_env())


def worker_exit(server: Any, worker: Any) -> None:
    """SIGTERM (a deploy, `docker stop`): finish the delivery in hand or give it back."""
    from bot.queue.worker import stop_all

    stop_all(timeout=max(1.0, graceful_timeout / 2))
