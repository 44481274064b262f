"""Benchmark `trackplan generate` on a 2,000-event x 25-property plan, per language.

The plan's release artifacts (plan JSON and schema bundle) and a trackplan.lock are written
as `trackplan pull` writes them; then `trackplan generate --lang L` runs in this process
from the lock, as an app's build does. Printed per language: the best of --repeat runs,
against the target (2 s) and against a baseline measured in the same run: reading,
checksumming and parsing the artifacts alone (what any generator must do).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runs import sized  # noqa: E402
from registry.codegen import LANGUAGES  # noqa: E402
from registry.load.loader import load_registry  # noqa: E402
from registry.load.snapshot import FolderSnapshot  # noqa: E402
from registry.release.artifacts import canonical_json, plan_document, schema_bundle  # noqa: E402
from tests.codegen_kit import synthetic_registry  # noqa: E402
from tests.conftest import write_files  # noqa: E402
from trackplan.cli import main as trackplan  # noqa: E402

TARGET = 2.0


def pulled_release(app: Path, events: int, props: int) -> list[Path]:
    """A lock and the artifacts of plan `big` 1.0.0 in `app`, as `trackplan pull` leaves them."""
    registry = write_files(app / "registry", synthetic_registry(events, props))  # type: ignore[arg-type]
    plan = load_registry(FolderSnapshot(registry)).registry.plans["big"]
    files = {
        "big-1.0.0.plan.json": canonical_json(plan_document(plan, "1.0.0")),
        "big-1.0.0.schema.json": canonical_json(schema_bundle(plan, "1.0.0")),
    }
    folder = app / "trackplan-plans" / "big"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    entry = {"version": "1.0.0", "range": "^1", "source": "benchmark", "artifacts": digests}
    lock = {"lockfile": 1, "plans": {"big": entry}}
    (app / "trackplan.lock").write_text(json.dumps(lock))
    return [folder / name for name in files]


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    args = sized(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp)
        artifacts = pulled_release(app, args.events, args.props)
        size = sum(p.stat().st_size for p in artifacts)
        print(f"plan: {args.events} events x {args.props} properties "
              f"(artifacts {size / 1e6:.1f} MB)")  # fmt: skip

        def floor() -> None:
            for path in artifacts:
                data = path.read_bytes()
                hashlib.sha256(data).hexdigest()
                json.loads(data)

        baseline = best(args.repeat, floor)
        print(f"baseline (read, checksum, parse the artifacts): {baseline:.2f} s")
        for lang in sorted(LANGUAGES):
            argv = ["generate", "--lang", lang, "--lock", str(app / "trackplan.lock"),
                    "--plans", str(app / "trackplan-plans"), "--out", str(app / lang)]  # fmt: skip

            def run(argv: list[str] = argv) -> None:
                with contextlib.redirect_stdout(io.StringIO()):
                    assert trackplan(argv) == 0

            seconds = best(args.repeat, run)
            (out,) = [p for p in (app / lang).rglob("*") if p.is_file()]
            verdict = "meets" if seconds < TARGET else "MISSES"
            print(f"{lang:>10}: {seconds:.2f} s ({seconds / baseline:.1f}x the baseline; "
                  f"{verdict} the {TARGET:.0f} s target), {out.stat().st_size / 1e6:.1f} MB "
                  f"in {out.relative_to(app / lang)}")  # fmt: skip


if __name__ == "__main__":
    main()
