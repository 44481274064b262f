"""Benchmark `trackplan import csv` on a 2,000-event x 25-property sheet (target < 3 s).

The sheet has one row per event and property (50,000 rows: types, required, allowed values,
descriptions, owners, sources, stages), as a spreadsheet saves it. `trackplan import csv
--force` runs in a fresh process, best of --repeat (reading, converting, validating the
new plan in memory and writing it). The baseline in the same run is reading
the rows with Python's csv module alone.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import best, sized  # noqa: E402

TARGET = 3.0
TYPES = ["string", "number", "integer", "boolean", "string|null"]


def _word(number: int) -> str:
    """Letters for a number (0 -> a, 26 -> ba): names with no digits, as a real plan's are
    (digits in names are what the naming lint calls dynamic)."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
        if not number:
            return letters


def write_sheet(path: Path, events: int, props: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["event", "event description", "property", "property description",
                         "type", "required", "allowed values", "example", "owner", "sources",
                         "stage"])  # fmt: skip
        for e in range(events):
            for p in range(props):
                kind = TYPES[p % len(TYPES)]
                writer.writerow([
                    f"Thing {_word(e).title()} Viewed", "A thing was viewed.", f"prop_{_word(p)}",
                    f"Property {p} of thing {e}.", kind, "yes" if p % 3 == 0 else "no",
                    "web|ios|android" if kind == "string" and p % 2 == 0 else "",
                    "42" if kind == "integer" else "", "@acme/growth", "web|ios",
                    "Visitor" if e % 2 else "Customer",
                ])  # fmt: skip


def main() -> None:
    args = sized(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "plan.csv"
        write_sheet(sheet, args.events, args.props)
        start = time.perf_counter()
        with sheet.open(newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle))
        floor = time.perf_counter() - start
        repo = Path(tmp) / "registry"
        command = [sys.executable, "-m", "registry", "import", "csv", str(sheet), "--plan",
                   "big", "--repo", str(repo), "--force"]  # fmt: skip
        took = best(command, args.repeat)
        size = sheet.stat().st_size / 1e6
        plan = repo / "plans/big"
        files = [p for p in plan.rglob("*.yaml")]
        written = sum(p.stat().st_size for p in files) / 1e6
        verdict = "meets" if took < TARGET else "misses"
        print(f"sheet: {args.events:,} events x {args.props} properties, {rows - 1:,} rows, "
              f"{size:.1f} MB")  # fmt: skip
        print(f"baseline (csv module reads the rows): {floor:.2f} s")
        print(f"trackplan import csv: {took:.2f} s, best of {args.repeat} "
              f"({took / floor:.0f}x the baseline; {verdict} the {TARGET:.0f} s target), "
              f"{written:.1f} MB of YAML in {len(files)} files")  # fmt: skip


if __name__ == "__main__":
    main()
