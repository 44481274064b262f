"""The loader without ruamel.yaml.clib (PyPy, platforms with no wheel) finds the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from registry.lint.rules import RULES, example_files
from tests.conftest import write_files

ROOT = Path(__file__).resolve().parent.parent

# Runs the CLI's validation over folders with the C extension made unimportable.
SCRIPT = r"""
import json, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("_ruamel_yaml", "_ruamel_yaml_clibz"):
            raise ImportError("the C extension is blocked for this test")
sys.meta_path.insert(0, Block())
from registry.load import yamlsafe
assert type(yamlsafe._parser(b"a: 1")).__name__ == "_PureParser", "C parser still in use"
from registry.lint.validate import validate
from registry.load.snapshot import FolderSnapshot
out = {}
for folder in sys.argv[1:]:
    result = validate(FolderSnapshot(folder), parse=None)
    out[folder] = [f.to_dict() for f in result.findings]
print(json.dumps(out))
"""

HOSTILE = {
    "alias bomb": {
        "plans/web/plan.yaml": "plan:\n  id: web\nx: &a [1, 1]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    },
    "deep nesting": {"plans/web/plan.yaml": "plan:\n  id: web\nx: " + "[" * 500 + "]" * 500},
    "python tag": {
        "plans/web/plan.yaml": "plan:\n  id: web\nx: !!python/object/apply:os.system [echo]\n"
    },
    "bad utf-8": {"plans/web/plan.yaml": "plan:\n  id: web\n" + "x: \udcff\n"},
    "tabs": {"plans/web/plan.yaml": "plan:\n\tid: web\n"},
    "unclosed": {"plans/web/plan.yaml": "plan:\n  id: web\nevents: {A: [\n"},
}


def test_the_pure_python_parser_finds_what_the_c_parser_finds(tmp_path: Path) -> None:
    from registry.lint.validate import validate
    from registry.load.snapshot import FolderSnapshot

    folders = []
    cases = {f"{r.id}-{kind}": files for r in RULES
             for kind, files in (("invalid", r.invalid), ("valid", r.valid))}  # fmt: skip
    cases.update(HOSTILE)
    for index, (_name, files) in enumerate(sorted(cases.items())):
        if any(len(text) > 100_000 for text in files.values()):
            continue  # the 4 MiB example: size limits do not depend on the parser
        folder = tmp_path / f"{index:03}"
        raw = {p: t.encode("utf-8", "surrogateescape") for p, t in example_files(files).items()}
        write_files(folder, dict(raw))
        folders.append(str(folder))
    pure = subprocess.run([sys.executable, "-c", SCRIPT, *folders], cwd=ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    found = json.loads(pure.stdout)
    assert len(found) == len(folders) > 60

    def key(f: dict[str, Any]) -> tuple[str, str, str, int]:
        # The parsers word syntax errors differently; the rule and the line must agree.
        return (f["rule"], f["level"], f["location"]["file"], f["location"]["line"])

    for folder in folders:
        with_c = [f.to_dict() for f in validate(FolderSnapshot(folder), parse=None).findings]
        assert [key(f) for f in found[folder]] == [key(f) for f in with_c], folder
