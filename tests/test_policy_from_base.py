"""A pull request never loosens the rules that judge it: policy comes from BASE (issue 22)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.botkit import plan_repo, push_commit, review_opened_pull
from tests.conftest import CliResult, write_files
from tests.fake_github import FakeGitHub
from tests.test_bot_approvals import review_check

Cli = Callable[..., CliResult]
LOOSE = "compatibility: none\nfail_on: never\nconventions: {event_name: any}\n"
PLAN = "plans/web/plan.yaml"
V1 = "plan: {id: web}\nevents:\n  Signup:\n    properties:\n      method: {type: string}\n"
RENAMED = (
    "plan: {id: web}\nevents:\n  Signed Up:\n    renamed_from: [Signup]\n"
    "    properties:\n      method: {type: string}\n"
)


def test_a_pull_request_that_loosens_compatibility_is_still_judged_breaking(
    tmp_path: Path,
) -> None:
    repo = plan_repo(tmp_path / "repo")
    push_commit(repo, "rename", "trackplan.yaml", LOOSE, "Nothing is breaking any more")
    with FakeGitHub(repo) as gh:
        review_opened_pull(gh, tmp_path / "data")
        (comment,) = gh.comments(1)
        body = comment["json"]["body"]
        check = review_check(gh, gh.sha("rename"))
    assert "No breaking changes" not in body
    assert "breaking change" in body.split("\n\n", 2)[1]  # the verdict
    assert (
        "setting 'compatibility' changed from 'full' to 'none' (takes effect after merge)" in body
    )
    assert "setting 'fail\\_on' changed from 'breaking' to 'never'" in body
    assert check["conclusion"] != "success"
    # The owners of trackplan.yaml (CODEOWNERS of BASE) must approve the new policy.
    assert "@acme/data-platform" in check["output"]["text"] + check["output"]["summary"]


def test_review_and_diff_judge_by_base_and_preview_head_only_when_asked(
    run_cli: Cli, tmp_path: Path
) -> None:
    base = write_files(tmp_path / "a", {PLAN: V1})
    head = write_files(tmp_path / "b", {PLAN: RENAMED.replace("method: {type: string}",
                                                              "method: {type: integer}"),
                                        "trackplan.yaml": LOOSE})  # fmt: skip
    for command in ("diff", "review"):
        judged = run_cli(command, str(base), str(head), "--format", "json")
        assert judged.code == 1, judged.err
        data = judged.json()
        assert data["policy"] == {
            "side": "base",
            "compatibility": "full",
            "fail_on": "breaking",
            "additions": "additive",
        }
        levels = {c["rule"]: c["level"] for c in data["changes"]}
        assert levels["event-renamed"] == "breaking"
        assert levels["settings-changed"] == "warning"
        assert "judged by the policy of BASE" in judged.err
        preview = run_cli(command, str(base), str(head), "--format", "json", "--policy", "head")
        assert preview.code == 0, preview.err
        assert preview.json()["policy"]["side"] == "head"
        assert "breaking" not in {c["level"] for c in preview.json()["changes"]}
        assert "as --policy head asks" in preview.err


def test_plan_conventions_from_the_pull_request_do_not_judge_it(
    run_cli: Cli, tmp_path: Path
) -> None:
    strict = "plan:\n  id: web\n  conventions: {event_name: title-case}\nevents:\n  Signup: {}\n"
    lax = strict.replace("title-case", "any") + "  order_done: {}\n"
    base = write_files(tmp_path / "a", {PLAN: strict})
    head = write_files(tmp_path / "b", {PLAN: lax, "plans/new/plan.yaml":
                                        "plan:\n  id: new\n  conventions: {event_name: any}\n"
                                        "events:\n  signup_done: {}\n"})  # fmt: skip
    result = run_cli("review", str(base), str(head), "--format", "json")
    found = {(f["rule"], f["location"]["file"], f["location"]["line"])
             for f in result.json()["findings"]}  # fmt: skip
    assert ("event-name-case", PLAN, 6) in found  # BASE's convention for plan web
    # A plan the PR adds is judged by BASE's registry settings, not its own conventions.
    assert ("event-name-case", "plans/new/plan.yaml", 5) in found
    assert result.code == 1
    rules = {c["rule"] for c in result.json()["changes"]}
    assert "plan-conventions-changed" in rules
    # `validate` on HEAD alone uses HEAD's files as written: the new convention allows them.
    alone = run_cli("validate", "--repo", str(head), "--format", "json")
    assert not [f for f in alone.json()["findings"] if f["rule"] == "event-name-case"]
