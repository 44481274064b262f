"""Bot settings from the TRACKPLAN_* environment, read when the app is made, never at import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from registry.records import field, record

DEFAULT_API_URL = "https://api.github.com"


class ConfigError(Exception):
    """Settings the bot cannot start with; the message names every problem."""


@record(frozen=True)
class Config:
    app_id: int
    private_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    data_dir: Path = Path("trackplan-data")
    # Pacing between GitHub requests (DESIGN.md §10); tests set both to zero.
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0
    max_body_bytes: int = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
    # What one delivery may cost: the registry files it reads (a pull request that makes
    # them larger is refused with a verdict, before any is fetched) and its running time
    # (past it the delivery stops at its next step and fails for good, saying why).
    max_registry_bytes: int = 64 * 1024 * 1024
    max_delivery_seconds: float = 1800.0  # a release paced at 1 write/s needs minutes
    start_worker: bool = True
    # A delivery that fails transiently is retried with exponential backoff and jitter,
    # from `retry_base_seconds` up to `retry_max_delay_seconds` apart, for
    # `give_up_after_seconds` (GitHub never redelivers what we acknowledged).
    retry_base_seconds: float = 2.0
    retry_max_delay_seconds: float = 1800.0
    give_up_after_seconds: float = 12 * 3600.0
    # Each GitHub request: retried this often on 5xx, timeouts and rate limits; a wait
    # GitHub asks for that is longer than `max_wait_seconds` goes back to the queue instead.
    request_retries: int = 3
    request_backoff_seconds: float = 0.5
    max_wait_seconds: float = 30.0
    request_timeout: float = 15.0
    # A lease on a delivery in hand, renewed while it runs: a crash delays work this long.
    lease_seconds: float = 30.0
    # A burst of deliveries for one pull request is worked on once it has been quiet this
    # long (at most 2 s after it began): one review for twenty pushes. Tests set 0.
    settle_seconds: float = 0.2
    # Finished deliveries (payload and id) are forgotten after this many days.
    retention_days: float = 7.0
    # How often every known repository's releases are checked and completed (0: never).
    reconcile_seconds: float = 3600.0
    # A git repository whose release tags the read API serves under /v1 (optional).
    registry_path: Path | None = None
    # A token instead of the App's key (the GitHub Action's GITHUB_TOKEN): every
    # repository is reached with it; app_id and private_key are then unused.
    token: str = field(default="", repr=False)
    # Who the bot's comment is by when it works with a token (the Action: the workflow
    # token's user); with the App, its comments are those GitHub marks as made by app_id.
    # A comment carrying the marker by anyone else is never taken for the bot's.
    comment_author: str = "github-actions[bot]"
    # Whether the review is also posted as the pull request comment (the checks always are).
    post_comment: bool = True
    # The registry's folder inside the repository ("" the root, else e.g. "analytics/"):
    # plan files are read below it, annotations and links point into it.
    registry_prefix: str = ""
    # PostgreSQL for a queue shared by several hosts (postgresql://…); "" = SQLite in
    # `data_dir`, for one host.
    database_url: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Settings from the environment; ConfigError lists every missing or bad variable."""
        env = os.environ if environ is None else environ
        problems: list[str] = []
        app_id = _app_id(env.get("TRACKPLAN_GITHUB_APP_ID", ""), problems)
        key = _private_key(env, problems)
        secret = env.get("TRACKPLAN_WEBHOOK_SECRET", "")
        if not secret:
            problems.append("TRACKPLAN_WEBHOOK_SECRET is not set (the secret of the App's webhook)")
        api_url = env.get("TRACKPLAN_GITHUB_API_URL", DEFAULT_API_URL).rstrip("/")
        if not api_url.startswith(("http://", "https://")):
            problems.append(f"TRACKPLAN_GITHUB_API_URL must be an http(s) URL, not {api_url!r}")
        # GitHub asks integrations to pace requests (secondary rate limits): the defaults are
        # PyGithub's; a GitHub Enterprise or a test server may set them lower.
        pacing = _seconds(env, "TRACKPLAN_SECONDS_BETWEEN_REQUESTS", 0.25, problems)
        write_pacing = _seconds(env, "TRACKPLAN_SECONDS_BETWEEN_WRITES", 1.0, problems)
        give_up_hours = _seconds(env, "TRACKPLAN_GIVE_UP_HOURS", 12.0, problems)
        retention_days = _seconds(env, "TRACKPLAN_RETENTION_DAYS", 7.0, problems)
        reconcile_minutes = _seconds(env, "TRACKPLAN_RECONCILE_MINUTES", 60.0, problems)
        # How long a dead worker's delivery waits before another host takes it over.
        lease = _seconds(env, "TRACKPLAN_LEASE_SECONDS", 30.0, problems)
        budget = _seconds(env, "TRACKPLAN_MAX_DELIVERY_SECONDS", 1800.0, problems)
        registry_mib = _seconds(env, "TRACKPLAN_MAX_REGISTRY_MIB", 64.0, problems, "MiB")
        database_url = database_url_from(env, problems)
        embedded = _flag(env, "TRACKPLAN_EMBEDDED_WORKER", True, problems)
        if problems:
            raise ConfigError("cannot start the trackplan bot:\n  - " + "\n  - ".join(problems))
        return cls(
            app_id=app_id,
            private_key=key,
            webhook_secret=secret,
            api_url=api_url,
            data_dir=Path(env.get("TRACKPLAN_DATA_DIR", "trackplan-data")),
            seconds_between_requests=pacing,
            seconds_between_writes=write_pacing,
            give_up_after_seconds=give_up_hours * 3600,
            retention_days=retention_days,
            reconcile_seconds=reconcile_minutes * 60,
            lease_seconds=max(lease, 1.0),
            max_delivery_seconds=max(budget, 1.0),
            max_registry_bytes=int(max(registry_mib, 1.0) * 2**20),
            database_url=database_url,
            start_worker=embedded,
            registry_path=Path(env["TRACKPLAN_REGISTRY_PATH"])
            if env.get("TRACKPLAN_REGISTRY_PATH")
            else None,
        )

    @classmethod
    def coerce(cls, value: Config | Mapping[str, Any] | None) -> Config:
        """`create_app(config)` accepts a Config, a mapping of its fields, or None (environment)."""
        if value is None:
            return cls.from_env()
        if isinstance(value, Config):
            return value
        fields = dict(value)
        for key in ("data_dir", "registry_path"):
            if fields.get(key) is not None:
                fields[key] = Path(fields[key])
        try:
            return cls(**fields)
        except TypeError as exc:
            raise ConfigError(f"bad bot configuration: {exc}") from None


