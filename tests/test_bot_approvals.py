"""Stakeholder review on the fake GitHub: requested reviewers, approvals, the review check."""

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
  Signup:
    owners: ["@acme/growth", "@acme/payments"]
    properties:
      type: {type: string, required: true}
"""
RENAMED = BASE_PLAN.replace("  Signup:\n", "  Signed Up:\n    renamed_from: [Signup]\n")
CODEOWNERS = "/plans/web/ @acme/growth\n.github/CODEOWNERS @acme/admins\n"
NOTES = "## Migration notes\n\nSend both names from app 5.2 on.\n"


def make_repo(root: Path) -> Path:
    root.mkdir()
    (root / "plans/web").mkdir(parents=True)
    (root / ".github").mkdir()
    (root / PLAN).write_text(BASE_PLAN)
    (root / ".github/CODEOWNERS").write_text(CODEOWNERS)
    (root / "trackplan.yaml").write_text("conventions: {event_grammar: any}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "branch", "rename")
    git(root, "branch", "drop-owner")
    push_commit(root, "rename", PLAN, RENAMED, "Rename Signup")
    push_commit(root, "drop-owner", ".github/CODEOWNERS", ".github/CODEOWNERS @acme/admins\n",
                "Drop the web owners")  # fmt: skip
    more = BASE_PLAN + "  Page Viewed: {}\n"  # an event no one owns but CODEOWNERS
    push_commit(root, "drop-owner", PLAN, more, "Add Page Viewed")
    return root


def review_check(gh: FakeGitHub, sha: str) -> dict[str, Any]:
    runs = [r for r in gh.check_runs(sha) if r["name"] == "trackplan/review"]
    return runs[-1]


def event(app: Flask, gh: FakeGitHub, kind: str, name: str, number: int = 1) -> None:
    deliver(app.test_client(), kind, payload(kind, name, gh, number=number))
    drain(app)


def test_two_teams_must_approve_a_breaking_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.state.teams.update({"acme/growth": ["gina"], "acme/payments": ["paula"],
                               "acme/admins": ["adam"]})  # fmt: skip
        gh.add_pull(1, head="rename", author="alice", body=NOTES)
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("rename")

        event(app, gh, "pull_request", "opened.payload.json")
        assert gh.state.requested[1] == {"users": [], "teams": ["growth", "payments"]}
        assert review_check(gh, head)["conclusion"] == "failure"

        gh.add_review(1, "alice", "APPROVED", head)  # the author: never counts
        gh.add_review(1, "gina", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json")
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"
        assert (
            "Waiting for approval from `@acme/payments` (event 'Signup')"
            in (check["output"]["summary"])
        )
        (comment,) = gh.comments(1)
        # One row per owner, every reason merged into it.
        rows = [r for r in comment["json"]["body"].splitlines() if r.startswith("| `@acme/")]
        (growth,) = [r for r in rows if r.startswith("| `@acme/growth` |")]
        assert "CODEOWNERS .github/CODEOWNERS:1 (/plans/web/)" in growth
        assert "event 'Signup'" in growth and growth.endswith("| ✅ approved by `@gina` |")
        assert len(rows) == len({r.split("|")[1] for r in rows})

        gh.add_review(1, "paula", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json")
        assert review_check(gh, head)["conclusion"] == "success"

        # A new push: with fresh_approvals, approvals of the old head no longer count.
        new_head = push_commit(repo, "rename", "plans/web/more.yaml",
                               "events:\n  Page Viewed: {}\n", "Add Page Viewed")  # fmt: skip
        event(app, gh, "pull_request", "synchronize.payload.json")
        assert review_check(gh, new_head)["conclusion"] == "failure"
        assert len(gh.received("POST", "/repos/acme/plans/pulls/1/requested_reviewers")) == 1


def test_changes_requested_by_an_owner_blocks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.state.teams.update({"acme/growth": ["gina"], "acme/payments": ["paula"]})
        gh.add_pull(1, head="rename", author="alice", body=NOTES)
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("rename")
        gh.add_review(1, "gina", "APPROVED", head)
        gh.add_review(1, "paula", "CHANGES_REQUESTED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json")
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"
        assert check["output"]["title"] == "Changes requested by an owner"


def test_editing_codeowners_does_not_remove_an_owner(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.state.teams.update({"acme/growth": ["gina"], "acme/admins": ["adam"]})
        gh.add_pull(2, head="drop-owner", author="alice")
        app = app_for(gh, tmp_path / "data")
        event(app, gh, "pull_request", "opened.payload.json", number=2)
        assert sorted(gh.state.requested[2]["teams"]) == ["admins", "growth"]
        check = review_check(gh, gh.sha("drop-owner"))
        assert check["conclusion"] == "failure"
        assert (
            "`@acme/growth` (CODEOWNERS .github/CODEOWNERS:1 (/plans/web/))"
            in (check["output"]["summary"])
        )


def test_a_draft_gets_the_comment_but_no_review_requests(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename", author="alice", draft=True)
        app = app_for(gh, tmp_path / "data")
        event(app, gh, "pull_request", "opened.payload.json")
        assert len(gh.comments(1)) == 1
        assert gh.received("POST", "/repos/acme/plans/pulls/1/requested_reviewers") == []


def test_a_branch_from_before_the_owners_existed_still_needs_today_s_owners(
    tmp_path: Path,
) -> None:
    """Ownership and policy come from the base branch's tip, never the merge base: a PR
    branched before CODEOWNERS and `owners:` existed cannot slip through unreviewed."""
    root = tmp_path / "repo"
    (root / "plans/web").mkdir(parents=True)
    (root / PLAN).write_text(BASE_PLAN.replace('    owners: ["@acme/growth", "@acme/payments"]\n',
                                               ""))  # fmt: skip
    (root / "trackplan.yaml").write_text("conventions: {event_grammar: any}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before any owner")
    git(root, "branch", "old-branch")
    # main gains CODEOWNERS and event owners after the branch was cut ...
    push_commit(root, "main", ".github/CODEOWNERS", CODEOWNERS, "Owners")
    push_commit(root, "main", PLAN, BASE_PLAN, "Event owners")
    # ... and the old branch removes the event: a breaking change.
    push_commit(root, "old-branch", PLAN, "plan:\n  id: web\nevents: {}\n", "Drop Signup")
    with FakeGitHub(root) as gh:
        gh.state.teams.update({"acme/growth": ["gina"], "acme/payments": ["paula"]})
        gh.add_pull(1, head="old-branch", author="alice", body=NOTES)
        app = app_for(gh, tmp_path / "data")
        event(app, gh, "pull_request", "opened.payload.json")
        check = review_check(gh, gh.sha("old-branch"))
        assert check["conclusion"] == "failure"
        assert "@acme/growth" in check["output"]["summary"]
        assert "@acme/payments" in check["output"]["summary"]
        assert sorted(gh.state.requested[1]["teams"]) == ["growth", "payments"]


def test_a_second_pull_request_of_the_head_into_a_laxer_branch_never_turns_the_gate_green(
    tmp_path: Path,
) -> None:
    """Checks belong to the commit. A pull request of the same head into a branch without
    CODEOWNERS passes there on its own; the commit's review check still fails while the
    pull request into main waits for its owners, whichever is reviewed last, and passes
    once they approve."""
    repo = tmp_path / "repo"
    plan = "plan:\n  id: web\nevents:\n  Signup:\n    properties:\n      type: {type: string}\n"
    (repo / "plans/web").mkdir(parents=True)
    (repo / ".github").mkdir()
    (repo / PLAN).write_text(plan)
    (repo / ".github/CODEOWNERS").write_text("/plans/ @acme/growth\n")
    (repo / "trackplan.yaml").write_text("conventions: {event_grammar: any}\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for branch in ("lax", "feature"):
        git(repo, "branch", branch)
    push_commit(repo, "lax", ".github/CODEOWNERS", "# nobody\n", "No owners here")
    push_commit(repo, "feature", PLAN, plan.replace("string", "integer"), "Retype")
    with FakeGitHub(repo) as gh:
        gh.state.teams.update({"acme/growth": ["gina"]})
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("feature")
        gh.add_pull(1, head="feature", base="main", author="mallory", body=NOTES)
        event(app, gh, "pull_request", "opened.payload.json", 1)
        assert review_check(gh, head)["conclusion"] == "failure"
        gh.add_pull(2, head="feature", base="lax", author="mallory", body=NOTES)
        event(app, gh, "pull_request", "opened.payload.json", 2)
        check = review_check(gh, head)
        assert check["conclusion"] == "failure", check["output"]["title"]
        assert check["output"]["title"] == "Pull request #1 of this commit is not ready"
        assert "#1 into `main`: Waiting for" in check["output"]["summary"]
        gh.add_review(1, "gina", "APPROVED", head)
        event(app, gh, "pull_request_review", "submitted.payload.json", 1)
        assert review_check(gh, head)["conclusion"] == "success"


def test_migration_notes_taken_out_after_the_gate_passed_fail_it_again(tmp_path: Path) -> None:
    """A breaking change passes with its notes and its owners' approvals; the author then
    edits the notes out of the description: the `edited` delivery (its `changes` name the
    body) is reviewed again and the check fails. An edit of the title alone needs nothing."""
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.state.teams.update({"acme/growth": ["gina"], "acme/payments": ["paula"]})
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("rename")
        pull = gh.add_pull(1, head="rename", author="mallory", body=NOTES)
        for user in ("gina", "paula"):
            gh.add_review(1, user, "APPROVED", head)
        event(app, gh, "pull_request", "opened.payload.json", 1)
        assert review_check(gh, head)["conclusion"] == "success"
        client = app.test_client()
        edited = payload("pull_request", "opened.payload.json", gh, number=1, action="edited",
                         changes={"title": {"from": "Old title"}})  # fmt: skip
        said = deliver(client, "pull_request", edited, delivery="edit-title")
        assert said.get_json() == {"ignored": "pull_request edited: neither its base nor "
                                   "description"}  # fmt: skip
        pull.body = "Renames Signup."
        edited["changes"] = {"body": {"from": NOTES}}
        assert deliver(client, "pull_request", edited, delivery="edit-body").status_code == 202
        drain(app)
        check = review_check(gh, head)
        assert check["conclusion"] == "failure"
        assert check["output"]["title"] == "1 breaking change, no notes"


def test_the_validate_check_is_not_turned_green_by_a_laxer_branch_s_conventions(
    tmp_path: Path,
) -> None:
    """main names events in title case; 'lax' allows any name. The head adds 'order_done':
    invalid into main, valid into lax, and the commit's validate check stays failing
    whichever pull request is reviewed last."""
    repo = tmp_path / "repo"
    plan = "plan:\n  id: web\nevents:\n  Signup:\n    properties:\n      type: {type: string}\n"
    (repo / "plans/web").mkdir(parents=True)
    (repo / PLAN).write_text(plan)
    (repo / "trackplan.yaml").write_text("conventions: {event_grammar: any, event_name: "
                                         "title-case}\n")  # fmt: skip
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for branch in ("lax", "feature"):
        git(repo, "branch", branch)
    push_commit(repo, "lax", "trackplan.yaml", "conventions: {event_grammar: any, event_name: "
                "any}\n", "Any names")  # fmt: skip
    push_commit(repo, "feature", PLAN, plan + "  order_done: {}\n", "Add order_done")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        head = gh.sha("feature")

        def validate() -> dict[str, Any]:
            return [r for r in gh.check_runs(head) if r["name"] == "trackplan/validate"][-1]

        gh.add_pull(1, head="feature", base="main", author="mallory")
        event(app, gh, "pull_request", "opened.payload.json", 1)
        assert validate()["conclusion"] == "failure"
        gh.add_pull(2, head="feature", base="lax", author="mallory")
        event(app, gh, "pull_request", "opened.payload.json", 2)
        check = validate()
        assert check["conclusion"] == "failure"
        assert check["output"]["title"] == "Invalid plan files for pull request #1 of this commit"
