"""Plans and tools for the code generation tests and benchmark."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

KINDS = (
    "{type: string, enum: [web, ios, android]}",
    "{type: integer, minimum: 0}",
    "{type: number}",
    "{type: boolean}",
    "{type: [string, 'null']}",
    "{type: array, items: {type: string}}",
    "{type: object, properties: {id: {type: string, required: true}, n: {type: integer}}}",
    "{type: string, format: date-time}",
)


def synthetic_registry(events: int, properties: int, per_file: int = 0) -> dict[str, str]:
    """A registry whose plan `big` has `events` events of `properties` properties each,
    every kind of type in turn, the first two properties of each event required (numbered
    names: dynamic names allowed). `per_file`: at most that many events in a file (files
    under plans/big/events/, as large plans are kept); 0: every event in plan.yaml."""
    files = {"trackplan.yaml": "conventions: {forbid_dynamic_names: false}\n"}
    if not per_file:
        files["plans/big/plan.yaml"] = _plan(events, properties)
        return files
    files["plans/big/plan.yaml"] = "plan:\n  id: big\n  title: Synthetic\n"
    for start in range(0, events, per_file):
        files[f"plans/big/events/part-{start // per_file:04d}.yaml"] = _plan(
            min(per_file, events - start), properties, start, header=False
        )
    return files


def _plan(events: int, properties: int, first: int = 0, header: bool = True) -> str:
    lines = ["plan:", "  id: big", "  title: Synthetic", "events:"] if header else ["events:"]
    for e in range(first, first + events):
        lines += [f"  Thing {e} Viewed:", f"    description: Thing {e} was viewed.",
                  "    properties:"]  # fmt: skip
        for p in range(properties):
            spec = KINDS[(e + p) % len(KINDS)]
            if p < 2:
                spec = spec[:-1] + ", required: true}"
            lines.append(f"      prop_{p}: {spec}")
    return "\n".join(lines) + "\n"


def conforming(schema: dict[str, object]) -> object:
    """A value the (plan-generated, pattern-free) JSON Schema accepts."""
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list):
        return schema["enum"][0]  # type: ignore[index]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "string":
        return "2026-01-01T00:00:00Z" if schema.get("format") == "date-time" else "text"
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 0)))  # type: ignore[call-overload]
    if kind == "boolean":
        return True
    if kind == "array":
        return [conforming(schema["items"])] if isinstance(schema.get("items"), dict) else []
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {k: conforming(v) for k, v in props.items()}  # type: ignore[union-attr]
    return None


def tsc() -> str | None:
    """The TypeScript compiler: $TRACKPLAN_TSC, the one .ci/run installs, or on PATH."""
    root = Path(__file__).resolve().parent.parent
    for candidate in (os.environ.get("TRACKPLAN_TSC"),
                      str(root / ".ci" / "tools" / "node_modules" / ".bin" / "tsc"),
                      shutil.which("tsc")):  # fmt: skip
        if candidate and Path(candidate).exists():
            return candidate
    return None


def violations_said(tsc_path: str, folder: Path, module: str, calls: list[str],
                    imports: str = "createTracker") -> list[str]:  # fmt: skip
    """Compile a script that makes `calls` (TypeScript lines using `t`, a tracker of the
    generated `module`, and the names `imports` brings) with tsc --strict, run it with node,
    and return what the generated run-time checks said: `path message` per violation (and
    what the calls put in `said`)."""
    (folder / "run.ts").write_text(
        f'import {{ {imports} }} from "./{module}";\nconst said: string[] = [];\n'
        "const t = createTracker({ track() {} }, { onViolation: (v) => "
        "said.push(`${v.path} ${v.message}`) });\n"
        + "".join(f"{call}\n" for call in calls)
        + "console.log(JSON.stringify(said));\n"
    )
    built = subprocess.run([tsc_path, "--strict", "--target", "es2020", "--module", "commonjs",
                            "--outDir", "js", "run.ts", f"{module}.ts"], cwd=folder,
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert built.returncode == 0, built.stdout
    ran = subprocess.run(["node", "js/run.js"], cwd=folder, capture_output=True, text=True,
                         check=True)  # fmt: skip
    said: list[str] = json.loads(ran.stdout)
    return said


def check_failing(repo: Path, plan: str, event: str, calls: list[dict[str, object]]) -> set[int]:
    """The indexes of the `calls` (properties of `event`) that `trackplan check` finds a
    violation in, one call at a time (its report lists only the first lines of each kind)."""
    from registry.eventcheck import kinds
    from registry.eventcheck.checker import Checker
    from registry.load.loader import load_registry
    from registry.load.snapshot import FolderSnapshot
    from registry.release.artifacts import plan_document, schema_bundle

    loaded = load_registry(FolderSnapshot(repo)).registry.plans[plan]
    checker = Checker(plan_document(loaded, "0.0.0"), schema_bundle(loaded, "0.0.0"))
    failing = set()
    for index, properties in enumerate(calls):
        result = checker.check({"type": "track", "event": event, "properties": properties})
        assert not isinstance(result, tuple) or result[0] == "track", result
        if isinstance(result, tuple) and any(
            kinds.KIND_BY_ID[v.kind].level == kinds.VIOLATION for v in result[2]
        ):
            failing.add(index)
    return failing


def failing_from_markers(said: list[str]) -> set[int]:
    """Calls that reported a violation, from what generated code said with a `#N` marker
    said after each call N."""
    failing, current = set(), 0
    for line in said:
        if line.startswith("#"):
            current = int(line[1:]) + 1
        else:
            failing.add(current)
    return failing


def python_failing(module: Path, method: str, calls: list[dict[str, object]]) -> set[int]:
    """The indexes of the `calls` that the generated Python module at `module` reports a
    violation for, each sent through `Tracker.<method>`."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"generated_{module.stem}_{id(calls)}", module)
    assert spec is not None and spec.loader is not None
    generated = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generated
    spec.loader.exec_module(generated)
    failing: set[int] = set()
    sink = type("Sink", (), {"track": lambda *a: None})()
    for index, props in enumerate(calls):
        tracker = generated.Tracker(sink, on_violation=lambda v, i=index: failing.add(i))
        with warnings.catch_warnings():  # a deprecated event warns its caller, as it should
            warnings.simplefilter("ignore", DeprecationWarning)
            getattr(tracker, method)(props)
    return failing


def typescript_failing(tsc_path: str, folder: Path, module: str, method: str,
                       calls: list[dict[str, object]]) -> set[int]:  # fmt: skip
    """The indexes of the `calls` that the generated TypeScript module reports a violation
    for, each sent through `Tracker.<method>` (compiled with tsc --strict, run with node)."""
    lines = [f"t.{method}({json.dumps(p)} as any); said.push('#{i}');"
             for i, p in enumerate(calls)]  # fmt: skip
    return failing_from_markers(violations_said(tsc_path, folder, module, lines))
