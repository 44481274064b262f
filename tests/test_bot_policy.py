"""The policy on the fake GitHub: a waiver a pull request adds for its own breaking change
counts only once the owners of waivers.yaml approve; a pull request that edits `policy:` is
judged by the base branch's; the approvers the policy adds are asked, with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.botkit import app_for, deliver, drain, payload, push_commit
from tests.fake_github import FakeGitHub
from tests.test_snapshot import git

PLAN = "plans/web/plan.yaml"
BASE_PLAN = """plan:
  id: web
events:
  Order Completed:
    consumers:
      - {name: Revenue dashboard, kind: dashboard, owner: '@acme/finance'}
    properties:
      coupon: {type: string}
      total: {type: number}
"""
REMOVED = BASE_PLAN.replace("      coupon: {type: string}\n", "")
CODEOWNERS = ("/plans/ @acme/analysts\n/waivers.yaml @acme/data-platform\n"
              "/trackplan.yaml @acme/data-platform\n")  # fmt: skip
SETTINGS = """review: {breaking: all-owners}
policy:
  rules:
    - rule: property-removed
      approvers: ['@acme/data-platform']
  privacy: ['@acme/privacy']
"""
WAIVER = """waivers:
  - rule: property-removed
    subject: web/Order Completed/coupon
    reason: Coupons moved to the cart
    expires: 2999-12-31
    accepted_by: '@alice'
