"""Benchmark `trackplan check`: calls per second and peak memory against a 2,000-event plan.

The plan is a pulled release (trackplan.lock and artifacts, as `trackplan pull` leaves
them) of 2,000 events x 25 properties. N calls are written as JSON lines (95 % valid, 5 %
with a violation, events round-robin), then `trackplan check --lock` runs on them in a
fresh process per size; printed: calls/s over the whole run (loading the plan and
compiling the validators included), the rate beyond the fixed cost of a 2,000-call run,
and the process's peak RSS: streaming means the peak does not grow with the input. The
baseline in the same run is `json.loads` of every line alone.

Then one call of --element MB (a string of escaped quotes and brackets, the slowest text to
scan) as a JSON line and as the one element of a JSON array: the array reader takes it in
growing reads, so both take about the same time (the array took 16 s for 60 MB when each
1 MB read parsed the element anew).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.codegen import pulled_release  # noqa: E402
from tests.codegen_kit import conforming  # noqa: E402

# The child reports its own peak RSS: VmHWM of its own memory since exec. (getrusage's
# ru_maxrss also holds the high-water mark of the parent's copy it was forked from, which
# here holds a million parsed calls: it read 239 MB where the check itself peaks at 116 MB.)
CHILD = ("import re, sys; from trackplan.cli import main; code = main(sys.argv[1:]); "
         "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1], "
         "file=sys.stderr)")  # fmt: skip


def write_calls(path: Path, schema: Path, count: int) -> None:
    events = json.loads(schema.read_bytes())["$defs"]["events"]
    lines = []
    for name, schema in events.items():
        good = {
            "type": "track",
            "event": name,
            "properties": conforming(schema),
            "timestamp": "2026-11-25T10:00:00Z",
            "context": {"library": {"name": "w"}},
        }
        lines.append(json.dumps(good, separators=(",", ":")))
    bad = json.loads(lines[0])
    bad["properties"]["prop_0"] = "tvos"
    with path.open("w") as out:
        for i in range(count):
            out.write((json.dumps(bad) if i % 20 == 19 else lines[i % len(lines)]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--element", type=int, default=60, help="MB of the one long call")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp)
        schema = next(p for p in pulled_release(app, 2000, 25) if p.name.endswith("schema.json"))
        # The same process on 2,000 calls (one per event: every validator compiled) is the
        # fixed cost; what the larger runs take beyond it is the checking itself.
        fixed = None
        for size in (2000, *(int(s) for s in args.sizes.split(","))):
            calls = app / f"calls-{size}.jsonl"
            write_calls(calls, schema, size)
            start = time.perf_counter()
            with calls.open() as handle:
                for line in handle:
                    json.loads(line)
            floor = time.perf_counter() - start
            seconds, peak, report = check(app, calls)
            if fixed is None:
                fixed = seconds
                print(f"fixed cost (start, load the plan, compile 2,000 events): {fixed:.2f} s, "
                      f"peak RSS {peak / 1024:.0f} MB")  # fmt: skip
                continue
            steady = (size - 2000) / max(seconds - fixed, 1e-9)
            print(f"{size:>9,} calls ({calls.stat().st_size / 1e6:.0f} MB): {seconds:.1f} s, "
                  f"{size / seconds:,.0f} calls/s overall, {steady:,.0f} calls/s checking "
                  f"(json.loads alone: {size / floor:,.0f}/s), peak RSS {peak / 1024:.0f} MB; "
                  f"{report['violations']} violations")  # fmt: skip
        one_long_call(app, args.element)


def check(app: Path, calls: Path) -> tuple[float, int, dict[str, Any]]:
    """`trackplan check` of `calls` against the pulled release, in a fresh process: its
    seconds, its own peak RSS (KB) and its JSON report."""
    command = [sys.executable, "-c", CHILD, "check", str(calls), "--lock",
               str(app / "trackplan.lock"), "--plans", str(app / "trackplan-plans"),
               "--format", "json", "--fail-on", "never"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    report: dict[str, Any] = json.loads(done.stdout)
    return seconds, int(done.stderr.strip().splitlines()[-1]), report


def one_long_call(app: Path, megabytes: int) -> None:
    text = '\\"[' * (megabytes * (1 << 20) // 3)
    call = json.dumps({"event": "Long", "properties": {}})[:-1] + f', "x": "{text}"}}'
    shown = []
    for kind, data in (("a line", call + "\n"), ("an array's element", f"[{call}]\n")):
        path = app / f"long-{len(shown)}.json"
        path.write_text(data)
        seconds, peak, report = check(app, path)
        assert report["calls"] == 1, report
        shown.append(f"as {kind} {seconds:.1f} s, peak RSS {peak / 1024:.0f} MB")
    print(f"one call of {megabytes} MB: " + "; ".join(shown))


if __name__ == "__main__":
    main()
