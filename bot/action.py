"""The GitHub Action's entry point: the bot's review or release for the one event the
workflow runs on, with the workflow's GITHUB_TOKEN instead of an App (no server)."""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from bot.config import DEFAULT_API_URL, Config
from bot.handlers.processor import Processor
from bot.web.intake import PayloadError, classify
from registry.records import record
from registry.review.verdict import FAIL_ON, FAILURE, REVIEW_CHECK, VALIDATE_CHECK

log = logging.getLogger("trackplan.action")


class ActionError(Exception):
    """The workflow gives the action something it cannot work with (exit 2)."""


@record(frozen=True)
class Inputs:
    fail_on: str = "breaking"
    comment: bool = True
    release: bool = True
    repo_path: str = ""  # the registry's folder in the repository, "" or ending in "/"
    # Who the token writes as: the bot's comment is the one by this login carrying the marker.
    comment_author: str = "github-actions[bot]"


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(f"INPUT_{name.upper()}", "").strip().lower()
    if not text:
        return default
    if text not in ("true", "false"):
        raise ActionError(f"input {name}: {text!r} is not true or false")
    return text == "true"


def inputs(env: Mapping[str, str]) -> Inputs:
    """The action's inputs, as GitHub passes them (INPUT_<NAME> variables)."""
    fail_on = env.get("INPUT_FAIL-ON", env.get("INPUT_FAIL_ON", "")).strip() or "breaking"
    if fail_on not in FAIL_ON:
        raise ActionError(f"input fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    repo_path = env.get("INPUT_REPO-PATH", env.get("INPUT_REPO_PATH", "")).strip() or "."
    parts = [p for p in repo_path.replace("\\", "/").split("/") if p not in ("", ".")]
    if repo_path.startswith("/") or ".." in parts:
        raise ActionError(f"input repo-path: {repo_path!r}: a folder inside the repository, "
                          "e.g. analytics/tracking")  # fmt: skip
    prefix = "".join(f"{p}/" for p in parts)
    author = env.get("INPUT_COMMENT-AUTHOR", env.get("INPUT_COMMENT_AUTHOR", "")).strip()
    if author and not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?", author):
        raise ActionError(f"input comment-author: {author!r} is not a GitHub login "
                          "(e.g. octocat, or my-app[bot])")  # fmt: skip
    return Inputs(fail_on, _flag(env, "comment", True), _flag(env, "release", True), prefix,
                  author or Inputs.comment_author)  # fmt: skip


def run(env: Mapping[str, str]) -> int:
    """Review the pull request or release the push the workflow runs on. Exit status: 1
    when `fail-on` says the change fails (validation errors, breaking changes without notes
    or approvals; with `warning`, warnings too), else 0."""
    event = env.get("GITHUB_EVENT_NAME", "")
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        raise ActionError("GITHUB_TOKEN is not set: pass `github-token: ${{ github.token }}` "
                          "(the default) and give the job the README's permissions")  # fmt: skip
    event_path = env.get("GITHUB_EVENT_PATH", "")
    if not event_path:
        raise ActionError("GITHUB_EVENT_PATH is not set: `trackplan action` runs in a GitHub "
                          "Actions workflow, which sets it")  # fmt: skip
    try:
        payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ActionError(f"GITHUB_EVENT_PATH: cannot read the event ({exc})") from None
    if not isinstance(payload, dict):
        raise ActionError(f"GITHUB_EVENT_PATH: the event is not a JSON object ({event_path})")
    given = inputs(env)
    try:
        route = classify(event, payload)
    except PayloadError as exc:
        raise ActionError(f"the {event} event has an unexpected shape: {exc}") from None
    if not route.handled:
        print(f"trackplan: nothing to do ({route.reason})")
        return 0
    if event == "push" and not given.release:
        print("trackplan: release is false: the push is not released")
        return 0
    with tempfile.TemporaryDirectory(prefix="trackplan-action-",
                                     dir=env.get("RUNNER_TEMP") or None) as data:  # fmt: skip
        config = Config(
            app_id=0, private_key="", webhook_secret="", token=token,
            api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            data_dir=Path(data), start_worker=False, post_comment=given.comment,
            registry_prefix=given.repo_path, comment_author=given.comment_author,
            seconds_between_requests=float(env.get("TRACKPLAN_SECONDS_BETWEEN_REQUESTS", 0.25)),
            seconds_between_writes=float(env.get("TRACKPLAN_SECONDS_BETWEEN_WRITES", 1.0)),
        )  # fmt: skip
        processor = Processor(config)
        said = processor.push(payload) if event == "push" else processor.pull_request(payload)
        print(f"trackplan: {event}: {said}")
        if event == "push" or given.fail_on == "never":
            return 0
        verdict = processor.last_verdict
        if verdict is not None:
            failed = verdict.failures(given.fail_on)
        else:  # no review: a crash published failing checks, or no plan file changed
            failed = [name for name in (VALIDATE_CHECK, REVIEW_CHECK)
                      if processor.outcome.get(name) == FAILURE]  # fmt: skip
        if failed:
            print(f"::error title=trackplan::the change fails: {', '.join(failed)} (see the "
                  "checks and the comment)")  # fmt: skip
            return 1
        return 0
