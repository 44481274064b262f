"""How the gateway talks to GitHub: retries of transient failures, pacing of writes."""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, Protocol, Self, TypeVar

import requests
from github import GithubException, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

from bot.errors import TransientError
from registry.records import record

log = logging.getLogger("trackplan.bot")
T = TypeVar("T")
P = ParamSpec("P")
READS = ("GET", "HEAD")  # every other request is a write: it takes a pacing slot


def as_transient(exc: Exception) -> TransientError | None:
    """GitHub's 5xx, rate limits and network failures are worth a retry."""
    if isinstance(exc, RateLimitExceededExceedsMaxWait):
        return TransientError(f"GitHub asks us to wait {exc.wait:.0f} s", exc.wait)
    if isinstance(exc, GithubException):
        status = exc.status
        retry_after = _retry_after(exc.headers or {})
        message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
        rate_limited = status in (403, 429) and (
            "rate limit" in message.lower() or retry_after is not None
        )
        if status >= 500 or status == 429 or rate_limited:
            return TransientError(f"GitHub answered {status}: {message}", retry_after)
        return None
    if isinstance(exc, (requests.Timeout, requests.ConnectionError, requests.RequestException)):
        return TransientError(f"GitHub unreachable: {exc.__class__.__name__}")
    return None


def _retry_after(headers: dict[str, Any]) -> float | None:
    """Seconds to wait from Retry-After, or from x-ratelimit-reset when none is left."""
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    if lower.get("retry-after", "").isdigit():
        return float(lower["retry-after"])
    if lower.get("x-ratelimit-remaining") == "0" and lower.get("x-ratelimit-reset", "").isdigit():
        return max(0.0, float(lower["x-ratelimit-reset"]) - time.time()) + 1
    return None


class RequestRetry(GithubRetry):
    """Retries one request on 5xx, timeouts and rate limits, with backoff and jitter.

    POST is never retried here (a 502 may come after GitHub applied it): every write is
    found again by its key and retried as a whole step by `github_step`. A wait longer than
    `max_wait` is not slept here: it goes back to the queue, which waits without a thread.
    """

    def __init__(self, max_wait: float = 30.0, **kwargs: Any) -> None:
        self.max_wait = max_wait
        # Not PATCH either: updating a check run appends its annotations, so a PATCH retried
        # after GitHub applied it would add them twice (the step retry resumes correctly).
        kwargs.setdefault("allowed_methods", frozenset({"GET", "HEAD", "PUT", "DELETE"}))
        kwargs.setdefault("status_forcelist", [*range(500, 600), 429])
        kwargs.setdefault("raise_on_status", False)  # the last answer reaches PyGithub
        kwargs.setdefault("secondary_rate_wait", min(60.0, max_wait))
        kwargs.setdefault("max_rate_limit_wait", max_wait)
        super().__init__(**kwargs)

    pacing: Pacing | None = None  # read by the connection each client makes (_Paced)

    def new(self, **kw: Any) -> Self:
        retry = super().new(**kw)
        retry.max_wait = self.max_wait
        retry.pacing = self.pacing
        return retry

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        # A write retried here (PUT, DELETE) takes a slot of its own, like any other write.
        if self.pacing is not None and self.history and self.history[-1].method not in READS:
            self.pacing.before_write()

    def get_retry_after(self, response: Any) -> float | None:
        wait = super().get_retry_after(response)
        if wait is not None and wait > self.max_wait:
            headers = dict(response.headers)
            raise RateLimitExceededExceedsMaxWait(response.status, {"message": "Retry-After"},
                                                  headers, wait=wait)  # fmt: skip
        return None if wait is None else float(wait)


class WritePacer(Protocol):
    """Shared write slots (the queue's database): `reserve_write` returns the wait."""

    def reserve_write(self, key: str, interval: float) -> float: ...


@record(frozen=True)
class Pacing:
    """GitHub's secondary rate limits count an installation's writes from every host: each
    write takes the next slot of its installation from the shared pacer first."""

    pacer: WritePacer
    key: str
    interval: float

    def before_write(self) -> None:
        try:
            wait = self.pacer.reserve_write(self.key, self.interval)
        except Exception as exc:  # the database is away: pace this process alone, cautiously
            log.warning("shared write pacing unavailable (%s); waiting %.2f s",
                        exc.__class__.__name__, self.interval)  # fmt: skip
            wait = self.interval
        if wait > 0:
            time.sleep(wait)


class _Paced:
    """A PyGithub connection that waits for its installation's write slot before a write.
    PyGithub hands every connection its client's retry object, which carries the pacing."""

    verb: str

    def __init__(self, *args: Any, retry: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, retry=retry, **kwargs)  # type: ignore[call-arg]
        self.pacing: Pacing | None = getattr(retry, "pacing", None)

    def getresponse(self) -> Any:
        if self.pacing is not None and self.verb not in READS:
            self.pacing.before_write()
        return super().getresponse()  # type: ignore[misc]


class PacedHTTP(_Paced, HTTPRequestsConnectionClass):
    pass


class PacedHTTPS(_Paced, HTTPSRequestsConnectionClass):
    pass


_depth = threading.local()


def github_step(method: Callable[P, T]) -> Callable[P, T]:
    """Run a gateway method so that GitHub's transient failures are retried as a whole step.

    Every gateway method is idempotent (it finds what an earlier try wrote before writing),
    so the outermost call is simply run again, a few times with backoff and jitter; what
    still fails becomes TransientError and the queue retries the delivery later. PyGithub
    objects are lazy: any attribute access may send a request, so the whole body is covered.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        outermost = getattr(_depth, "value", 0) == 0
        policy: StepRetry = getattr(args[0], "step_retry", NO_STEP_RETRY)
        attempt = 0
        while True:
            _depth.value = getattr(_depth, "value", 0) + 1
            try:
                return method(*args, **kwargs)
            except Exception as exc:
                # A nested gateway call has made its failure a TransientError already: the
                # outermost step retries it like any other.
                transient = exc if isinstance(exc, TransientError) else as_transient(exc)
                if transient is None:
                    raise
                attempt += 1
                wait = policy.wait(attempt, transient.retry_after)
                if not outermost or wait is None:
                    if transient is exc:
                        raise
                    raise transient from exc
                log.info("GitHub step %s failed (%s); again in %.2f s", method.__name__,
                         transient, wait)  # fmt: skip
                time.sleep(wait)
            finally:
                _depth.value -= 1

    return wrapper


@record(frozen=True)
class StepRetry:
    """How often a failed gateway step is run again before the delivery is requeued."""

    tries: int = 3
    base_seconds: float = 0.5
    max_wait: float = 30.0

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before try `attempt + 1`, or None to give the step up."""
        if attempt >= self.tries or (retry_after or 0) > self.max_wait:
            return None
        backoff = self.base_seconds * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        return float(max(backoff, retry_after or 0.0))


NO_STEP_RETRY = StepRetry(tries=1)
