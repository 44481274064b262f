"""Registry settings (trackplan.yaml) with the documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.load.snapshot import Snapshot


@dataclass(frozen=True)
class Conventions:
    event_name: str = "title-case"
    property_name: str = "snake-case"
    event_grammar: str = "object-action"
    forbid_dynamic_names: bool = True


# Where rule ids in the review link to (`<url>#<rule-id>`): the project's docs on GitHub.
RULES_URL = "https://github.com/trackplan/trackplan/blob/main/docs/rules.md"


@dataclass(frozen=True)
class Review:
    breaking: str = "all-owners"
    default: str = "any-owner"
    fresh_approvals: bool = True
    rules_url: str = RULES_URL


@dataclass(frozen=True)
class Release:
    tag: str = "{plan}/v{version}"
    first_version: str = "1.0.0"


NOTIFY_EVENTS = ("release", "breaking-pull-request")
# A receiver names its URL and secret by environment variable, only ever under this prefix:
# a registry cannot make the bot send the App's key or webhook secret anywhere.
NOTIFY_ENV_PREFIX = "TRACKPLAN_NOTIFY_"


@dataclass(frozen=True)
class Receiver:
    """A place `notify:` sends to; the URL (and secret) are read from the environment."""

    kind: str  # slack | webhook
    url_env: str
    secret_env: str = ""
    on: tuple[str, ...] = NOTIFY_EVENTS

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.url_env}"


@dataclass(frozen=True)
class PolicyRule:
    """A level override: a diff rule's changes within the scope, counted at `level`."""

    rule: str
    level: str  # breaking | warning | info | off
    plans: tuple[str, ...] = ()  # glob patterns; empty: every plan
    events: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()  # property paths, nested ones joined by '.'


@dataclass(frozen=True)
class PolicySettings:
    """`policy:` of trackplan.yaml: how additions count and per-rule level overrides."""

    additions: str = "additive"
    rules: tuple[PolicyRule, ...] = ()


def _policy(data: Any) -> PolicySettings:
    if not isinstance(data, dict):
        return PolicySettings()

    def strings(value: Any) -> tuple[str, ...]:
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    rules = tuple(
        PolicyRule(
            str(r["rule"]),
            str(r["level"]),
            strings(r.get("plans")),
            strings(r.get("events")),
            strings(r.get("properties")),
        )
        for r in data.get("rules") or ()
        if isinstance(r, dict) and "rule" in r and "level" in r
    )
    return PolicySettings(str(data.get("additions", PolicySettings.additions)), rules)


@dataclass(frozen=True)
class Settings:
    conventions: Conventions = field(default_factory=Conventions)
    compatibility: str = "full"
    fail_on: str = "breaking"
    review: Review = field(default_factory=Review)
    release: Release = field(default_factory=Release)
    notify: tuple[Receiver, ...] = ()
    policy: PolicySettings = field(default_factory=PolicySettings)

    @classmethod
    def from_data(cls, data: Any) -> Settings:
        """Settings from trackplan.yaml data already checked against its schema."""
        if not isinstance(data, dict):
            return cls()
        return cls(
            conventions=Conventions(**_known(data.get("conventions"), Conventions)),
            compatibility=str(data.get("compatibility", cls.compatibility)),
            fail_on=str(data.get("fail_on", cls.fail_on)),
            review=Review(**_known(data.get("review"), Review)),
            release=Release(**_known(data.get("release"), Release)),
            notify=tuple(
                Receiver(
                    str(r["kind"]),
                    str(r["url_env"]),
                    str(r.get("secret_env", "")),
                    tuple(r.get("on") or NOTIFY_EVENTS),
                )
                for r in data.get("notify") or ()
                if isinstance(r, dict) and "kind" in r and "url_env" in r
            ),
            policy=_policy(data.get("policy")),
        )


def _known(section: Any, kind: Any) -> dict[str, Any]:
    if not isinstance(section, dict):
        return {}
    fields = kind.__dataclass_fields__
    return {k: v for k, v in section.items() if k in fields}


def settings_of(snapshot: Snapshot) -> Settings:
    """A registry's settings without loading its plans (defaults when unreadable)."""
    from registry.load.file_schemas import check_document
    from registry.load.snapshot import SETTINGS_FILE
    from registry.load.yamlsafe import YamlError, load_yaml
    from schemas import SETTINGS_SCHEMA

    if SETTINGS_FILE not in snapshot.paths():
        return Settings()
    try:
        doc = load_yaml(snapshot.read(SETTINGS_FILE))
        # Settings that fail their schema (a tag template git would read as an option, a
        # receiver's variable outside TRACKPLAN_NOTIFY_) are the defaults, as when loading.
        if not isinstance(doc.data, dict) or check_document(SETTINGS_FILE, doc, SETTINGS_SCHEMA):
            return Settings()
        return Settings.from_data(doc.data)
    except (YamlError, TypeError):
        return Settings()
