"""OpenTrackPlan projects: events by key, shared payload fields, dictionaries, targets."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from registry.load.yamlsafe import load_yaml
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
PROJECT = Path(__file__).parent / "fixtures" / "formats" / "opentp"


def test_a_project_becomes_a_plan_with_nothing_lost_silently(run_cli: Cli, tmp_path: Path) -> None:
    done = run_cli("import", "opentp", str(PROJECT), "--plan", "taskflow", "--repo",
                   str(tmp_path), "--format", "json")  # fmt: skip
    assert done.code == 1, done.err  # the naming lint: OpenTP keys are area::event
    plan = load_yaml((tmp_path / "plans/taskflow/plan.yaml").read_bytes()).data
    assert plan["plan"]["title"] == "TaskFlow Tracking Plan"
    assert plan["plan"]["owners"] == ["analytics@taskflow.example"]
    assert plan["plan"]["sources"]["ios"] == {"description": "iOS App"}
    assert plan["common"]["properties"]["user_id"]["pii"] is True
    upgraded = plan["events"]["billing::plan_upgraded"]
    assert upgraded["sources"] == ["web", "ios"]  # the `all` group of targets
    assert upgraded["properties"]["from_plan"]["enum"] == ["free", "starter", "pro"]  # its dict
    assert upgraded["properties"]["user_id"]["required"] is True  # over the shared field
    assert upgraded["labels"]["priority_level"] == "1"
    checkout = plan["events"]["cart::checkout"]
    assert checkout["deprecated"] is True
    assert checkout["properties"]["event_name"] == {"const": "begin_checkout"}
    lost = {(loss["kind"], loss["what"]) for loss in done.json()["lost"]}
    assert lost == {
        ("owner", "contact 'The data guild' (no email)"),
        ("keyword", "pii details (kind, masker)"),
        ("keyword", "the plan's event key rules"),
        ("keyword", "field x-opentp"),
    }


def test_a_missing_dictionary_names_the_field_that_uses_it(run_cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (project / "dictionaries/data/plans.yaml").unlink()
    done = run_cli("import", "opentp", str(project), "--plan", "taskflow", "--repo",
                   str(tmp_path / "repo"))  # fmt: skip
    assert done.code == 2
    assert "events/billing/plan_upgraded.yaml:" in done.err
    assert "dictionary 'data/plans': no plans.yaml in the dictionaries" in done.err
    assert not (tmp_path / "repo").exists()


def test_a_folder_without_opentp_yaml_is_refused(run_cli: Cli, tmp_path: Path) -> None:
    done = run_cli("import", "opentp", str(tmp_path), "--plan", "x", "--repo",
                   str(tmp_path / "repo"))  # fmt: skip
    assert done.code == 2 and "no opentp.yaml" in done.err


def test_a_path_that_leads_out_of_the_project_is_refused(run_cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/secret.yaml").write_text("opentp: 2026-01\nevent: {key: leaked}\n")
    plan = project / "opentp.yaml"
    plan.write_text(plan.read_text().replace("root: /events", "root: ../elsewhere"))
    done = run_cli("import", "opentp", str(project), "--plan", "taskflow", "--repo",
                   str(tmp_path / "repo"))  # fmt: skip
    assert done.code == 2 and "'../elsewhere' leads out of the project folder" in done.err
    assert "opentp.yaml:" in done.err and not (tmp_path / "repo").exists()


def test_taxonomy_and_lifecycle_are_kept_or_named(run_cli: Cli, tmp_path: Path) -> None:
    """A taxonomy's lists and mappings (tags, an owner), its flags, and a lifecycle's
    replacement and date: the replacement and flags are kept, the rest named; a description
    keeps its paragraphs."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    checkout = project / "events/cart/checkout.yaml"
    checkout.write_text(checkout.read_text().replace(
        "    action: User starts checkout\n  lifecycle:\n    status: deprecated\n",
        "    action: User starts checkout\n    description: \"Line one.\\n\\nLine two.\"\n"
        "    tags: [checkout]\n    active: true\n    owner: {team: shop}\n"
        "  lifecycle:\n    status: deprecated\n    since: 2025-01-01\n"
        "    replaced_by: Checkout Done\n",
    ))  # fmt: skip
    done = run_cli("import", "opentp", str(project), "--plan", "taskflow", "--repo",
                   str(tmp_path / "repo"), "--format", "json")  # fmt: skip
    assert done.code == 1, done.err  # the naming lint, as above
    plan = load_yaml((tmp_path / "repo/plans/taskflow/plan.yaml").read_bytes()).data
    event = plan["events"]["cart::checkout"]
    assert event["deprecated"] == {"replaced_by": "Checkout Done"}
    assert event["description"] == "Line one.\n\nLine two."
    assert event["labels"]["active"] == "true"
    lost = {(loss["what"], loss["path"]) for loss in done.json()["lost"]}
    assert {("taxonomy tags (a list; a label is text)", "event.taxonomy.tags"),
            ("taxonomy owner (a mapping; a label is text)", "event.taxonomy.owner"),
            ("lifecycle since", "event.lifecycle.since")} <= lost  # fmt: skip


def test_export_names_the_parts_of_a_deprecation_a_format_drops(
    run_cli: Cli, tmp_path: Path
) -> None:
    """Mixpanel hides a deprecated event (no reason, replacement or date); OpenTP keeps the
    replacement in the lifecycle. What each drops is named, not lost without a word."""
    from tests.conftest import write_files

    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": (
        "plan: {id: web, owners: ['@acme/data']}\n"
        "events:\n  Order Completed: {}\n"
        "  Order Placed:\n    deprecated: {reason: Use X, sunset: 2027-01-01, "
        "replaced_by: Order Completed}\n"
    )})  # fmt: skip
    mixpanel = run_cli("export", "mixpanel", "--repo", str(repo), "--plan", "web", "--out",
                       str(tmp_path / "mp"))  # fmt: skip
    assert mixpanel.code == 0, mixpanel.err
    assert (
        "event deprecation reason (1), event deprecation replaced_by (1), event "
        "deprecation sunset (1)"
    ) in mixpanel.err, mixpanel.err
    opentp = run_cli("export", "opentp", "--repo", str(repo), "--plan", "web", "--out",
                     str(tmp_path / "otp"))  # fmt: skip
    assert opentp.code == 0, opentp.err
    assert "event deprecation reason (1), event deprecation sunset (1)" in opentp.err
    assert "replaced_by" not in opentp.err
    written = load_yaml((tmp_path / "otp/events/order_placed.yaml").read_bytes()).data
    assert written["event"]["lifecycle"] == {"status": "deprecated",
                                             "replaced_by": "Order Completed"}  # fmt: skip


def test_exporting_again_names_an_earlier_export_s_event_files(
    run_cli: Cli, tmp_path: Path
) -> None:
    """An event removed since the last export into the same folder leaves its file in
    events/: named, since importing the folder would bring the event back."""
    from tests.conftest import write_files

    plan = "plan: {id: web, owners: ['@acme/data']}\nevents:\n  Order Completed: {}\n"
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": plan + "  Order Placed: {}\n"})
    out = tmp_path / "otp"
    args = ("export", "opentp", "--repo", str(repo), "--plan", "web", "--out", str(out))
    assert run_cli(*args).code == 0
    (repo / "plans/web/plan.yaml").write_text(plan)
    again = run_cli(*args)
    assert again.code == 0, again.err
    assert "1 file in " in again.err and ": events/order_placed.yaml; delete them" in again.err
    assert (out / "events/order_placed.yaml").exists()  # named, never deleted
