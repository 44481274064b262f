"""Benchmark start-up: `validate`, `diff` and `check` on the small example registry.

Target (issue 31): each under 0.1 s on this 2-core machine. The floor is the interpreter's
own start-up (`python -c pass`, site included) in the same run; each row prints the median
and the spread of fresh processes run in turns, and what the command itself adds. The
commands run this checkout's code (`-m trackplan` from the repository's root) with this
interpreter's packages.

--instructions also counts each command's instructions under valgrind's callgrind: the
same count for the same code, within 1 % (hash seeds), whatever else the machine does
(wall times here varied nearly twofold from one run to the next), so two commits compare.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "validate": ["-m", "trackplan", "validate", "--repo", "examples/acme"],
    "diff, no change": ["-m", "trackplan", "diff", "examples/acme", "examples/acme"],
    "diff of the examples": ["-m", "trackplan", "diff", "examples/acme-base", "examples/acme"],
    "check": ["-m", "trackplan", "check", "examples/calls.jsonl", "--repo", "examples/acme",
              "--plan", "shop"],
}  # fmt: skip


def run_once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def instructions(args: list[str], env: dict[str, str]) -> int:
    """The instructions one run executes, counted by callgrind (its own output is dropped)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind counted nothing:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=21, help="runs of each (default 21)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions with valgrind (5 s a command)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind: apt-get install valgrind")
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up reads the cached bytecode, as installed
    for argv_ in COMMANDS.values():  # write the bytecode and warm the page cache once
        run_once(argv_, env)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):  # in turns, so a slow minute slows every row alike
        for name, argv_ in COMMANDS.items():
            times[name].append(run_once(argv_, env))
    floor = statistics.median(times["python -c pass (floor)"])
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.repeat} runs each")
    print(f"{'command':<24} {'median':>8} {'min':>8} {'max':>8} {'over the floor':>15}")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{name:<24} {median * 1000:6.0f}ms {min(seconds) * 1000:6.0f}ms "
              f"{max(seconds) * 1000:6.0f}ms {(median - floor) * 1000:13.0f}ms")  # fmt: skip
    if args.instructions:
        print(f"{'command':<24} {'instructions':>14} {'over the floor':>15}")
        counts = {name: instructions(argv_, env) for name, argv_ in COMMANDS.items()}
        base = counts["python -c pass (floor)"]
        for name, count in counts.items():
            print(f"{name:<24} {count / 1e6:12.1f} M {(count - base) / 1e6:13.1f} M")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
