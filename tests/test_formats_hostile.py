"""Importers on files that recurse or hold the unexpected: a clear answer, never a crash."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
FIXTURES = Path(__file__).parent / "fixtures" / "formats"
SELF = "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#"


def _iglu(root: Path, body: dict[str, object]) -> Path:
    target = root / "schemas/com.acme/tree/jsonschema/1-0-0"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"$schema": SELF, "self": {"vendor": "com.acme",
                      "name": "tree", "format": "jsonschema", "version": "1-0-0"},
                      "type": "object", **body}))  # fmt: skip
    return root / "schemas"


def test_a_recursive_ref_is_named_not_followed_forever(run_cli: Cli, tmp_path: Path) -> None:
    node = {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}}}
    source = _iglu(tmp_path, {"definitions": {"node": node},
                              "properties": {"root": {"$ref": "#/definitions/node"}}})  # fmt: skip
    done = run_cli("import", "iglu", str(source), "--plan", "web", "--repo", str(tmp_path / "r"),
                   "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    (loss,) = done.json()["lost"]
    assert loss["what"] == "$ref #/definitions/node inside itself (recursion)"
    assert loss["path"] == "properties.root.properties.child.$ref"


@pytest.mark.parametrize("kind", [[{"type": "string"}], ["string", 1]])
def test_a_type_that_lists_no_type_names_is_refused_with_its_place(
    kind: list[object], run_cli: Cli, tmp_path: Path
) -> None:
    source = _iglu(tmp_path, {"properties": {"a": {"type": kind}}})
    done = run_cli("import", "iglu", str(source), "--plan", "web", "--repo", str(tmp_path / "r"))
    assert done.code == 2 and "`type` lists something other than type names" in done.err
    assert "Traceback" not in done.err


def test_a_recursive_custom_type_is_named_not_expanded_forever(
    run_cli: Cli, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "rudderstack_v1", project)
    types = project / "custom-types.yaml"
    types.write_text(
        types.read_text().replace(
            '        - property: "#property:country"\n',
            '        - property: "#property:country"\n        - property: "#property:address"\n',
        )
    )
    done = run_cli("import", "rudderstack", str(project), "--plan", "shop", "--repo",
                   str(tmp_path / "r"), "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    said = [loss["what"] for loss in done.json()["lost"]]
    assert "custom type #custom-type:postal_address inside itself (recursion)" in said


def test_opentp_from_a_relative_path_with_a_contact_written_as_one_string(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "opentp", tmp_path / "project")
    plan = tmp_path / "project/opentp.yaml"
    listed = "  contact:\n    - Analytics Team <analytics@taskflow.example>\n    - The data guild\n"
    text = plan.read_text().replace(listed, "  contact: analytics@taskflow.example\n")
    plan.write_text(text)
    monkeypatch.chdir(tmp_path)
    done = run_cli("import", "opentp", "project", "--plan", "taskflow", "--repo", "repo")
    assert done.code in (0, 1), done.err
    assert "owners: [analytics@taskflow.example]" in (tmp_path / "repo/plans/taskflow/plan.yaml"
                                                     ).read_text()  # fmt: skip


def _segment_property(name: str, schema: dict[str, object]) -> dict[str, object]:
    return {"name": "W", "rules": [{"type": "TRACK", "key": "Order Completed", "jsonSchema": {
        "type": "object", "properties": {"properties": {
            "type": "object", "properties": {name: schema}}}}}]}  # fmt: skip


def _deep(levels: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"n": schema}}
    return schema


@pytest.mark.parametrize(("name", "schema", "said"), [
    ("deep", _deep(30), "(nesting is deeper than 64 levels)"),
    ("x" * 1100, {"type": "string"}, "'events.Order Completed.properties.xxxxxxxx"),
    ("y", {"type": "string", "description": "bad \ud83d emoji"},
     "'events.Order Completed.properties.y.description' cannot be written as YAML"),
])  # fmt: skip
def test_a_plan_yaml_cannot_read_back_is_refused_and_nothing_is_written(
    name: str, schema: dict[str, object], said: str, run_cli: Cli, tmp_path: Path
) -> None:
    """Nesting past the loader's limit, a key past YAML's 1,024 characters, a lone
    surrogate: the import is refused with the place, not written for validate to reject."""
    source = tmp_path / "segment.json"
    source.write_text(json.dumps(_segment_property(name, schema)))
    repo = tmp_path / "r"
    assert run_cli("init", str(repo), "--template", "blank").code == 0
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    done = run_cli("import", "segment", str(source), "--plan", "odd", "--repo", str(repo))
    assert done.code == 2, done.err
    assert said in done.err and "so nothing was written" in done.err, done.err
    assert "Traceback" not in done.err
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before
    assert run_cli("validate", "--repo", str(repo)).code == 0
