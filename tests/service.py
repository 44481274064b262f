"""The bot as production runs it: gunicorn with bot/web/gunicorn.conf.py, in its process group."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bot.web.signature import sign
from tests.botkit import ROOT, SECRET, private_key
from tests.fake_github import FakeGitHub


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """`Service(gh, data).start()`; `kill(SIGKILL)` the whole group or `stop()` gracefully."""

    def __init__(self, gh: FakeGitHub, data_dir: Path, **env: str) -> None:
        self.gh = gh
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TRACKPLAN_GITHUB_APP_ID": "1",
            "TRACKPLAN_GITHUB_PRIVATE_KEY": private_key(),
            "TRACKPLAN_WEBHOOK_SECRET": SECRET,
            "TRACKPLAN_GITHUB_API_URL": gh.url,
            "TRACKPLAN_DATA_DIR": str(data_dir),
            "TRACKPLAN_BIND": f"127.0.0.1:{self.port}",
            "TRACKPLAN_SECONDS_BETWEEN_REQUESTS": "0",
            "TRACKPLAN_SECONDS_BETWEEN_WRITES": "0",
            "TRACKPLAN_WORKERS": "2",
            **env,
        }
        self.log = data_dir.parent / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> Service:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "-c", "bot/web/gunicorn.conf.py", "bot.app:create_app()"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def workers(self) -> list[int]:
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def kill_worker(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """The whole service at once (master and workers), as a crash or `kill -9` does."""
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)
        self.proc.wait(30)

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM to the master, as `docker stop` and every deploy do."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        return self.proc.returncode

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as response:
            data: dict[str, Any] = json.loads(response.read())
            return data

    def deliver(self, event: str, body: dict[str, Any] | bytes, delivery: str | None = None,
                timeout: float = 10.0) -> int:  # fmt: skip
        """POST a signed delivery; GitHub's own timeout is 10 s."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}/webhook", data=raw, method="POST", headers={
            "X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(SECRET, raw), "Content-Type": "application/json",
        })  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


class WorkerProcess:
    """`trackplan bot worker` with a service's settings: works off the shared queue only."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trackplan", "bot", "worker", "--graceful-seconds", "4"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(30)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def wait_until(condition: Any, timeout: float, what: str) -> float:
    """Poll until `condition()` is true; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")
