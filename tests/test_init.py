"""`trackplan init`: every template is a registry that validates and reviews."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from registry.about import installed_version
from registry.starters import TEMPLATES
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_validates_and_shows_in_a_review(
    template: str, run_cli: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "plans-repo"
    made = run_cli("init", str(root), "--template", template)
    assert made.code == 0, made.err
    assert made.out.startswith(f"created a registry in {root} from template {template}")
    for name in ("trackplan.yaml", ".github/CODEOWNERS", ".github/workflows/trackplan.yml"):
        assert (root / name).is_file()
    workflow = YAML(typ="safe").load((root / ".github/workflows/trackplan.yml").read_text())
    assert "trackplan validate --format github" in str(workflow["jobs"])
    pages = YAML(typ="safe").load((root / ".github/workflows/trackplan-catalog.yml").read_text())
    assert "trackplan catalog --out site" in str(pages["jobs"])
    assert pages["jobs"]["deploy"]["permissions"]["pages"] == "write"
    for flow in (workflow, pages):  # supply chain: nothing moves under a job's token
        assert flow["permissions"] == {"contents": "read"}
        for job in flow["jobs"].values():
            runs = " ".join(str(step.get("run", "")) for step in job["steps"])
            if "pip install" in runs:  # code we install never runs beside a write token
                assert "permissions" not in job, job
                assert f'pip install "trackplan=={installed_version()}"' in runs
            for step in job["steps"]:
                if "uses" in step:
                    assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    validated = run_cli("validate", "--repo", str(root))
    assert validated.code == 0 and validated.out.startswith("0 errors, 0 warnings"), validated.out
    plan = next((root / "plans").iterdir()).name
    text = (root / "plans" / plan / "plan.yaml").read_text()
    assert "objectives:" in text and "kpis:" in text and "lifecycle:" in text
    # Against a base with the same settings and no plan yet, the review shows the plan.
    base = write_files(
        tmp_path / "empty", {"trackplan.yaml": (root / "trackplan.yaml").read_text()}
    )
    review = run_cli("review", str(base), str(root), "--format", "json")
    assert review.code == 0, review.err
    changes = review.json()["changes"]
    assert {"rule": "plan-added", "plan": plan} in [
        {"rule": c["rule"], "plan": c["plan"]} for c in changes
    ]
    assert review.json()["plans"][plan]["next"] == "1.0.0"


def test_init_never_writes_over_a_registry_or_a_file(run_cli: Cli, tmp_path: Path) -> None:
    registry = write_files(tmp_path / "a", {"plans/web/plan.yaml": "plan:\n  id: web\n"})
    taken = run_cli("init", str(registry))
    assert taken.code == 2 and "a trackplan registry is there already" in taken.err
    other = write_files(tmp_path / "b", {".github/CODEOWNERS": "* @me\n"})
    refused = run_cli("init", str(other), "--template", "media")
    assert (
        refused.code == 2 and ".github/CODEOWNERS exist already; nothing was written" in refused.err
    )
    assert sorted(p.name for p in other.iterdir()) == [".github"]
    assert (other / ".github/CODEOWNERS").read_text() == "* @me\n"
    unknown = run_cli("init", str(tmp_path / "c"), "--template", "nope")
    assert unknown.code == 2 and not (tmp_path / "c").exists()


def test_a_failed_init_leaves_no_folder_behind(run_cli: Cli, tmp_path: Path) -> None:
    root = write_files(tmp_path / "k", {"plans": "a file where the plans folder goes"})
    failed = run_cli("init", str(root))
    assert failed.code == 2 and "nothing was written" in failed.err
    assert sorted(p.name for p in root.iterdir()) == ["plans"]
