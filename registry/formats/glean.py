"""Mozilla Glean `metrics.yaml` (glean_parser's schema 2-0-0): its event metrics as events."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from registry.formats.base import Carries, FormatError, Imported
from registry.formats.source import Losses, Source, mapping
from registry.load.pii import DIRECT, SENSITIVE

NAME = "glean"
SUMMARY = "Mozilla Glean metrics.yaml: event metrics with extra_keys (import only)"
CARRIES = Carries(event=("description", "owners", "labels", "deprecated"),
                  property=("type", "description", "pii"))  # fmt: skip
# glean_parser's extra key types, as JSON Schema types.
EXTRA_TYPES = {"string": "string", "boolean": "boolean", "quantity": "integer"}
# Data categories of Mozilla's data collection policy that make a value personal data.
PERSONAL = frozenset({"stored_content", "web_activity", "highly_sensitive"})
# Keys of a metric the plan holds; the others are named as left out.
READ = frozenset({"type", "description", "notification_emails", "expires", "extra_keys",
                  "data_sensitivity", "no_lint", "bugs", "data_reviews"})  # fmt: skip
# Links kept as the event's labels (space-separated: URLs hold none).
LINKS = ("bugs", "data_reviews")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read(path: Path, plan_id: str) -> Imported:
    """Every `type: event` metric of each category is an event `category.name`, its
    `extra_keys` the properties; owners from `notification_emails`, `expires` (a date) as
    the sunset, data sensitivity as PII. Other metric types (counters, strings, ...) are
    named as left out: a plan holds events."""
    source = Source(path)
    data = mapping(source, source.data, (), "a metrics.yaml file")
    schema = str(data.get("$schema") or "")
    if not schema.startswith("moz://mozilla.org/schemas/glean/metrics/"):
        said = "not a Glean metrics.yaml: its `$schema` is not moz://mozilla.org/schemas/glean/…"
        raise source.fail(("$schema",) if "$schema" in data else (), said)
    imported = Imported({"plan": plan_id, "events": {}})
    losses = Losses(source, imported.lost)
    for category, metrics in data.items():
        if category.startswith("$") or category == "no_lint":
            continue
        metrics = mapping(source, metrics, (category,), f"category {category}")
        for name, metric in metrics.items():
            if name.startswith("$"):
                continue
            at = (category, name)
            metric = mapping(source, metric, at, f"metric {category}.{name}")
            kind = str(metric.get("type") or "")
            if kind != "event":
                losses.add("metric", at, f"a {kind or 'typeless'} metric {category}.{name}")
                continue
            imported.document["events"][f"{category}.{name}"] = _event(source, losses, at,
                                                                        metric)  # fmt: skip
    if not imported.document["events"] and not imported.lost:
        raise FormatError(f"{path}: no metrics in the file")
    return imported


def _event(source: Source, losses: Losses, at: tuple[str, ...],
           metric: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    event: dict[str, Any] = {}
    if isinstance(metric.get("description"), str) and metric["description"].strip():
        event["description"] = " ".join(metric["description"].split())
    emails = metric.get("notification_emails")
    if isinstance(emails, list) and emails:
        event["owners"] = sorted({str(e) for e in emails})
    expires = metric.get("expires")
    if isinstance(expires, date):
        expires = expires.isoformat()
    if isinstance(expires, str) and DATE.match(expires):
        event["deprecated"] = {"reason": "The metric expires.", "sunset": expires}
    elif expires not in (None, "never"):  # a version number: Glean's own release train
        losses.add("keyword", (*at, "expires"), f"expires at version {expires}")
    labels = {key: " ".join(str(v) for v in metric[key]) for key in LINKS
              if isinstance(metric.get(key), list) and metric[key]}  # fmt: skip
    if labels:
        event["labels"] = labels
    sensitivity = metric.get("data_sensitivity")
    categories = set(map(str, sensitivity)) if isinstance(sensitivity, list) else set()
    # Mozilla's category 4 is special-category data; 3 (stored content, web activity) is
    # about a person's own content and browsing.
    personal = (SENSITIVE if "highly_sensitive" in categories
                else DIRECT if PERSONAL & categories else None)  # fmt: skip
    props = {}
    for key, extra in mapping(source, metric.get("extra_keys"), (*at, "extra_keys"),
                              "`extra_keys`").items():  # fmt: skip
        extra = mapping(source, extra, (*at, "extra_keys", key), f"extra key {key}")
        spec: dict[str, Any] = {}
        kind = str(extra.get("type") or "string")
        if kind not in EXTRA_TYPES:
            raise source.fail((*at, "extra_keys", key, "type"), f"unknown extra key type "
                              f"'{kind}'; Glean's are {', '.join(EXTRA_TYPES)}")  # fmt: skip
        spec["type"] = EXTRA_TYPES[kind]
        if isinstance(extra.get("description"), str) and extra["description"].strip():
            spec["description"] = " ".join(extra["description"].split())
        if personal:
            spec["pii"] = personal
        props[str(key)] = spec
    if props:
        event["properties"] = props
    for key in sorted(set(metric) - READ):
        losses.add("keyword", (*at, key), f"metric field {key}")
    return event
