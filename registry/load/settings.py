"""Registry settings (trackplan.yaml) with the documented defaults."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from registry.load.snapshot import SETTINGS_FILE
from registry.records import field, record

if TYPE_CHECKING:
    from registry.load.snapshot import Snapshot


@record(frozen=True)
class Conventions:
    event_name: str = "title-case"
    property_name: str = "snake-case"
    event_grammar: str = "object-action"
    forbid_dynamic_names: bool = True


# Where rule ids in the review link to (`<url>#<rule-id>`): the project's docs on GitHub.
RULES_URL = "https://github.com/trackplan/trackplan/blob/main/docs/rules.md"


@record(frozen=True)
class Review:
    breaking: str = "all-owners"
    default: str = "any-owner"
    fresh_approvals: bool = True
    rules_url: str = RULES_URL


@record(frozen=True)
class Release:
    tag: str = "{plan}/v{version}"
    first_version: str = "1.0.0"


NOTIFY_EVENTS = ("release", "breaking-pull-request")
# A receiver names its URL and secret by environment variable, only ever under this prefix:
# a registry cannot make the bot send the App's key or webhook secret anywhere.
NOTIFY_ENV_PREFIX = "TRACKPLAN_NOTIFY_"


@record(frozen=True)
class Receiver:
    """A place `notify:` sends to; the URL (and secret) are read from the environment."""

    kind: str  # slack | webhook
    url_env: str
    secret_env: str = ""
    on: tuple[str, ...] = NOTIFY_EVENTS

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.url_env}"


@record(frozen=True)
class PolicyRule:
    """A `policy.rules` entry: a diff rule's changes within the scope counted at `level`,
    and/or approvers for a rule's changes (or, without `rule`, for every change that reaches
    `level`)."""

    rule: str | None
    level: str | None  # error | breaking | warning | info | off
    plans: tuple[str, ...] = ()  # glob patterns; empty: every plan
    events: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()  # property paths, nested ones joined by '.'
    approvers: tuple[str, ...] = ()
    file: str = ""  # where the entry is written (trackplan.yaml or a plan file), and its line
    line: int = 0

    def names(self, rule: str) -> bool:
        """Whether the entry's `rule` (an id, or a glob of ids: `*-removed`) names `rule`."""
        return self.rule is not None and fnmatchcase(rule, self.rule)

    @property
    def overrides(self) -> bool:
        """Whether the entry sets its rule's level (else it only names approvers)."""
        return self.rule is not None and self.level is not None

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def describe(self) -> str:
        """`rule property-removed in plans shop*`: what the entry selects, for explanations."""
        said = f"rule {self.rule}" if self.rule else f"every {self.level} change"
        scopes = [(self.plans, "plans"), (self.events, "events"), (self.properties, "properties")]
        for patterns, name in scopes:
            if patterns:
                said += f" in {name} {', '.join(patterns)}"
        return said


@record(frozen=True)
class PolicySettings:
    """`policy:` of trackplan.yaml, or of a plan: how additions count, the rules' levels and
    approvers, the privacy reviewers (and a plan's own compatibility mode)."""

    additions: str | None = None  # None: not said here (the registry's, else additive)
    rules: tuple[PolicyRule, ...] = ()
    privacy: tuple[str, ...] = ()
    privacy_at: str = ""  # file:line of `privacy:`
    compatibility: str | None = None  # a plan's own; None: the registry's


LEVELS = ("error", "breaking", "warning", "info", "off")
# A place in the file a setting was read from: (path inside the document) -> line (0: unknown).
Locator = Callable[[tuple[Any, ...]], int]


def policy_from_data(data: Any, file: str, locate: Locator | None = None,
                     prefix: tuple[Any, ...] = ("policy",)) -> PolicySettings:  # fmt: skip
    """A `policy:` mapping; `locate` gives lines. A plan's is read even when its file fails
    the schema (validation says so): whatever has the wrong type is left out, never guessed."""
    if not isinstance(data, dict):
        return PolicySettings()

    def strings(value: Any) -> tuple[str, ...]:
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    def entry_ok(r: Any) -> bool:
        if not isinstance(r, dict) or not ("rule" in r or "level" in r):
            return False
        return isinstance(r.get("rule", ""), str) and r.get("level", "off") in LEVELS

    def line(*path: Any) -> int:
        return locate((*prefix, *path)) if locate is not None else 0

    rules = tuple(
        PolicyRule(
            str(r["rule"]) if "rule" in r else None,
            str(r["level"]) if "level" in r else None,
            strings(r.get("plans")),
            strings(r.get("events")),
            strings(r.get("properties")),
            strings(r.get("approvers")),
            file,
            line("rules", index),
        )
        for index, r in enumerate(data["rules"] if isinstance(data.get("rules"), list) else ())
        if entry_ok(r)
    )
    additions = data.get("additions") if data.get("additions") in ("additive", "strict") else None
    modes = ("backward", "forward", "full", "none")
    compatibility = data.get("compatibility") if data.get("compatibility") in modes else None
    privacy = strings(data.get("privacy"))
    return PolicySettings(
        str(additions) if additions is not None else None,
        rules,
        privacy,
        f"{file}:{line('privacy')}" if privacy and line("privacy") else file if privacy else "",
        str(compatibility) if compatibility is not None else None,
    )


@record(frozen=True)
class Settings:
    conventions: Conventions = field(default_factory=Conventions)
    compatibility: str = "full"
    fail_on: str = "breaking"
    review: Review = field(default_factory=Review)
    release: Release = field(default_factory=Release)
    notify: tuple[Receiver, ...] = ()
    policy: PolicySettings = field(default_factory=PolicySettings)
    status: dict[str, Any] = field(default_factory=dict)  # `trackplan status` (as written)

    @classmethod
    def from_data(cls, data: Any, locate: Locator | None = None) -> Settings:
        """Settings from trackplan.yaml data already checked against its schema; `locate`
        gives the line of a path in it (for explanations of the policy's decisions)."""

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
            policy=policy_from_data(data.get("policy"), SETTINGS_FILE, locate),
            status=dict(data["status"]) if isinstance(data.get("status"), dict) else {},
        )


def _known(section: Any, kind: Any) -> dict[str, Any]:
    if not isinstance(section, dict):
        return {}
    fields = kind.__dataclass_fields__
    return {k: v for k, v in section.items() if k in fields}


def settings_of(snapshot: Snapshot) -> Settings:
    """A registry's settings without loading its plans (defaults when unreadable)."""
    from registry.load.file_schemas import check_document
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
        return Settings.from_data(doc.data, lambda path: doc.position(path)[0])
    except (YamlError, TypeError):
        return Settings()
