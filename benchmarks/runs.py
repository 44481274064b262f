"""Timing whole commands for the benchmarks: the best of several fresh processes."""

from __future__ import annotations

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
