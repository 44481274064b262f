"""What `notify:` sends: a release, or a pull request with breaking changes (pure: the bot
delivers it). Each notice has a stable key, so a redelivered webhook never sends it twice."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from registry.escape import slack_text
from registry.load.settings import Receiver
from registry.records import record

SIGNATURE_HEADER = "X-Trackplan-Signature-256"


@record(frozen=True)
class Notice:
    event: str  # release | breaking-pull-request
    key: str  # the same notice always has the same key
    data: dict[str, Any]
    text: str  # one line for people (Slack)


def release_notice(repository: str, plan: str, version: str, url: str,
                   breaking: list[str]) -> Notice:  # fmt: skip
    said = (f"trackplan: {slack_text(plan)} {slack_text(version)} was released in "
            f"{slack_text(repository)}")  # fmt: skip
    if breaking:
        said += f" with {len(breaking)} breaking change{'s' if len(breaking) != 1 else ''}"
    data = {"event": "release", "repository": repository, "plan": plan, "version": version,
            "url": url, "breaking": breaking}  # fmt: skip
    return Notice("release", f"release:{repository}:{plan}:{version}", data,
                  f"{said}: {slack_text(url)}")  # fmt: skip


def pull_request_notice(repository: str, number: int, title: str, url: str, head_sha: str,
                        breaking: list[str], owners: list[str],
                        consumers: list[str] | None = None) -> Notice:  # fmt: skip
    """`consumers`: the teams, dashboards and destinations the breaking changes reach (the
    plans' `consumers:`), named so a receiver can route the notice to them."""
    data = {"event": "breaking-pull-request", "repository": repository, "number": number,
            "title": title, "url": url, "head_sha": head_sha, "breaking": breaking,
            "owners": owners, "consumers": consumers or []}  # fmt: skip
    # The title is the PR author's: Slack text, never markup, a mention or a disguised link.
    who = f" — approval needed from {slack_text(', '.join(owners))}" if owners else ""
    if consumers:
        who += f" — read by {slack_text(', '.join(consumers))}"
    text = (f"trackplan: pull request #{number} in {slack_text(repository)} makes "
            f"{len(breaking)} breaking change{'s' if len(breaking) != 1 else ''}: "
            f"{slack_text(title)}{who}: {slack_text(url)}")  # fmt: skip
    return Notice("breaking-pull-request", f"pr:{repository}#{number}", data, text)


def request_for(receiver: Receiver, notice: Notice, delivery: str,
                secret: str = "") -> tuple[bytes, dict[str, str]]:  # fmt: skip
    """The body and headers to POST to `receiver` for `notice`."""
    if receiver.kind == "slack":
        body = json.dumps({"text": notice.text}, ensure_ascii=False).encode()
        return body, {"Content-Type": "application/json"}
    body = json.dumps(notice.data, sort_keys=True, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Trackplan-Event": notice.event,
               "X-Trackplan-Delivery": delivery}  # fmt: skip
    if secret:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={digest}"
    return body, headers
