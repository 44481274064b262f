"""Benchmark `trackplan validate` on a generated 2,000-event x 25-property registry.

Prints, in one run: the C parser floor (libyaml via PyYAML, just parsing the same bytes),
the phases of validation in-process, and the cold end-to-end CLI time and peak memory.
Target (DESIGN.md §9): `trackplan validate` under 3 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate
from registry.lint.rules import run_checks
from registry.load.loader import load_registry
from registry.load.snapshot import FolderSnapshot
from registry.load.yamlsafe import load_yaml


def c_parser_floor(blobs: list[bytes]) -> tuple[str, float]:
    """Seconds libyaml's C parser needs to load the bytes into Python data (no checks)."""
    try:
        import yaml

        loader = yaml.CSafeLoader
        start = time.perf_counter()
        for blob in blobs:
            yaml.load(blob, Loader=loader)
        return "PyYAML CSafeLoader (libyaml)", time.perf_counter() - start
    except (ImportError, AttributeError):
        from ruamel.yaml import YAML

        safe = YAML(typ="safe")
        start = time.perf_counter()
        for blob in blobs:
            safe.load(blob)
        return "ruamel.yaml safe (libyaml-derived C)", time.perf_counter() - start


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
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "registry", "validate", "--repo", str(root), "--no-cache"],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        del before
        print(
            f"  {'trackplan validate':<42} {wall:7.3f} s  (exit {proc.returncode}, "
            f"{proc.stdout.strip().splitlines()[-1]})"
        )
        print(f"  {'peak memory (max RSS)':<42} {peak_mb:7.0f} MB")
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
