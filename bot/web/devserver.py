"""`trackplan serve`: the webhook and the read API on werkzeug's server, each on its own bind,
with a read timeout so a half-sent request cannot hold a thread forever."""

from __future__ import annotations

import os
import sys
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

# A client that stops sending for this long is dropped (werkzeug waits forever by default);
# TRACKPLAN_SERVE_READ_TIMEOUT sets another number of seconds.
READ_TIMEOUT_SECONDS = 30.0


def server(host: str, port: int, app: Flask) -> BaseWSGIServer:
    seconds = float(os.environ.get("TRACKPLAN_SERVE_READ_TIMEOUT") or READ_TIMEOUT_SECONDS)

    class TimedRequestHandler(WSGIRequestHandler):
        timeout = seconds  # socketserver applies it to each connection's socket

    return make_server(host, port, app, threaded=True, request_handler=TimedRequestHandler)


def serve(servers: list[tuple[str, BaseWSGIServer]]) -> None:
    """Run every server until interrupted; each says where it listens first."""
    for what, running in servers:
        print(f"trackplan: {what} on http://{running.host}:{running.port}", file=sys.stderr)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for _, s in servers[1:]]
    for thread in threads:
        thread.start()
    try:
        servers[0][1].serve_forever()
    finally:
        for _, running in servers:
            running.server_close()
