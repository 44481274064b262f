"""Helpers for bot tests: a git repository with a plan PR, signed deliveries, an app on a fake."""

from __future__ import annotations

import copy
import json
import shutil
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.web.app import create_app
from bot.web.signature import sign
from tests.fake_github import FakeGitHub
from tests.test_snapshot import git

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PAYLOADS = ROOT / "tests" / "fixtures" / "github" / "webhook-examples"
SECRET = "s3cret-webhook"


@cache
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def plan_repo(root: Path) -> Path:
    """main = examples/acme-base; branch `rename` = examples/acme (a breaking change)."""
    shutil.copytree(EXAMPLES / "acme-base", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Plans as released")
    git(root, "checkout", "-q", "-b", "rename")
    shutil.rmtree(root / "plans")
    shutil.copytree(EXAMPLES / "acme" / "plans", root / "plans")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Rename Signup to Signed Up")
    git(root, "checkout", "-q", "main")
    return root


def push_commit(root: Path, branch: str, path: str, text: str, message: str) -> str:
    git(root, "checkout", "-q", branch)
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    git(root, "checkout", "-q", "main")
    return git(root, "rev-parse", branch).strip()


def payload(
    event: str, name: str, gh: FakeGitHub, number: int = 1, **changes: Any
) -> dict[str, Any]:
    """A real example payload, pointed at the fake's repository, installation and PR."""
    data: dict[str, Any] = copy.deepcopy(json.loads((PAYLOADS / event / name).read_text()))
    repository = data.setdefault("repository", {})
    repository.update({"full_name": gh.full_name, "name": gh.name, "default_branch": "main"})
    data["installation"] = {"id": gh.installation_id}
    if "pull_request" in data:
        data["pull_request"]["number"] = number
        data["number"] = number
    data.update(changes)
    return data


def config(gh: FakeGitHub, data_dir: Path, **extra: Any) -> dict[str, Any]:
    return {
        "app_id": 1,
        "private_key": private_key(),
        "webhook_secret": SECRET,
        "api_url": gh.url,
        "data_dir": data_dir,
        "seconds_between_requests": 0,
        "seconds_between_writes": 0,
        "retry_base_seconds": 0.05,
        "request_backoff_seconds": 0.01,
        "settle_seconds": 0,
        **extra,
    }


def app_for(gh: FakeGitHub, data_dir: Path, **extra: Any) -> Flask:
    return create_app(config(gh, data_dir, start_worker=False, **extra))


def deliver(client: FlaskClient, event: str, body: dict[str, Any] | bytes,
            delivery: str | None = None, secret: str = SECRET) -> TestResponse:  # fmt: skip
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/webhook",
        data=raw,
        headers={
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(secret, raw),
            "Content-Type": "application/json",
        },
    )


def settle(app: Flask, timeout: float = 60.0) -> int:
    """Work off the queue in this thread, retries included, until nothing is pending."""
    bot = app.extensions["trackplan"]
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        if bot.worker.run_once():
            done += 1
        elif bot.queue.health().backlog == 0:
            return done
        else:
            time.sleep(0.01)  # a retry waits for its time
    raise AssertionError(f"queue not settled after {timeout} s: {bot.queue.health()}")


def drain(app: Flask, limit: int = 50) -> int:
    """Work off the queue in this thread (tests without the background worker)."""
    worker = app.extensions["trackplan"].worker
    done = 0
    while done < limit and worker.run_once():
        done += 1
    return done


def review_opened_pull(gh: FakeGitHub, data_dir: Path, head: str = "rename") -> Flask:
    """Pull request #1 from `head` opened, delivered and worked off: the bot's review done."""
    gh.add_pull(1, head=head)
    app = app_for(gh, data_dir)
    deliver(app.test_client(), "pull_request", payload("pull_request", "opened.payload.json", gh))
    drain(app)
    return app
