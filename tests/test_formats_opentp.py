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
