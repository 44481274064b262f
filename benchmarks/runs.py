"""Timing whole commands for the benchmarks: the best of several fresh processes."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs the CLI in a fresh interpreter that reports its own peak memory (VmHWM since exec)
# on stderr: the parent's memory at the fork never counts (getrusage's does).
CLI_CHILD = "\n".join([
    "import re, sys",
    "from trackplan.cli import main",
    "try:",
    "    code = main(sys.argv[1:])",
    "finally:",
    "    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]",
    "    print('VmHWM', hwm, file=sys.stderr)",
    "sys.exit(code)",
])  # fmt: skip


Ran = tuple[float, float, subprocess.CompletedProcess[str]]  # seconds, peak MiB, the run


def child_run(code: str, *args: str, env: dict[str, str] | None = None,
              cwd: Path = ROOT) -> Ran:  # fmt: skip
    """Python `code` with ARGS in a fresh process that prints `VmHWM <kB>` on stderr as it
    ends (as CLI_CHILD does): seconds, that peak (MiB, nan when not printed), the run."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, check=False, cwd=cwd, env=env)  # fmt: skip
    seconds = time.perf_counter() - start
    found = re.search(r"VmHWM (\d+)", proc.stderr)
    return seconds, int(found.group(1)) / 1024 if found else float("nan"), proc


def cli_run(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Ran:
    """`trackplan ARGS` in a fresh process: seconds, its own peak memory (MiB), the run."""
    return child_run(CLI_CHILD, *args, env=env, cwd=cwd)


def best(command: list[str], repeat: int) -> float:
    """The shortest wall time of `repeat` runs of `command` from the repository's root."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


@dataclass
class Measured:
    best: float  # seconds, the shortest run
    median: float
    spread: float  # slowest minus fastest, seconds
    peak_mb: float  # the largest peak RSS of a run (the command's own process)

    def __str__(self) -> str:
        return f"{self.best:.2f} s (median {self.median:.2f}, spread {self.spread:.2f})"


def measure(command: list[str], repeat: int) -> Measured:
    """`repeat` fresh runs of `command`: times, and the command's peak memory (from wait4 of
    that process, not of other runs). On Linux that peak also holds what this process had
    when the child was forked (its copy's high-water mark): keep this process small, as the
    benchmarks do by writing their inputs to disk first, or have the child report VmHWM."""
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)  # fmt: skip
        assert child.stderr is not None
        said = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        times.append(time.perf_counter() - start)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {said.decode(errors='replace')}")
        peaks.append(usage.ru_maxrss / 1024)
    return Measured(min(times), statistics.median(times), max(times) - min(times), max(peaks))


def sized(description: str | None) -> argparse.Namespace:
    """The arguments of a benchmark over a synthetic plan: --events, --props and --repeat
    (2,000 x 25, best of 3: the size the targets are stated for)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--props", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()
