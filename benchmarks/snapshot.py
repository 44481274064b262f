"""Benchmark the bot's first (cold) review of a 200-file registry with GitHub's pacing.

A cold snapshot needs every blob of the registry. Fetched one request each at PyGithub's
default pacing (0.25 s between requests, 1 s between writes, DESIGN.md §10) that is about
50 s before the review starts; the bot fetches the commit's tarball instead when many blobs
are missing. This runs the same first review against the fake GitHub both ways, each with
an empty cache, and prints the times, the request counts and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402
from bot.github import api as gateway  # noqa: E402
from tests.botkit import app_for, deliver, drain, payload, push_commit  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402
from tests.test_snapshot import git  # noqa: E402


def make_repo(root: Path, files: int) -> Path:
    generate(root, events=files * 2, props=10, files=files)
    (root / "trackplan.yaml").write_text("conventions: {event_grammar: any}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "registry")
    git(root, "branch", "change")
    plan = next(root.glob("plans/*/plan.yaml"))
    text = plan.read_text() + "\n# reviewed\n"
    push_commit(root, "change", str(plan.relative_to(root)), text, "Touch one file")
    return root


def first_review(repo: Path, data: Path, pacing: float, tarball: bool) -> tuple[float, int]:
    gateway.TARBALL_MIN_BLOBS = 8 if tarball else 10**9
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="change")
        app = app_for(gh, data, seconds_between_requests=pacing,
                      seconds_between_writes=pacing * 4)  # fmt: skip
        deliver(
            app.test_client(), "pull_request", payload("pull_request", "opened.payload.json", gh)
        )
        start = time.perf_counter()
        drain(app)
        took = time.perf_counter() - start
        assert len(gh.comments(1)) == 1, "no comment"
        return took, len(gh.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument(
        "--pacing", type=float, default=0.25,
        help="seconds between requests (writes: 4x); PyGithub's default is 0.25",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = make_repo(root / "repo", args.files)
        count = len(list((repo / "plans").rglob("*.yaml")))
        print(f"first review of a {count}-file registry, pacing {args.pacing} s per request")
        results = {}
        for name, tarball in (("blob by blob", False), ("one tarball", True)):
            took, requests = first_review(repo, root / f"data-{tarball}", args.pacing, tarball)
            results[name] = took
            print(f"  {name:14} {took:7.1f} s  {requests:4d} requests")
        ratio = results["blob by blob"] / results["one tarball"]
        print(f"  tarball is {ratio:.1f}x faster")


if __name__ == "__main__":
    main()
