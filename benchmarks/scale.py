"""Seven commands at 200, 2,000 and 20,000 events beside the C parse floor: one table.

Each size is a synthetic registry (benchmarks/generate.py: 25 properties per event, 100
events per file) and a head with 5 % of its events changed (benchmarks/diff.py). Measured,
each in a fresh process, cold (no parse cache), --repeat times:
- the floor: PyYAML's C loader (libyaml) on the same files with garbage collection off,
  so that the floor is not flattered (twice the files for diff and review: both sides);
- validate, diff, review, release --dry-run (a git repository: BASE committed, then HEAD),
  catalog, check (10 calls per event, JSON lines) and generate --lang typescript.
Printed per command and size: the median time with its spread (min-max), the ratio to the
floor, the peak memory of the command's own process (VmHWM, read by the process itself
when it ends: forked parse workers come and go beside it), and time and memory per 1,000
events, which stay flat when a command grows linearly with its input.
Needs PyYAML with libyaml (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.diff import mutate  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from benchmarks.runs import CLI_CHILD, child_run  # noqa: E402

# The floor: libyaml through PyYAML's C loader, every file, the collector off.
FLOOR = ("import gc, re, sys, yaml\ngc.disable()\nfor path in sys.argv[1:]:\n"
         "    with open(path, 'rb') as f:\n        yaml.load(f.read(), Loader=yaml.CSafeLoader)\n"
         "print('VmHWM', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1], "
         "file=sys.stderr)\n")  # fmt: skip
PER_FILE = 100
GIT = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
       "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}  # fmt: skip


@dataclass
class Runs:
    seconds: list[float]
    peak_mib: float

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run(code: str, args: list[str], repeat: int, cwd: Path) -> Runs:
    times, peaks = [], []
    for _ in range(repeat):
        seconds, peak, proc = child_run(code, *args, cwd=cwd, env={**os.environ, **GIT})
        if peak != peak or proc.returncode not in (0, 1):  # nan: it never reached its end
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stderr[-2000:]}")  # fmt: skip
        times.append(seconds)
        peaks.append(peak)
    return Runs(times, max(peaks))


def write_calls(registry: Path, out: Path, per_event: int) -> int:
    """`per_event` calls of every event, each property given a value of its type (the
    generated files are scanned line by line: their layout is known)."""
    values = {"string": "alpha", "integer": 7, "number": 1.5, "boolean": True}
    lines = []
    for path in sorted((registry / "plans").rglob("*.yaml")):
        event, props, prop = None, {}, None
        for line in [*path.read_text().splitlines(), "  End:"]:
            if re.match(r"  \S.*:$", line):
                if event is not None:
                    call = {"type": "track", "event": event, "properties": props,
                            "timestamp": "2026-12-06T10:00:00Z"}  # fmt: skip
                    lines.append(json.dumps(call, separators=(",", ":")))
                event, props = line.strip()[:-1], {}
            elif re.match(r"      \w+:$", line):
                prop = line.strip()[:-1]
            elif line.startswith("        type: ") and prop:
                props[prop] = values[line.split(": ", 1)[1]]
    with out.open("w") as handle:
        for _ in range(per_event):
            handle.write("\n".join(lines) + "\n")
    return len(lines) * per_event


def prepare(root: Path, events: int) -> tuple[Path, Path, Path, Path, int]:
    base, head, repo = root / "base", root / "head", root / "repo"
    generate(base, events, 25, max(1, events // PER_FILE))
    shutil.copytree(base, head)
    mutate(head, 0.05)
    shutil.copytree(base, repo)
    env = {**os.environ, **GIT}
    for step, message in (("base", "base"), ("head", "head")):
        if step == "head":
            shutil.rmtree(repo / "plans")
            shutil.copytree(head / "plans", repo / "plans")
        else:
            subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env)
    calls = root / "calls.jsonl"
    count = write_calls(base, calls, 10)
    return base, head, repo, calls, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200,2000,20000", help="events (default 200,2000,"
                        "20000)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    args = parser.parse_args()
    try:
        import yaml

        yaml.CSafeLoader  # noqa: B018 - the floor needs libyaml
    except (ImportError, AttributeError):
        raise SystemExit("the floor needs PyYAML with libyaml: pip install -e '.[bench]'") \
            from None  # fmt: skip
    print(f"{'command':<22}{'events':>7}{'median s':>10}{'[min-max]':>16}{'x floor':>9}"
          f"{'peak MiB':>10}{'s/1k ev':>9}{'MiB/1k ev':>10}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for events in (int(s) for s in args.sizes.split(",")):
            root = Path(tmp) / str(events)
            base, head, repo, calls, count = prepare(root, events)
            files = [str(p) for p in sorted((base / "plans").rglob("*.yaml"))]
            both = files + [str(p) for p in sorted((head / "plans").rglob("*.yaml"))]
            one_floor = run(FLOOR, files, args.repeat, root)
            two_floor = run(FLOOR, both, args.repeat, root)
            # fmt: off
            commands = {
                "validate": (["validate", "--repo", str(base), "--no-cache"], one_floor),
                "diff": (["diff", str(base), str(head), "--no-cache", "--fail-on", "never"],
                         two_floor),
                "review": (["review", str(base), str(head), "--no-cache", "--fail-on",
                            "never"], two_floor),
                "release --dry-run": (["release", "--repo", str(repo), "--dry-run",
                                       "--no-cache"], one_floor),
                "catalog": (["catalog", "--repo", str(base), "--out", str(root / "site"),
                             "--no-cache"], one_floor),
                f"check ({count:,} calls)": (["check", str(calls), "--repo", str(base),
                                              "--no-cache", "--fail-on", "never"],
                                             one_floor),
                "generate typescript": (["generate", "--lang", "typescript", "--repo",
                                         str(base), "--out", str(root / "ts"), "--no-cache"],
                                        one_floor),
            }
            # fmt: on
            rows = [
                ("floor: C parse", one_floor, one_floor),
                ("floor: both sides", two_floor, two_floor),
            ]  # fmt: skip
            for name, (argv, floor) in commands.items():
                rows.append((name, run(CLI_CHILD, argv, args.repeat, root), floor))
            for name, runs, floor in rows:
                spread = f"[{min(runs.seconds):.2f}-{max(runs.seconds):.2f}]"
                print(f"{name:<22}{events:>7,}{runs.median:>10.2f}{spread:>16}"
                      f"{runs.median / floor.median:>8.2f}x{runs.peak_mib:>10.0f}"
                      f"{runs.median / events * 1000:>9.3f}{runs.peak_mib / events * 1000:>10.1f}")  # fmt: skip # noqa: E501
            sys.stdout.flush()
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
