"""Benchmark the bot under gunicorn: webhook acknowledgement and delivery-to-comment time.

Starts the fake GitHub (tests/fake_github.py), then, with the production gunicorn config, a
bare Flask app that only checks the signature (benchmarks/bare_app.py: the floor) and the
bot, and loads each with wrk (Debian's `wrk`, a C client that is not the bottleneck: a
Python client capped the floor near 1,500 deliveries/s) sending the same signed delivery
with a unique X-GitHub-Delivery per request:
- 8 and 64 connections (--connections);
- kept alive (a steady client) and closed after each delivery, as GitHub sends them
  (--modes keepalive,close).
The bot runs twice: as deployed by default (each web process also works off the queue,
here reviewing the load's burst on the same cores), and acks only
(TRACKPLAN_EMBEDDED_WORKER=0, the web side of a split deployment). Every configuration runs
--repeat times, the apps taking turns in each round (the floor varies from run to run on a
shared machine); printed per configuration: the median of
throughput and ack p99 with their spread (min-max), and the bot's ratios to the floor's
medians. Then times a pull_request delivery until its comment appears on the fake.

Kept-alive connections stay with the gunicorn worker that accepted them, and which one that
is varies from run to run: with 8 connections, one worker may hold them all and the other
idle, for the floor as for the bot, which halves that run's throughput. Each kept-alive run
therefore also records how the connections were split between the workers (read from
/proc a second into the run), and the ratios are printed twice: over every round, and over
the rounds where both the floor and the bot had each worker hold at least a quarter of the
connections (the issue's own figures counted only such runs).
Targets (issue 31): on SQLite, p99 at most 2x the floor's and throughput at least 0.6 of
it; on PostgreSQL (`--backend postgres`, a database of its own on 127.0.0.1:5432, dropped
afterwards), throughput at least 0.4; delivery -> comment < 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.web.signature import sign  # noqa: E402
from tests.botkit import SECRET, payload, plan_repo, private_key  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402
from tests.postgres import fresh_database  # noqa: E402

# wrk's request script: one body and signature, a delivery id unique per thread, run and
# request (duplicates would be acknowledged without a write, flattering the bot).
WRK_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
local nonce = "run"
function init(args)
  nonce = args[1]
  local file = io.open(args[2], "rb")
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-GitHub-Event"] = args[3]
  wrk.headers["X-Hub-Signature-256"] = args[4]
  if args[5] == "close" then wrk.headers["Connection"] = "close" end
end
function request()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = nonce .. "-" .. tid .. "-" .. counter
  return wrk.format(nil, "/webhook")
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def post(base: str, event: str, body: bytes, delivery: str) -> int:
    request = urllib.request.Request(f"{base}/webhook", data=body, method="POST", headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET, body), "Content-Type": "application/json",
    })  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start(app: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "-c", "bot/web/gunicorn.conf.py", "--access-logfile", "/dev/null", app],
        cwd=ROOT, env={**env, "TRACKPLAN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_healthy(f"http://127.0.0.1:{port}")
    return server


def server_cpu(pid: int) -> float:
    """CPU seconds the gunicorn master `pid` and its workers have used so far (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0.0
    for each in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def connections_by_worker(master: int, port: int) -> list[int]:
    """Established connections to `port` that each worker of the gunicorn `master` holds
    (Linux: /proc/net/tcp, and each worker's open files)."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "01" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    sockets.add(f"socket:[{parts[9]}]")
    held = []
    for worker in _children(master):
        count = 0
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{worker}/fd").iterdir():
                with contextlib.suppress(OSError):
                    count += os.readlink(fd) in sockets
        held.append(count)
    return sorted(held, reverse=True)


def wrk(
    server: int,
    port: int,
    connections: int,
    mode: str,
    seconds: float,
    script: Path,
    body: Path,
    event: str,
    signature: str,
    nonce: str,
) -> dict[str, Any]:
    """One wrk run: deliveries per second, ack p99 (ms), the server's CPU per delivery (ms)
    and, kept alive, the connections each worker held; exits on any non-2xx answer."""
    threads = min(2, connections)
    cpu = server_cpu(server)
    running = subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{round(seconds)}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{port}", "--", nonce, str(body), event,
         signature, mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    held: list[int] | None = None  # not kept alive: each delivery picks a worker anew
    if mode == "keepalive":
        time.sleep(min(1.0, seconds / 3))
        held = connections_by_worker(server, port)
    out, err = running.communicate()
    if running.returncode != 0:
        raise SystemExit(f"wrk failed:\n{err}")
    cpu = server_cpu(server) - cpu
    if "Non-2xx" in out or ("Socket errors" in out and mode == "keepalive"):
        raise SystemExit(f"wrk saw failed requests:\n{out}")
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if p99 is None or rate is None or count is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return {"throughput": float(rate.group(1)), "p99": float(p99.group(1)) * _UNITS[p99.group(2)],
            "cpu": cpu * 1000 / max(1, int(count.group(1))), "held": held}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", default="8,64", help="wrk connections (default 8,64)")
    parser.add_argument("--modes", default="keepalive,close",
                        help="keepalive (a steady client), close (a connection per delivery, "
                        "as GitHub sends them), or both (default)")  # fmt: skip
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--event",
        default="pull_request_review",
        help="event of the load deliveries (stored; issue_comment is acked, not stored)",
    )
    parser.add_argument(
        "--backend", choices=("sqlite", "postgres"), default="sqlite",
        help="postgres: also the bot on a PostgreSQL queue (TRACKPLAN_TEST_POSTGRES_URL, "
        "default postgresql://postgres@127.0.0.1:5432/postgres, creates its own database)",
    )  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        repo = plan_repo(root / "repo")
        gh = stack.enter_context(FakeGitHub(repo))
        env = {**os.environ, "TRACKPLAN_GITHUB_APP_ID": "1",
               "TRACKPLAN_GITHUB_PRIVATE_KEY": private_key(),
               "TRACKPLAN_WEBHOOK_SECRET": SECRET, "TRACKPLAN_GITHUB_API_URL": gh.url,
               "TRACKPLAN_WORKERS": str(args.workers), "TRACKPLAN_LOG_LEVEL": "warning",
               # The fake needs no pacing; GitHub does (DESIGN.md §10).
               "TRACKPLAN_SECONDS_BETWEEN_REQUESTS": "0",
               "TRACKPLAN_SECONDS_BETWEEN_WRITES": "0"}  # fmt: skip
        env.pop("TRACKPLAN_DATABASE_URL", None)
        # "acks only": web processes without their embedded queue workers (as beside a
        # `trackplan bot worker`): the acknowledgement path alone. With them, the workers
        # also review this benchmark's burst of deliveries on the same cores.
        runs = [("bare Flask", "benchmarks.bare_app:create_app()", {}),
                ("bot, SQLite", "bot.app:create_app()", {}),
                ("  acks only", "bot.app:create_app()",
                 {"TRACKPLAN_EMBEDDED_WORKER": "0"})]  # fmt: skip
        if args.backend == "postgres":
            url = stack.enter_context(fresh_database("trackplan_bench"))
            runs.append(("bot, PostgreSQL", "bot.app:create_app()",
                         {"TRACKPLAN_DATABASE_URL": url}))  # fmt: skip
        # Handled deliveries are stored before the ack: pull_request_review of other PRs.
        review = payload("pull_request_review", "submitted.payload.json", gh, number=99)
        body_path, script = root / "body.json", root / "deliveries.lua"
        body = json.dumps(review).encode()
        body_path.write_bytes(body)
        script.write_text(WRK_SCRIPT)
        configs = [(int(c), m) for c in args.connections.split(",") for m in args.modes.split(",")]
        measured: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
        comments: dict[str, float] = {}
        for round_ in range(args.repeat):
            for number, (name, app, extra) in enumerate(runs):
                port = free_port()
                data = {"TRACKPLAN_DATA_DIR": str(root / f"data-{number}")}
                server = start(app, {**env, **data, **extra}, port)
                try:
                    for connections, mode in configs:
                        nonce = f"r{round_}-{connections}-{mode}"
                        measured.setdefault((name, connections, mode), []).append(
                            wrk(server.pid, port, connections, mode, args.seconds, script,
                                body_path, args.event, sign(SECRET, body), nonce))  # fmt: skip
                    reviews = number and extra.get("TRACKPLAN_EMBEDDED_WORKER") != "0"
                    if reviews and round_ == 0:  # the bots: each reviews a pull request
                        gh.add_pull(number, head="rename")
                        comments[name] = comment_time(f"http://127.0.0.1:{port}", gh, number)
                finally:
                    server.terminate()
                    server.wait(30)
        report(args, runs, configs, measured, comments, len(body))


def _split(run: dict[str, Any]) -> str:
    held = run["held"]
    return "-" if held is None else "/".join(str(n) for n in held) or "?"


def _even(run: dict[str, Any], connections: int) -> bool:
    """Each worker held at least a quarter of the connections (or they were not kept)."""
    held = run["held"]
    return held is None or (len(held) > 1 and min(held) * 4 >= connections)


def report(args: argparse.Namespace, runs: list[tuple[str, str, dict[str, str]]],
           configs: list[tuple[int, str]], measured: dict[tuple[str, int, str],
           list[dict[str, Any]]], comments: dict[str, float], size: int) -> None:  # fmt: skip
    threads = os.environ.get("TRACKPLAN_THREADS", "32")
    print(f"signed {args.event} deliveries of {size:,} bytes, unique ids; gunicorn "
          f"{args.workers} workers x {threads} threads; wrk {args.seconds:g} s per run, "
          f"{args.repeat} rounds: median [min-max]. Kept alive: the connections each worker "
          f"held in each round, and the ratios again over the rounds where, on both sides, "
          f"each worker held at least a quarter of them (even)")  # fmt: skip
    print(f"  {'':16}{'conns':>6} {'connection':<10}{'deliveries/s':>22}{'ack p99 ms':>22}"
          f"{'CPU ms':>8}{'p99/floor':>10}{'tput/floor':>11}{'even: p99, tput (rounds)':>32}"
          f"  split by worker")  # fmt: skip
    for connections, mode in configs:
        floor = measured[("bare Flask", connections, mode)]
        for name, _app, _extra in runs:
            rows = measured[(name, connections, mode)]
            tput = [r["throughput"] for r in rows]
            p99 = [r["p99"] for r in rows]
            cpu = statistics.median(r["cpu"] for r in rows)
            ratios, even_ratios = " " * 21, " " * 32
            if name != "bare Flask":
                ratios = _ratios(rows, floor)
                even = [(r, f) for r, f in zip(rows, floor, strict=True)
                        if _even(r, connections) and _even(f, connections)]  # fmt: skip
                if mode == "keepalive":
                    mine, theirs = [r for r, _ in even], [f for _, f in even]
                    shown = _ratios(mine, theirs) if even else f"{'none':>21}"
                    even_ratios = f"{shown}{f'({len(even)})':>11}"
            splits = " ".join(_split(r) for r in rows)
            print(f"  {name:16}{connections:>6} {mode:<10}"
                  f"{statistics.median(tput):9.0f} [{min(tput):5.0f}-{max(tput):5.0f}]"
                  f"{statistics.median(p99):9.2f} [{min(p99):5.1f}-{max(p99):5.1f}]"
                  f"{cpu:8.2f}{ratios}{even_ratios}  {splits}")  # fmt: skip
    for name, seconds in comments.items():
        print(f"  {name}: delivery -> comment {seconds * 1000:.0f} ms")
    print(
        "  targets: SQLite p99/floor <= 2x and tput/floor >= 0.6; PostgreSQL tput/floor >= "
        "0.4; delivery -> comment < 1000 ms"
    )


def _ratios(rows: list[dict[str, Any]], floor: list[dict[str, Any]]) -> str:
    p99 = statistics.median(r["p99"] for r in rows) / statistics.median(r["p99"] for r in floor)
    tput = statistics.median(r["throughput"] for r in rows) / statistics.median(
        r["throughput"] for r in floor)  # fmt: skip
    return f"{p99:9.2f}x{tput:10.2f}x"


def comment_time(base: str, gh: FakeGitHub, number: int) -> float:
    """A pull_request delivery until its comment is on the fake (the example registry)."""
    opened = json.dumps(payload("pull_request", "opened.payload.json", gh, number=number))
    time.sleep(1.0)  # let the worker settle the burst (other PR numbers)
    start = time.perf_counter()
    post(base, "pull_request", opened.encode(), f"bench-pr-{number}")
    while not gh.comments(number) and time.perf_counter() - start < 30:
        time.sleep(0.005)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
