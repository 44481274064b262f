"""The spreadsheet carries what tracking-plan templates carry: type aliases, constraints,
PII, and identify, group and common rows of their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry.load.yamlsafe import load_yaml
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
HEADER = ("Event Name,Property Name,Data Type,Required,Format,Pattern,Min,Max,Min Length,"
          "Max Length,PII,Call\n")  # fmt: skip


def _imported(run_cli: Cli, tmp_path: Path, rows: str) -> tuple[CliResult, dict[str, Any]]:
    sheet = write_files(tmp_path, {"plan.csv": HEADER + rows})
    done = run_cli("import", "csv", str(sheet / "plan.csv"), "--plan", "web", "--repo",
                   str(tmp_path / "repo"))  # fmt: skip
    written = tmp_path / "repo/plans/web/plan.yaml"
    return done, (load_yaml(written.read_bytes()).data if written.exists() else {})


def test_type_aliases_constraints_pii_and_trait_rows(run_cli: Cli, tmp_path: Path) -> None:
    rows = (
        "Order Completed,total,float,yes,,,0,,,,,\n"
        "Order Completed,items,int,no,,,1,99,,,,\n"
        "Order Completed,gift,bool,no,,,,,,,,\n"
        "Order Completed,coupon,str,no,,^[A-Z0-9]+$,,,3,12,,\n"
        ",email,string,yes,email,,,,,,yes,identify\n"
        ",company_size,double,no,,,0.5,,,,,group\n"
        ",app_version,text,yes,,,,,,,,common\n"
    )
    done, plan = _imported(run_cli, tmp_path, rows)
    assert done.code == 0, done.err
    props = plan["events"]["Order Completed"]["properties"]
    assert props["total"] == {"type": "number", "required": True, "minimum": 0}
    assert props["items"] == {"type": "integer", "minimum": 1, "maximum": 99}
    assert props["gift"] == {"type": "boolean"}
    assert props["coupon"] == {"type": "string", "pattern": "^[A-Z0-9]+$", "minLength": 3,
                               "maxLength": 12}  # fmt: skip
    assert plan["identify"]["traits"]["email"] == {"type": "string", "required": True,
                                                   "format": "email", "pii": True}  # fmt: skip
    assert plan["group"]["traits"]["company_size"] == {"type": "number", "minimum": 0.5}
    assert plan["common"]["properties"]["app_version"] == {"type": "string", "required": True}


def test_a_cell_that_is_not_what_its_column_holds_names_row_and_column(
    run_cli: Cli, tmp_path: Path
) -> None:
    cases = [
        ("Order Completed,total,number,no,,,zero,,,,,", "column 7 (minimum): 'zero' is not"),
        ("Order Completed,code,string,no,,,,,,-1,,", "column 10 (max length): '-1' is not a"),
        ("Order Completed,code,string,no,,,,,,,maybe,", "column 11 (pii): 'maybe' is not yes"),
        (",email,string,no,,,,,,,,alias", "column 12 (call): 'alias' is not one of track"),
        (",,string,no,,,,,,,,identify", "an identify row names its trait in this column"),
    ]
    for row, said in cases:
        done, _ = _imported(run_cli, tmp_path / str(cases.index((row, said))), row + "\n")
        assert done.code == 2 and ":2: " in done.err and said in done.err, done.err


def test_a_plan_with_traits_and_constraints_round_trips_through_a_sheet(
    run_cli: Cli, tmp_path: Path
) -> None:
    plan = ("plan:\n  id: web\nidentify:\n  traits:\n    email: {type: string, format: email, "
            "pii: true}\ngroup:\n  traits:\n    seats: {type: integer, minimum: 1}\n"
            "events:\n  Order Completed:\n    properties:\n"
            "      total: {type: number, minimum: 0, maximum: 100000, required: true}\n"
            "      code: {type: string, pattern: '^[a-z]+$', minLength: 2,"
            " maxLength: 8}\n")  # fmt: skip
    repo = write_files(tmp_path / "a", {"plans/web/plan.yaml": plan})
    sheet = tmp_path / "web.csv"
    exported = run_cli("export", "csv", "--plan", "web", "--repo", str(repo), "--out", str(sheet))
    assert exported.code == 0 and "cannot carry" not in exported.err, exported.err
    back = run_cli("import", "csv", str(sheet), "--plan", "web", "--repo", str(tmp_path / "b"))
    assert back.code == 0, back.err
    diff = run_cli("diff", str(repo), str(tmp_path / "b"), "--format", "json")
    assert diff.json()["changes"] == [], diff.out


def test_cells_in_columns_without_a_name_are_named_as_left_out(
    run_cli: Cli, tmp_path: Path
) -> None:
    """A column with an empty header, and cells past the header's last column, hold data
    trackplan does not read: named, like a named column nobody reads."""
    sheet = write_files(tmp_path, {"plan.csv": (
        "event,property,type,,pattern\n"
        "Order Completed,total,number,Sent in EUR cents,\n"
        'Order Completed,code,string,," ^a"\n'
        "Order Completed,note,string,,,overflow\n"
    )})  # fmt: skip
    done = run_cli("import", "csv", str(sheet / "plan.csv"), "--plan", "web", "--repo",
                   str(tmp_path / "repo"), "--format", "json")  # fmt: skip
    assert done.code == 0, done.err
    plan = load_yaml((tmp_path / "repo/plans/web/plan.yaml").read_bytes()).data
    lost = [(loss["path"], loss["what"]) for loss in done.json()["lost"]]
    assert lost == [
        ("column 4", "a column with no name, 1 filled cell (trackplan does not read it)"),
        ("column 6", "a column with no name, 1 filled cell (trackplan does not read it)"),
    ], lost
    # A regular expression's spaces are part of it: ' ^a' matches what '^a' does not.
    assert plan["events"]["Order Completed"]["properties"]["code"]["pattern"] == " ^a"
