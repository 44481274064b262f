"""`pii:` as a vocabulary (none, indirect, direct, sensitive; true/false sugar) carried to
the release schema, the catalog, generated code and the formats other tools read."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import unescape
from pathlib import Path

from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]

PLAN = """plan:
  id: web
events:
  Signed Up:
    properties:
      email: {type: string, format: email, pii: direct}
      diagnosis_code: {type: string, pii: sensitive}
      device_id: {type: string, pii: indirect}
      legacy_phone: {type: string, pii: true}
      plan_name: {type: string, pii: none}
"""


def _repo(tmp_path: Path) -> Path:
    return write_files(tmp_path / "repo", {"plans/web/plan.yaml": PLAN})


def test_the_classes_validate_and_other_values_do_not(run_cli: Cli, tmp_path: Path) -> None:
    assert run_cli("validate", "--repo", str(_repo(tmp_path))).code == 0
    bad = write_files(tmp_path / "bad", {"plans/web/plan.yaml": PLAN.replace(
        "pii: indirect", "pii: secret")})  # fmt: skip
    done = run_cli("validate", "--repo", str(bad))
    assert done.code == 1 and "plans/web/plan.yaml:8:" in done.out


def test_the_class_reaches_the_catalog_and_the_generated_comments(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    (page,) = (out / "plans/web/events").iterdir()
    cells = unescape(page.read_text())
    for name, kind in (("email", "direct"), ("diagnosis_code", "sensitive"),
                       ("device_id", "indirect"), ("legacy_phone", "direct")):  # fmt: skip
        row = cells.split(f"<code>{name}</code>", 1)[1].split("</tr>", 1)[0]
        assert row.endswith(f"<td>{kind}</td>"), (name, row)
    row = cells.split("<code>plan_name</code>", 1)[1].split("</tr>", 1)[0]
    assert row.endswith("<td></td>")
    code = tmp_path / "code"
    done = run_cli("generate", "--lang", "typescript", "--repo", str(repo), "--out", str(code))
    assert done.code == 0, done.err
    text = "\n".join(p.read_text() for p in sorted(code.rglob("*.ts")))
    assert "Personal data, sensitive: special-category data" in text
    assert "Personal data, indirect: identifies a person only with other data" in text
    assert text.count("Personal data, direct:") == 2  # email, and `true` as direct


def test_a_class_change_is_its_own_rule_and_sugar_changes_nothing(
    run_cli: Cli, tmp_path: Path
) -> None:
    base = _repo(tmp_path)
    changed = PLAN.replace("pii: true", "pii: direct").replace("pii: none", "pii: false")
    changed = changed.replace("device_id: {type: string, pii: indirect}",
                              "device_id: {type: string, pii: direct}")  # fmt: skip
    head = write_files(tmp_path / "head", {"plans/web/plan.yaml": changed})
    done = run_cli("diff", str(base), str(head), "--format", "json")
    changes = [(c["rule"], c["subject"], c["old"], c["new"]) for c in done.json()["changes"]]
    assert changes == [("property-pii-changed", "events/Signed Up/properties/device_id",
                        "indirect", "direct")]  # fmt: skip


def test_csv_and_opentp_carry_the_class_both_ways(run_cli: Cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    for fmt, name in (("csv", "plan.csv"), ("opentp", "opentp")):
        target = tmp_path / name
        done = run_cli("export", fmt, "--plan", "web", "--repo", str(repo), "--out", str(target))
        assert done.code == 0, done.err
        back = write_files(tmp_path / f"back-{fmt}", {"trackplan.yaml": ""})
        done = run_cli("import", fmt, str(target), "--plan", "web", "--repo", str(back))
        assert done.code in (0, 1), done.err
        diff = run_cli("diff", str(repo), str(back), "--format", "json")
        changes = diff.json()["changes"]
        assert not [c for c in changes if c["rule"].startswith("property-")], (
            fmt, json.dumps(changes, indent=1))  # fmt: skip


def test_a_nested_class_change_is_reported_at_its_place(run_cli: Cli, tmp_path: Path) -> None:
    plan = ("plan:\n  id: web\nevents:\n  Order Completed:\n    properties:\n      cart:\n"
            "        type: array\n        items:\n          type: object\n          properties:\n"
            "            note: {type: string}\n")  # fmt: skip
    base = write_files(tmp_path / "base", {"plans/web/plan.yaml": plan})
    head = write_files(tmp_path / "head", {"plans/web/plan.yaml": plan.replace(
        "note: {type: string}", "note: {type: string, pii: indirect}")})  # fmt: skip
    done = run_cli("diff", str(base), str(head), "--format", "json")
    [change] = done.json()["changes"]
    assert (change["rule"], change["subject"], change["location"]["line"]) == (
        "property-pii-changed", "events/Order Completed/properties/cart/items/properties/note",
        11)  # fmt: skip
    assert change["message"] == ("property 'cart[].note' of 'Order Completed' changed pii from "
                                 "'none' to 'indirect'")  # fmt: skip
