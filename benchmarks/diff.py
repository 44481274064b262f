"""Benchmark `trackplan diff` on two versions of a 2,000-event x 25-property registry.

The head changes 5 % of the events (types changed, properties added and removed, events
renamed). Prints, in one run: the C parser floor for both versions, `trackplan diff` end to
end (cold: no parse cache; warm: cache filled), peak memory, and DeepDiff(ignore_order=True)
over the same two loaded registries. Targets (DESIGN.md §9): cold within 1.5x the floor,
warm under 1 s, and at least 10x faster than the DeepDiff baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate
from benchmarks.runs import cli_run
from benchmarks.validate import c_parser_floor
from registry.load.loader import load_registry
from registry.load.snapshot import FolderSnapshot


def mutate(head: Path, share: float, seed: int = 11) -> int:
    """Change `share` of the events in the head copy; returns how many were changed."""
    rng = random.Random(seed)
    changed = 0
    for path in sorted(head.rglob("*.yaml")):
        text = path.read_text()
        blocks = re.split(r"(?m)^(?=  \S)", text)
        out = []
        for block in blocks:
            if block.startswith("  ") and rng.random() < share:
                block = _change(block, rng)
                changed += 1
            out.append(block)
        path.write_text("".join(out))
    return changed


def _change(block: str, rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:  # a type change
        return re.sub(r"type: (string|boolean)", "type: integer", block, count=1)
    if choice == 1:  # an added optional property
        return block.rstrip("\n") + "\n      extra_note:\n        type: string\n"
    if choice == 2:  # a removed property (the last one)
        lines = block.rstrip("\n").split("\n")
        starts = [i for i, line in enumerate(lines) if re.match(r"      \S", line)]
        return "\n".join(lines[: starts[-1]]) + "\n" if starts else block
    name = block.split(":", 1)[0].strip()  # a rename with renamed_from
    new = name + " Again" if not name.endswith("Again") else name
    _first, rest = block.split("\n", 1)
    return f"  {new}:\n    renamed_from: [{name}]\n{rest}"


def loaded_data(root: Path) -> dict[str, Any]:
    registry = load_registry(FolderSnapshot(root)).registry
    return {path: doc.data for path, doc in registry.documents.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--properties", type=int, default=25)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--skip-deepdiff", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, head, cache = Path(tmp, "base"), Path(tmp, "head"), Path(tmp, "cache")
        generate(base, args.events, args.properties, 200)
        shutil.copytree(base, head)
        changed = mutate(head, args.share)
        blobs = [p.read_bytes() for root in (base, head) for p in sorted(root.rglob("*.yaml"))]
        print(
            f"two versions of {args.events} events x {args.properties} properties, "
            f"{sum(map(len, blobs)) / 2e6:.1f} MB each; {changed} events changed"
        )
        name, floor = c_parser_floor(blobs)
        print(f"  {'floor: ' + name + ', both versions':<48} {floor:7.3f} s")
        cold, peak, proc = cli_run("diff", str(base), str(head), "--no-cache", "--fail-on",
                                   "never")  # fmt: skip
        summary = proc.stdout.strip().splitlines()[-1] if proc.stdout else proc.stderr[-300:]
        print(f"  {'trackplan diff, cold (no parse cache)':<48} {cold:7.3f} s  ({summary})")
        env_args = ("diff", str(base), str(head), "--fail-on", "never")
        env = {**os.environ, "TRACKPLAN_CACHE_DIR": str(cache)}
        cli_run(*env_args, env=env)  # fills the cache
        warm, _, _ = cli_run(*env_args, env=env)
        print(f"  {'trackplan diff, warm (parse cache filled)':<48} {warm:7.3f} s")
        print(f"  {'peak memory of the cold diff (its VmHWM)':<48} {peak:7.0f} MiB")
        print(f"  {'cold / floor':<48} {cold / floor:7.2f} x   (target <= 1.5)")
        if not args.skip_deepdiff:
            from deepdiff import DeepDiff

            old, new = loaded_data(base), loaded_data(head)
            start = time.perf_counter()
            delta = DeepDiff(old, new, ignore_order=True)
            deep = time.perf_counter() - start
            print(
                f"  {'DeepDiff(ignore_order=True), loaded data only':<48} {deep:7.3f} s  "
                f"({len(delta.affected_paths)} paths)"
            )
            print(f"  {'DeepDiff / trackplan diff warm':<48} {deep / warm:7.1f} x   (target >= 10)")
        print(f"targets: warm under 1 s -> {'met' if warm < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
