"""Writes what CI's Swift job compiles and runs: the generated Swift of the shared test plan
and the examples, a `main.swift` that checks every call of the shared table, and the calls
`trackplan check` finds violations in (`expected.txt`), and the README's Swift sinks with
stubs of the SDKs they call: run `python -m tests.swift_driver DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

from registry.codegen.swift import literal
from tests.codegen_kit import check_failing
from tests.codegen_langs import CALLS, PLAN, exact_in_a_double, nasty_registry
from tests.conftest import write_files
from trackplan.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "acme"


def write(out: Path) -> None:
    repo = write_files(out / "repo", {"plans/app/plan.yaml": PLAN})
    sources = out / "Sources"
    for registry, plan in ((repo, "app"), (EXAMPLES, "shop"), (nasty_registry(out / "nasty"),
                                                               "nasty")):  # fmt: skip
        assert main(["generate", "--lang", "swift", "--repo", str(registry), "--plan", plan,
                     "--out", str(sources)]) == 0  # fmt: skip
    readme = (EXAMPLES.parent.parent / "README.md").read_text()
    block = readme.split("```swift\nimport Foundation\n")[1].split("```")[0]
    (sources / "Sinks.swift").write_text("import Foundation\n" + block)
    stubs = EXAMPLES.parent.parent / "tests" / "fixtures" / "sdk_stubs" / "swift" / "Stubs.swift"
    (sources / "Stubs.swift").write_text(stubs.read_text())
    table = [(e, p) for e, p in CALLS if exact_in_a_double(p)]  # Swift's JSONValue: doubles
    calls = "".join(f"    ({literal(e)[8:-1]}, {literal(p)}),\n" for e, p in table)
    (sources / "main.swift").write_text(
        "struct Printer: AppTrackingSink {\n"
        "    func track(_ event: String, properties: [String: Any]) {}\n}\n\n"
        "let calls: [(String, AppTracking.JSONValue)] = [\n" + calls + "]\n"
        "for (index, (event, properties)) in calls.enumerated() {\n"
        "    guard case let .object(props) = properties else { continue }\n"
        "    if !AppTracking.validate(event, props).isEmpty { print(index) }\n}\n"
        "let tracker = AppTracking.Tracker(sink: Printer())\n"
        "tracker.trackSignedUp(AppTracking.SignedUpProperties(method: .email, platform: .ios))\n"
    )
    expected = sorted(i for i, (e, p) in enumerate(table) if check_failing(repo, "app", e, [p]))
    (out / "expected.txt").write_text("".join(f"{i}\n" for i in expected))


if __name__ == "__main__":
    write(Path(sys.argv[1]))
