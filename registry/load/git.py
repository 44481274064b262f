"""Every call of the git program: one place that runs it, reads blobs and words its failures.

Names given to git (revisions, tags, URLs) come from users and pull requests: callers put
`--end-of-options` or `--` before them; this module never builds a shell command.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from registry.load.errors import SnapshotError

# subprocess is imported where git runs: reading a registry folder never starts git, and the
# import is 3 ms of every command's start-up.


def run(cwd: Path, *args: str, stdin: str | None = None,
        env: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """git's output as text; SnapshotError naming the folder in one line when it fails."""
    import subprocess

    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              text=True, check=False, env=env)  # fmt: skip
    except FileNotFoundError:
        raise SnapshotError("git is not installed (needed to read revisions)") from None
    except NotADirectoryError:
        raise SnapshotError(f"{cwd}: not a folder") from None
    if proc.returncode != 0:
        raise SnapshotError(failure(cwd, args, proc.stderr))
    return proc.stdout


def failure(cwd: Path, args: tuple[str, ...], stderr: str) -> str:
    """git's complaint as one line that names the folder (and a revision it could not find)."""
    text = " ".join(stderr.strip().split()) or f"git {' '.join(args)} failed"
    if "not a git repository" in text:
        return f"{cwd}: not a git repository (revisions are read with git)"
    text = text.removeprefix("fatal: ").removeprefix("error: ")
    return f"{cwd}: git {args[0] if args else ''} failed: {text}"


def configured(cwd: Path, key: str) -> bool:
    """Whether git config holds a non-empty `key` for the repository at `cwd`."""
    import subprocess

    proc = subprocess.run(["git", "config", key], cwd=cwd, capture_output=True, check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def cat_blobs(cwd: Path, shas: Iterable[str]) -> list[bytes]:
    """The contents of blobs by sha, in order, from one `git cat-file --batch`."""
    import subprocess

    request = "".join(sha + "\n" for sha in shas).encode()
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=cwd, input=request,
                          capture_output=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise SnapshotError(f"git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
    return list(_parse_batch(proc.stdout))


def _parse_batch(out: bytes) -> Iterator[bytes]:
    """Split `git cat-file --batch` output: a header line `<sha> <type> <size>`, then the bytes."""
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3:
            raise SnapshotError(f"git cat-file: unexpected answer {out[pos:end]!r}")
        size = int(header[2])
        yield out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1  # the content is followed by a newline


class BlobReader:
    """One long-lived `git cat-file --batch`: blobs by sha, each read once."""

    def __init__(self, repo: Path) -> None:
        import subprocess

        self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        self._cache: dict[str, bytes] = {}

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(10)

    def read(self, sha: str) -> bytes:
        cached = self._cache.get(sha)
        if cached is not None:
            return cached
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3:
            raise SnapshotError(f"git cat-file: no blob {sha}")
        data = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after the content
        self._cache[sha] = data
        return data
