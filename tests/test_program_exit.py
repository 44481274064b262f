"""The program's end: exit handlers run and output is flushed, the teardown is skipped, and a
thread still running is waited for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A process that registers an exit handler and keeps an object whose finalizer reports a
# teardown, then runs one command and ends the way `{ending}` says.
SCRIPT = """\
import atexit, sys
atexit.register(lambda: open({marker!r}, "w").write("handled"))

class Late:
    def __del__(self):
        sys.stderr.write("torn down\\n")

keep = Late()
sys.argv = ["trackplan", *{argv!r}]
from trackplan.program import program, run
{ending}
"""


def _run(
    tmp_path: Path, argv: list[str], ending: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    marker = tmp_path / "handled.txt"
    code = SCRIPT.format(marker=str(marker), argv=argv, ending=ending)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    return done, marker.read_text() if marker.exists() else ""


def test_the_program_ends_with_its_handlers_run_its_output_flushed_and_no_teardown(
    tmp_path: Path,
) -> None:
    done, handled = _run(tmp_path, ["validate", "--repo", "examples/acme"], "run()")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("0 errors, 0 warnings in 9 files"), done.stdout
    assert handled == "handled"
    assert "torn down" not in done.stderr
    # The same command ended by the interpreter's own exit tears the object down.
    done, handled = _run(tmp_path, ["validate", "--repo", "examples/acme"],
                         "sys.exit(program())")  # fmt: skip
    assert (done.returncode, handled) == (0, "handled")
    assert "torn down" in done.stderr


def test_the_program_ends_with_the_commands_exit_status(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    (registry / "plans").mkdir(parents=True)
    (registry / "trackplan.yaml").write_text("version: 1\n")
    (registry / "plans" / "web.yaml").write_text("plan: web\nevents: [unclosed\n")
    done, handled = _run(tmp_path, ["validate", "--repo", str(registry)], "run()")
    assert (done.returncode, handled) == (1, "handled"), done.stderr
    assert "web.yaml:2" in done.stdout + done.stderr


def test_the_program_waits_for_a_thread_still_running(tmp_path: Path) -> None:
    """A thread left running (none of the commands leaves one) keeps Python's own exit,
    which joins it before the process ends."""
    written = tmp_path / "thread.txt"
    ending = (
        "import threading, time\n"
        f"threading.Thread(target=lambda: (time.sleep(0.5), open({str(written)!r}, 'w')"
        ".write('done'))).start()\n"
        "run()\n"
    )
    done, handled = _run(tmp_path, ["validate", "--repo", "examples/acme"], ending)
    assert (done.returncode, handled) == (0, "handled"), done.stderr
    assert written.read_text() == "done"
    assert "torn down" in done.stderr


def test_a_profiler_around_the_program_still_writes_its_profile(tmp_path: Path) -> None:
    """`python -m cProfile -o F -m trackplan ...` writes F after the program returns: the
    program ends the interpreter's way under it (and under coverage's tracer, or -i)."""
    profile = tmp_path / "validate.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "trackplan", "validate",
         "--repo", "examples/acme"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert profile.stat().st_size > 0
