"""Benchmark `trackplan import` of a 2,000-event x 25-property plan in each format (< 3 s).

The plan is the synthetic registry of the other benchmarks, exported with `trackplan export`
to every format that can be read back (Segment, RudderStack, Iglu, the sheet); each import
runs in a fresh process, best of --repeat (reading, converting, validating the new plan in
memory, writing it). The baseline in the same run is `trackplan validate` of the registry the
files were exported from: an importer that costs a few validations is doing its own work.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import best, sized  # noqa: E402
from registry.formats import FORMATS, IMPORTERS  # noqa: E402
from tests.codegen_kit import synthetic_registry  # noqa: E402
from tests.conftest import write_files  # noqa: E402

TARGET = 3.0


def main() -> None:
    args = sized(__doc__)
    trackplan = [sys.executable, "-m", "registry"]
    with tempfile.TemporaryDirectory() as tmp:
        files = synthetic_registry(args.events, args.props)
        source = write_files(Path(tmp) / "source", files)  # type: ignore[arg-type]
        floor = best([*trackplan, "validate", "--repo", str(source), "--no-cache"], args.repeat)
        print(f"plan: {args.events:,} events x {args.props} properties")
        print(f"baseline (trackplan validate of the source registry): {floor:.2f} s")
        for fmt in sorted(set(IMPORTERS) & set(FORMATS)):
            out = Path(tmp) / f"export-{fmt}"
            target = out if FORMATS[fmt].FOLDER else out / f"plan.{fmt}"
            exported = [*trackplan, "export", fmt, "--plan", "big", "--repo", str(source),
                        "--out", str(target)]  # fmt: skip
            best(exported, 1)
            # Into a registry with the source's settings (its numbered names are allowed).
            into = write_files(Path(tmp) / f"into-{fmt}",
                               {"trackplan.yaml": files["trackplan.yaml"]})  # fmt: skip
            command = [*trackplan, "import", fmt, str(target), "--plan", "big", "--repo",
                       str(into), "--force"]  # fmt: skip
            took = best(command, args.repeat)
            verdict = "meets" if took < TARGET else "misses"
            print(
                f"trackplan import {fmt}: {took:.2f} s, best of {args.repeat} "
                f"({took / floor:.1f}x the baseline; {verdict} the {TARGET:.0f} s target)"
            )


if __name__ == "__main__":
    main()
