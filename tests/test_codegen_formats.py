"""Generated code checks `format` at run time as `trackplan check` does, in every language."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.codegen_kit import check_failing, failing_from_markers, violations_said
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
    generated = load_module(tmp_path / "web.py")
    failing: set[int] = set()
    sink = type("Sink", (), {"track": lambda *a: None})()
    for index, props in enumerate(CALLS):
        tracker = generated.Tracker(sink, on_violation=lambda v, i=index: failing.add(i))
        tracker.track_thing_done(props)
    assert failing == checked
    calls = [f"t.trackThingDone({json.dumps(p)}); said.push('#{i}');" for i, p in enumerate(CALLS)]
    assert failing_from_markers(violations_said(tsc_path, tmp_path, "web", calls)) == checked
