"""The diff catalog: ids are unique, and each rule's before/after example reports it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.diff.changes import CHANGE_LEVELS, CONSUMERS, PRODUCERS, level_for
from registry.diff.rules import DIFF_BY_ID, DIFF_RULES, DiffRule
from registry.docs import DOC_PATH, render
from registry.lint.rules import RULES
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
PLAN = "plans/web/plan.yaml"
ROOT = Path(__file__).resolve().parent.parent


def test_diff_rule_ids_are_unique_and_distinct_from_lint_ids() -> None:
    ids = [rule.id for rule in DIFF_RULES]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {rule.id for rule in RULES}
    for rule in DIFF_RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.id)
        assert set(rule.breaks) <= {PRODUCERS, CONSUMERS}
        assert rule.summary and rule.migration


def _sides(rule: DiffRule, tmp_path: Path) -> tuple[Path, Path]:
    if rule.id == "plan-added":
        return (
            write_files(tmp_path / "before", {"plans/other/plan.yaml": "plan: {id: other}\n"}),
            write_files(
                tmp_path / "after",
                {"plans/other/plan.yaml": "plan: {id: other}\n", PLAN: "plan:\n  id: web\n"},
            ),
        )
    if rule.id == "plan-removed":
        before, after = _sides(DIFF_BY_ID["plan-added"], tmp_path)
        return after, before
    head = "plan:\n  id: web\n"
    if rule.file != PLAN:  # a registry file of its own beside an unchanged plan
        return (
            write_files(tmp_path / "before", {PLAN: head, rule.file: rule.before}),
            write_files(tmp_path / "after", {PLAN: head, rule.file: rule.after}),
        )
    return (
        write_files(tmp_path / "before", {PLAN: head + rule.before}),
        write_files(tmp_path / "after", {PLAN: head + rule.after}),
    )


@pytest.mark.parametrize("rule", DIFF_RULES, ids=lambda r: r.id)
def test_example_reports_the_rule_at_its_line(rule: DiffRule, run_cli: Cli, tmp_path: Path) -> None:
    before, after = _sides(rule, tmp_path)
    result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    changes = result.json()["changes"]
    found = {(c["rule"], c["level"], c["location"]["file"], c["location"]["line"]) for c in changes}
    level = rule.level or level_for(rule.breaks, "full")  # the default compatibility
    if rule.max_level == "warning" and level == "breaking":
        level = "warning"
    assert (rule.id, level, rule.file, rule.line) in found, sorted(found)
    for change in changes:
        assert change["rule"] in DIFF_BY_ID
        assert change["level"] in CHANGE_LEVELS


@pytest.mark.parametrize("rule", DIFF_RULES, ids=lambda r: r.id)
def test_levels_follow_the_compatibility_setting(
    rule: DiffRule, run_cli: Cli, tmp_path: Path
) -> None:
    before, after = _sides(rule, tmp_path)
    if rule.level is not None:  # a fixed level (its example changes trackplan.yaml itself)
        result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
        assert {c["level"] for c in result.json()["changes"] if c["rule"] == rule.id} == {
            rule.level
        }
        return
    levels = {}
    for mode in ("backward", "forward", "full", "none"):
        for side in (before, after):  # the policy is BASE's: a change cannot pick its own
            (side / "trackplan.yaml").write_text(f"compatibility: {mode}\n")
        result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
        mine = [c for c in result.json()["changes"] if c["rule"] == rule.id]
        levels[mode] = {c["level"] for c in mine}
        breaks = {b for c in mine for b in c["breaks"]}
        if not breaks:
            assert levels[mode] == {"info"}
    assert "breaking" not in levels["none"]
    if rule.max_level == "warning":
        assert "breaking" not in levels["full"]


def test_rules_doc_is_current() -> None:
    assert (ROOT / DOC_PATH).read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m registry.docs`"
    )


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []  # numbers and booleans are literals; a structure's own changes name its parts


def _bare(message: str, value: str) -> bool:
    """Whether `value` shows in `message` other than between quotes."""
    rest = message.replace(f"'{value}'", "")
    return re.search(rf"(?<![\w']){re.escape(value)}(?![\w'])", rest) is not None


EXTRA_SIDES = {
    "type-list": (
        "events:\n  Signed Up:\n    properties:\n      seats: {type: [string, 'null']}\n",
        "events:\n  Signed Up:\n    properties:\n      seats: {type: string}\n",
    ),
    "lifecycle-reordered": (
        "  lifecycle:\n    - {stage: Visitor}\n    - {stage: Subscriber}\n",
        "  lifecycle:\n    - {stage: Subscriber}\n    - {stage: Visitor}\n",
    ),
    "tightened": (
        "events:\n  Signed Up:\n    properties:\n      code: {type: string, maxLength: 9}\n",
        "events:\n  Signed Up:\n    properties:\n      code: {type: string, maxLength: 4}\n",
    ),
}


@pytest.mark.parametrize("case", [*(r.id for r in DIFF_RULES), *EXTRA_SIDES])
def test_messages_quote_every_value(case: str, run_cli: Cli, tmp_path: Path) -> None:
    if case in EXTRA_SIDES:
        old, new = EXTRA_SIDES[case]
        before = write_files(tmp_path / "before", {PLAN: "plan:\n  id: web\n" + old})
        after = write_files(tmp_path / "after", {PLAN: "plan:\n  id: web\n" + new})
    else:
        before, after = _sides(DIFF_BY_ID[case], tmp_path)
    result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
    changes = result.json()["changes"]
    assert changes, result.out
    for change in changes:
        for value in _strings(change["old"]) + _strings(change["new"]):
            assert not _bare(change["message"], value), (change["rule"], change["message"])


def test_a_property_removed_from_a_closed_event_breaks_producers_too(
    run_cli: Cli, tmp_path: Path
) -> None:
    """A closed event (or object) rejects what its schema does not list: app versions that
    still send the removed property now fail it. Under `compatibility: backward` that is
    breaking; in an open event it is not."""
    event = ("events:\n  Order Completed:\n    additional_properties: false\n"
             "    properties:\n      revenue: {type: number}\n      coupon: {type: string}\n"
             "      address: {type: object, additional_properties: false, properties: "
             "{zip: {type: string}, city: {type: string}}}\n")  # fmt: skip
    head = event.replace("      coupon: {type: string}\n", "").replace(
        "{zip: {type: string}, city: {type: string}}", "{city: {type: string}}")  # fmt: skip
    settings = {"trackplan.yaml": "compatibility: backward\n"}
    for closed in (True, False):
        old, new = (
            (event, head)
            if closed
            else (
                event.replace("additional_properties: false", "additional_properties: true"),
                head.replace("additional_properties: false", "additional_properties: true"),
            )
        )
        before = write_files(
            tmp_path / f"b{closed}", {**settings, PLAN: "plan:\n  id: web\n" + old}
        )
        after = write_files(tmp_path / f"a{closed}", {**settings, PLAN: "plan:\n  id: web\n" + new})
        result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
        found = {(c["subject"], c["level"], tuple(c["breaks"]), c["location"]["line"])
                 for c in result.json()["changes"]}  # fmt: skip
        if closed:
            assert found == {
                ("events/Order Completed/properties/coupon", "breaking",
                 (PRODUCERS, CONSUMERS), 8),
                ("events/Order Completed/properties/address/properties/zip", "breaking",
                 (PRODUCERS, CONSUMERS), 8),  # head's `address`, where zip is no more
            }, found  # fmt: skip
        else:
            assert {level for _, level, _, _ in found} == {"warning"}, found


def test_owners_sources_and_consumers_compare_in_any_order(run_cli: Cli, tmp_path: Path) -> None:
    """A list of owners, sources or consumers means the same in any order: reordered, no
    change (no patch release); changed, the message names what was added and removed."""
    base = ("plan:\n  id: web\n  consumers: ['@acme/x', {name: Revenue, kind: dashboard}]\n"
            "events:\n  Order Completed:\n    owners: ['@acme/a', '@acme/b']\n"
            "    sources: [web, ios]\n    consumers: ['@acme/x', '@acme/y']\n")  # fmt: skip
    reordered = ("plan:\n  id: web\n  consumers: [{name: Revenue, kind: dashboard}, '@acme/x']\n"
                 "events:\n  Order Completed:\n    owners: ['@acme/b', '@acme/a']\n"
                 "    sources: [ios, web]\n    consumers: ['@acme/y', '@acme/x']\n")  # fmt: skip
    changed = reordered.replace("['@acme/b', '@acme/a']", "['@acme/b', '@acme/c']")
    before = write_files(tmp_path / "base", {PLAN: base})
    same = write_files(tmp_path / "same", {PLAN: reordered})
    assert run_cli("diff", str(before), str(same), "--format", "json").json()["changes"] == []
    after = write_files(tmp_path / "after", {PLAN: changed})
    result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
    assert [(c["rule"], c["message"], c["location"]["line"]) for c in result.json()["changes"]] == [
        ("event-metadata-changed", "event 'Order Completed' changed owners: added '@acme/c'; "
         "removed '@acme/a'", 6),
    ]  # fmt: skip


def test_a_common_property_removed_where_a_closed_event_sends_it_breaks_producers(
    run_cli: Cli, tmp_path: Path
) -> None:
    """The closed event 'Signed Up' takes `app_version` from `common`: removing it from
    `common` makes the event reject what app versions still send, as removing it from the
    event would."""
    base = ("plan:\n  id: web\ncommon:\n  properties:\n    app_version: {type: string}\n"
            "events:\n  Signed Up:\n    additional_properties: false\n"
            "    properties:\n      plan: {type: string}\n")  # fmt: skip
    head = base.replace("common:\n  properties:\n    app_version: {type: string}\n", "")
    settings = {"trackplan.yaml": "compatibility: backward\n"}
    before = write_files(tmp_path / "base", {**settings, PLAN: base})
    after = write_files(tmp_path / "head", {**settings, PLAN: head})
    result = run_cli("diff", str(before), str(after), "--format", "json", "--fail-on", "never")
    assert [(c["rule"], c["level"], c["breaks"]) for c in result.json()["changes"]] == [
        ("property-removed", "breaking", [PRODUCERS, CONSUMERS])
    ]


def test_a_changed_shared_definition_is_placed_where_it_is_written(
    run_cli: Cli, tmp_path: Path
) -> None:
    """`product_id` is defined once under the plan's `properties:` and used (`$ref`) by
    events in other files, some through the shared `products` definition: tightening it is
    a change of each event, each placed on the line that was edited (where a pull request's
    annotations land), not on uses in files it never touched."""
    import shutil

    examples = ROOT / "examples"
    head = tmp_path / "head"
    shutil.copytree(examples / "acme-base", head)
    plan = head / "plans/shop/plan.yaml"
    lines = plan.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("  product_id:"))
    lines[number - 1] = lines[number - 1].replace(
        "minLength: 1", "minLength: 3, pii: true, deprecated: true"
    )
    plan.write_text("".join(lines))
    result = run_cli("diff", str(examples / "acme-base"), str(head), "--format", "json",
                     "--fail-on", "never")  # fmt: skip
    changes = result.json()["changes"]
    assert len(changes) >= 8 and {c["rule"] for c in changes} == {
        "property-constraint-narrowed", "property-deprecated", "property-metadata-changed",
        "property-pii-changed"}  # fmt: skip
    assert {(c["location"]["file"], c["location"]["line"]) for c in changes} == {
        ("plans/shop/plan.yaml", number)}  # fmt: skip


@pytest.mark.parametrize(("before", "after"), [
    ("o: {$ref: opts}", "o: {$ref: opts, additional_properties: false}"),
    ("o: {$ref: pid, minLength: 3}", "o: {$ref: pid}"),
])  # fmt: skip
def test_a_change_made_at_the_use_of_a_shared_definition_is_placed_at_the_use(
    before: str, after: str, run_cli: Cli, tmp_path: Path
) -> None:
    """Closing the object at the use (a plan key JSON Schema spells additionalProperties),
    or dropping an override there: the shared definitions did not change, so the change is
    placed on the use's line, which the pull request edits."""
    shared = ("plan: {id: web}\nproperties:\n  opts: {type: object, properties: {x: {type: "
              "string}}}\n  pid: {type: string, minLength: 1}\n")  # fmt: skip
    sides = []
    for name, use in (("base", before), ("head", after)):
        event = f"events:\n  E Sent:\n    properties:\n      {use}\n"
        sides.append(write_files(tmp_path / name, {PLAN: shared,
                                                   "plans/web/events/e.yaml": event}))  # fmt: skip
    result = run_cli("diff", *map(str, sides), "--format", "json", "--fail-on", "never")
    assert [(c["location"]["file"], c["location"]["line"]) for c in result.json()["changes"]] == [
        ("plans/web/events/e.yaml", 4)]  # fmt: skip


