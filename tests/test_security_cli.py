"""What the CLI hands git and the disk: no option from a name, no path out of --out (issue 22)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from registry.codegen import LANGUAGES, CodegenError
from registry.codegen.model import build_model
from registry.codegen.output import write_all
from tests.conftest import CliResult, write_files
from tests.test_snapshot import git

Cli = Callable[..., CliResult]
PLAN = "plans/web/plan.yaml"


def test_a_revision_that_looks_like_an_option_is_a_revision(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path / "r", {PLAN: "plan: {id: web}\n"})
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plans")
    target = tmp_path / "written-by-git"
    result = run_cli("diff", "--repo", str(repo), "--", f"--output={target}", "HEAD")
    assert result.code == 2
    assert "not a revision" in result.err
    assert not target.exists()
    assert run_cli("diff", "--repo", str(repo), "HEAD", "HEAD").code == 0


@pytest.mark.parametrize("template", ["-{plan}-{version}", "--upload-pack={plan}{version}",
                                      "{plan} v{version}", "{plan}..{version}"])  # fmt: skip
def test_a_tag_template_git_would_misread_is_refused(
    run_cli: Cli, tmp_path: Path, template: str
) -> None:
    repo = write_files(
        tmp_path / "r",
        {PLAN: "plan: {id: web}\n", "trackplan.yaml": f"release:\n  tag: '{template}'\n"},
    )
    result = run_cli("validate", "--repo", str(repo))
    assert result.code == 1
    assert "trackplan.yaml:2:" in result.out


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("plan_id", ["../../escaped", "/tmp/abs", "a/../../b"])
def test_generated_files_never_leave_out(tmp_path: Path, lang: str, plan_id: str) -> None:
    """A release's plan id names the generated file: a forged one cannot walk out of --out."""
    document = {"plan": plan_id, "version": "1.0.0", "events": {}}
    model = build_model(document, {"$defs": {"events": {}}}, "forged.schema.json", "0" * 64)
    files = LANGUAGES[lang](model, "test")
    out = tmp_path / "deep" / "out"
    if all(not Path(n).is_absolute() and ".." not in Path(n).parts for n in files):
        write_all(out, files)  # named from the id's letters alone (Go, Java, Kotlin, Swift)
        written = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert written and all(out.resolve() in p.resolve().parents for p in written)
        for p in written:
            p.unlink()
    else:
        with pytest.raises(CodegenError, match="refused"):
            write_all(out, files)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    write_all(out, {"web.ts": "export {};\n"})  # a plain name still goes in
    assert (out / "web.ts").read_text() == "export {};\n"
