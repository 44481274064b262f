"""Notices: queued per receiver as deliveries of their own, sent to Slack and webhooks over HTTPS;
no failure of theirs ever touches a review or a release."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from bot.errors import TransientError
from bot.handlers.base import NOTIFY, Handler
from registry.load.settings import NOTIFY_ENV_PREFIX, Receiver
from registry.review.notices import Notice, request_for

log = logging.getLogger("trackplan.notify")
TIMEOUT = 10.0


class NotifyRefused(Exception):
    """The receiver refused for good (4xx) or is not configured: retrying cannot help."""


def notify_scope(repository: str) -> str:
    """The variables a repository's receivers may name on a bot serving many repositories:
    TRACKPLAN_NOTIFY_<OWNER>_*, so one owner's registry can neither post into another's
    channel nor have its own receiver sign with another's secret."""
    owner = repository.split("/", 1)[0]
    return NOTIFY_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", owner.upper()) + "_"


def send(receiver: Receiver, notice: Notice, delivery: str, environ: Mapping[str, str],
         scope: str = NOTIFY_ENV_PREFIX) -> int:  # fmt: skip
    """POST the notice; TransientError on 5xx, 429 and network failures (the queue retries
    with backoff), NotifyRefused on any other refusal. Returns the HTTP status. `scope` is
    the prefix the receiver's variables must have (notify_scope on the bot)."""
    for name in (receiver.url_env, receiver.secret_env):
        if name and (not name.startswith(scope) or name == scope):
            raise NotifyRefused(f"{receiver.id}: {name} is not a {scope}* variable (the only "
                                "ones this registry may name)")  # fmt: skip
    url = environ.get(receiver.url_env, "")
    local = url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
    if not url.startswith("https://") and not local:  # plain http only to this machine
        raise NotifyRefused(f"{receiver.url_env} is not set to an https URL in the bot's "
                            "environment")  # fmt: skip
    if receiver.kind == "webhook" and not receiver.secret_env:
        raise NotifyRefused(f"{receiver.id}: a webhook needs secret_env (notices are signed)")
    secret = environ.get(receiver.secret_env, "") if receiver.secret_env else ""
    if receiver.secret_env and not secret:
        raise NotifyRefused(f"{receiver.secret_env} (the signing secret) is not set")
    body, headers = request_for(receiver, notice, delivery, secret)
    request = urllib.request.Request(url, data=body, headers={**headers,
                                     "User-Agent": "trackplan-notify"}, method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TransientError(f"{receiver.id} answered {exc.code}") from None
        raise NotifyRefused(f"{receiver.id} refused the notice: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise TransientError(f"{receiver.id} could not be reached ({reason})") from None
    except (ValueError, http.client.InvalidURL):  # never repeat the URL: it is a secret
        raise NotifyRefused(f"{receiver.url_env} does not hold a valid URL") from None
    except http.client.HTTPException as exc:  # a broken answer: worth another try
        raise TransientError(f"{receiver.id} answered badly ({exc.__class__.__name__})") from None


class Notices(Handler):
    """`notify:` receivers: queue one delivery per receiver and notice, send it."""

    def notify(self, receivers: Sequence[Receiver], notice: Notice) -> None:
        """Queue the notice for every receiver that wants it: each one a delivery of its
        own (retried with backoff, never in the way of a review or a release), its id made
        from the notice's key, so a redelivered webhook never sends it twice. Without a
        queue (the GitHub Action) it is sent now, and a failure is only logged."""
        for receiver in receivers:
            if notice.event not in receiver.on:
                continue
            body = json.dumps({"receiver": receiver.__dict__ | {"on": list(receiver.on)},
                               "notice": notice.__dict__}, sort_keys=True)  # fmt: skip
            delivery_id = f"notify:{receiver.id}:{notice.key}"
            if self.queue is not None:
                self.queue.put(delivery_id, NOTIFY, None, False, body.encode())
            else:
                try:
                    self.send_notice(json.loads(body), delivery_id)
                except Exception as exc:  # best effort without a queue; never fails the run
                    log.warning("notice %s not sent: %s", delivery_id, exc)

    def send_notice(self, payload: dict[str, Any], delivery_id: str) -> str:
        raw = payload["receiver"]
        receiver = Receiver(raw["kind"], raw["url_env"], raw.get("secret_env", ""),
                            tuple(raw.get("on") or ()))  # fmt: skip
        notice = Notice(**payload["notice"])
        try:
            # The App serves many owners: each names only its own variables. The Action's
            # environment is its own repository's: any TRACKPLAN_NOTIFY_* of it.
            scope = (NOTIFY_ENV_PREFIX if self.config.token
                     else notify_scope(str(notice.data["repository"])))  # fmt: skip
            status = send(receiver, notice, delivery_id, os.environ, scope)
        except NotifyRefused as exc:
            log.warning("notice %s dropped: %s", delivery_id, exc)
            return "notify-refused"
        return f"notified ({status})"