def test_a_change_at_the_use_stays_there_when_the_definition_changes_elsewhere(
    run_cli: Cli, tmp_path: Path
) -> None:
    """The override minLength: 3 is dropped at the use while the shared definition gains a
    description: each change is placed where it was made."""
    base = write_files(tmp_path / "base", {
        PLAN: "plan: {id: web}\nproperties:\n  pid: {type: string, minLength: 1}\n",
        "plans/web/events/e.yaml": "events:\n  E Sent:\n    properties:\n"
                                   "      o: {$ref: pid, minLength: 3}\n"})  # fmt: skip
    head = write_files(tmp_path / "head", {
        PLAN: "plan: {id: web}\nproperties:\n  pid: {type: string, minLength: 1, "
              "description: x}\n",
        "plans/web/events/e.yaml": "events:\n  E Sent:\n    properties:\n      o: {$ref: pid}\n",
    })  # fmt: skip
    result = run_cli("diff", str(base), str(head), "--format", "json", "--fail-on", "never")
    assert sorted((c["rule"], c["location"]["file"], c["location"]["line"])
                  for c in result.json()["changes"]) == [
        ("property-constraint-widened", "plans/web/events/e.yaml", 4),
        ("property-metadata-changed", PLAN, 3),
    ]  # fmt: skip
