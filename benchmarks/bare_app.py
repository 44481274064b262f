"""The baseline of benchmarks/webhook.py: a Flask app that only checks the signature."""

from __future__ import annotations

import os

from flask import Flask, request
from flask.typing import ResponseReturnValue

from bot.web.signature import matches, new_mac, well_formed


def create_app() -> Flask:
    secret = os.environ["TRACKPLAN_WEBHOOK_SECRET"]
    app = Flask("bare")

    @app.post("/webhook")
    def receive() -> ResponseReturnValue:
        body = request.get_data(cache=False)
        header = request.headers.get("X-Hub-Signature-256")
        mac = new_mac(secret)
        mac.update(body)
        if header is None or not well_formed(header) or not matches(mac, header):
            return {"error": "invalid signature"}, 401
        return {"queued": True}, 202

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return {"status": "ok"}

    return app
