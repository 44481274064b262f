"""Benchmark `trackplan mcp` (targets: start-up under 1 s; search_events on a 10,000-event
registry under 50 ms once the plans are read).

Driven over stdio by the MCP SDK's own client, as an assistant drives it. Printed per
registry (the examples, and a synthetic one of --events x 25 properties in files of 1,000):
- start-up: from launching the server to its answer to the handshake (the plans are read in
  the background meanwhile);
- the first search: it waits for the plans to be read (cold: parse and validate; warm: the
  parse cache of an earlier run);
- then --queries searches of varied words: median and 95th percentile of the round trip.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from tests.codegen_kit import synthetic_registry  # noqa: E402
from tests.conftest import write_files  # noqa: E402

WORDS = ["thing", "viewed", "prop", "thing 42", "viewed 9999", "nothing like it", "prop_3",
         "thing 5 viewed", "order", "checkout"]  # fmt: skip


def measure(repo: Path, queries: int, cache: Path) -> tuple[float, float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKPLAN_CACHE_DIR": str(cache)}
    server = StdioServerParameters(command=sys.executable, cwd=str(ROOT), env=env,
                                   args=["-m", "registry", "mcp", "--repo", str(repo)])  # fmt: skip

    async def main() -> tuple[float, float, float, float]:
        started = time.perf_counter()
        async with Client(server, read_timeout_seconds=300) as client:
            ready = time.perf_counter() - started
            begin = time.perf_counter()
            await client.call_tool("search_events", {"query": "thing"})
            first = time.perf_counter() - begin
            times = []
            for i in range(queries):
                begin = time.perf_counter()
                result = await client.call_tool("search_events",
                                                {"query": WORDS[i % len(WORDS)]})  # fmt: skip
                times.append(time.perf_counter() - begin)
                assert not result.is_error
            times.sort()
            return ready, first, statistics.median(times), times[int(len(times) * 0.95) - 1]

    return anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = write_files(Path(tmp) / "registry", synthetic_registry(args.events, 25, 1000))
        print(f"{'registry':>24}  {'cache':>5}  {'start-up':>9}  {'first search':>12}  "
              f"{'search median':>13}  {'p95':>8}")  # fmt: skip
        for label, repo in (("examples/acme", ROOT / "examples" / "acme"),
                            (f"{args.events:,} events", big)):  # fmt: skip
            cache = Path(tmp) / f"cache-{label.split()[0]}"
            for state in ("cold", "warm"):
                ready, first, median, p95 = measure(repo, args.queries, cache)
                print(f"{label:>24}  {state:>5}  {ready:>7.2f} s  {first:>10.2f} s  "
                      f"{median * 1000:>10.1f} ms  {p95 * 1000:>5.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
