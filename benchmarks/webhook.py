"""Benchmark the bot under gunicorn: webhook acknowledgement and delivery-to-comment time.

Starts the fake GitHub (tests/fake_github.py), then, with the production gunicorn config,
first a bare Flask app that only checks the signature (benchmarks/bare_app.py) and then the
bot; sends each the same 2,000 signed deliveries from a second process with 8 concurrent
clients and prints throughput and ack latency p50/p99 of both, side by side; then times a
pull_request delivery until its comment appears on the fake. Targets (issue 9): the bot's
p99 within 4x the bare app's and its throughput at least half of it; delivery -> comment
< 1 s. `--backend postgres` adds the bot on a PostgreSQL queue (a database of its own on
127.0.0.1:5432, dropped afterwards; issue 17) beside the SQLite one, in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.web.signature import sign  # noqa: E402
from tests.botkit import SECRET, payload, plan_repo, private_key  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402
from tests.postgres import fresh_database  # noqa: E402

LOADER = r"""
import http.client, json, sys, time
from concurrent.futures import ThreadPoolExecutor
port, count, clients, body_path, secret_sig = sys.argv[1:6]
body = open(body_path, "rb").read()
def worker(offset):
    times = []
    for i in range(offset, int(count), int(clients)):
        start = time.perf_counter()
        # One connection per delivery, as GitHub opens them: the kernel spreads them over
        # the worker processes (kept-alive ones would stay wherever they were accepted).
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        conn.request("POST", "/webhook", body=body, headers={
            "X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": f"bench-{i}",
            "X-Hub-Signature-256": secret_sig, "Content-Type": "application/json"})
        response = conn.getresponse(); response.read(); conn.close()
        assert response.status < 300, response.status
        times.append(time.perf_counter() - start)
    return times
start = time.perf_counter()
with ThreadPoolExecutor(int(clients)) as pool:
    results = [t for ts in pool.map(worker, range(int(clients))) for t in ts]
print(json.dumps({"seconds": time.perf_counter() - start, "latencies": results}))
"""


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


def load(port: int, args: argparse.Namespace, body_path: Path, signature: str) -> dict[str, float]:
    loader = subprocess.run(
        [sys.executable, "-c", LOADER.replace("issue_comment", args.event), str(port),
         str(args.deliveries), str(args.clients), str(body_path), signature],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(loader.stdout)
    latencies = [t * 1000 for t in result["latencies"]]
    return {
        "throughput": args.deliveries / result["seconds"],
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--event",
        default="pull_request_review",
        help="event of the load deliveries (issue_comment: acked, not stored)",
    )
    parser.add_argument(
        "--backend", choices=("sqlite", "postgres"), default="sqlite",
        help="postgres: also the bot on a PostgreSQL queue (TRACKPLAN_TEST_POSTGRES_URL, "
        "default postgresql://postgres@127.0.0.1:5432/postgres, creates its own database)",
    )  # fmt: skip
    args = parser.parse_args()
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
        runs = [("bare Flask", "benchmarks.bare_app:create_app()", {}),
                ("bot, SQLite", "bot.app:create_app()", {})]  # fmt: skip
        if args.backend == "postgres":
            url = stack.enter_context(fresh_database("trackplan_bench"))
            runs.append(("bot, PostgreSQL", "bot.app:create_app()",
                         {"TRACKPLAN_DATABASE_URL": url}))  # fmt: skip
            # Split roles: web processes only acknowledge, a `trackplan bot worker` works.
            split = {"TRACKPLAN_DATABASE_URL": url, "TRACKPLAN_EMBEDDED_WORKER": "0"}
            runs.append(("  web + worker", "bot.app:create_app()", split))
        # Handled deliveries are stored before the ack: pull_request_review of other PRs.
        review = payload("pull_request_review", "submitted.payload.json", gh, number=99)
        body_path = root / "body.json"
        body = json.dumps(review).encode()
        body_path.write_bytes(body)
        results, comments = {}, {}
        for number, (name, app, extra) in enumerate(runs):
            port = free_port()
            data = {"TRACKPLAN_DATA_DIR": str(root / f"data-{number}")}
            server = start(app, {**env, **data, **extra}, port)
            worker = None
            if extra.get("TRACKPLAN_EMBEDDED_WORKER") == "0":
                worker = subprocess.Popen(
                    [sys.executable, "-m", "trackplan", "bot", "worker"], cwd=ROOT,
                    env={**env, **data, **extra}, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            try:
                results[name] = load(port, args, body_path, sign(SECRET, body))
                if number:  # the bots: each reviews a pull request of its own
                    gh.add_pull(number, head="rename")
                    comments[name] = comment_time(f"http://127.0.0.1:{port}", gh, number)
            finally:
                for process in (server, worker):
                    if process is not None:
                        process.terminate()
                        process.wait(30)
        threads = os.environ.get("TRACKPLAN_THREADS", "32")
        print(f"{args.deliveries} signed {args.event} deliveries, {args.clients} clients, "
              f"gunicorn {args.workers} workers x {threads} threads")  # fmt: skip
        print(f"  {'':18}{'throughput':>12}{'ack p50':>12}{'ack p99':>12}"
              f"{'p99/bare':>10}{'tput/bare':>11}{'-> comment':>12}")  # fmt: skip
        bare = results["bare Flask"]
        for name, r in results.items():
            ratios = (f"{r['p99'] / bare['p99']:9.2f}x{r['throughput'] / bare['throughput']:10.2f}"
                      f"{comments[name] * 1000:9.0f} ms" if name in comments else "")  # fmt: skip
            print(f"  {name:18}{r['throughput']:10.0f}/s{r['p50']:9.2f} ms{r['p99']:9.2f} ms"
                  f"{ratios}")  # fmt: skip
        print("  targets: p99/bare <= 4x, tput/bare >= 0.5, delivery -> comment < 1000 ms")


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
