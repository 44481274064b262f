"""Generated code checks `format` at run time as `trackplan check` does, in every language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.codegen_kit import check_failing, python_failing, typescript_failing
from tests.conftest import CliResult, write_files
from tests.test_codegen import load_module, tsc_path  # noqa: F401 (a fixture)

Cli = Callable[..., CliResult]

# Values per format, ASCII only (the formats' patterns are ASCII in every language; Python's
# `\d`, which `trackplan check` uses, also takes other scripts' digits).
SAMPLES = {
    "date": ["2024-02-29", "2023-02-29", "2024-13-01", "2024-01-01\n", "1900-02-29"],
    "date-time": ["2024-01-01T10:00:00Z", "2024-01-01t10:00:00.5+01:00", "2024-01-01 10:00Z"],
    "time": ["10:00", "10:00:00.1234567", "24:00", "10:00:00+01:00"],
    "email": ["a@b.c", "a..b@c.d", ".a@b.c", "a.@b.c", "a@b", "a@@b.c"],
    "hostname": ["example.com", "-a.com", "a.b-c.d", "a_b.com"],
    "ipv4": ["1.2.3.4", "256.1.1.1", "1.2.3"],
    "uri": ["https://x.y/z", "mailto:a@b", "no scheme"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000", "123e4567e89b12d3a456426614174000"],
}
PLAN = "plan: {id: web}\nevents:\n  Thing Done:\n    properties:\n" + "".join(
    f"      {name.replace('-', '_')}: {{type: string, format: {name}}}\n" for name in SAMPLES
)
CALLS = [{name.replace("-", "_"): value} for name, values in SAMPLES.items() for value in values]


def test_generated_code_checks_formats_as_trackplan_check_does(
    run_cli: Cli,
    tmp_path: Path,
    tsc_path: str,  # noqa: F811
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": PLAN})
    checked = check_failing(repo, "web", "Thing Done", CALLS)
    assert 0 < len(checked) < len(CALLS)  # some of each
    for lang in ("python", "typescript"):
        assert run_cli("generate", "--lang", lang, "--repo", str(repo), "--out",
                       str(tmp_path)).code == 0  # fmt: skip
    assert python_failing(tmp_path / "web.py", "track_thing_done", CALLS) == checked
    assert typescript_failing(tsc_path, tmp_path, "web", "trackThingDone", CALLS) == checked


def test_python_and_typescript_agree_with_check_on_the_shared_table(
    run_cli: Cli,
    tmp_path: Path,
    tsc_path: str,  # noqa: F811
) -> None:
    from tests.codegen_langs import CALLS, exact_in_a_double
    from tests.codegen_langs import PLAN as SHARED

    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": SHARED})
    for lang in ("python", "typescript"):
        assert run_cli("generate", "--lang", lang, "--repo", str(repo), "--out",
                       str(tmp_path)).code == 0  # fmt: skip
    methods = {
        "Signed Up": ("track_signed_up", "trackSignedUp"),
        "Order Completed": ("track_order_completed", "trackOrderCompleted"),
        "Old Thing Happened": ("track_old_thing_happened", "trackOldThingHappened"),
    }
    for event, (py, ts) in methods.items():
        calls = [props for e, props in CALLS if e == event]
        expected = check_failing(repo, "app", event, calls)
        assert python_failing(tmp_path / "app.py", py, calls) == expected, event
        in_js = [props for props in calls if exact_in_a_double(props)]  # JavaScript's numbers
        expected = check_failing(repo, "app", event, in_js)
        assert typescript_failing(tsc_path, tmp_path, "app", ts, in_js) == expected, event


def test_an_unknown_trait_is_a_violation_as_in_trackplan_check(
    run_cli: Cli,
    tmp_path: Path,
    tsc_path: str,  # noqa: F811
) -> None:
    from tests.codegen_langs import PLAN as SHARED

    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": SHARED})
    calls = tmp_path / "calls.jsonl"
    calls.write_text('{"type": "identify", "userId": "u", "traits": {"email": "a@b.c", '
                     '"nickname": "n"}}\n')  # fmt: skip
    done = run_cli("check", str(calls), "--repo", str(repo), "--format", "json")
    assert [f["kind"] for f in done.json()["findings"]] == ["unknown-trait"]
    assert run_cli("generate", "--lang", "python", "--repo", str(repo), "--out",
                   str(tmp_path)).code == 0  # fmt: skip
    said: list[str] = []
    module = load_module(tmp_path / "app.py")
    sink = type("Sink", (), {"track": lambda *a: None, "identify": lambda *a: None})()
    tracker = module.Tracker(sink, on_violation=lambda v: said.append(f"{v.path} {v.message}"))
    tracker.identify("u", {"email": "a@b.c", "nickname": "n"})  # type: ignore[typeddict-unknown-key]
    assert said == ["/nickname not in the plan"]
