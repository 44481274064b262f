"""Benchmark `trackplan validate` on a generated 2,000-event x 25-property registry.

Prints, in one run: the C parser floor (libyaml via PyYAML, just parsing the same bytes),
the phases of validation in-process, and the cold end-to-end CLI time and peak memory.
Target (DESIGN.md §9): `trackplan validate` under 3 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate
from benchmarks.runs import cli_run
from registry.lint.rules import run_checks
from registry.load.loader import load_registry
from registry.load.snapshot import FolderSnapshot
from registry.load.yamlsafe import load_yaml


def c_parser_floor(blobs: list[bytes]) -> tuple[str, float]:
    """Seconds libyaml's C parser needs to load the bytes into Python data (no checks), with
    garbage collection off so that the floor is not flattered (half of its time at 20,000
    events was the collector's)."""
    try:
        import yaml

        loader = yaml.CSafeLoader
    except (ImportError, AttributeError):
        raise SystemExit("the floor needs PyYAML with libyaml: pip install -e '.[bench]'") \
            from None  # fmt: skip
    gc.disable()
    try:
        start = time.perf_counter()
        for blob in blobs:
            yaml.load(blob, Loader=loader)
        return "PyYAML CSafeLoader (libyaml), gc off", time.perf_counter() - start
    finally:
        gc.enable()


def timed(label: str, fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"  {label:<42} {seconds:7.3f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--properties", type=int, default=25)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.events, args.properties, args.files)
        snap = FolderSnapshot(root)
        paths = snap.paths()
        blobs = list(snap.read_many(paths).values())
        size = sum(len(b) for b in blobs)
        print(
            f"registry: {args.events} events x {args.properties} properties, "
            f"{len(paths)} files, {size / 1e6:.1f} MB of YAML"
        )
        floor_name, floor = c_parser_floor(blobs)
        print(f"  {'floor: ' + floor_name:<42} {floor:7.3f} s")
        print("in-process phases:")
        timed("parse (yamlsafe: C events -> data + lines)", lambda: [load_yaml(b) for b in blobs])
        loaded = load_registry(snap)
        timed("load (parse + schema + merge)", lambda: load_registry(snap))
        timed("checks (cross-references + naming)", lambda: run_checks(loaded.registry))
        print("end to end (fresh process, cold):")
        wall, peak_mb, proc = cli_run("validate", "--repo", str(root), "--no-cache")
        print(
            f"  {'trackplan validate':<42} {wall:7.3f} s  (exit {proc.returncode}, "
            f"{proc.stdout.strip().splitlines()[-1]})"
        )
        print(f"  {'peak memory (its own VmHWM)':<42} {peak_mb:7.0f} MiB")
        print(f"  {'ratio to the C parser floor':<42} {wall / floor:7.2f} x")
        env = {**os.environ, "TRACKPLAN_CACHE_DIR": str(root / ".cache")}
        command = [sys.executable, "-m", "registry", "validate", "--repo", str(root)]
        subprocess.run(command, capture_output=True, check=False, env=env)  # fills the cache
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        print(
            f"  {'trackplan validate, warm (parse cache)':<42} {time.perf_counter() - start:7.3f} s"
        )
        print(f"target: under 3 s cold -> {'met' if wall < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
