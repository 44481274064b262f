"""`trackplan generate --lang go`: the package builds, vets and is gofmt-clean, the compiler
refuses the calls the plan rejects, and its run-time checks agree with `trackplan check`."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.codegen.golang import literal
from tests.codegen_kit import check_failing, synthetic_registry
from tests.codegen_langs import CALLS, PLAN, by_file, env, nasty_registry, tool
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "acme"


@pytest.fixture
def go() -> str:
    return tool("go", "TRACKPLAN_GO", "Debian's golang-go")


def _module(run_cli: Cli, repo: Path, out: Path, plan: str) -> Path:
    """A Go module at `out` holding the generated package of `plan` (in `out/<plan>`)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "go.mod").write_text("module example.com/gen\n\ngo 1.19\n")
    done = run_cli("generate", "--lang", "go", "--repo", str(repo), "--plan", plan, "--out",
                   str(out))  # fmt: skip
    assert done.code == 0, done.err
    return out


def _go(go: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([go, *args], cwd=out, env=env(), capture_output=True, text=True,
                          check=False, timeout=600)  # fmt: skip


def _snippets(
    go: str, out: Path, snippets: dict[str, str], imports: str = ""
) -> dict[str, list[str]]:
    """Each snippet as the body of its own `main` package; go vet's errors by snippet."""
    for name, body in snippets.items():
        write_files(out / "snippets", {f"{name}/main.go": (
            "package main\n\nimport (\n\t\"fmt\"\n\n\tapp \"example.com/gen/app\"\n" + imports
            + ")\n\ntype sink struct{}\n\n"
            "func (sink) Track(e string, p map[string]any) { fmt.Println(e, show(p)) }\n"
            "func (sink) Identify(u string, p map[string]any) { fmt.Println(u, show(p)) }\n"
            "func (sink) Group(g string, p map[string]any) { fmt.Println(g, show(p)) }\n\n"
            "func show(p map[string]any) string { return fmt.Sprint(len(p)) }\n\n"
            "func main() {\n\tt := app.NewTracker(sink{}, app.Options{})\n\t_ = t\n"
            + body + "\n}\n"
        )})  # fmt: skip
    done = _go(go, out, "vet", "./snippets/...")
    return by_file(done.stdout + done.stderr, out / "snippets", out)


def test_the_examples_build_vet_and_are_gofmt_clean(run_cli: Cli, tmp_path: Path, go: str) -> None:
    files = synthetic_registry(120, 6)  # a long name among short ones: gofmt's map sections
    files["plans/big/plan.yaml"] = files["plans/big/plan.yaml"].replace(
        "  Thing 7 Viewed:", "  Thing 7 Viewed With A Name Far Longer Than Any Other Name Here:"
    )
    big = write_files(tmp_path / "big-repo", files)  # type: ignore[arg-type]
    for repo, plan in ((EXAMPLES, "shop"), (EXAMPLES, "segment"), (big, "big")):
        out = _module(run_cli, repo, tmp_path / plan, plan)
        vetted = _go(go, out, "vet", "./...")
        assert vetted.returncode == 0, vetted.stdout + vetted.stderr
        gofmt = Path(go).with_name("gofmt")
        unformatted = subprocess.run([str(gofmt), "-l", "."], cwd=out, capture_output=True,
                                     text=True, check=True)  # fmt: skip
        assert unformatted.stdout == ""


def test_run_time_checks_agree_with_trackplan_check(run_cli: Cli, tmp_path: Path, go: str) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    out = _module(run_cli, repo, tmp_path / "go", "app")
    expected = set()
    for index, (event, props) in enumerate(CALLS):
        if check_failing(repo, "app", event, [props]):
            expected.add(index)
    calls = ",\n".join(f"\t\t{{{literal(e)}, {literal(p)}}}" for e, p in CALLS)
    write_files(out, {"driver/main.go": (
        "package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\n"
        "\tapp \"example.com/gen/app\"\n)\n\nvar _ json.Number\n\n"
        "func main() {\n\tcalls := []struct {\n\t\tevent      string\n"
        "\t\tproperties map[string]any\n"
        f"\t}}{{\n{calls},\n\t}}\n"
        "\tfor i, c := range calls {\n"
        "\t\tif len(app.Validate(c.event, c.properties)) > 0 {\n\t\t\tfmt.Println(i)\n"
        "\t\t}\n\t}\n}\n"
    )})  # fmt: skip
    ran = _go(go, out, "run", "./driver")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert {int(n) for n in ran.stdout.split()} == expected
    assert 5 < len(expected) < len(CALLS) - 5  # the table holds both kinds


TYPED = {  # name -> (Go statements, compiles)
    "accepted": ('\tp, err := app.NewSignedUpProperties("email", "ios")\n'
                 "\tage := int64(30)\n\tp.Age = &age\n\tt.TrackSignedUp(p)\n\t_ = err\n"
                 '\tt.Identify("u1", app.IdentifyTraits{Email: "a@b.c"})\n'
                 '\tt.TrackOrderCompleted(app.OrderCompletedProperties{OrderID: "o1", '
                 'Platform: "ios", Total: 1, Items: []app.OrderCompletedPropertiesItemsItem'
                 '{{SKU: "a"}}})', True),
    "wrong_type": ('\tage := "thirty"\n\tp, _ := app.NewSignedUpProperties("email", "ios")\n'
                   "\tp.Age = &age\n\tt.TrackSignedUp(p)", False),
    "missing_required": ('\tp, _ := app.NewSignedUpProperties("email")\n\tt.TrackSignedUp(p)',
                         False),
    "unknown_event": ("\tt.TrackSignedOut(app.SignedUpProperties{})", False),
    "old_name": ("\tt.TrackSignup(app.SignedUpProperties{})", False),
    "closed_event_extra": ('\tt.TrackOrderCompleted(app.OrderCompletedProperties{}, '
                           'map[string]any{"x": 1})', False),
    "open_event_extra": ('\tt.TrackSignedUp(app.SignedUpProperties{}, map[string]any{"x": 1})',
                         True),
}  # fmt: skip


def test_the_compiler_refuses_what_the_plan_rejects(run_cli: Cli, tmp_path: Path, go: str) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    out = _module(run_cli, repo, tmp_path / "go", "app")
    errors = _snippets(go, out, {name: body for name, (body, _) in TYPED.items()})
    for name, (_, compiles) in TYPED.items():
        assert (name not in errors) == compiles, (name, errors.get(name))


def test_each_event_has_one_entry_point_and_sends_its_json(
    run_cli: Cli, tmp_path: Path, go: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    out = _module(run_cli, repo, tmp_path / "go", "app")
    source = (out / "app" / "app.go").read_text()
    methods = sorted(re.findall(r"^func \(t \*Tracker\) (Track\w+)\(", source, re.M))
    assert methods == ["TrackOldThingHappened", "TrackOrderCompleted", "TrackSignedUp"]
    assert "// Deprecated: Nobody reads it; use 'Signed Up' instead." in source
    write_files(out, {"sent/main.go": (
        "package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\n"
        "\tapp \"example.com/gen/app\"\n)\n\ntype sink struct{}\n\n"
        "func (sink) Track(e string, p map[string]any) { b, _ := json.Marshal(p); "
        "fmt.Println(e, string(b)) }\n"
        "func (sink) Identify(string, map[string]any) {}\n"
        "func (sink) Group(string, map[string]any) {}\n\n"
        "func main() {\n\tvar said []string\n"
        "\tt := app.NewTracker(sink{}, app.Options{OnViolation: func(v app.Violation) "
        "{ said = append(said, v.Path+\" \"+v.Message) }})\n"
        '\tp, err := app.NewSignedUpProperties("fax", "ios")\n\tfmt.Println(err != nil)\n'
        '\tt.TrackSignedUp(p, map[string]any{"utm": "x", "method": "ignored"})\n'
        "\tfmt.Println(len(said))\n}\n"
    )})  # fmt: skip
    ran = _go(go, out, "run", "./sent")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        "true",  # the constructor returned the enum violation
        'Signed Up {"method":"fax","platform":"ios","utm":"x"}',  # planned keys win
        "1",
    ]


def test_any_names_give_valid_unique_identifiers(run_cli: Cli, tmp_path: Path, go: str) -> None:
    repo = nasty_registry(tmp_path / "registry")
    out = _module(run_cli, repo, tmp_path / "go", "nasty")
    vetted = _go(go, out, "vet", "./...")
    assert vetted.returncode == 0, vetted.stdout + vetted.stderr
    source = (out / "nasty" / "nasty.go").read_text()
    methods = re.findall(r"^func \(t \*Tracker\) (Track\w+)\(", source, re.M)
    listed = re.findall(r'^\t"(?:[^"\\]|\\.)*":\s+"(Track\w+)",$', source, re.M)
    assert sorted(methods) == sorted(listed) and len(set(methods)) == 10
    assert "Party *\\/ time" in source
    # A description's "Deprecated:" paragraph would deprecate the method for Go's tools.
    assert "// Floats.\n// @deprecated {@link Tracker} @internal\n// Deprecated: by" in source


ODD_KEYS = """plan: {id: keys}
events:
  Odd Keys:
    properties:
      "-": {type: string, required: true}
      "🎉": {type: string, required: true}
      "a,b": {type: string}
      'say "hi"': {type: string}
      "a`b": {type: string}
      'back\\\\slash': {type: string}
      first_error: {type: string, required: true}
      tags: {type: array, items: {type: string}}
  New Odd Keys: {}
"""


def test_every_key_is_sent_as_the_plan_spells_it(run_cli: Cli, tmp_path: Path, go: str) -> None:
    repo = write_files(tmp_path / "repo", {
        "trackplan.yaml": "conventions: {event_name: any, property_name: any, "
                          "event_grammar: any, forbid_dynamic_names: false}\n",
        "plans/keys/plan.yaml": ODD_KEYS,
    })  # fmt: skip
    out = _module(run_cli, repo, tmp_path / "go", "keys")
    source = (out / "keys" / "keys.go").read_text()
    # The struct of "New Odd Keys" holds the name; the constructor of "Odd Keys" steps aside.
    assert "type NewOddKeysProperties struct" in source
    (constructor,) = re.findall(r"^func (NewOddKeysProperties_\w+)\(", source, re.M)
    write_files(out, {"sent/main.go": (
        "package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\n"
        "\tkeys \"example.com/gen/keys\"\n)\n\n"
        "func main() {\n"
        f'\tp, err := keys.{constructor}("d", "e", "f")\n'
        '\tcomma, odd := "1", "2"\n\tp.AB, p.SayHi = &comma, &odd\n'
        "\tp.Tags = []string{}\n"
        "\tdata, _ := json.Marshal(p)\n\tfmt.Println(err, string(data))\n}\n"
    )})  # fmt: skip
    ran = _go(go, out, "run", "./sent")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    error, sent = ran.stdout.strip().split(" ", 1)
    assert error == "<nil>"
    assert json.loads(sent) == {"-": "d", "first_error": "e", "🎉": "f", "a,b": "1",
                                'say "hi"': "2", "tags": []}  # fmt: skip
