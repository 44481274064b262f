"""The production command (the Dockerfile's CMD) serving a real delivery end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.web.signature import sign
from tests.botkit import ROOT, SECRET, payload, plan_repo, private_key
from tests.fake_github import FakeGitHub
from tests.service import free_port


def dockerfile_command() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert found is not None
    command: list[str] = json.loads(found.group(1))
    return command


def test_gunicorn_runs_the_bot_like_the_image(tmp_path: Path) -> None:
    command = dockerfile_command()
    assert command == ["gunicorn", "-c", "bot/web/gunicorn.conf.py", "bot.app:create_app()"]
    repo = plan_repo(tmp_path / "repo")
    port = free_port()
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        env = {
            **os.environ,
            "TRACKPLAN_GITHUB_APP_ID": "1",
            "TRACKPLAN_GITHUB_PRIVATE_KEY": private_key(),
            "TRACKPLAN_WEBHOOK_SECRET": SECRET,
            "TRACKPLAN_GITHUB_API_URL": gh.url,
            "TRACKPLAN_DATA_DIR": str(tmp_path / "data"),
            "TRACKPLAN_BIND": f"127.0.0.1:{port}",
            "TRACKPLAN_WORKERS": "1",
        }
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        proc = subprocess.Popen([gunicorn, *command[1:]], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            body = json.dumps(payload("pull_request", "opened.payload.json", gh)).encode()
            request = urllib.request.Request(f"{base}/webhook", data=body, method="POST", headers={
                "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "g-1",
                "X-Hub-Signature-256": sign(SECRET, body), "Content-Type": "application/json",
            })  # fmt: skip
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 202
            while not gh.comments(1) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(gh.comments(1)) == 1
        finally:
            proc.terminate()
            output = proc.communicate(timeout=20)[0].decode()
        assert "Traceback" not in output
        assert SECRET not in output
