"""Benchmark release, log and pull on a repository with 200 releases over 1,000 commits.

Builds a git repository whose plan gains a property or an event per commit (one file per
event) and is released every 5th commit (with fast-import: setup takes a second), then
prints the time of `trackplan release --dry-run`, `trackplan log` for one event, and
`trackplan pull`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.release.artifacts import ReleaseInfo, changelog  # noqa: E402


def event_file(step: int) -> tuple[str, str]:
    """The event file that commit `step` writes: a new event every 10 steps, which gains a
    property on each of the next 9 (one file per event, as real registries split them)."""
    event = (step - 1) // 10
    count = (step - 1) % 10 + 1
    lines = ["events:", f"  Thing {_word(event)} Viewed:", "    properties:"]
    lines += [f"      field_{_word(p)}: {{type: string}}" for p in range(count)]
    return f"plans/web/events/thing-{_word(event)}.yaml", "\n".join(lines) + "\n"


def _word(number: int) -> str:
    letters = "abcdefghij"
    return "".join(letters[int(d)] for d in str(number))


def build(repo: Path, commits: int, every: int) -> int:
    """Write the history with `git fast-import`; returns the number of release tags."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    stream: list[bytes] = []
    released = 0
    version = [1, 0, 0]
    for step in range(1, commits + 1):
        path, text = event_file(step)
        data = text.encode()
        message = f"Change {step} (#{step})".encode()
        stream += [b"commit refs/heads/main\n", f"mark :{step}\n".encode(),
                   f"committer t <t@example.com> {1700000000 + step * 60} +0000\n".encode(),
                   f"data {len(message)}\n".encode(), message, b"\n"]  # fmt: skip
        if step > 1:
            stream.append(f"from :{step - 1}\n".encode())
        if step == 1:
            plan = b"plan:\n  id: web\n"
            stream += [f"M 100644 inline plans/web/plan.yaml\ndata {len(plan)}\n".encode(), plan,
                       b"\n"]  # fmt: skip
        stream += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
        if step % every == 0:
            name = f"web/v{version[0]}.{version[1]}.{version[2]}"
            text = changelog("web", name.split("/v")[1], [], None, ReleaseInfo("0" * 40)).encode()
            stream += [f"tag {name}\nfrom :{step}\n".encode(),
                       f"tagger t <t@example.com> {1700000000 + step * 60} +0000\n".encode(),
                       f"data {len(text)}\n".encode(), text, b"\n"]  # fmt: skip
            version[1] += 1
            released += 1
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream),
                   check=True)  # fmt: skip
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    return released


def timed(label: str, *args: str, cwd: Path) -> None:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "registry", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)  # fmt: skip
    took = time.perf_counter() - start
    last = (proc.stdout.strip().splitlines() or [proc.stderr.strip()])[-1][:70]
    print(f"  {label:<34} {took:7.2f} s  (exit {proc.returncode}: {last})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--every", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp, "repo")
        start = time.perf_counter()
        tags = build(repo, args.commits, args.every)
        print(f"{args.commits} commits, {tags} release tags "
              f"(built in {time.perf_counter() - start:.1f} s)")  # fmt: skip
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "tip"], cwd=repo,
                       check=True, env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
                                        "PATH": "/usr/bin:/bin"})  # fmt: skip
        env_dir = Path(tmp, "out")
        env_dir.mkdir()
        timed("release --dry-run", "release", "--repo", str(repo), "--dry-run", cwd=env_dir)
        timed("log 'web/Thing a Viewed'", "log", "web/Thing a Viewed", "--repo", str(repo),
              cwd=env_dir)  # fmt: skip
        timed("log web (whole plan)", "log", "web", "--repo", str(repo), cwd=env_dir)
        timed("pull web@^1", "pull", "web@^1", "--from", str(repo), cwd=env_dir)


if __name__ == "__main__":
    main()
