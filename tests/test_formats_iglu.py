"""Iglu repositories as they really are: vendor folders, repeated keys, one broken schema
among many, names shared by vendors, documented values as oneOf of consts."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry.load.yamlsafe import load_yaml
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def _schema(vendor: str, name: str, version: str, properties: dict[str, Any],
            **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "$schema": "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/"
        "jsonschema/1-0-0#",
        "self": {"vendor": vendor, "name": name, "format": "jsonschema", "version": version},
        "type": "object",
        "properties": properties,
        **extra,
    }


def _write(root: Path, vendor: str, name: str, version: str, text: str) -> Path:
    target = root / vendor / name / "jsonschema" / version
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def _plan(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = load_yaml((repo / "plans/snow/plan.yaml").read_bytes()).data
    return data


def _import(run_cli: Cli, source: Path, repo: Path) -> CliResult:
    return run_cli("import", "iglu", str(source), "--plan", "snow", "--repo", str(repo),
                   "--format", "json")  # fmt: skip


def test_one_broken_schema_is_skipped_and_named_the_rest_imported(
    run_cli: Cli, tmp_path: Path
) -> None:
    schemas = tmp_path / "schemas"
    for name in ("page_view", "link_click", "form_submit"):
        body = _schema("com.acme", name, "1-0-0", {"id": {"type": "string"}})
        _write(schemas, "com.acme", name, "1-0-0", json.dumps(body))
    _write(schemas, "com.acme", "broken", "1-0-0", '{"self": {"vendor": "com.acme",')
    done = _import(run_cli, schemas, tmp_path / "repo")
    assert done.code == 1
    said = done.json()["skipped"]
    assert len(said) == 1 and "com.acme/broken/jsonschema/1-0-0:1" in said[0]
    assert "skipped, the rest is imported" in done.err
    assert sorted(_plan(tmp_path / "repo")["events"]) == ["form_submit", "link_click", "page_view"]


def test_a_repeated_key_is_read_as_iglu_reads_it_and_reported(run_cli: Cli, tmp_path: Path) -> None:
    text = (
        '{"self": {"vendor": "com.acme", "name": "enriched", "format": "jsonschema", '
        '"version": "2-0-0"}, "type": "object", "properties": {\n'
        '  "doc_height": {"type": "string"},\n'
        '  "doc_height": {"type": ["integer", "null"], "minimum": 0}\n'
        "}}"
    )
    _write(tmp_path / "schemas", "com.acme", "enriched", "2-0-0", text)
    done = _import(run_cli, tmp_path / "schemas", tmp_path / "repo")
    assert done.code in (0, 1) and not done.json()["skipped"], done.err  # 1: naming lint
    prop = _plan(tmp_path / "repo")["events"]["enriched"]["properties"]["doc_height"]
    assert prop == {"type": ["integer", "null"], "minimum": 0}  # the last one wins
    (loss,) = done.json()["lost"]
    assert loss["path"] == "properties.doc_height"
    assert loss["what"].startswith("the first of two `doc_height` keys (line 2;")


def test_a_vendor_folder_and_names_shared_by_two_vendors(run_cli: Cli, tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    for vendor in ("com.acme", "com.shop"):
        body = _schema(vendor, "item", "1-0-0", {"sku": {"type": "string"}})
        _write(schemas, vendor, "item", "1-0-0", json.dumps(body))
    done = _import(run_cli, schemas, tmp_path / "repo")
    assert done.code in (0, 1), done.err
    assert sorted(_plan(tmp_path / "repo")["events"]) == ["com.acme/item", "com.shop/item"]
    vendor_only = _import(run_cli, schemas / "com.shop", tmp_path / "repo2")
    assert vendor_only.code in (0, 1), vendor_only.err
    assert list(_plan(tmp_path / "repo2")["events"]) == ["item"]


def test_documented_values_as_one_of_consts_become_an_enum(run_cli: Cli, tmp_path: Path) -> None:
    values = {"oneOf": [{"const": "Home", "description": "The home screen."},
                        {"const": "Room", "description": "A chat room."}],
              "type": "string"}  # fmt: skip
    _write(tmp_path / "schemas", "im.vector", "view", "1-0-0",
           json.dumps(_schema("im.vector", "view", "1-0-0", {"screen": values})))  # fmt: skip
    done = _import(run_cli, tmp_path / "schemas", tmp_path / "repo")
    assert done.code in (0, 1), done.err
    screen = _plan(tmp_path / "repo")["events"]["view"]["properties"]["screen"]
    assert screen["enum"] == ["Home", "Room"]
    assert screen["description"] == "Values: 'Home': The home screen; 'Room': A chat room."
    assert done.json()["lost"] == []


def test_export_gives_each_changed_schema_the_next_schemaver_and_never_rewrites_one(
    run_cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "schemas"
    versions = [
        "      id: {type: string, required: true}\n      kind: {type: string, enum: [a, b]}\n",
        # an optional property: data sent before still validates (ADDITION)
        "      id: {type: string, required: true}\n      kind: {type: string, enum: [a, b]}\n"
        "      note: {type: string}\n",
        # an enum value less: some data sent before fails (REVISION)
        "      id: {type: string, required: true}\n      kind: {type: string, enum: [a]}\n"
        "      note: {type: string}\n",
        # a property made required: data without it fails (MODEL)
        "      id: {type: string, required: true}\n      kind: {type: string, enum: [a]}\n"
        "      note: {type: string, required: true}\n",
    ]
    seen: dict[str, bytes] = {}
    for number, props in enumerate(versions):
        repo = tmp_path / f"r{number}"
        (repo / "plans/web").mkdir(parents=True)
        (repo / "plans/web/plan.yaml").write_text(
            "plan: {id: web}\nevents:\n  Item Viewed:\n    properties:\n" + props
        )
        for _ in range(2):  # the second export of the same plan writes nothing new
            done = run_cli("export", "iglu", "--plan", "web", "--repo", str(repo), "--out",
                           str(out), "--vendor", "com.acme")  # fmt: skip
            assert done.code == 0, done.err
        for path in sorted(out.rglob("*-*-*")):  # published versions never change
            data = path.read_bytes()
            assert seen.setdefault(path.name, data) == data, path
    assert sorted(p.name for p in (out / "com.acme/item_viewed/jsonschema").iterdir()) == [
        "1-0-0", "1-0-1", "1-1-0", "2-0-0"]  # fmt: skip
    newest = json.loads((out / "com.acme/item_viewed/jsonschema/2-0-0").read_text())
    assert newest["self"]["version"] == "2-0-0" and newest["required"] == ["id", "note"]


def test_history_imports_every_schemaver_as_a_release(run_cli: Cli, tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    steps = {
        "1-0-0": {"id": {"type": "string"}},
        "1-0-1": {"id": {"type": "string"}, "note": {"type": "string"}},
        "2-0-0": {"id": {"type": "integer"}, "note": {"type": "string"}},
    }
    for version, props in steps.items():
        body = _schema("com.acme", "item_viewed", version, props, title="Item Viewed")
        _write(schemas, "com.acme", "item_viewed", version, json.dumps(body))
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    done = run_cli("import", "iglu", str(schemas), "--plan", "snow", "--repo", str(repo),
                   "--history")  # fmt: skip
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["1-0-0:", "1-0-1:", "2-0-0:"]
    assert [line.split()[-1] for line in lines[:3]] == ["snow/v1.0.0", "snow/v1.1.0", "snow/v2.0.0"]
    log = run_cli("log", "snow/Item Viewed", "--repo", str(repo), "--format", "json")
    assert log.code == 0, log.err
    assert len(log.json()["entries"]) >= 2
    diff = run_cli("diff", "snow/v1.1.0", "snow/v2.0.0", "--repo", str(repo), "--format", "json")
    assert {c["rule"] for c in diff.json()["changes"]} == {"property-type-changed"}
    again = run_cli("import", "iglu", str(schemas), "--plan", "snow", "--repo", str(repo),
                    "--history")  # fmt: skip
    assert again.code == 2 and "--force" in again.err


def test_export_puts_the_common_properties_in_every_schema(run_cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "plans/web").mkdir(parents=True)
    (repo / "plans/web/plan.yaml").write_text(
        "plan: {id: web}\ncommon:\n  properties:\n    app_version: {type: string, required: true}\n"
        "events:\n  Item Viewed:\n    properties:\n      id: {type: string}\n"
    )
    out = tmp_path / "schemas"
    done = run_cli("export", "iglu", "--plan", "web", "--repo", str(repo), "--out", str(out),
                   "--vendor", "com.acme")  # fmt: skip
    assert done.code == 0 and "cannot carry" not in done.err, done.err  # carried, not left out
    schema = json.loads((out / "com.acme/item_viewed/jsonschema/1-0-0").read_text())
    assert schema["required"] == ["app_version"]
    assert set(schema["properties"]) == {"app_version", "id"}


def test_a_closed_nested_object_stays_closed_both_ways(run_cli: Cli, tmp_path: Path) -> None:
    nested = {"type": "object", "properties": {"w": {"type": "integer"}},
              "additionalProperties": False}  # fmt: skip
    _write(tmp_path / "schemas", "com.acme", "resized", "1-0-0",
           json.dumps(_schema("com.acme", "resized", "1-0-0", {"size": nested},
                              title="Window Resized")))  # fmt: skip
    done = _import(run_cli, tmp_path / "schemas", tmp_path / "repo")
    assert done.code == 0, done.err
    assert done.json()["lost"] == []
    size = _plan(tmp_path / "repo")["events"]["Window Resized"]["properties"]["size"]
    assert size["additional_properties"] is False
    out = tmp_path / "out"
    exported = run_cli("export", "iglu", "--plan", "snow", "--repo", str(tmp_path / "repo"),
                       "--out", str(out), "--vendor", "com.acme")  # fmt: skip
    assert exported.code == 0, exported.err
    schema = json.loads((out / "com.acme/window_resized/jsonschema/1-0-0").read_text())
    assert schema["properties"]["size"]["additionalProperties"] is False


def test_any_of_and_one_of_are_kept_as_the_plan_s_own(run_cli: Cli, tmp_path: Path) -> None:
    either = {"anyOf": [{"type": "string", "maxLength": 8}, {"type": "integer"}]}
    _write(tmp_path / "schemas", "com.acme", "found", "1-0-0",
           json.dumps(_schema("com.acme", "found", "1-0-0", {"id": either},
                              title="Item Found")))  # fmt: skip
    done = _import(run_cli, tmp_path / "schemas", tmp_path / "repo")
    assert done.code == 0 and done.json()["lost"] == [], done.err
    prop = _plan(tmp_path / "repo")["events"]["Item Found"]["properties"]["id"]
    assert prop == either
    out = tmp_path / "out"
    assert run_cli("export", "iglu", "--plan", "snow", "--repo", str(tmp_path / "repo"),
                   "--out", str(out), "--vendor", "com.acme").code == 0  # fmt: skip
    schema = json.loads((out / "com.acme/item_found/jsonschema/1-0-0").read_text())
    assert schema["properties"]["id"] == either


def test_a_history_step_git_refuses_undoes_the_whole_import(run_cli: Cli, tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    for version, props in {
        "1-0-0": {"id": {"type": "string"}},
        "1-0-1": {"id": {"type": "string"}, "n": {"type": "string"}},
    }.items():
        body = _schema("com.acme", "item_viewed", version, props, title="Item Viewed")
        _write(schemas, "com.acme", "item_viewed", version, json.dumps(body))  # fmt: skip
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README").write_text("hi\n")
    subprocess.run([*git, "add", "README"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    # A ref where the second step's release tag must go: git refuses that tag.
    subprocess.run([*git, "tag", "snow/v1.1.0/x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    done = run_cli("import", "iglu", str(schemas), "--plan", "snow", "--repo", str(repo),
                   "--history")  # fmt: skip
    assert done.code == 2 and "the import was undone" in done.err, done.err
    after = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    tags = subprocess.run([*git, "tag"], capture_output=True, text=True).stdout.split()
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    assert (after, tags, status.stdout) == (head, ["snow/v1.1.0/x"], "")
    assert sorted(p.name for p in repo.iterdir()) == [".git", "README"]


def test_schemas_saved_with_a_json_extension_are_read(run_cli: Cli, tmp_path: Path) -> None:
    """`1-0-0.json`, as some repositories save their schemas, is the schema 1-0-0 (where
    both are there, the one Iglu names `1-0-0` is read)."""
    schemas = tmp_path / "schemas"
    first = _schema("com.acme", "page_view", "1-0-0", {"id": {"type": "string"}})
    _write(schemas, "com.acme", "page_view", "1-0-0.json", json.dumps(first))
    newer = _schema("com.acme", "page_view", "1-0-1", {"id": {"type": "string"},
                                                       "url": {"type": "string"}})  # fmt: skip
    _write(schemas, "com.acme", "page_view", "1-0-1.json", json.dumps(newer))
    other = _schema("com.acme", "link_click", "1-0-0", {"href": {"type": "string"}})
    _write(schemas, "com.acme", "link_click", "1-0-0", json.dumps(other))
    twin = _schema("com.acme", "link_click", "1-0-0", {"target": {"type": "string"}})
    _write(schemas, "com.acme", "link_click", "1-0-0.json", json.dumps(twin))
    done = _import(run_cli, schemas, tmp_path / "repo")
    assert done.code in (0, 1), done.err
    events = _plan(tmp_path / "repo")["events"]
    assert sorted(events["page_view"]["properties"]) == ["id", "url"]
    assert sorted(events["link_click"]["properties"]) == ["href"]
    twin_file = schemas / "com.acme/link_click/jsonschema/1-0-0.json"
    assert done.json()["skipped"] == [f"{twin_file}: SchemaVer 1-0-0 again; 1-0-0 is read "
                                      "instead"]  # fmt: skip


def test_a_draft_3_required_flag_and_odd_keywords_never_skip_the_schema(
    run_cli: Cli, tmp_path: Path
) -> None:
    """Draft 3 wrote `required: true` on the property itself: it is read as required. A
    `properties` that is not an object is named; the rest of the schema is imported."""
    schemas = tmp_path / "schemas"
    body = _schema("com.acme", "page_view", "1-0-0", {
        "url": {"type": "string", "required": True},
        "ref": {"type": "string", "required": False},
        "odd": {"type": "object", "properties": [1]},
    })  # fmt: skip
    _write(schemas, "com.acme", "page_view", "1-0-0", json.dumps(body))
    done = _import(run_cli, schemas, tmp_path / "repo")
    assert done.code in (0, 1), done.err
    assert done.json()["skipped"] == []
    props = _plan(tmp_path / "repo")["events"]["page_view"]["properties"]
    assert props["url"] == {"type": "string", "required": True}
    assert props["ref"] == {"type": "string"}
    assert [loss["what"] for loss in done.json()["lost"]] == ["keyword properties (not an object)"]
