"""`trackplan bot migrate` and `trackplan bot worker`: the bot's queue and workers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
    require_extra,
)

if TYPE_CHECKING:  # the bot's settings load only when a bot command runs
    from bot.config import Config


def _queue_settings(args: argparse.Namespace, base: Config | None = None) -> Config:
    """`base` (default: settings without GitHub, enough to migrate) with the queue's place
    from --database-url / --data-dir, else from the environment."""
    import os

    from bot.config import Config, database_url_from
    from registry.records import replace

    env = dict(os.environ)
    if args.database_url is not None:
        env["TRACKPLAN_DATABASE_URL"] = args.database_url
    problems: list[str] = []
    url = database_url_from(env, problems)
    if problems:
        raise UsageError(problems[0])
    data = Path(args.data_dir or env.get("TRACKPLAN_DATA_DIR") or "trackplan-data")
    base = base or Config(app_id=0, private_key="", webhook_secret="")
    return replace(base, data_dir=data, database_url=url)


def migrate_command(args: argparse.Namespace) -> int:
    from bot.queue.backend import BackendError, migrate

    try:
        done = migrate(_queue_settings(args))
    except BackendError as exc:
        raise UsageError(str(exc)) from None
    if done.before >= done.after:
        print(f"{done.where}: schema {done.before}, up to date")
    else:
        print(f"{done.where}: schema {done.before} -> {done.after}")
    return EXIT_OK


def worker_command(args: argparse.Namespace) -> int:
    require_extra("bot", "trackplan bot worker")
    from bot.config import Config, ConfigError
    from bot.queue.backend import BackendError, migrate
    from bot.service import run_worker

    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    config = _queue_settings(args, config)
    try:
        migrate(config)  # idempotent: a worker may start before anything else
    except BackendError as exc:
        raise UsageError(str(exc)) from None
    from bot.web.app import configure_logging

    configure_logging()
    run_worker(config, graceful_seconds=args.graceful_seconds)  # logs where it works
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return migrate_command(args) if args.bot_command == "migrate" else worker_command(args)


def add_parser(sub: Any) -> None:
    bot_parser = sub.add_parser(
        "bot", help="the bot's queue and worker processes: migrate, worker",
        description="The bot's own state. Its queue is SQLite in the data folder (one host), "
        "or PostgreSQL when TRACKPLAN_DATABASE_URL (or --database-url) names one: then any "
        "number of web and worker processes on any number of hosts share it.",
    )  # fmt: skip
    bot_sub = bot_parser.add_subparsers(dest="bot_command", metavar="COMMAND", required=True)
    where_help = {
        "--data-dir": "the bot's data folder (default: $TRACKPLAN_DATA_DIR, else trackplan-data)",
        "--database-url": "a postgresql:// URL for the queue (default: $TRACKPLAN_DATABASE_URL; "
        "unset: SQLite in the data folder); prefer the variable for a URL with a password, "
        "which others on the host can read from a command line",
    }
    migrate_parser = bot_sub.add_parser(
        "migrate",
        help="create or upgrade the delivery queue's schema",
        description="Create the delivery queue (SQLite in the data folder, or the tables in "
        "PostgreSQL), or upgrade an older one, before the bot's processes start. gunicorn "
        "does this itself in its master process and `trackplan bot worker` at its start; "
        "run it as a deploy step when processes start some other way. Safe to run again "
        "and from several hosts at once: an up-to-date schema is left as it is.",
    )
    worker_parser = bot_sub.add_parser(
        "worker",
        help="a process that only works off the queue (reviews, releases, notices)",
        description="Work off the delivery queue until SIGTERM or SIGINT, then finish the "
        "delivery in hand or give it back. Run any number on any host against one "
        "PostgreSQL queue (TRACKPLAN_DATABASE_URL), beside web processes started with "
        "TRACKPLAN_EMBEDDED_WORKER=0. Needs the bot's GitHub settings (TRACKPLAN_GITHUB_*).",
    )
    worker_parser.add_argument(
        "--graceful-seconds", type=float, default=20.0, metavar="S",
        help="on SIGTERM, how long the delivery in hand may take before it is given back "
        "(default: 20)",
    )  # fmt: skip
    worker_parser.set_defaults(handler=run)
    for sub_parser in (migrate_parser, worker_parser):
        for flag, text in where_help.items():
            sub_parser.add_argument(flag, help=text)
    migrate_parser.set_defaults(handler=run)
