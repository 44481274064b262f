"""Benchmark `trackplan catalog` on a 2,000-event x 25-property plan (target < 3 s).

The registry is the synthetic one of the code generation benchmark. Printed: the best of
--repeat runs of `trackplan catalog` in a fresh process (load, validate, render 2,001
pages, write), against a baseline measured in the same run: `trackplan validate` of the
same registry, which any catalog must do first. Search speed in the browser is for the
browser tests to measure (the page records its last filter time in `data-search-ms`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.codegen_kit import synthetic_registry  # noqa: E402
from tests.conftest import write_files  # noqa: E402

TARGET = 3.0


def best(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--props", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        registry = write_files(Path(tmp) / "registry", synthetic_registry(args.events, args.props))  # type: ignore[arg-type]
        cli = [sys.executable, "-m", "registry"]
        floor = best([*cli, "validate", "--repo", str(registry), "--no-cache"], args.repeat)
        out = Path(tmp) / "site"
        took = best([*cli, "catalog", "--repo", str(registry), "--out", str(out), "--no-cache"],
                    args.repeat)  # fmt: skip
        pages = list(out.rglob("*.html"))
        size = sum(p.stat().st_size for p in pages) / 1e6
        verdict = "meets" if took < TARGET else "misses"
        print(f"plan: {args.events:,} events x {args.props} properties")
        print(f"baseline (trackplan validate, cold): {floor:.2f} s")
        print(f"trackplan catalog: {took:.2f} s, best of {args.repeat} ({took / floor:.1f}x the "
              f"baseline; {verdict} the {TARGET:.0f} s target), {len(pages):,} pages, "
              f"{size:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
