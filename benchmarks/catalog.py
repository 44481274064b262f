"""Benchmark `trackplan catalog` at 2,000 and 10,000 events x 25 properties (targets: under
3 s and under 10 s cold; the plan page's search under 100 ms).

The registries are the synthetic one of the code generation benchmark, its events in files of
1,000 (as large plans are kept: one file of 10,000 events is over the loader's size limit).
Printed per size, measured in fresh processes in the same run, best of --repeat with the
median and spread (the machine is shared):
- `trackplan validate` cold (--no-cache), the floor: any catalog must read and validate the
  plans before it draws them;
- `trackplan catalog` cold and warm (the parse cache), with each one's peak memory (RSS of
  the command's own process; its page-rendering workers share its memory copy-on-write);
then, in Chromium (Debian's, driven by Playwright), the time the largest plan page takes to
filter its rows, as the page measures it (`data-search-ms`), and to turn a page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import measure  # noqa: E402
from tests.browser import Page, browser, chromium_path  # noqa: E402
from tests.codegen_kit import synthetic_registry  # noqa: E402
from tests.conftest import write_files  # noqa: E402

TARGETS = {2000: 3.0, 10000: 10.0}
QUERIES = ["prop", "thing 1999", "nothing matches this", ""]
PER_FILE = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,10000", help="event counts (default 2000,10000)")
    parser.add_argument("--props", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "registry"]
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'events':>7}  {'validate cold (floor)':>34}  {'catalog cold':>34}  "
              f"{'x floor':>7}  {'peak RSS':>9}  {'catalog warm':>12}  target")  # fmt: skip
        last = None
        for size in (int(s) for s in args.sizes.split(",")):
            registry = write_files(Path(tmp) / f"registry-{size}",
                                   synthetic_registry(size, args.props, PER_FILE))  # fmt: skip
            out = Path(tmp) / f"site-{size}"
            floor = measure([*cli, "validate", "--repo", str(registry), "--no-cache"],
                            args.repeat)  # fmt: skip
            cold = measure([*cli, "catalog", "--repo", str(registry), "--out", str(out),
                            "--no-cache"], args.repeat)  # fmt: skip
            warm = measure([*cli, "catalog", "--repo", str(registry), "--out", str(out)],
                           args.repeat)  # fmt: skip
            target = TARGETS.get(size)
            verdict = ("meets" if cold.best < target else "misses") + f" < {target:.0f} s" \
                if target else ""  # fmt: skip
            print(f"{size:>7,}  {floor!s:>34}  {cold!s:>34}  {cold.best / floor.best:>6.2f}x  "
                  f"{cold.peak_mb:>6.0f} MB  {warm.best:>10.2f} s  {verdict}")  # fmt: skip
            last = out
        if last is None:
            return
        if chromium_path() is None:
            print("search in the browser: skipped (no chromium or playwright)")
            return
        plan_file = next((last / "plans").iterdir()) / "index.html"
        with browser() as chromium:
            page = Page(chromium).open(plan_file)
            for query in QUERIES:
                page.fill("#q", query)
                shown = page.locator("#count").inner_text()
                took = float(page.get_attribute("body", "data-search-ms") or "nan")
                print(f"search {query!r:>24}: {took:6.1f} ms in the page ({shown}; target < 100)")
            page.click("#next")
            took = float(page.get_attribute("body", "data-search-ms") or "nan")
            said = page.locator("#page-said").inner_text()
            print(f"next page: {took:6.1f} ms ({said})")


if __name__ == "__main__":
    main()
