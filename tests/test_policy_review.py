"""The policy's decisions in `trackplan review`: forbidden changes, approvers per rule and
level, privacy reviewers, consumers, per-plan policy and waivers, each with the policy line
that asked for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]

BASE_PLAN = """plan:
  id: web
events:
  Signed Up:
    properties:
      method: {type: string}
  Order Completed:
    properties:
      coupon: {type: string}
"""
# coupon removed, an email property added.
HEAD_PLAN = """plan:
  id: web
events:
  Signed Up:
    properties:
      method: {type: string}
      email: {type: string, pii: direct}
  Order Completed: {}
"""
CODEOWNERS = "* @acme/analysts\n/waivers.yaml @acme/data-platform\n"


def _review(run_cli: Cli, tmp_path: Path, base: dict[str, str], head: dict[str, str],
            *extra: str) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """(exit code, JSON) of `trackplan review BASE HEAD`; each side's files laid over the plan
    files above and a CODEOWNERS."""
    common = {"plans/web/plan.yaml": BASE_PLAN, ".github/CODEOWNERS": CODEOWNERS}
    b = write_files(tmp_path / "base", {**common, **base})
    h = write_files(tmp_path / "head", {**common, "plans/web/plan.yaml": HEAD_PLAN, **head})
    done = run_cli("review", str(b), str(h), "--format", "json", *extra)
    assert done.code in (0, 1), done.err
    return done.code, done.json()


def _levels(data: dict[str, Any]) -> dict[str, str]:
    return {c["subject"]: c["level"] for c in data["changes"]}


def _groups(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {g["why"]: tuple(g["owners"]) for g in data["stakeholders"]}


def test_a_rule_at_level_error_is_forbidden_whatever_the_fail_level(
    run_cli: Cli, tmp_path: Path
) -> None:
    policy = {"trackplan.yaml": "policy:\n  rules:\n    - {rule: property-removed, level: error}\n"}
    code, data = _review(run_cli, tmp_path, policy, policy, "--fail-on", "warning")
    assert code == 1
    assert _levels(data)["events/Order Completed/properties/coupon"] == "error"
    assert data["summary"]["error"] == 1 and data["summary"]["breaking"] == 0
    assert "1 change the policy forbids" in data["verdict"]
    markdown = run_cli("review", str(tmp_path / "base"), str(tmp_path / "head"))
    assert "### Forbidden changes" in markdown.out
    assert "property 'coupon' of 'Order Completed' was removed" in markdown.out


def test_approvers_per_rule_and_per_level_name_their_policy_line(
    run_cli: Cli, tmp_path: Path
) -> None:
    policy = {"trackplan.yaml": (
        "review: {breaking: any-owner}\n"
        "policy:\n"
        "  rules:\n"
        "    - rule: property-removed\n"
        "      approvers: ['@acme/data-platform']\n"
        "    - level: breaking\n"
        "      events: ['Order *']\n"
        "      approvers: ['@lead']\n"
        "    - level: info\n"
        "      plans: [other]\n"
        "      approvers: ['@nobody-here']\n"
    )}  # fmt: skip
    _, data = _review(run_cli, tmp_path, policy, policy)
    groups = _groups(data)
    assert groups["policy trackplan.yaml:4: rule property-removed"] == ("@acme/data-platform",)
    assert groups["policy trackplan.yaml:6: every breaking change in events Order *"] == (
        "@lead",)  # fmt: skip
    assert not any("@nobody-here" in owners for owners in groups.values())  # out of scope


def test_personal_data_asks_the_privacy_reviewers(run_cli: Cli, tmp_path: Path) -> None:
    policy = {"trackplan.yaml": "policy:\n  privacy: ['@acme/privacy']\n"}
    _, data = _review(run_cli, tmp_path, policy, policy)  # a new property with pii: direct
    assert _groups(data)["privacy reviewers (trackplan.yaml:2): personal data changed"] == (
        "@acme/privacy",)  # fmt: skip
    # A property whose class changes is a change of its own rule, and asks them too.
    changed = HEAD_PLAN.replace("email: {type: string, pii: direct}", "")
    changed = changed.replace("method: {type: string}", "method: {type: string, pii: indirect}")
    _, data = _review(run_cli, tmp_path / "2", policy, {**policy, "plans/web/plan.yaml": changed})
    [pii] = [c for c in data["changes"] if c["rule"] == "property-pii-changed"]
    said = "property 'method' of 'Signed Up' changed pii from 'none' to 'indirect'"
    assert pii["message"] == said
    assert "@acme/privacy" in {o for owners in _groups(data).values() for o in owners}
    # Nothing personal: nobody from privacy is asked.
    plain = HEAD_PLAN.replace("email: {type: string, pii: direct}", "note: {type: string}")
    _, data = _review(run_cli, tmp_path / "3", policy, {**policy, "plans/web/plan.yaml": plain})
    assert "@acme/privacy" not in {o for owners in _groups(data).values() for o in owners}


def test_consumers_approve_breaking_changes_under_all_owners_and_are_named(
    run_cli: Cli, tmp_path: Path
) -> None:
    base_plan = BASE_PLAN.replace(
        "  Order Completed:\n",
        "  Order Completed:\n    consumers:\n      - {name: Revenue dashboard, kind: dashboard, "
        "owner: '@acme/finance'}\n      - {name: Amplitude, kind: destination}\n",
    )
    base = {"plans/web/plan.yaml": base_plan}
    _, data = _review(run_cli, tmp_path, base, {})
    assert _groups(data)["consumers of event 'Order Completed'"] == ("@acme/finance",)
    markdown = run_cli("review", str(tmp_path / "base"), str(tmp_path / "head")).out
    # Named, never pinged: a mention in a comment would notify the team.
    assert "read by Revenue dashboard (@\u2060acme/finance), Amplitude" in markdown
    # Under any-owner they are told, not asked.
    settings = {"trackplan.yaml": "review: {breaking: any-owner}\n"}
    _, data = _review(run_cli, tmp_path / "2", {**base, **settings}, settings)
    assert "consumers of event 'Order Completed'" not in _groups(data)


def test_a_plan_policy_sets_its_compatibility_and_wins_over_the_registry(
    run_cli: Cli, tmp_path: Path
) -> None:
    plan_policy = BASE_PLAN.replace(
        "  id: web\n",
        "  id: web\n  policy:\n    compatibility: backward\n    rules:\n"
        "      - {rule: property-added, level: warning}\n",
    )
    registry = {"trackplan.yaml": "policy:\n  rules:\n    - {rule: property-added, level: info}\n"}
    own = "  policy:\n    compatibility: backward\n    rules:\n"
    head_plan = HEAD_PLAN.replace(
        "  id: web\n", "  id: web\n" + own + "      - {rule: property-added, level: warning}\n"
    )
    code, data = _review(run_cli, tmp_path, {**registry, "plans/web/plan.yaml": plan_policy},
                         {**registry, "plans/web/plan.yaml": head_plan})  # fmt: skip
    levels = _levels(data)
    # backward protects producers only: a removal breaks consumers, so it is a warning.
    assert levels["events/Order Completed/properties/coupon"] == "warning"
    assert levels["events/Signed Up/properties/email"] == "warning"  # the plan's entry wins
    assert code == 0


def test_a_base_waiver_accepts_the_change_and_the_review_lists_it(
    run_cli: Cli, tmp_path: Path
) -> None:
    waivers = {"waivers.yaml": (
        "waivers:\n  - rule: property-removed\n    subject: web/Order Completed/coupon\n"
        "    reason: Coupons moved to the cart\n    expires: 2999-01-31\n"
        "    accepted_by: '#12'\n"
    )}  # fmt: skip
    code, data = _review(run_cli, tmp_path, waivers, waivers)
    assert code == 0
    [waived] = data["waived"]
    assert waived["status"] == "accepted"
    assert waived["waiver"]["reason"] == "Coupons moved to the cart"
    assert waived["waiver"]["location"] == {"file": "waivers.yaml", "line": 2}
    assert waived["change"]["subject"] == "events/Order Completed/properties/coupon"
    markdown = run_cli("review", str(tmp_path / "base"), str(tmp_path / "head")).out
    assert "### Waived changes" in markdown and "Coupons moved to the cart" in markdown
    assert "accepted (the base branch holds the waiver)" in markdown
    assert "### Breaking changes" not in markdown


def test_a_waiver_the_change_adds_stays_pending_until_its_owners_approve(
    run_cli: Cli, tmp_path: Path
) -> None:
    waivers = {"waivers.yaml": (
        "waivers:\n  - rule: property-removed\n    subject: web/Order Completed\n"
        "    reason: mine\n    expires: 2999-01-31\n    accepted_by: '@me'\n"
    )}  # fmt: skip
    code, data = _review(run_cli, tmp_path, {}, waivers)
    assert code == 1  # offline nobody has approved: the change still breaks
    assert [w["status"] for w in data["waived"]] == ["pending"]
    groups = {g["why"]: g for g in data["stakeholders"]}
    [why] = [w for w in groups if w.startswith("waivers.yaml: 1 new waiver")]
    assert groups[why]["owners"] == ["@acme/data-platform"] and groups[why]["kind"] == "waivers"
    assert "CODEOWNERS .github/CODEOWNERS:2 for waivers.yaml" in why


def test_an_expired_waiver_covers_nothing_and_fails_validation(
    run_cli: Cli, tmp_path: Path
) -> None:
    waivers = {"waivers.yaml": (
        "waivers:\n  - rule: property-removed\n    subject: web/Order Completed/coupon\n"
        "    reason: old\n    expires: 2001-01-31\n    accepted_by: '#1'\n"
    )}  # fmt: skip
    code, data = _review(run_cli, tmp_path, waivers, waivers)
    assert code == 1 and data["waived"] == []
    assert [(f["rule"], f["location"]["line"]) for f in data["findings"]
            if f["rule"] == "waiver-expired"] == [("waiver-expired", 5)]  # fmt: skip


def test_waive_writes_an_entry_that_then_covers_the_change(run_cli: Cli, tmp_path: Path) -> None:
    head = write_files(tmp_path / "head", {"plans/web/plan.yaml": HEAD_PLAN})
    base = write_files(tmp_path / "base", {"plans/web/plan.yaml": BASE_PLAN})
    done = run_cli("waive", "property-removed", "web/Order Completed/coupon", "--reason",
                   "Coupons moved", "--expires", "2999-12-31", "--accepted-by", "#7",
                   "--repo", str(head))  # fmt: skip
    assert done.code == 0, done.err
    assert done.out.startswith("waivers.yaml:")
    text = (head / "waivers.yaml").read_text()
    assert "subject: web/Order Completed/coupon" in text and 'accepted_by: "#7"' in text
    # The same waiver twice is refused and the file left as it was.
    again = run_cli(
        "waive",
        "property-removed",
        "web/Order Completed/coupon",
        "--reason",
        "x",
        "--expires",
        "2999-12-31",
        "--accepted-by",
        "#7",
        "--repo",
        str(head),
    )
    assert again.code == 2 and "already there" in again.err
    assert (head / "waivers.yaml").read_text() == text
    # Judged by HEAD's own policy (a preview), the waiver it holds is accepted.
    judged = run_cli("review", str(base), str(head), "--policy", "head", "--format", "json")
    assert [w["status"] for w in judged.json()["waived"]] == ["accepted"]


def test_waive_refuses_bad_input_without_writing(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": BASE_PLAN})
    cases = [
        (("property-remove", "web/Order Completed", "--expires", "2999-01-01"),
         "Did you mean 'property-removed'?"),
        (("property-removed", "Shop/Order Completed", "--expires", "2999-01-01"),
         "'Shop' is no plan id"),
        (("property-removed", "web/Order Completed", "--expires", "2000-01-01"), "in the past"),
        (("property-removed", "web/Order Completed", "--expires", "2999-02-30"), "no date"),
    ]  # fmt: skip
    for args, said in cases:
        done = run_cli("waive", *args, "--reason", "r", "--accepted-by", "@a", "--repo", str(repo))
        assert done.code == 2 and said in done.err, (args, done.err)
    assert not (repo / "waivers.yaml").exists()


def test_a_plan_policy_change_needs_the_owners_of_trackplan_yaml(
    run_cli: Cli, tmp_path: Path
) -> None:
    codeowners = {".github/CODEOWNERS": "/plans/ @acme/analysts\n/trackplan.yaml @acme/gov\n"}
    loosened = BASE_PLAN.replace("  id: web\n", "  id: web\n  policy:\n    compatibility: none\n")
    _, data = _review(run_cli, tmp_path, codeowners,
                      {**codeowners, "plans/web/plan.yaml": loosened})  # fmt: skip
    [change] = [c for c in data["changes"] if c["rule"] == "plan-policy-changed"]
    assert change["level"] == "warning" and change["location"]["line"] == 3
    why = "the policy of plan 'web' changed (CODEOWNERS .github/CODEOWNERS:2 for trackplan.yaml)"
    assert _groups(data)[why] == ("@acme/gov",)


def test_waiver_subjects_escape_slashes_and_dots(run_cli: Cli, tmp_path: Path) -> None:
    names = {"trackplan.yaml": "conventions: {event_name: any, property_name: any, "
             "event_grammar: any}\n"}  # fmt: skip
    base_plan = ("plan:\n  id: web\nevents:\n  A/B:\n    properties:\n      p: {type: string}\n"
                 "  A:\n    properties:\n      B: {type: string}\n"
                 "      x.y: {type: string}\n      x:\n        properties:\n"
                 "          y: {type: string}\n")  # fmt: skip
    head_plan = ("plan:\n  id: web\nevents:\n  A/B: {}\n  A:\n    properties:\n"
                 "      x: {type: object}\n")  # fmt: skip

    def waived(subjects: list[str]) -> list[str]:
        entries = "".join(
            f"  - {{rule: property-removed, subject: '{s}', reason: r, expires: 2999-01-01, "
            "accepted_by: '#1'}\n" for s in subjects)  # fmt: skip
        files = {**names, "waivers.yaml": "waivers:\n" + entries}
        where = tmp_path / str(len(list(tmp_path.iterdir())))
        _, data = _review(run_cli, where, {**files, "plans/web/plan.yaml": base_plan},
                          {**files, "plans/web/plan.yaml": head_plan})  # fmt: skip
        return sorted(w["change"]["subject"] for w in data["waived"])

    # Property B of event A is not event A/B's property p, and the reverse.
    assert waived(["web/A/B"]) == ["events/A/properties/B"]
    assert waived(["web/A~1B/p"]) == ["events/A~1B/properties/p"]
    # A top-level property named x.y is not y nested in x.
    assert waived(["web/A/x~2y"]) == ["events/A/properties/x.y"]
    assert waived(["web/A/x.y"]) == ["events/A/properties/x/properties/y"]


def test_only_the_consumers_of_the_changed_event_are_asked(run_cli: Cli, tmp_path: Path) -> None:
    # A property named like another event: that event's readers have nothing to do with it.
    names = {"trackplan.yaml": "conventions: {property_name: any}\n"}
    base_plan = (
        "plan:\n  id: web\nevents:\n  Refund Issued:\n    consumers: ['@acme/finance']\n"
        "  Order Completed:\n    properties:\n      Refund Issued: {type: string}\n"
    )
    head_plan = base_plan.replace("      Refund Issued: {type: string}\n", "")
    head_plan = head_plan.replace(
        "  Order Completed:\n    properties:\n", "  Order Completed: {}\n"
    )
    _, data = _review(run_cli, tmp_path, {**names, "plans/web/plan.yaml": base_plan},
                      {**names, "plans/web/plan.yaml": head_plan})  # fmt: skip
    assert "@acme/finance" not in {o for owners in _groups(data).values() for o in owners}


def test_waive_keeps_the_file_mode_and_refuses_what_it_cannot_read(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": BASE_PLAN,
                                           "waivers.yaml": "waivers: []\n"})  # fmt: skip
    (repo / "waivers.yaml").chmod(0o644)
    args = ("--reason", "r", "--expires", "2999-01-01", "--accepted-by", "@a", "--repo", str(repo))
    assert run_cli("waive", "property-removed", "web/Order Completed", *args).code == 0
    assert (repo / "waivers.yaml").stat().st_mode & 0o777 == 0o644
    # A date Python reads but the schema does not: refused, not half-understood.
    text = (repo / "waivers.yaml").read_text().replace('"2999-01-01"', '"29990101"')
    (repo / "waivers.yaml").write_text(text)
    done = run_cli("waive", "event-removed", "web/Signed Up", *args)
    assert done.code == 2 and "waivers.yaml:" in done.err and "fix the file first" in done.err
    assert (repo / "waivers.yaml").read_text() == text
    # A plan the change removes is waived by its id, with a note.
    done = run_cli(
        "waive",
        "plan-removed",
        "old-plan",
        *args[:-2],
        "--repo",
        str(write_files(tmp_path / "r2", {"plans/web/plan.yaml": BASE_PLAN})),
    )
    assert done.code == 0 and "no plan 'old-plan'" in done.err
    (tmp_path / "r3" / "waivers.yaml").mkdir(parents=True)
    (tmp_path / "r3" / "plans/web").mkdir(parents=True)
    (tmp_path / "r3" / "plans/web/plan.yaml").write_text(BASE_PLAN)
    done = run_cli("waive", "plan-removed", "web", *args[:-2], "--repo", str(tmp_path / "r3"))
    assert done.code == 2 and "is not a file" in done.err
