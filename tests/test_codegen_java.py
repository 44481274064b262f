"""`trackplan generate --lang java`: the class compiles warning-free (javac 17), javac refuses
the calls the plan rejects, and its run-time checks agree with `trackplan check`."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.codegen.java import literal
from tests.codegen_kit import check_failing, synthetic_registry
from tests.codegen_langs import CALLS, PLAN, by_file, generated, nasty_registry, tool
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "acme"
HELPERS = (
    "    static java.util.Map<String, Object> m(Object... kv) {\n"
    "        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();\n"
    "        for (int i = 0; i + 1 < kv.length; i += 2) out.put((String) kv[i], kv[i + 1]);\n"
    "        return out;\n    }\n\n"
    "    static java.util.List<Object> l(Object... items) {\n"
    "        return java.util.Arrays.asList(items);\n    }\n"
)


@pytest.fixture
def javac() -> str:
    return tool("javac", "TRACKPLAN_JAVAC", "Debian's default-jdk-headless")


def _generate(run_cli: Cli, repo: Path, out: Path, plan: str) -> Path:
    return generated(run_cli, "java", repo, out, plan)


def _javac(javac: str, cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([javac, "-Xlint:all", "-Werror", "-encoding", "UTF-8", "-d",
                           str(cwd / "classes"), *map(str, files)], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=600)  # fmt: skip


def _run(javac: str, cwd: Path, main: str, *files: Path) -> str:
    """Compile `files` and run class `main`: what it printed."""
    built = _javac(javac, cwd, *files)
    assert built.returncode == 0, built.stdout + built.stderr
    java = str(Path(javac).with_name("java"))
    ran = subprocess.run([java, "-cp", str(cwd / "classes"), main], cwd=cwd,
                         capture_output=True, text=True, check=False, timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_the_examples_compile_without_warnings(run_cli: Cli, tmp_path: Path, javac: str) -> None:
    big = write_files(tmp_path / "big-repo", synthetic_registry(400, 10))  # type: ignore[arg-type]
    for repo, plan in ((EXAMPLES, "shop"), (EXAMPLES, "segment"), (big, "big")):
        source = _generate(run_cli, repo, tmp_path / plan, plan)
        built = _javac(javac, tmp_path / plan, source)
        assert built.returncode == 0, built.stdout + built.stderr
        assert source.read_text().isascii()  # whatever the platform's source encoding


def test_run_time_checks_agree_with_trackplan_check(
    run_cli: Cli, tmp_path: Path, javac: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    source = _generate(run_cli, repo, tmp_path, "app")
    expected = {i for i, (event, props) in enumerate(CALLS)
                if check_failing(repo, "app", event, [props])}  # fmt: skip
    calls = "".join(f"        calls.add(new Object[] {{{literal(e)}, {literal(p)}}});\n"
                    for e, p in CALLS)  # fmt: skip
    driver = write_files(tmp_path, {"Driver.java": (
        "import trackplan.app.AppTracking;\n\npublic class Driver {\n" + HELPERS
        + "    @SuppressWarnings(\"unchecked\")\n"
        "    public static void main(String[] args) {\n"
        "        java.util.List<Object[]> calls = new java.util.ArrayList<>();\n" + calls
        + "        for (int i = 0; i < calls.size(); i++) {\n"
        "            Object[] c = calls.get(i);\n"
        "            if (!AppTracking.validate((String) c[0], (java.util.Map<String, Object>) c[1])"
        ".isEmpty()) System.out.println(i);\n        }\n    }\n}\n"
    )}) / "Driver.java"  # fmt: skip
    assert {int(n) for n in _run(javac, tmp_path, "Driver", source, driver).split()} == expected
    assert 5 < len(expected) < len(CALLS) - 5


P = "AppTracking."
TYPED = {  # name -> (Java statements, compiles)
    "accepted": (f"t.trackSignedUp({P}SignedUpProperties.builder({P}SignedUpPropertiesMethod"
                 f".EMAIL, {P}SignedUpPropertiesPlatform.IOS).age(30).build());\n"
                 f't.identify("u1", {P}IdentifyTraits.builder("a@b.c").build());\n'
                 f"t.trackOrderCompleted({P}OrderCompletedProperties.builder(java.util.List.of("
                 f'{P}OrderCompletedPropertiesItemsItem.builder("a").build()), "o1", '
                 f"{P}OrderCompletedPropertiesPlatform.IOS, 10.5).build());", True),
    "wrong_type": (f"t.trackSignedUp({P}SignedUpProperties.builder({P}SignedUpPropertiesMethod"
                   f'.EMAIL, {P}SignedUpPropertiesPlatform.IOS).age("thirty").build());', False),
    "wrong_enum": (f"t.trackSignedUp({P}SignedUpProperties.builder({P}SignedUpPropertiesMethod"
                   f'.FAX, {P}SignedUpPropertiesPlatform.IOS).build());', False),
    "missing_required": (f"t.trackSignedUp({P}SignedUpProperties.builder({P}"
                         "SignedUpPropertiesMethod.EMAIL).build());", False),
    "unknown_event": (f"t.trackSignedOut({P}SignedUpProperties.builder(null, null).build());",
                      False),
    "old_name": (f"t.trackSignup({P}SignedUpProperties.builder(null, null).build());", False),
    "closed_event_extra": ("t.trackOrderCompleted(null, java.util.Map.of());", False),
    "open_event_extra": ("t.trackSignedUp(null, java.util.Map.of());", True),
}  # fmt: skip


def test_the_compiler_refuses_what_the_plan_rejects(
    run_cli: Cli, tmp_path: Path, javac: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    source = _generate(run_cli, repo, tmp_path, "app")
    snippets = []
    for name, (body, _) in TYPED.items():
        snippets.append(write_files(tmp_path / "snippets", {f"{name}/Use.java": (
            f"package {name};\n\nimport trackplan.app.AppTracking;\n\npublic class Use {{\n"
            "    @SuppressWarnings(\"deprecation\")\n"
            "    static void use(AppTracking.Tracker t) {\n        " + body + "\n    }\n}\n"
        )}) / name / "Use.java")  # fmt: skip
    built = _javac(javac, tmp_path, source, *snippets)
    errors = by_file(built.stdout + built.stderr, tmp_path / "snippets", tmp_path)
    for name, (_, compiles) in TYPED.items():
        assert (name not in errors) == compiles, (name, errors.get(name))


def test_each_event_has_one_entry_point_and_sends_its_json(
    run_cli: Cli, tmp_path: Path, javac: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    source = _generate(run_cli, repo, tmp_path, "app")
    text = source.read_text()
    methods = sorted(set(re.findall(r"^        public void (track\w+)\(", text, re.M)))
    assert methods == ["trackOldThingHappened", "trackOrderCompleted", "trackSignedUp"]
    assert "         * @deprecated Nobody reads it; use 'Signed Up' instead.\n" in text
    driver = write_files(tmp_path, {"Sent.java": (
        "import trackplan.app.AppTracking;\n\npublic class Sent {\n"
        "    public static void main(String[] args) {\n"
        "        java.util.List<String> said = new java.util.ArrayList<>();\n"
        "        AppTracking.Tracker t = new AppTracking.Tracker((e, p) -> System.out.println("
        "e + \" \" + new java.util.TreeMap<>(p)), true, v -> said.add(v.path() + \" \" + "
        "v.message()));\n"
        "        t.trackSignedUp(AppTracking.SignedUpProperties.builder(AppTracking"
        ".SignedUpPropertiesMethod.EMAIL, AppTracking.SignedUpPropertiesPlatform.IOS)"
        '.code("abc").build(), java.util.Map.of("utm", "x", "method", "ignored"));\n'
        "        System.out.println(said);\n    }\n}\n"
    )}) / "Sent.java"  # fmt: skip
    assert _run(javac, tmp_path, "Sent", source, driver).splitlines() == [
        "Signed Up {code=abc, method=email, platform=ios, utm=x}",  # planned keys win
        '[/code "abc" does not match ^[A-Z]{3}$]',
    ]


def test_any_names_give_valid_unique_identifiers(run_cli: Cli, tmp_path: Path, javac: str) -> None:
    repo = nasty_registry(tmp_path / "registry")
    source = _generate(run_cli, repo, tmp_path, "nasty")
    built = _javac(javac, tmp_path, source)
    assert built.returncode == 0, built.stdout + built.stderr
    text = source.read_text()
    methods = re.findall(r"^        public void (track\w+)\(", text, re.M)
    assert len(set(methods)) == 10
    assert "Party *\\\\/ time" in text  # `*/` cannot end a comment, nor `\\u000a` a line


def test_names_the_generated_code_uses_itself_are_left_to_it(
    run_cli: Cli, tmp_path: Path, javac: str
) -> None:
    from tests.test_codegen_swift import JVM_NAMES

    repo = write_files(tmp_path / "repo", {"plans/x-properties/plan.yaml": JVM_NAMES})
    source = _generate(run_cli, repo, tmp_path, "x-properties")
    assert source.name == "XPropertiesTrackingPlan.java"  # not the shape XPropertiesTracking
    driver = write_files(tmp_path, {"Sent.java": (
        "import trackplan.x_properties.XPropertiesTrackingPlan;\n\npublic class Sent {\n"
        "    public static void main(String[] args) {\n"
        "        System.out.println(new java.util.TreeMap<>(XPropertiesTrackingPlan.XProperties"
        '.builder().out_("o").put_("p").build().toMap()));\n    }\n}\n'
    )}) / "Sent.java"  # fmt: skip
    assert _run(javac, tmp_path, "Sent", source, driver).strip() == "{out=o, put=p}"


def test_class_names_differ_in_more_than_case(run_cli: Cli, tmp_path: Path, javac: str) -> None:
    """Class files are named after classes: on macOS or Windows SignedUpProperties and
    SignedupProperties would be one file."""
    repo = write_files(tmp_path / "repo", {
        "trackplan.yaml": "conventions: {event_name: any}\n",
        "plans/web/plan.yaml": "plan: {id: web}\nevents:\n  Signed Up: {properties: {a: {type: "
                               "string}}}\n  Signedup: {properties: {b: {type: integer}}}\n",
    })  # fmt: skip
    source = _generate(run_cli, repo, tmp_path, "web")
    built = _javac(javac, tmp_path, source)
    assert built.returncode == 0, built.stdout + built.stderr
    classes = [p.name.lower() for p in (tmp_path / "classes").rglob("*.class")]
    assert len(classes) == len(set(classes))
    assert "public record SignedupProperties_" in source.read_text()