def _seconds(env: Mapping[str, str], name: str, default: float, problems: list[str],
             unit: str = "seconds") -> float:  # fmt: skip
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        problems.append(f"{name} must be a number of {unit} >= 0, not {text!r}")
        return default
    return value


def database_url_from(env: Mapping[str, str], problems: list[str]) -> str:
    url = env.get("TRACKPLAN_DATABASE_URL", "").strip()
    if url and not url.startswith(("postgresql://", "postgres://")):
        scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
        problems.append(
            f"TRACKPLAN_DATABASE_URL must be a postgresql:// URL (leave it unset for SQLite "
            f"in the data folder), not one with {scheme}"
        )  # never repeat the URL: it may hold a password
        return ""
    if url:
        # Only here: settings without a database never load the driver.
        from bot.queue.redact import url_problem

        try:
            problem = url_problem(url)
        except ImportError:
            problems.append("TRACKPLAN_DATABASE_URL needs the PostgreSQL driver, which is not "
                            "installed: pip install 'trackplan[postgres]'")  # fmt: skip
            return ""
        if problem is not None:
            problems.append(f"TRACKPLAN_DATABASE_URL is not a valid PostgreSQL URL: {problem}")
            return ""
    return url


def _flag(env: Mapping[str, str], name: str, default: bool, problems: list[str]) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    problems.append(f"{name} must be 1 or 0, not {text!r}")
    return default


def _app_id(text: str, problems: list[str]) -> int:
    if not text:
        problems.append("TRACKPLAN_GITHUB_APP_ID is not set (the App's numeric id)")
        return 0
    if not text.strip().isdigit():
        problems.append(f"TRACKPLAN_GITHUB_APP_ID must be a number, not {text!r}")
        return 0
    return int(text)


def _private_key(env: Mapping[str, str], problems: list[str]) -> str:
    key = env.get("TRACKPLAN_GITHUB_PRIVATE_KEY", "")
    path = env.get("TRACKPLAN_GITHUB_PRIVATE_KEY_PATH", "")
    source = "TRACKPLAN_GITHUB_PRIVATE_KEY"
    if not key and path:
        source = f"TRACKPLAN_GITHUB_PRIVATE_KEY_PATH ({path})"
        try:
            key = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{source} cannot be read: {exc.__class__.__name__}")
            return ""
    if not key:
        problems.append(
            "neither TRACKPLAN_GITHUB_PRIVATE_KEY (PEM text) nor "
            "TRACKPLAN_GITHUB_PRIVATE_KEY_PATH is set"
        )
        return ""
    key = key.replace("\\n", "\n").strip() + "\n"  # one-line env values often escape newlines
    if not (key.startswith("-----BEGIN") and "PRIVATE KEY-----" in key):
        problems.append(f"{source} is not a PEM private key (it must start with -----BEGIN)")
    return key
