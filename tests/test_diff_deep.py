"""The diff's DeepDiff import: in the program's own process, without the data libraries
deepdiff looks for, nor asyncio, and every one of them importable as usual afterwards; as it comes
for a library caller (each case in a fresh interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

from registry.diff.deep import INTEGRATIONS

ROOT = Path(__file__).resolve().parent.parent


def _installed_fakes(where: Path, names: tuple[str, ...]) -> None:
    """numpy, pandas, ... as importable packages that say they were imported."""
    for name in names:
        (where / name).mkdir()
        (where / name / "__init__.py").write_text("LOADED = True\n")
    if "pydantic" in names:
        (where / "pydantic" / "main.py").write_text("class BaseModel:\n    pass\n")


def _run(tmp_path: Path, code: str, fakes: tuple[str, ...] = INTEGRATIONS) -> object:
    _installed_fakes(tmp_path, fakes)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_deepdiff_comes_without_the_libraries_it_looks_for_which_stay_importable(
    tmp_path: Path,
) -> None:
    seen = _run(
        tmp_path,
        """
        import importlib, sys
        from registry.diff.deep import INTEGRATIONS, deep_diff, lean_imports
        lean_imports()
        found = deep_diff({"a": {"x": 1, "z": 1}, "b": 1}, {"a": {"y": 1, "z": 1}, "b": 2})
        kinds = sorted(found)
        during = sorted(n for n in (*INTEGRATIONS, "asyncio", "ssl") if n in sys.modules)
        import deepdiff.helper, cachebox.utils
        known = deepdiff.helper.PydanticBaseModel.__module__
        lock = cachebox.utils.asyncio.Lock  # cachebox's asyncio: the real one, on first use
        import asyncio
        ran = asyncio.run(asyncio.sleep(0, result="ran"))
        after = [importlib.import_module(n).LOADED for n in INTEGRATIONS]
        print(repr((kinds, during, known, lock is asyncio.Lock, ran, after)))
        """,
    )
    assert seen == (
        ["dictionary_item_added", "dictionary_item_removed", "values_changed"],
        [],  # none of them loaded by deepdiff's import
        "deepdiff.helper",  # its stand-in for pydantic's BaseModel
        True,
        "ran",
        [True] * len(INTEGRATIONS),  # each imports as usual afterwards
    )


def test_a_library_already_loaded_stays_known_to_deepdiff(tmp_path: Path) -> None:
    """The MCP server has pydantic loaded before any diff: deepdiff still learns its types."""
    seen = _run(
        tmp_path,
        """
        import asyncio, pydantic.main
        from registry.diff.deep import deep_diff, lean_imports
        lean_imports()
        deep_diff({"a": 1}, {"a": 2})
        import deepdiff.helper, cachebox.utils
        print(repr((deepdiff.helper.PydanticBaseModel is pydantic.main.BaseModel,
                    cachebox.utils.asyncio is asyncio)))
        """,
    )
    assert seen == (True, True)


def test_threads_that_diff_at_once_each_get_deepdiff(tmp_path: Path) -> None:
    """The bot diffs in several threads: one imports deepdiff, the others wait for it (they
    saw the half-imported module, and no DeepDiff in it, before the lock covered the
    check)."""
    seen = _run(
        tmp_path,
        """
        import sys, threading, time
        from registry.diff.deep import deep_diff, lean_imports
        lean_imports()

        importing = threading.Event()

        class Slow:  # holds deepdiff half-imported while the other threads come
            def find_spec(self, name, path=None, target=None):
                if name == "deepdiff.diff":
                    importing.set()
                    time.sleep(0.5)

        sys.meta_path.insert(0, Slow())
        found, errors = [], []
        def diff():
            try:
                found.append(sorted(deep_diff({"a": 1, "b": 2}, {"a": 2, "b": 2})))
            except Exception as exc:
                errors.append(repr(exc))
        first = threading.Thread(target=diff)
        first.start()
        importing.wait(60)
        others = [threading.Thread(target=diff) for _ in range(7)]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join()
        print(repr((found, errors)))
        """,
    )
    assert seen == ([["values_changed"]] * 8, [])


def test_a_library_caller_gets_deepdiff_as_it_comes(tmp_path: Path) -> None:
    """Without `lean_imports` (`import registry` in someone's application), deepdiff learns
    the libraries installed, for whatever the application compares with it later."""
    seen = _run(
        tmp_path,
        """
        import sys
        from registry.diff.deep import deep_diff
        found = sorted(deep_diff({"a": 1}, {"a": 2}))
        import deepdiff.helper, pydantic.main
        print(repr((found, deepdiff.helper.PydanticBaseModel is pydantic.main.BaseModel,
                    type(sys.modules["cachebox.utils"].asyncio).__name__)))
        """,
        fakes=("pydantic",),  # a fake numpy would not do for deepdiff's use of it
    )
    assert seen == (["values_changed"], True, "module")


def test_a_command_run_in_an_application_gets_deepdiff_as_it_comes(tmp_path: Path) -> None:
    """`main` called in someone's process (not the program's own) leaves deepdiff whole."""
    seen = _run(
        tmp_path,
        """
        from trackplan.cli import main
        code = main(["diff", "examples/acme-base", "examples/acme", "--no-cache"])
        import deepdiff.helper, pydantic.main
        print(repr((code, deepdiff.helper.PydanticBaseModel is pydantic.main.BaseModel)))
        """,
        fakes=("pydantic",),
    )
    assert seen == (1, True)  # the examples' diff meets a breaking change, and DeepDiff
