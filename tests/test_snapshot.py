"""Snapshots: a folder and a git revision of the same registry read the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from registry.lint.validate import validate
from registry.load.snapshot import FolderSnapshot, GitSnapshot, SnapshotError, open_snapshot
from tests.conftest import write_files

FILES = {
    "trackplan.yaml": "compatibility: full\n",
    ".github/CODEOWNERS": "plans/web/ @acme/web\n",
    "plans/web/plan.yaml": "plan:\n  id: web\nevents:\n  Page Viewed: {}\n",
    "plans/web/events/orders.yaml": "events:\n  Order Completed: {}\n",
    "plans/web/README.md": "not a plan file\n",
    "src/app.py": "print('not part of the registry')\n",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    write_files(root, dict(files))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    return root


def test_folder_snapshot_lists_only_registry_files(tmp_path: Path) -> None:
    snap = FolderSnapshot(write_files(tmp_path, dict(FILES)))
    assert snap.paths() == [
        ".github/CODEOWNERS",
        "plans/web/events/orders.yaml",
        "plans/web/plan.yaml",
        "trackplan.yaml",
    ]


def test_git_revision_reads_the_same_bytes_as_the_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "plans/web/plan.yaml").write_text("plan:\n  id: web\n")  # uncommitted change
    folder = FolderSnapshot(repo)
    head = GitSnapshot(repo, "HEAD")
    assert head.paths() == folder.paths()
    old = head.read_many(head.paths())
    assert old["plans/web/plan.yaml"] == FILES["plans/web/plan.yaml"].encode()
    assert old["plans/web/events/orders.yaml"] == folder.read("plans/web/events/orders.yaml")
    assert len(head.digest("plans/web/plan.yaml")) == 40


def test_registry_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {f"analytics/{k}": v for k, v in FILES.items()})
    snap = open_snapshot("HEAD", repo / "analytics")
    assert "plans/web/plan.yaml" in snap.paths()
    assert validate(snap).registry.plans["web"].events.keys() == {"Page Viewed", "Order Completed"}


def test_binary_and_empty_files_round_trip(tmp_path: Path) -> None:
    files = {"plans/web/plan.yaml": "plan: {id: web}\n", "plans/web/empty.yaml": ""}
    repo = make_repo(tmp_path / "repo", files)
    snap = GitSnapshot(repo, "main")
    assert snap.read_many(snap.paths()) == {k: v.encode() for k, v in files.items()}


def test_unknown_revision_is_a_clear_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    with pytest.raises(SnapshotError, match="not-a-branch: not a revision"):
        GitSnapshot(repo, "not-a-branch")


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError):
        GitSnapshot(tmp_path, "HEAD")


def test_symlink_out_of_the_registry_is_ignored(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("events: {Secret Viewed: {}}\n")
    root = write_files(tmp_path / "reg", {"plans/web/plan.yaml": "plan: {id: web}\n"})
    (root / "plans/web/link.yaml").symlink_to(outside)
    assert FolderSnapshot(root).paths() == ["plans/web/plan.yaml"]


def test_content_ids_are_sha256_before_and_after_openssl_takes_over() -> None:
    """The first megabyte is hashed without importing hashlib (OpenSSL's start-up), the rest
    with it; every digest is SHA-256's, whichever computed it."""
    code = (
        "import hashlib as reference, sys\n"
        "del sys.modules['hashlib']\n"
        "from registry.load.digest import SWITCH_AFTER, sha256_hex\n"
        "sizes = [0, 1, 55, 56, 64, 3000, SWITCH_AFTER // 2, SWITCH_AFTER // 2, 5, 3 << 20]\n"
        "for size in sizes:\n"
        "    data = bytes(range(256)) * (size // 256) + b'x' * (size % 256)\n"
        "    assert sha256_hex(data) == reference.sha256(data).hexdigest(), size\n"
        "    print(size, 'hashlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    loaded = [line.split()[1] for line in done.stdout.splitlines()]
    assert loaded == ["False"] * 7 + ["True"] * 3, done.stdout  # past the first megabyte
