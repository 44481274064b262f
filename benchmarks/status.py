"""Benchmark `trackplan status` on a generated source tree of 10,000 files / 1 M lines.

The tree mixes the seven languages status reads (TypeScript, TSX, JavaScript, Python, Go,
Kotlin, Java, Swift), 100 lines a file: functions, strings, comments. Held against a
pulled 2,000-event plan (its lock and artifacts, as `trackplan pull` leaves them), two ways:
- `typical`: one file in ten makes tracking calls (SDK calls and generated Tracker calls,
  some with typos, a renamed event, a dynamic name); the others never name a callee;
- `all parsed`: every file names `track` somewhere (in a comment), so every file is parsed.
Printed: the best of --repeat whole `trackplan status` processes beside the floor measured in
the same run, `grep -r` reading the same tree (what any scanner must do: read every byte),
and the 10 s target.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.codegen import pulled_release  # noqa: E402

TARGET = 10.0
FILES = 10_000
LINES = 100

BODY = {
    ".ts": ("export function f{i}(a: number): string {{\n  const s = `v${{a}}`; // note {i}\n"
            "  return s + \"{i}\";\n}}\n"),
    ".tsx": "export const C{i} = () => <div className=\"c{i}\">{{\"text {i}\"}}</div>;\n",
    ".js": "function f{i}(a) {{\n  return [a, 'x{i}'].join('-'); // note\n}}\n",
    ".py": "def f{i}(a):\n    # note {i}\n    return f\"{{a}}-{i}\"\n",
    ".go": "func F{i}(a int) string {{\n\t// note {i}\n\treturn fmt.Sprint(a, \"{i}\")\n}}\n",
    ".kt": "fun f{i}(a: Int): String {{\n    // note {i}\n    return \"$a-{i}\"\n}}\n",
    ".java": "  static String f{i}(int a) {{\n    // note {i}\n    return a + \"-{i}\";\n  }}\n",
    ".swift": "func f{i}(_ a: Int) -> String {{\n    // note {i}\n    return \"\\(a)-{i}\"\n}}\n",
}  # fmt: skip
CALLS = {
    ".ts": 'analytics.track("Thing {n} Viewed", {{ prop_0: 1, prop_1x: 2 }});\n'
           'tracker.trackThing{n}Viewed({{ prop_0: "a" }});\n',
    ".tsx": "export const B{n} = () =>\n"
            '  <b onClick={{() => analytics.track("Thing {n} Viewed", {{}})}} />;\n',
    ".js": 'analytics.track("Thing {n} Viewed", {{ prop_0: 1 }});\n'
           "analytics.track(`Dyn ${{x}}`);\n",
    ".py": 'analytics.track(uid, "Thing {n} Viewed", {{"prop_0": 1, "prop_1x": 2}})\n',
    ".go": '\tclient.Enqueue(analytics.Track{{Event: "Thing {n} Viewed"}})\n',
    ".kt": '    analytics.track("Thing {n} Viewed", mapOf("prop_0" to 1))\n',
    ".java": '    analytics.track("Thing {n} Viewd", Map.of("prop_0", 1));\n',
    ".swift": '    analytics.track(name: "Thing {n} Viewed", properties: ["prop_0": 1])\n',
}  # fmt: skip
OPEN = {".go": "package app\n\nfunc init() {\n", ".kt": "fun main() {\n",
        ".java": "class A {\n  void m() {\n", ".swift": "func main() {\n"}  # fmt: skip
CLOSE = {".go": "}\n", ".kt": "}\n", ".java": "  }\n}\n", ".swift": "}\n"}


def make_tree(root: Path, with_calls: int, all_parsed: bool) -> int:
    """FILES source files of about LINES lines each; returns the lines written."""
    suffixes = list(BODY)
    total = 0
    for index in range(FILES):
        suffix = suffixes[index % len(suffixes)]
        parts = [
            "// track\n" if all_parsed and suffix != ".py" else "# track\n" if all_parsed else ""
        ]
        if index % with_calls == 0:
            calls = CALLS[suffix].format(n=index % 2000)
            parts.append(OPEN.get(suffix, "") + calls * 2 + CLOSE.get(suffix, ""))
        lines = sum(p.count("\n") for p in parts)
        i = 0
        while lines < LINES:
            chunk = BODY[suffix].format(i=f"{index}_{i}")
            parts.append(chunk)
            lines += chunk.count("\n")
            i += 1
        text = "".join(parts)
        if suffix == ".java":
            text = "class F%d {\n%s}\n" % (index, text)  # noqa: UP031 - Java braces
        path = root / f"pkg{index // 100:03d}" / f"file{index}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        total += text.count("\n")
    return total


def best(command: list[str], cwd: Path, repeat: int, ok: tuple[int, ...] = (0, 1)) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise SystemExit(f"{command[:4]} failed ({done.returncode}): {done.stderr[-500:]}")
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    status = [sys.executable, "-m", "trackplan", "status", "src", "--lock", "--format",
              "json"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app"
        pulled_release(app, 2000, 25)
        shutil.rmtree(app / "registry")
        print(f"{FILES:,} files, plan of 2,000 events x 25 properties; target {TARGET:.0f} s")
        for label, all_parsed in (("typical", False), ("all parsed", True)):
            src = app / "src"
            if src.exists():
                shutil.rmtree(src)
            lines = make_tree(src, 10, all_parsed)
            floor = best(["grep", "-r", "-c", "track", "src"], app, args.repeat)
            took = best(status, app, args.repeat)
            verdict = "ok" if took < TARGET else "over target"
            print(f"{label:>10}: {lines:,} lines; grep -r {floor:.2f} s; trackplan status "
                  f"{took:.2f} s ({took / floor:.1f}x the floor) — {verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
