"""Webhook intake: verify, classify and store a delivery; the worker does the rest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Events and actions the bot works on; anything else is acknowledged and dropped.
PULL_REQUEST_ACTIONS = frozenset(
    {"opened", "synchronize", "reopened", "ready_for_review", "edited"}
)
REVIEW_ACTIONS = frozenset({"submitted", "dismissed", "edited"})


@dataclass(frozen=True)
class Route:
    """What to do with a delivery: the queue key (one at a time) and whether to coalesce."""

    handled: bool
    key: str | None = None
    coalesce: bool = False
    reason: str = ""


def classify(event: str, payload: dict[str, Any]) -> Route:
    """Decide from the event name and payload whether the bot has work to do."""
    action = payload.get("action")
    repo = _repo(payload)
    if event == "ping":
        return Route(False, reason="ping")
    if event == "pull_request":
        if action not in PULL_REQUEST_ACTIONS:
            return Route(False, reason=f"pull_request {action} needs nothing")
        if action == "edited" and not _base_changed(payload):
            return Route(False, reason="pull_request edited without a base change")
        number = (payload.get("pull_request") or {}).get("number")
        return Route(True, f"{repo}#{number}", coalesce=True)
    if event == "pull_request_review":
        if action not in REVIEW_ACTIONS:
            return Route(False, reason=f"pull_request_review {action} needs nothing")
        number = (payload.get("pull_request") or {}).get("number")
        return Route(True, f"{repo}#{number}", coalesce=True)
    if event == "push":
        ref = payload.get("ref", "")
        default = (payload.get("repository") or {}).get("default_branch")
        if not default or ref != f"refs/heads/{default}" or payload.get("deleted"):
            return Route(False, reason=f"push to {ref} (not the default branch)")
        return Route(True, f"{repo}@release", coalesce=False)
    return Route(False, reason=f"{event} is not handled")


def _repo(payload: dict[str, Any]) -> str:
    repository = payload.get("repository") or {}
    return str(repository.get("full_name", "?"))


def _base_changed(payload: dict[str, Any]) -> bool:
    changes = payload.get("changes") or {}
    return isinstance(changes, dict) and "base" in changes


def parse_json(body: bytes) -> dict[str, Any] | None:
    """The payload as a JSON object, or None when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
