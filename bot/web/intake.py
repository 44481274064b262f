"""Webhook intake: verify, classify and store a delivery; the worker does the rest."""

from __future__ import annotations

import json
from typing import Any

import orjson

from registry.records import record

# Events and actions the bot works on; anything else is acknowledged and dropped.
PULL_REQUEST_ACTIONS = frozenset(
    {"opened", "synchronize", "reopened", "ready_for_review", "edited"}
)
REVIEW_ACTIONS = frozenset({"submitted", "dismissed", "edited"})


class PayloadError(ValueError):
    """A signed body the bot cannot act on; the message says which field is wrong."""


@record(frozen=True)
class Route:
    """What to do with a delivery: the queue key (one at a time) and whether to coalesce."""

    handled: bool
    key: str | None = None
    coalesce: bool = False
    reason: str = ""
    # What the worker reads of the payload, and all the queue stores: a delivery is 30 KB
    # of JSON, of which the bot needs a few hundred bytes (smaller database, faster acks).
    essentials: dict[str, Any] | None = None


# The webhook events the bot works on (the App manifest subscribes to exactly these).
HANDLED_EVENTS = ("pull_request", "pull_request_review", "push")


def classify(event: str, payload: dict[str, Any]) -> Route:
    """Decide from the event name and payload whether the bot has work to do.

    Raises PayloadError when a field the bot relies on has the wrong shape, so that the
    worker only ever sees payloads it can read.
    """
    if event == "ping":
        return Route(False, reason="ping")
    if event not in HANDLED_EVENTS:
        return Route(False, reason=f"{event} is not handled")
    action = _field(payload, "action", str, required=event != "push")
    repo = _repository(payload)
    if event in ("pull_request", "pull_request_review"):
        actions = PULL_REQUEST_ACTIONS if event == "pull_request" else REVIEW_ACTIONS
        if action not in actions:
            return Route(False, reason=f"{event} {action} needs nothing")
        if action == "edited" and event == "pull_request" and not _judged_parts_changed(payload):
            return Route(False, reason="pull_request edited: neither its base nor description")
        pull = _field(payload, "pull_request", dict)
        number = _field(pull, "number", int, where="pull_request.number")
        kept = {**_common(payload), "action": action, "pull_request": {"number": number}}
        return Route(True, f"{repo}#{number}", coalesce=True, essentials=kept)
    ref = _field(payload, "ref", str)
    default = _field(payload["repository"], "default_branch", str,
                     where="repository.default_branch")  # fmt: skip
    _field(payload, "after", str)
    if ref != f"refs/heads/{default}" or payload.get("deleted") is True:
        return Route(False, reason=f"push to {ref} (not the default branch)")
    head_commit = payload.get("head_commit")
    message = head_commit.get("message") if isinstance(head_commit, dict) else None
    kept = {**_common(payload), "ref": ref, "after": payload["after"],
            "head_commit": {"message": message if isinstance(message, str) else ""}}  # fmt: skip
    return Route(True, f"{repo}@release", coalesce=False, essentials=kept)


def _common(payload: dict[str, Any]) -> dict[str, Any]:
    """The repository and installation, as checked by `_repository`."""
    repository = payload["repository"]
    kept: dict[str, Any] = {"repository": {"full_name": repository["full_name"]}}
    for key in ("default_branch", "html_url"):  # html_url: links in notices
        if isinstance(repository.get(key), str):
            kept["repository"][key] = repository[key]
    if isinstance(payload.get("installation"), dict):
        kept["installation"] = {"id": payload["installation"]["id"]}
    return kept


def _field(data: dict[str, Any], name: str, kind: type, *, required: bool = True,
           where: str | None = None) -> Any:  # fmt: skip
    value = data.get(name)
    if value is None and not required:
        return None
    # bool is an int to Python, never to GitHub.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = "missing" if value is None else f"a {type(value).__name__}"
        raise PayloadError(f"{where or name} must be a {kind.__name__} (it is {shown})")
    return value


def _repository(payload: dict[str, Any]) -> str:
    repository = _field(payload, "repository", dict)
    full_name: str = _field(repository, "full_name", str, where="repository.full_name")
    owner, _, name = full_name.partition("/")
    if not owner or not name or "/" in name:
        raise PayloadError(f"repository.full_name must be OWNER/NAME, not {full_name[:100]!r}")
    installation = payload.get("installation")
    if installation is not None:
        installation = _field(payload, "installation", dict)
        _field(installation, "id", int, where="installation.id")
    return full_name


def _judged_parts_changed(payload: dict[str, Any]) -> bool:
    """An edit the review reads: the base branch (what it is compared with, whose policy
    judges it) or the description (the migration notes a breaking change needs: taken out
    after the review passed, the gate must fail again)."""
    changes = payload.get("changes") or {}
    return isinstance(changes, dict) and ("base" in changes or "body" in changes)


def parse_json(body: bytes) -> dict[str, Any] | None:
    """The payload as a JSON object, or None when it is not one (or nests too deeply).

    orjson reads a 28 KB delivery in a third of json's time (it was the acknowledgement's
    largest cost); what it refuses and json reads (a BOM, NaN, a lone surrogate escape) is
    read by json as before, so the same bodies are accepted and stored alike."""
    try:
        data = orjson.loads(body)
    except RecursionError:
        return None
    except orjson.JSONDecodeError:
        return _exact(body)
    return data if isinstance(data, dict) else None


def _exact(body: bytes) -> dict[str, Any] | None:
    """json's reading of the body: slower, and exact where orjson is not."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def classify_body(event: str, payload: dict[str, Any], body: bytes) -> Route:
    """`classify` over `parse_json`'s payload; when it refuses a field, again over json's
    reading of the body: orjson reads an integer past 64 bits (an id GitHub might one day
    send) as a float, which json keeps exact, so a body is judged, and stored, as before."""
    try:
        return classify(event, payload)
    except PayloadError:
        exact = _exact(body)
        if exact is None:
            raise
        return classify(event, exact)
