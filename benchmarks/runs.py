"""Timing whole commands for the benchmarks: the best of several fresh processes."""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best(command: list[str], repeat: int) -> float:
    """The shortest wall time of `repeat` runs of `command` from the repository's root."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def sized(description: str | None) -> argparse.Namespace:
    """The arguments of a benchmark over a synthetic plan: --events, --props and --repeat
    (2,000 x 25, best of 3: the size the targets are stated for)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--props", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()
