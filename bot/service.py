"""The bot's working parts assembled from its settings: the queue, the processor, the worker;
and `trackplan bot worker`, a process that only works off the queue."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType

from bot.config import Config
from bot.queue.backend import open_queue, where
from bot.queue.base import DeliveryQueue
from bot.queue.worker import RetryPolicy, Worker

log = logging.getLogger("trackplan.bot")


def assemble(settings: Config) -> tuple[DeliveryQueue, Worker]:
    """The queue and a worker draining it (not started)."""
    from bot.handlers.processor import Processor  # the GitHub side loads only when it is needed

    queue = open_queue(settings)
    processor = Processor(settings, queue)
    policy = RetryPolicy(settings.retry_base_seconds, settings.retry_max_delay_seconds,
                         settings.give_up_after_seconds)  # fmt: skip
    worker = Worker(
        queue, processor.process, retry=policy, give_up=processor.give_up,
        retention_seconds=settings.retention_days * 86400, periodic=processor.reconcile_all,
        periodic_seconds=settings.reconcile_seconds, max_seconds=settings.max_delivery_seconds,
    )  # fmt: skip
    return queue, worker


def run_worker(settings: Config, graceful_seconds: float = 20.0,
               stop: threading.Event | None = None) -> None:  # fmt: skip
    """Work off the queue until SIGTERM or SIGINT (or `stop`), then finish the delivery in
    hand within `graceful_seconds` or give it back."""
    stop = stop or threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("worker: %s, stopping", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    queue, worker = assemble(settings)
    worker.start()
    log.info("worker %d: working off the queue at %s", os.getpid(), where(settings))
    try:
        stop.wait()
    finally:
        worker.stop(graceful_seconds)
        queue.close()
