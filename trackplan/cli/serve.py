"""`trackplan serve`: the bot and the read API, each on its own address."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
    require_extra,
)


def run(args: argparse.Namespace) -> int:
    # The one command that runs the Flask app: imported here so the rest of the CLI (and the
    # registry core) never loads Flask or PyGithub.
    import os

    require_extra("bot", "trackplan serve")
    from bot.config import Config, ConfigError
    from bot.web.app import create_app, create_read_app
    from bot.web.devserver import serve, server

    bot_configured = bool(os.environ.get("TRACKPLAN_GITHUB_APP_ID"))
    if args.registry and not Path(args.registry).is_dir():
        raise UsageError(f"{args.registry}: no such folder")
    if args.observed and not args.registry:
        raise UsageError("--observed draws reports in the catalog of --registry PATH: give both")
    if not bot_configured and not args.registry:
        raise UsageError("set the TRACKPLAN_* environment for the bot, or give --registry PATH")
    servers = []
    try:
        if bot_configured:
            servers.append(
                ("bot (POST /webhook)", server(args.host, args.port, create_app(Config.from_env())))
            )
        if args.registry:
            # The read API never shares the webhook's address: --read-port, or the port +1.
            port = args.read_port if args.read_port is not None else (
                args.port + 1 if bot_configured else args.port)  # fmt: skip
            observed = Path(args.observed) if args.observed else None
            read_app = create_read_app(Path(args.registry), observed=observed)
            servers.append(
                (
                    "read API (/v1/plans) and catalog (/)",
                    server(args.read_host or args.host, port, read_app),
                )
            )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot listen: {exc.strerror or exc}") from None
    try:
        serve(servers)
    except KeyboardInterrupt:
        pass
    finally:
        from bot.queue.worker import stop_all

        stop_all(timeout=10)  # finish the delivery in hand, or give it back to the queue
    return EXIT_OK


def add_parser(sub: Any) -> None:
    serve_parser = sub.add_parser(
        "serve",
        help="run the bot and the read API on the Flask development server",
        description="Run the GitHub bot (settings from the TRACKPLAN_* environment: "
        "TRACKPLAN_GITHUB_APP_ID, TRACKPLAN_GITHUB_PRIVATE_KEY or _PATH, "
        "TRACKPLAN_WEBHOOK_SECRET, TRACKPLAN_GITHUB_API_URL, TRACKPLAN_DATA_DIR) and, with "
        "--registry, the read API of that git repository's releases under /v1/plans and its "
        "catalog at / on an address of their own (each plan's latest release; "
        "TRACKPLAN_CATALOG_HEAD=1 shows the branch; TRACKPLAN_READ_TOKEN asks for a bearer "
        "token; TRACKPLAN_READ_CACHE=public lets shared caches keep answers). For production "
        "run gunicorn -c bot/web/gunicorn.conf.py 'bot.app:create_app()' and, on another bind, "
        "gunicorn 'bot.app:create_read_app()'.",
    )
    serve_parser.add_argument(
        "--registry", metavar="PATH", help="a git repository whose release tags the API serves"
    )
    serve_parser.add_argument(
        "--observed", metavar="DIR",
        help="a folder of `trackplan check --report-out` reports the catalog draws; watched: "
        "a report added or replaced shows on the next page load (TRACKPLAN_OBSERVED_DIR for "
        "gunicorn)",
    )  # fmt: skip
    serve_parser.add_argument("--host", default="127.0.0.1", help="where the bot listens")
    serve_parser.add_argument("--port", type=int, default=8000,
                              help="the bot's port (default: 8000)")  # fmt: skip
    serve_parser.add_argument(
        "--read-host", metavar="HOST",
        help="where the read API and catalog listen (default: --host); set "
        "TRACKPLAN_READ_TOKEN to ask readers for a bearer token")  # fmt: skip
    serve_parser.add_argument(
        "--read-port", type=int, metavar="PORT",
        help="their port (default: --port + 1 beside the bot, else --port): never the "
        "webhook's")  # fmt: skip
    serve_parser.set_defaults(handler=run)
