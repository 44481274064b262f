"""The gateway's writes found again by their keys: check runs by name, sha and annotations."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from flask import Response

from bot.config import Config
from bot.github.api import Annotation, GitHub
from tests.botkit import config, plan_repo
from tests.fake_github import FakeGitHub


def gateway(gh: FakeGitHub, data: Path) -> Any:
    return GitHub(Config(**config(gh, data))).repo(gh.full_name, gh.installation_id)


def notes(count: int, text: str = "problem") -> list[Annotation]:
    return [Annotation("plans/web/plan.yaml", i + 1, "failure", "rule", f"{text} {i}")
            for i in range(count)]  # fmt: skip


def test_annotations_are_sent_once_even_when_an_update_s_answer_is_lost(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        sha = gh.sha("main")
        views = gh.app.view_functions
        key = next(k for k in views if k.startswith("PATCH") and "check-runs" in k)
        update = views[key]
        calls = {"n": 0}

        def applied_then_502(**kwargs: Any) -> Any:
            calls["n"] += 1
            result = update(**kwargs)  # GitHub applied it ...
            if calls["n"] == 1:
                return Response('{"message": "Server Error"}', status=502)  # ... the answer lost
            return result

        views[key] = applied_then_502
        gateway(gh, tmp_path / "data").check_run(sha, "trackplan/validate", "failure", "Bad",
                                                 "70 problems", annotations=notes(70))  # fmt: skip
        (run,) = gh.check_runs(sha)
        assert calls["n"] >= 1
        assert [a["message"] for a in run["annotations"]] == [f"problem {i}" for i in range(70)]


def test_a_run_found_again_is_resumed_or_replaced_never_mixed(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        sha = gh.sha("main")
        github = gateway(gh, tmp_path / "data")
        github.check_run(sha, "trackplan/validate", "failure", "Bad", "s", annotations=notes(3))
        github.check_run(sha, "trackplan/validate", "failure", "Bad", "s", annotations=notes(3))
        assert len(gh.check_runs(sha)) == 1  # the same: nothing written again
        assert len(gh.received("PATCH", "/repos/acme/plans/check-runs/")) == 0
        github.check_run(sha, "trackplan/validate", "failure", "Bad", "s",
                         annotations=notes(3, "other"))  # fmt: skip
        runs = gh.check_runs(sha)
        assert len(runs) == 2  # other annotations: a new run, GitHub shows the newest
        assert [a["message"] for a in runs[-1]["annotations"]] == [f"other {i}" for i in range(3)]
        github.check_run(sha, "trackplan/validate", "success", "Good", "s",
                         annotations=notes(3, "other"))  # fmt: skip
        assert len(gh.check_runs(sha)) == 2 and gh.check_runs(sha)[-1]["conclusion"] == "success"


def test_requests_of_one_client_share_a_connection_and_writes_take_shared_slots(
    tmp_path: Path,
) -> None:
    class Slots:
        """A pacer that records what it was asked (the queue's database in production)."""

        def __init__(self) -> None:
            self.asked: list[tuple[str, float]] = []

        def reserve_write(self, key: str, interval: float) -> float:
            self.asked.append((key, interval))
            return 0.0

    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo, keep_alive=True) as gh:
        pacer = Slots()
        settings = Config(**{**config(gh, tmp_path / "data"), "seconds_between_writes": 0.01})
        github = GitHub(settings, pacer)
        repo_gateway = github.repo(gh.full_name, gh.installation_id)
        sha = gh.sha("main")
        for name in ("one", "two", "three"):
            repo_gateway.check_run(sha, f"trackplan/{name}", "success", "Fine", "ok")
        api = [r for r in gh.requests if not r.path.startswith("/app/")]
        writes = [r for r in api if r.method != "GET"]
        assert len(writes) >= 3 and len(api) > len(writes)
        # Kept-alive: a new TCP (and in production TLS) connection per request is costly.
        assert len({r.client for r in api}) <= 2, Counter(r.client for r in api)
        key = f"{gh.url}#installation-{gh.installation_id}"
        # Every write takes a slot, reads none (the token request is a write too: PyGithub
        # makes it with the client's settings).
        every_write = [r for r in gh.requests if r.method != "GET"]
        assert pacer.asked == [(key, 0.01)] * len(every_write)
