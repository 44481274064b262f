"""Benchmark `trackplan catalog` on a 2,000-event x 25-property plan (target: renders < 3 s,
search answers < 100 ms in the browser).

The registry is the synthetic one of the code generation benchmark. Printed:
- rendering the pages from the loaded plan (the catalog's own work), best of --repeat;
- `trackplan catalog` in a fresh process, cold (--no-cache: parse and validate the YAML
  first) and warm (the parse cache), against `trackplan validate` cold as the baseline
  (what any catalog must do before it renders);
- with Chromium (Debian's, driven by Playwright): the time the page's search takes to
  filter the 2,000 rows, as the page itself measures it (`data-search-ms`), per query.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import best, sized  # noqa: E402
from registry.catalog.model import plan_page  # noqa: E402
from registry.catalog.render import catalog_files  # noqa: E402
from registry.load.cache import ParseCache  # noqa: E402
from registry.pull.sources import from_registry  # noqa: E402
from tests.browser import Page, browser, chromium_path  # noqa: E402
from tests.codegen_kit import synthetic_registry  # noqa: E402
from tests.conftest import write_files  # noqa: E402

TARGET = 3.0
QUERIES = ["prop", "thing 1999", "nothing matches this", ""]


def main() -> None:
    args = sized(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        registry = write_files(Path(tmp) / "registry", synthetic_registry(args.events, args.props))  # type: ignore[arg-type]
        found, _errors = from_registry(registry, None, ParseCache(None))
        render = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            files = catalog_files([plan_page(a.document, []) for a in found], "bench")
            render = min(render, time.perf_counter() - start)
        size = sum(len(data) for data in files.values()) / 1e6
        cli = [sys.executable, "-m", "registry"]
        floor = best([*cli, "validate", "--repo", str(registry), "--no-cache"], args.repeat)
        out = Path(tmp) / "site"
        cold = best([*cli, "catalog", "--repo", str(registry), "--out", str(out), "--no-cache"],
                    args.repeat)  # fmt: skip
        warm = best([*cli, "catalog", "--repo", str(registry), "--out", str(out)], args.repeat)
        verdict = "meets" if render < TARGET else "misses"
        print(f"plan: {args.events:,} events x {args.props} properties; "
              f"{len(files) - 1:,} pages, {size:.1f} MB")  # fmt: skip
        print(f"render the pages: {render:.2f} s, best of {args.repeat} ({verdict} the "
              f"{TARGET:.0f} s target)")  # fmt: skip
        print(f"trackplan catalog: cold {cold:.2f} s, warm {warm:.2f} s; baseline trackplan "
              f"validate cold {floor:.2f} s")  # fmt: skip
        if chromium_path() is None:
            print("search in the browser: skipped (no chromium or playwright)")
            return
        plan_file = next((out / "plans").iterdir()) / "index.html"
        with browser() as chromium:
            page = Page(chromium).open(plan_file)
            for query in QUERIES:
                page.fill("#q", query)
                shown = page.locator("#count").inner_text()
                took = float(page.get_attribute("body", "data-search-ms") or "nan")
                print(f"search {query!r:>24}: {took:6.1f} ms in the page ({shown}; target < 100)")


if __name__ == "__main__":
    main()
