"""Fuzz: mutated registries never crash validate, diff or review (bounded for CI)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackplan.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "acme"
FILES = sorted(p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*.yaml"))
TOKENS = [": ", "[", "]", "{", "}", "&a ", "*a", "!!str ", "!!python/name:os.system ", "- ",
          "\t", "  ", "#", "\"", "'", "?", "|", ">", "%", "@", "`", "\u202e", "\x1b[2J",
          "9" * 400, "-.inf", "0x1F", "~", "null", "true", "$ref: ", "type: 5", "enum: 3",
          "required: [", "properties: 7", "renamed_from: ", "\ufeff", "\x00"]  # fmt: skip

mutation = st.tuples(
    st.sampled_from(FILES),
    st.sampled_from(
        [
            "insert",
            "delete-line",
            "duplicate-line",
            "swap-lines",
            "truncate",
            "dedent",
            "replace-value",
        ]
    ),
    st.integers(0, 10_000),
    st.sampled_from(TOKENS),
)


def mutate(root: Path, steps: list[tuple[str, str, int, str]]) -> None:
    for name, how, where, token in steps:
        path = root / name
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        lines = text.split("\n")
        i = where % max(len(lines), 1)
        if how == "insert":
            pos = where % (len(text) + 1)
            text = text[:pos] + token + text[pos:]
        elif how == "delete-line":
            text = "\n".join(lines[:i] + lines[i + 1 :])
        elif how == "duplicate-line":
            text = "\n".join(lines[: i + 1] + lines[i:])
        elif how == "swap-lines" and len(lines) > 1:
            j = (i + 1) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif how == "truncate":
            text = text[: where % (len(text) + 1)]
        elif how == "dedent":
            lines[i] = lines[i].lstrip()
            text = "\n".join(lines)
        elif how == "replace-value" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {token}"
            text = "\n".join(lines)
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))


def run(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


BUDGET = int(os.environ.get("TRACKPLAN_FUZZ_EXAMPLES", "60"))


@settings(max_examples=BUDGET, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_registries_never_crash_validate_diff_or_review(
    steps: list[tuple[str, str, int, str]],
) -> None:
    """Each command ends with its documented exit code (0, 1 or 2), never an exception. The
    budget (60 mutated registries, four commands each) is derandomized for CI; set
    TRACKPLAN_FUZZ_EXAMPLES to search longer."""
    with tempfile.TemporaryDirectory() as tmp:
        head = Path(tmp) / "head"
        shutil.copytree(EXAMPLE, head)
        mutate(head, steps)
        commands = [
            ("validate", "--no-cache", "--repo", str(head)),
            ("diff", str(EXAMPLE), str(head), "--no-cache"),
            ("review", str(EXAMPLE), str(head), "--no-cache"),
            ("diff", str(head), str(EXAMPLE), "--no-cache", "--format", "json"),
        ]
        for args in commands:
            assert run(*args) in (0, 1, 2), (args, steps)
