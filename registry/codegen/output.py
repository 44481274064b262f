"""Generated files onto disk all at once, or compared with what is there (`--check`)."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

from registry.codegen import CodegenError
from registry.outpaths import OutsideOut, inside
from registry.records import record

DIFF_LINES = 20  # of each differing file, in --check's report


def write_all(out: Path, files: dict[str, str]) -> None:
    """Every file written to a staging folder inside `out`, then each moved into place:
    a failure while writing leaves `out` as it was."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".trackplan-generate-", dir=out))
    except OSError as exc:
        raise CodegenError(f"{out}: cannot write the generated code there ({exc.strerror})"
                           ) from None  # fmt: skip
    try:
        targets = {name: _inside(out, name) for name in files}
        for name, text in sorted(files.items()):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)  # a package's folder
            (staging / name).write_bytes(text.encode("utf-8"))
        for name in sorted(files):
            targets[name].parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, targets[name])
    except OSError as exc:
        raise CodegenError(f"{out}: cannot write the generated code there ({exc.strerror})"
                           ) from None  # fmt: skip
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _inside(out: Path, name: str) -> Path:
    try:
        return inside(out, name)
    except OutsideOut as exc:
        raise CodegenError(str(exc)) from None


@record(frozen=True)
class Difference:
    """A generated file that is missing on disk or differs there, with a short diff."""

    path: Path
    summary: str
    diff: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [f"{self.path}: {self.summary}", *self.diff]


def differences(out: Path, files: dict[str, str]) -> list[Difference]:
    """For `--check`: each file that is missing or differs on disk, with a short diff."""
    found: list[Difference] = []
    for name, text in sorted(files.items()):
        path = _inside(out, name)
        try:
            have = path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            found.append(Difference(path, "missing (run `trackplan generate` without --check)"))
            continue
        except OSError as exc:
            raise CodegenError(f"{path}: cannot read ({exc.strerror})") from None
        if have == text:
            continue
        diff = list(difflib.unified_diff(have.splitlines(), text.splitlines(),
                                         f"{path} (on disk)", f"{path} (generated)",
                                         n=1, lineterm=""))  # fmt: skip
        changed = sum(1 for line in diff[2:] if line[:1] in "+-")
        shown = diff[: DIFF_LINES + 2]
        if len(diff) > len(shown):
            shown.append(f"... ({len(diff) - len(shown)} more diff lines)")
        found.append(Difference(path, f"differs from the generated code ({changed} lines)",
                                tuple(shown)))  # fmt: skip
    return found