"""


def make_repo(root: Path, codeowners: str = CODEOWNERS, settings: str = SETTINGS) -> Path:
    root.mkdir()
    (root / "plans/web").mkdir(parents=True)
    (root / ".github").mkdir()
    (root / PLAN).write_text(BASE_PLAN)
    (root / ".github/CODEOWNERS").write_text(codeowners)
    (root / "trackplan.yaml").write_text(settings)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for branch in ("waive-own", "loosen", "personal", "waiver-only"):
        git(root, "branch", branch)
    ahead = WAIVER.replace("web/Order Completed/coupon", "web")
    push_commit(root, "waiver-only", "waivers.yaml", ahead, "Waive removals in web, ahead")
    push_commit(root, "waive-own", PLAN, REMOVED, "Remove coupon")
    push_commit(root, "waive-own", "waivers.yaml", WAIVER, "Waive my own removal")
    loosened = SETTINGS.replace("      approvers: ['@acme/data-platform']\n",
                                "      level: off\n")  # fmt: skip
    push_commit(root, "loosen", "trackplan.yaml", loosened, "Switch property-removed off")
    push_commit(root, "loosen", PLAN, REMOVED, "Remove coupon")
    personal = BASE_PLAN + "      email: {type: string, pii: direct}\n"
    push_commit(root, "personal", PLAN, personal.replace("      total", "      total"),
                "Add the buyer's email")  # fmt: skip
    return root


def review_check(gh: FakeGitHub, sha: str) -> dict[str, Any]:
    return [r for r in gh.check_runs(sha) if r["name"] == "trackplan/review"][-1]


def event(app: Flask, gh: FakeGitHub, kind: str, name: str, number: int) -> None:
    deliver(app.test_client(), kind, payload(kind, name, gh, number=number))
    drain(app)


def _teams(gh: FakeGitHub) -> None:
    gh.state.teams.update({"acme/analysts": ["ana"], "acme/data-platform": ["dora"],
                           "acme/finance": ["fin"], "acme/privacy": ["priv"]})  # fmt: skip


def test_a_waiver_for_its_own_breaking_change_counts_only_once_its_owners_approve(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(1, head="waive-own", author="alice")  # no migration notes either
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("waive-own")
        event(app, gh, "pull_request", "opened.payload.json", 1)
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"
        body = gh.comments(1)[0]["json"]["body"]
        assert "### Waived changes" in body and "Coupons moved to the cart" in body
        assert "⏳ pending: counts once the owners of `waivers.yaml` approve" in body
        assert "no migration notes" in body  # the removal still counts as breaking
        # The check run says why each approver is asked, by the line that asks.
        text = check["output"]["text"]
        assert "### Required approvers" in text
        assert "policy trackplan.yaml:4: rule property-removed" in text
        waiver_owners = "CODEOWNERS .github/CODEOWNERS:2 for waivers.yaml"
        assert f"waivers.yaml: 1 new waiver ({waiver_owners})" in text
        assert "consumers of event 'Order Completed'" in text

        # Everyone but the owners of waivers.yaml approves: still blocked.
        for user in ("ana", "fin", "alice"):
            gh.add_review(1, user, "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json", 1)
        assert review_check(gh, head)["conclusion"] == "failure"

        # The owners of waivers.yaml (also the policy's approvers here) approve: the waiver
        # counts, the removal is accepted, nothing breaking is left to block.
        gh.add_review(1, "dora", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json", 1)
        check = review_check(gh, head)
        assert check["conclusion"] == "success", check["output"]
        body = gh.comments(1)[0]["json"]["body"]
        assert "✅ accepted (the owners of `waivers.yaml` approved)" in body
        assert len(gh.comments(1)) == 1  # edited, never re-posted


def test_a_waiver_cannot_be_slipped_in_ahead_of_its_change(tmp_path: Path) -> None:
    # waivers.yaml has no CODEOWNERS line: trackplan.yaml's owners approve new waivers.
    codeowners = "/plans/ @acme/analysts\n/trackplan.yaml @acme/data-platform\n"
    repo = make_repo(tmp_path / "repo", codeowners)
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(4, head="waiver-only", author="alice")
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("waiver-only")
        event(app, gh, "pull_request", "opened.payload.json", 4)
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"  # it covers no change here, and still waits
        assert "CODEOWNERS .github/CODEOWNERS:2 for trackplan.yaml" in check["output"]["summary"]
        assert "data-platform" in gh.state.requested[4]["teams"]


def test_new_waivers_nobody_owns_fail_the_review(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "/plans/ @acme/analysts\n")
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(5, head="waiver-only", author="alice")
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("waiver-only")
        event(app, gh, "pull_request", "opened.payload.json", 5)
        check = review_check(gh, head)
        assert (check["conclusion"], check["output"]["title"]) == (
            "failure", "New waivers nobody owns")  # fmt: skip
        assert "nobody can approve" in gh.comments(5)[0]["json"]["body"]


def test_only_an_approval_of_the_head_commit_accepts_a_waiver(tmp_path: Path) -> None:
    lax = "review: {breaking: all-owners, fresh_approvals: false}"
    settings = SETTINGS.replace("review: {breaking: all-owners}", lax)
    repo = make_repo(tmp_path / "repo", settings=settings)
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(1, head="waive-own", author="alice")
        app = app_for(gh, tmp_path / "data")
        old = gh.sha("waive-own")
        for user in ("ana", "fin", "dora"):
            gh.add_review(1, user, "APPROVED", old)
        event(app, gh, "pull_request_review", "submitted.payload.json", 1)
        assert review_check(gh, old)["conclusion"] == "success"
        # The author widens the waiver after the approvals: other owners' approvals of the
        # old commit still count (fresh_approvals: false), the waiver's do not.
        new = push_commit(repo, "waive-own", "waivers.yaml", WAIVER + WAIVER.replace(
            "waivers:\n", "").replace("property-removed", "event-removed").replace(
            "web/Order Completed/coupon", "web"), "Waive event removals too")  # fmt: skip
        event(app, gh, "pull_request", "synchronize.payload.json", 1)
        check = review_check(gh, new)
        assert check["conclusion"] == "failure"
        assert "waivers.yaml: 2 new waivers" in check["output"]["summary"]


def test_a_pull_request_that_edits_the_policy_is_judged_by_the_base_one(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(2, head="loosen", author="alice")
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("loosen")
        event(app, gh, "pull_request", "opened.payload.json", 2)
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"
        body = gh.comments(2)[0]["json"]["body"]
        # Still reported and still breaking: `level: off` takes effect only once merged.
        assert "property &#x27;coupon&#x27;" in body or "property 'coupon'" in body
        assert "### Breaking changes" in body
        assert "settings-changed" in body
        # And BASE's approvers for the rule are asked.
        assert "data-platform" in gh.state.requested[2]["teams"]


def test_personal_data_requests_the_privacy_reviewers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(3, head="personal", author="alice")
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("personal")
        event(app, gh, "pull_request", "opened.payload.json", 3)
        assert "privacy" in gh.state.requested[3]["teams"]
        assert review_check(gh, head)["conclusion"] == "failure"
        gh.add_review(3, "ana", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json", 3)
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"
        assert "privacy reviewers (trackplan.yaml:6): personal data changed" in (
            check["output"]["summary"])  # fmt: skip
        gh.add_review(3, "priv", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json", 3)
        assert review_check(gh, head)["conclusion"] == "success"


def test_a_new_plan_with_its_own_policy_waits_for_the_policy_owners(tmp_path: Path) -> None:
    """A plan that arrives with `policy:` (every rule off, say) would judge its own later
    changes once merged: like a plan that changes its policy, it needs the approval of
    trackplan.yaml's owners, not only the plans' owners."""
    repo = make_repo(tmp_path / "repo")
    pay = (
        "plan:\n  id: pay\n  policy:\n    rules:\n      - {rule: '*', level: 'off'}\n"
        "events:\n  Order Completed:\n    properties:\n      total: {type: number}\n"
    )
    git(repo, "branch", "new-plan")
    push_commit(repo, "new-plan", "plans/pay/plan.yaml", pay, "Add the pay plan")
    with FakeGitHub(repo) as gh:
        _teams(gh)
        gh.add_pull(3, head="new-plan", author="alice")
        head = gh.sha("new-plan")
        gh.add_review(3, "ana", "APPROVED", head)  # the plans' owners only
        app = app_for(gh, tmp_path / "data")
        event(app, gh, "pull_request", "opened.payload.json", 3)
        assert review_check(gh, head)["conclusion"] == "failure"
        assert "data-platform" in gh.state.requested[3]["teams"]
        body = gh.comments(3)[0]["json"]["body"]
        assert "brings its own policy" in body, body
        gh.add_review(3, "dora", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json", 3)
        assert review_check(gh, head)["conclusion"] == "success"
