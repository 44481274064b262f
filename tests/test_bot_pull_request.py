"""The bot on a plan pull request, over HTTP against the fake GitHub."""

from __future__ import annotations

import re
from pathlib import Path

from tests.botkit import (
    app_for,
    deliver,
    drain,
    payload,
    plan_repo,
    push_commit,
    review_opened_pull,
)
from tests.fake_github import FakeGitHub
from tests.test_snapshot import git

NOTES = "Renames Signup.\n\n## Migration notes\n\nApp 5.2 sends both names for a month.\n"


def test_breaking_rename_gets_one_comment_and_a_failing_review(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        response = deliver(
            client, "pull_request", payload("pull_request", "opened.payload.json", gh)
        )
        assert response.status_code == 202
        assert drain(app) == 1

        (comment,) = gh.comments(1)
        body = comment["json"]["body"]
        assert body.startswith("<!-- trackplan:review -->")
        assert "event 'Signup' was renamed to 'Signed Up'" in body
        assert "no migration notes" in body
        docs = "https://github.com/trackplan/trackplan/blob/main/docs/rules.md"
        assert f"[`event-renamed`]({docs}#event-renamed)" in body  # rule ids link to docs
        head = gh.sha("rename")
        runs = {r["name"]: r for r in gh.check_runs(head)}
        assert runs["trackplan/review"]["conclusion"] == "failure"
        assert runs["trackplan/validate"]["conclusion"] == "success"

        # A new push: the same comment is edited, new check runs land on the new head.
        extra = "events:\n  Wishlist Viewed: {}\n"
        new_head = push_commit(repo, "rename", "plans/shop/events/extra.yaml", extra, "Add")
        gh.state.pulls[1].body = NOTES
        sync = payload("pull_request", "synchronize.payload.json", gh)
        assert deliver(client, "pull_request", sync).status_code == 202
        drain(app)
        (comment,) = gh.comments(1)
        body = comment["json"]["body"]
        assert "Wishlist Viewed" in body and "App 5.2 sends both names" in body
        assert len(gh.received("POST", "/repos/acme/plans/issues/1/comments")) == 1
        assert len(gh.received("PATCH", "/repos/acme/plans/issues/comments/")) == 1
        review = {r["name"]: r for r in gh.check_runs(new_head)}["trackplan/review"]
        # The notes are in; the owners' approvals are still missing (see test_bot_approvals).
        assert review["conclusion"] == "failure"
        assert review["output"]["title"].startswith("Waiting for")


def test_pull_request_without_plan_changes_gets_no_comment(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    push_commit(repo, "main", "README.md", "hello\n", "docs")
    git_branch = "docs"
    git(repo, "checkout", "-q", "-b", git_branch)
    push_commit(repo, git_branch, "README.md", "hello again\n", "docs 2")
    with FakeGitHub(repo) as gh:
        gh.add_pull(3, head=git_branch)
        app = app_for(gh, tmp_path / "data")
        deliver(app.test_client(), "pull_request",
                payload("pull_request", "opened.payload.json", gh, number=3))  # fmt: skip
        drain(app)
        assert gh.comments(3) == []
        assert gh.check_runs() == []


def test_invalid_yaml_on_head_gets_annotations_and_a_comment(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    head = push_commit(repo, "rename", "plans/shop/events/broken.yaml",
                       "events:\n  Broken Viewed: {properties: [\n", "oops")  # fmt: skip
    with FakeGitHub(repo) as gh:
        review_opened_pull(gh, tmp_path / "data")
        (comment,) = gh.comments(1)
        body = comment["json"]["body"]
        assert "validation error" in body
        assert "Plan `shop` is not compared" in body
        assert "Product Viewed" not in body  # its events do not look removed
        runs = {r["name"]: r for r in gh.check_runs(head)}
        validate = runs["trackplan/validate"]
        assert validate["conclusion"] == "failure"
        assert {(a["path"], a["start_line"], a["title"]) for a in validate["annotations"]} == {
            ("plans/shop/events/broken.yaml", 2, "yaml-syntax")
        }


def test_the_bot_finds_its_comment_past_the_first_page(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        deliver(client, "pull_request", payload("pull_request", "opened.payload.json", gh))
        drain(app)
        # A busy pull request: 45 comments by people after the bot's.
        for i in range(45):
            comment = {"id": 5000 + i, "body": f"comment {i}"}
            gh.state.comments.append({"issue": 1, "id": 5000 + i, "json": comment})
        gh.state.comments.append(gh.state.comments.pop(0))  # the bot's is now on page 2
        deliver(client, "pull_request", payload("pull_request", "reopened.payload.json", gh))
        drain(app)
        pages = [
            r.query.get("page") for r in gh.received("GET", "/repos/acme/plans/issues/1/comments")
        ]
        assert "2" in pages
        assert len(gh.received("POST", "/repos/acme/plans/issues/1/comments")) == 1
        assert sum(1 for c in gh.comments(1) if "trackplan:review" in c["json"]["body"]) == 1


def test_a_50000_finding_change_stays_within_github_s_limits(tmp_path: Path) -> None:
    """16,667 badly named events (three findings each): the comment and each check's
    summary and text fit GitHub's limits, the findings are counted by rule, and every one
    of them still goes out as an annotation, 50 per request."""
    repo = plan_repo(tmp_path / "repo")
    bad = "events:\n" + "".join(f"  bad_event_{i}: {{}}\n" for i in range(16_667))
    head = push_commit(repo, "rename", "plans/shop/events/bad.yaml", bad, "many bad names")
    with FakeGitHub(repo) as gh:
        review_opened_pull(gh, tmp_path / "data")
        (comment,) = gh.comments(1)
        assert len(comment["json"]["body"]) < 65_536
        runs = {r["name"]: r for r in gh.check_runs(head)}
        validate = runs["trackplan/validate"]
        errors, warnings = re.match(r"(\d+) errors, (\d+) warnings", validate["output"]["summary"]
                                    ).groups()  # type: ignore[union-attr]  # fmt: skip
        assert len(validate["annotations"]) == int(errors) + int(warnings) >= 50_000
        sent = (gh.received("POST", "/repos/acme/plans/check-runs")
                + gh.received("PATCH", "/repos/acme/plans/check-runs/"))  # fmt: skip
        assert len(sent) >= 1000
        for request in sent:
            output = request.body["output"]
            assert len(output.get("annotations", [])) <= 50
            assert len(output["summary"]) <= 65_535 and len(output.get("text", "")) <= 65_535
        summary = validate["output"]["summary"]
        assert "| [`event-name-case`](" in summary and "| error | 16667 |" in summary
        assert "trackplan validate --format json" in summary  # where the full list is
        review = runs["trackplan/review"]["output"]
        assert len(review["summary"]) <= 65_535 and len(review.get("text") or "") <= 65_535


def test_thousands_of_owned_removals_stay_within_limits_and_are_annotated(
    tmp_path: Path,
) -> None:
    """3,000 removed events, each with its own owner: each owner once with a few reasons,
    the review summary and the comment within GitHub's limits with their footer, and every
    breaking change an annotation on a line HEAD has."""
    repo = plan_repo(tmp_path / "repo")
    owned = "events:\n" + "".join(
        f"  Thing {i} Viewed:\n    owners: ['@owner{i % 700}']\n" for i in range(3000)
    )
    path = "plans/shop/events/owned.yaml"
    push_commit(repo, "main", path, owned, "owned events")
    git(repo, "checkout", "-q", "-b", "drop", "main")
    git(repo, "checkout", "-q", "main")
    head = push_commit(repo, "drop", path, "events:\n  Thing 0 Viewed:\n    owners: ['@owner0']\n",
                       "drop them")  # fmt: skip
    with FakeGitHub(repo) as gh:
        review_opened_pull(gh, tmp_path / "data", head="drop")
        (comment,) = gh.comments(1)
        body = comment["json"]["body"]
        assert len(body) < 65_536
        assert "[Rules documentation](" in body.splitlines()[-1]  # the footer survives
        assert body.count("| `@owner1` |") == 1
        review = {r["name"]: r for r in gh.check_runs(head)}["trackplan/review"]
        summary = review["output"]["summary"]
        assert len(summary) <= 65_535
        assert summary.count("`@owner1` (") == 1 and "more owners." in summary
        removed = [a for a in review["annotations"] if a["title"] == "event-removed"]
        assert len(removed) == 2999
        # A removal points at what HEAD still has (the plan's `plan:` line), never BASE's.
        assert {(a["path"], a["start_line"]) for a in removed} == {("plans/shop/plan.yaml", 3)}
