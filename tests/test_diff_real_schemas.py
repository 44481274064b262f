"""The diff on schemas as real plans hold them: annotations, nested `required`, widenings,
additions to open objects, wording, subjects that round-trip, rename suggestions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import registry
from registry.load.snapshot import MemorySnapshot
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]


def _plan(events: str, settings: str = "") -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"plans/web/plan.yaml": "plan: {id: web}\nevents:\n" + events}
    if settings:
        files["trackplan.yaml"] = settings
    return files


def _diff(run_cli: Cli, tmp_path: Path, before: str, after: str,
          *extra: str) -> list[dict[str, Any]]:  # fmt: skip
    write_files(tmp_path / "a", _plan(before))
    write_files(tmp_path / "b", _plan(after))
    done = run_cli("diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json", *extra)
    assert done.code in (0, 1), done.err
    return list(done.json()["changes"])


def _told(changes: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    return {(c["rule"], c["level"], c["subject"], c["message"]) for c in changes}


ORDER = (
    "  Order Completed:\n    properties:\n      order:\n        type: object\n        properties:\n"
)


# --- nested `required` is told of the member it names --------------------------------------


def test_a_required_member_added_to_a_nested_object_is_one_change_on_that_member(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = ORDER + "          id: {type: string}\n"
    after = (
        ORDER + "          id: {type: string}\n          total: {type: number, required: true}\n"
    )
    changes = _diff(run_cli, tmp_path, before, after)
    assert _told(changes) == {(
        "required-property-added", "breaking",
        "events/Order Completed/properties/order/properties/total",
        "required property 'order.total' of 'Order Completed' was added",
    )}  # fmt: skip
    assert changes[0]["location"]["line"] == 9  # the line of `total`, not of `order` (5)


def test_members_made_required_and_optional_are_never_told_of_their_parent(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = (
        ORDER + "          id: {type: string}\n          total: {type: number, required: true}\n"
    )
    after = (
        ORDER + "          id: {type: string, required: true}\n          total: {type: number}\n"
    )
    told = _told(_diff(run_cli, tmp_path, before, after))
    assert told == {
        ("property-made-required", "breaking",
         "events/Order Completed/properties/order/properties/id",
         "property 'order.id' of 'Order Completed' became required"),
        ("property-made-optional", "breaking",
         "events/Order Completed/properties/order/properties/total",
         "property 'order.total' of 'Order Completed' became optional"),
    }  # fmt: skip


def test_a_removed_required_member_is_one_removal(run_cli: Cli, tmp_path: Path) -> None:
    before = (
        ORDER + "          id: {type: string}\n          total: {type: number, required: true}\n"
    )
    after = ORDER + "          id: {type: string}\n"
    assert [c["rule"] for c in _diff(run_cli, tmp_path, before, after)] == ["property-removed"]


# --- a type that gains a branch widens, whatever the branch requires -------------------------


def test_a_type_gaining_an_object_branch_with_required_members_is_a_widening(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = "  Connected:\n    properties:\n      password: {type: string}\n"
    after = ("  Connected:\n    properties:\n      password:\n        type: [string, object]\n"
             "        properties:\n          secret: {type: string, required: true}\n")  # fmt: skip
    changes = _diff(run_cli, tmp_path, before, after)
    assert [(c["rule"], c["breaks"]) for c in changes] == [("property-type-widened", ["consumers"])]
    assert changes[0]["message"] == (
        "property 'password' of 'Connected' changed type from 'string' to ['string', 'object']"
    )


def test_an_array_becoming_an_object_is_one_type_change_without_vague_lines(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = "  Viewed:\n    properties:\n      tags: {type: array, items: {type: string}}\n"
    after = ("  Viewed:\n    properties:\n      tags:\n        type: object\n"
             "        properties:\n          first: {type: string}\n")  # fmt: skip
    changes = _diff(run_cli, tmp_path, before, after)
    assert [c["rule"] for c in changes] == ["property-type-changed"]
    assert "changed schema" not in changes[0]["message"]


# --- how adding an optional property counts ----------------------------------------------


@pytest.mark.parametrize(
    ("additions", "event_level", "nested_level"),
    [("additive", "info", "info"), ("strict", "breaking", "breaking")],
)
def test_adding_an_optional_property_counts_the_same_for_events_and_nested_objects(
    additions: str, event_level: str, nested_level: str
) -> None:
    before = ORDER + "          id: {type: string}\n"
    after = (ORDER + "          id: {type: string}\n          coupon: {type: string}\n"
             "      channel: {type: string}\n")  # fmt: skip
    report = registry.diff_snapshots(
        MemorySnapshot(_encoded(_plan(before))),
        MemorySnapshot(_encoded(_plan(after))),
        additions=additions,
    )
    levels = {c.subject: (c.rule, c.level, c.breaks) for c in report.changes}
    producers = ("producers",) if additions == "strict" else ()
    assert levels == {
        "events/Order Completed/properties/channel": ("property-added", event_level, producers),
        "events/Order Completed/properties/order/properties/coupon":
            ("property-added", nested_level, producers),
    }  # fmt: skip


def test_strict_additions_to_a_closed_event_break_consumers_not_producers() -> None:
    before = (
        "  Viewed:\n    additional_properties: false\n    properties:\n      a: {type: string}\n"
    )
    after = before + "      b: {type: string}\n"
    report = registry.diff_snapshots(
        MemorySnapshot(_encoded(_plan(before))),
        MemorySnapshot(_encoded(_plan(after))),
        additions="strict",
    )
    assert [(c.rule, c.breaks) for c in report.changes] == [("property-added", ("consumers",))]
    with pytest.raises(ValueError, match="additions must be one of additive, strict"):
        registry.diff_snapshots(MemorySnapshot({}), MemorySnapshot({}), additions="lenient")


def _encoded(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {path: text.encode() if isinstance(text, str) else text for path, text in files.items()}


# --- annotations never make a comparison unknown -------------------------------------------


def test_annotations_and_vendor_keys_are_listed_never_doubted() -> None:
    old = {"self": {"vendor": "com.acme", "name": "order", "version": "1-0-0"},
           "type": "object", "properties": {"id": {"type": "string"}}, "x-owner": "growth",
           "labels": {"area": "checkout"}}  # fmt: skip
    new = {**old, "self": {**old["self"], "version": "1-1-0"}, "x-owner": "payments",
           "labels": {"area": "payments"},
           "properties": {"id": {"type": "string"}, "note": {"type": "string"}}}  # fmt: skip
    result = registry.compare_schemas(old, new)
    kinds = {(d.kind, d.pointer, d.narrows, d.widens) for d in result.differences}
    assert ("annotation-changed", "/self", False, False) in kinds
    assert ("annotation-changed", "/x-owner", False, False) in kinds
    assert ("annotation-changed", "/labels", False, False) in kinds
    assert not any(d.kind == "unknown" for d in result.differences)


@pytest.mark.parametrize("keyword", ["contentMediaType", "unevaluatedProperties"])
def test_a_keyword_that_validates_and_is_not_modelled_stays_unknown(keyword: str) -> None:
    old: dict[str, Any] = {"type": "object", keyword: "text/plain"}
    new: dict[str, Any] = {"type": "object", keyword: "application/json"}
    result = registry.compare_schemas(old, new)
    assert [(d.kind, d.narrows, d.widens) for d in result.differences] == [("unknown", True, True)]
    assert not result.backward


# --- wording ------------------------------------------------------------------------------


def test_values_are_written_as_json_writes_them_and_types_by_what_they_allow(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = ("  Chosen:\n    properties:\n"
              "      tier: {type: [string, 'null'], enum: [pro, none, null]}\n"
              "      any: {description: Anything.}\n")  # fmt: skip
    after = ("  Chosen:\n    properties:\n      tier: {type: [string, 'null'], enum: [pro]}\n"
             "      any: {type: string, description: Anything.}\n")  # fmt: skip
    messages = {c["message"] for c in _diff(run_cli, tmp_path, before, after)}
    assert "property 'tier' of 'Chosen' removed enum value null" in messages
    assert "property 'tier' of 'Chosen' removed enum value 'none'" in messages
    assert "property 'any' of 'Chosen' changed type from any type to 'string'" in messages
    assert not any(" none" in m.replace("'none'", "") for m in messages)


def test_an_info_level_narrowing_says_there_is_nothing_to_migrate(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = "  Rated:\n    properties:\n      stars: {type: number, enum: [1, 2, 3]}\n"
    after = "  Rated:\n    properties:\n      stars: {type: integer, enum: [1, 2, 3]}\n"
    (change,) = _diff(run_cli, tmp_path, before, after)
    assert (change["rule"], change["level"]) == ("property-type-narrowed", "info")
    assert "fail" not in change["migration"]
    assert change["migration"].startswith("Nothing to migrate")


def test_a_metadata_value_that_was_not_set_is_said_so(run_cli: Cli, tmp_path: Path) -> None:
    before = "  Rated:\n    properties:\n      stars: {type: integer}\n"
    after = ("  Rated:\n    description: A rating was given.\n    properties:\n"
             "      stars: {type: integer}\n")  # fmt: skip
    (change,) = _diff(run_cli, tmp_path, before, after)
    assert change["message"] == (
        "event 'Rated' changed description to 'A rating was given.' (not set before)"
    )


def test_a_subject_round_trips_any_name_as_a_pointer(run_cli: Cli, tmp_path: Path) -> None:
    before = "  A/B:\n    properties:\n      x~y: {type: string}\n"
    after = "  A/B:\n    properties:\n      x~y: {type: integer}\n"
    (change,) = _diff(run_cli, tmp_path, before, after)
    assert change["subject"] == "events/A~1B/properties/x~0y"
    assert change["path"] == ["events", "A/B", "properties", "x~y"]


# --- rename suggestions weigh what distinguishes events -------------------------------------

SUPER = ["anonymous_id", "user_id", "page_url", "page_path", "referrer", "locale", "timezone",
         "session_id", "site_id", "workspace_id", "plan_tier", "app_version"]  # fmt: skip
KEPT = ["Page Viewed", "Site Published", "Form Submitted", "Asset Uploaded", "Domain Added",
        "Member Invited", "Template Cloned", "Collection Created", "Item Published",
        "Comment Added", "Plan Upgraded", "Seat Added", "Export Started", "Backup Restored",
        "Integration Connected", "Webhook Created", "Api Key Rotated", "Locale Added",
        "Style Edited", "Symbol Created"]  # fmt: skip
RENAMES = {  # removed -> added, each keeping its own properties
    "Signup": "Signed Up",
    "Video Started": "Video Playback Started",
    "Checkout Begun": "Checkout Started",
    "Cart Emptied": "Cart Cleared",
}
GONE = ["Newsletter Joined", "Survey Answered", "Coupon Applied", "Theme Switched",
        "Font Uploaded", "Draft Discarded"]  # fmt: skip
NEW = ["Report Downloaded", "Audit Logged", "Role Changed", "Billing Updated",
       "Sso Enabled", "Invoice Paid"]  # fmt: skip


def _own(name: str) -> list[str]:
    stem = name.lower().replace(" ", "_")
    return [f"{stem}_id", f"{stem}_source"]


def _event(name: str, own: list[str]) -> str:
    props = "".join(f"      {p}: {{type: string}}\n" for p in [*SUPER, *own])
    return f"  {name}:\n    properties:\n{props}"


def test_rename_suggestions_on_events_that_share_super_properties(
    run_cli: Cli, tmp_path: Path
) -> None:
    """A Webflow-shaped plan: every event carries a dozen super-properties and two of its
    own. Shared super-properties made every removed event "look like" every added one."""
    kept = "".join(_event(n, _own(n)) for n in KEPT)
    before = kept + "".join(_event(n, _own(n)) for n in [*RENAMES, *GONE])
    after = kept + "".join(_event(new, _own(old)) for old, new in RENAMES.items())
    after += "".join(_event(n, _own(n)) for n in NEW)
    changes = _diff(run_cli, tmp_path, before, after)
    suggested = {(c["old"], c["new"]) for c in changes if c["rule"] == "event-rename-suggested"}
    right = suggested & set(RENAMES.items())
    precision = len(right) / len(suggested) if suggested else 1.0
    recall = len(right) / len(RENAMES)
    print(f"rename suggestions: {len(suggested)} made, precision {precision:.0%}, "
          f"recall {recall:.0%} ({len(RENAMES)} renames among {len(GONE)} removals and "
          f"{len(NEW)} additions)")  # fmt: skip
    assert precision == 1.0 and recall == 1.0, suggested


def test_property_renames_need_the_names_to_agree(run_cli: Cli, tmp_path: Path) -> None:
    spec = "{type: string, format: date-time}"
    before = (
        f"  Synced:\n    properties:\n      createdAt: {spec}\n      userLogin: {{type: string}}\n"
    )
    after = (f"  Synced:\n    properties:\n      receivedAt: {spec}\n"
             "      user_login: {type: string}\n")  # fmt: skip
    suggested = {(c["old"], c["new"]) for c in _diff(run_cli, tmp_path, before, after)
                 if c["rule"] == "property-rename-suggested"}  # fmt: skip
    assert suggested == {("userLogin", "user_login")}


def test_the_json_output_is_parseable_and_stable(run_cli: Cli, tmp_path: Path) -> None:
    before = ORDER + "          id: {type: string}\n"
    after = ORDER + "          id: {type: string, required: true}\n"
    write_files(tmp_path / "a", _plan(before))
    write_files(tmp_path / "b", _plan(after))
    runs = [run_cli("diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json").out
            for _ in range(2)]  # fmt: skip
    assert runs[0] == runs[1]
    assert json.loads(runs[0])["changes"][0]["path"][-1] == "id"


def test_a_nested_property_named_required_is_located_at_its_own_line(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = ORDER + "          required: {type: string}\n"
    after = ORDER + "          required: {type: integer}\n"
    (change,) = _diff(run_cli, tmp_path, before, after)
    assert change["subject"].endswith("/order/properties/required")
    assert change["location"]["line"] == 8  # `required:` itself, not `properties:` above it


def test_a_shared_property_that_refers_to_itself_in_any_of_is_refused(
    run_cli: Cli, tmp_path: Path
) -> None:
    plan = ("plan: {id: web}\nproperties:\n  tree:\n    anyOf:\n      - {type: string}\n"
            "      - {$ref: tree}\nevents:\n  Item Viewed:\n    properties:\n"
            "      t: {$ref: tree}\n")  # fmt: skip
    write_files(tmp_path / "r", {"plans/web/plan.yaml": plan})
    done = run_cli("validate", "--repo", str(tmp_path / "r"))
    assert done.code == 1
    assert (
        "plans/web/plan.yaml:6:10: error ref-unknown $ref 'tree' leads back to itself" in done.out
    )


# --- bounds say when they are exclusive --------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        ("minimum: 0", "exclusiveMinimum: 0", "tightened minimum from 0 to 0 (exclusive)"),
        ("exclusiveMaximum: 4", "maximum: 4", "relaxed maximum from 4 (exclusive) to 4"),
        ("minimum: 0, exclusiveMinimum: 0", "minimum: 0",  # the tighter of the two holds
         "relaxed minimum from 0 (exclusive) to 0"),
        ("minimum: 0", "minimum: 2.5", "tightened minimum from 0 to 2.5"),
        ("description: t", "description: t, exclusiveMinimum: 1", "gained minimum 1 (exclusive)"),
    ],
)  # fmt: skip
def test_a_bound_made_exclusive_says_so(
    run_cli: Cli, tmp_path: Path, before: str, after: str, said: str
) -> None:
    """`minimum: 0` -> `exclusiveMinimum: 0` was told as 'tightened minimum from 0 to 0'."""
    event = "  Order Completed:\n    properties:\n      total: {type: number, %s}\n"
    changes = _diff(run_cli, tmp_path, event % before, event % after)
    assert [c["message"] for c in changes] == [f"property 'total' of 'Order Completed' {said}"]
