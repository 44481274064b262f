"""Generated files onto disk all at once, or compared with what is there (`--check`)."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

from registry.codegen import CodegenError

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
        for name, text in sorted(files.items()):
            (staging / name).write_bytes(text.encode("utf-8"))
        for name in sorted(files):
            os.replace(staging / name, out / name)
    except OSError as exc:
        raise CodegenError(f"{out}: cannot write the generated code there ({exc.strerror})"
                           ) from None  # fmt: skip
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def differences(out: Path, files: dict[str, str]) -> list[str]:
    """For `--check`: a short unified diff per file that is missing or differs on disk."""
    report: list[str] = []
    for name, text in sorted(files.items()):
        path = out / name
        try:
            have = path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            report.append(f"{path}: missing (run `trackplan generate` without --check)")
            continue
        except OSError as exc:
            raise CodegenError(f"{path}: cannot read ({exc.strerror})") from None
        if have == text:
            continue
        diff = list(difflib.unified_diff(have.splitlines(), text.splitlines(),
                                         f"{path} (on disk)", f"{path} (generated)",
                                         n=1, lineterm=""))  # fmt: skip
        changed = sum(1 for line in diff[2:] if line[:1] in "+-")
        report.append(f"{path}: differs from the generated code ({changed} lines)")
        report += diff[: DIFF_LINES + 2]
        if len(diff) > DIFF_LINES + 2:
            report.append(f"... ({len(diff) - DIFF_LINES - 2} more diff lines)")
    return report
