"""Benchmark the bot under gunicorn: webhook acknowledgement and delivery-to-comment time.

Starts the fake GitHub (tests/fake_github.py) and gunicorn with the production config, then
sends 2,000 signed deliveries from a second process with 8 concurrent clients and prints
throughput and ack latency p50/p99; then times a pull_request delivery until its comment
appears on the fake, for the example registry. Targets (issue 4): ack p99 < 20 ms,
delivery -> comment < 1 s.
"""

from __future__ import annotations

import argparse
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

from bot.signature import sign  # noqa: E402
from tests.botkit import SECRET, payload, plan_repo, private_key  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402

LOADER = r"""
import http.client, json, sys, time
from concurrent.futures import ThreadPoolExecutor
port, count, clients, body_path, secret_sig = sys.argv[1:6]
body = open(body_path, "rb").read()
def worker(offset):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    times = []
    for i in range(offset, int(count), int(clients)):
        start = time.perf_counter()
        conn.request("POST", "/webhook", body=body, headers={
            "X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": f"bench-{i}",
            "X-Hub-Signature-256": secret_sig, "Content-Type": "application/json"})
        response = conn.getresponse(); response.read()
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = plan_repo(root / "repo")
        with FakeGitHub(repo) as gh:
            gh.add_pull(1, head="rename")
            port = free_port()
            env = {**os.environ, "TRACKPLAN_GITHUB_APP_ID": "1",
                   "TRACKPLAN_GITHUB_PRIVATE_KEY": private_key(),
                   "TRACKPLAN_WEBHOOK_SECRET": SECRET, "TRACKPLAN_GITHUB_API_URL": gh.url,
                   "TRACKPLAN_DATA_DIR": str(root / "data"),
                   "TRACKPLAN_BIND": f"127.0.0.1:{port}",
                   "TRACKPLAN_WORKERS": str(args.workers), "TRACKPLAN_LOG_LEVEL": "warning",
                   # The fake needs no pacing; GitHub does (DESIGN.md §10).
                   "TRACKPLAN_SECONDS_BETWEEN_REQUESTS": "0",
                   "TRACKPLAN_SECONDS_BETWEEN_WRITES": "0"}  # fmt: skip
            gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
            server = subprocess.Popen(
                [gunicorn, "-c", "bot/gunicorn.conf.py", "--access-logfile", "/dev/null",
                 "bot.app:create_app()"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                base = f"http://127.0.0.1:{port}"
                wait_healthy(base)
                # Acks: an event the bot stores nothing for is the cheapest; a handled one
                # is stored first. Measure handled ones: pull_request_review for other PRs.
                review = payload("pull_request_review", "submitted.payload.json", gh, number=99)
                body_path = root / "body.json"
                body = json.dumps(review).encode()
                body_path.write_bytes(body)
                loader = subprocess.run(
                    [sys.executable, "-c", LOADER.replace("issue_comment", args.event),
                     str(port), str(args.deliveries), str(args.clients), str(body_path),
                     sign(SECRET, body)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                result = json.loads(loader.stdout)
                latencies = [t * 1000 for t in result["latencies"]]
                print(f"{args.deliveries} signed deliveries, {args.clients} clients, "
                      f"gunicorn {args.workers} workers x 4 threads")  # fmt: skip
                print(f"  throughput            {args.deliveries / result['seconds']:8.0f} /s")
                print(f"  ack latency p50       {statistics.median(latencies):8.2f} ms")
                print(f"  ack latency p99       {percentile(latencies, 0.99):8.2f} ms"
                      "   (target < 20 ms)")  # fmt: skip
                # Delivery -> comment on the example registry's breaking PR.
                opened = json.dumps(payload("pull_request", "opened.payload.json", gh)).encode()
                time.sleep(1.0)  # let the worker settle the burst (other PR numbers)
                start = time.perf_counter()
                post(base, "pull_request", opened, "bench-pr")
                while not gh.comments(1) and time.perf_counter() - start < 30:
                    time.sleep(0.005)
                took = time.perf_counter() - start
                print(f"  delivery -> comment   {took * 1000:8.0f} ms   (target < 1000 ms)")
            finally:
                server.terminate()
                server.wait(20)


if __name__ == "__main__":
    main()
