"""`trackplan generate --lang kotlin`: the file compiles warning-free (kotlinc -Werror),
kotlinc refuses the calls the plan rejects, and its run-time checks agree with
`trackplan check`. Each test compiles once: kotlinc is slow to start."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.codegen.kotlin import literal
from tests.codegen_kit import check_failing, synthetic_registry
from tests.codegen_langs import CALLS, PLAN, by_file, generated, nasty_registry, tool
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "acme"


@pytest.fixture
def kotlinc() -> str:
    return tool("kotlinc", "TRACKPLAN_KOTLINC", "npm's kotlin-compiler")


def _generate(run_cli: Cli, repo: Path, out: Path, plan: str) -> Path:
    return generated(run_cli, "kotlin", repo, out, plan)


def _kotlinc(kotlinc: str, cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([kotlinc, "-Werror", "-d",
                           str(cwd / "classes"), *map(str, files)], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=900)  # fmt: skip


def test_the_examples_compile_without_warnings(run_cli: Cli, tmp_path: Path, kotlinc: str) -> None:
    big = write_files(tmp_path / "big-repo", synthetic_registry(150, 8))  # type: ignore[arg-type]
    plans = ((EXAMPLES, "shop"), (EXAMPLES, "segment"), (big, "big"))
    sources = [_generate(run_cli, repo, tmp_path / "out", plan) for repo, plan in plans]
    built = _kotlinc(kotlinc, tmp_path, *sources)
    assert built.returncode == 0, built.stdout + built.stderr


def test_run_time_checks_agree_with_trackplan_check_and_calls_send_their_json(
    run_cli: Cli, tmp_path: Path, kotlinc: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    source = _generate(run_cli, repo, tmp_path, "app")
    expected = {i for i, (event, props) in enumerate(CALLS)
                if check_failing(repo, "app", event, [props])}  # fmt: skip
    calls = "".join(f"        {literal(e)} to {literal(p)},\n" for e, p in CALLS)
    driver = write_files(tmp_path, {"Driver.kt": (
        "import trackplan.app.*\n\n"
        "fun m(vararg kv: Any?): Map<String, Any?> =\n"
        "    kv.toList().chunked(2).associate { (k, v) -> k as String to v }\n\n"
        "fun l(vararg items: Any?): List<Any?> = items.toList()\n\n"
        "fun main() {\n    val calls = listOf(\n" + calls + "    )\n"
        "    calls.forEachIndexed { i, (event, props) ->\n"
        "        if (AppTracking.validate(event, props).isNotEmpty()) println(i)\n    }\n"
        "    val said = mutableListOf<String>()\n"
        "    val t = Tracker(object : Sink {\n"
        "        override fun track(event: String, properties: Map<String, Any?>) {\n"
        "            println(\"sent \" + event + \" \" + properties.toSortedMap())\n        }\n"
        "    }, onViolation = { said.add(it.path + \" \" + it.message) })\n"
        "    t.trackSignedUp(SignedUpProperties(method = SignedUpPropertiesMethod.EMAIL, "
        "platform = SignedUpPropertiesPlatform.IOS, code = \"abc\"), "
        "mapOf(\"utm\" to \"x\", \"method\" to \"ignored\"))\n"
        "    t.trackOrderCompleted(OrderCompletedProperties(items = listOf(), orderId = \"o1\", "
        "platform = OrderCompletedPropertiesPlatform.IOS, total = 1.0).with("
        "OrderCompletedProperties.PaymentCase.Invoice(poNumber = \"P1\")))\n"
        "    println(said)\n}\n"
    )}) / "Driver.kt"  # fmt: skip
    built = _kotlinc(kotlinc, tmp_path, source, driver)
    assert built.returncode == 0, built.stdout + built.stderr
    runner = str(Path(kotlinc).with_name("kotlin"))
    ran = subprocess.run([runner, "-cp", str(tmp_path / "classes"), "DriverKt"], cwd=tmp_path,
                         capture_output=True, text=True, check=False, timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert {int(n) for n in lines[:-3]} == expected
    assert 5 < len(expected) < len(CALLS) - 5
    assert lines[-3:] == [
        "sent Signed Up {code=abc, method=email, platform=ios, utm=x}",  # planned keys win
        "sent Order Completed {items=[], order_id=o1, payment=invoice, platform=ios, "
        "po_number=P1, total=1.0}",  # the case set payment and po_number
        '[/code "abc" does not match ^[A-Z]{3}$]',
    ]


SIGNED_UP = (
    "SignedUpProperties(method = SignedUpPropertiesMethod.EMAIL, platform = "
    "SignedUpPropertiesPlatform.IOS"
)
ORDER = (
    'OrderCompletedProperties(items = listOf(), orderId = "o1", platform = '
    "OrderCompletedPropertiesPlatform.IOS, total = 1.0)"
)
TYPED = {  # name -> (Kotlin statements, compiles)
    "accepted": (f"t.trackSignedUp({SIGNED_UP}, age = 30))\n"
                 '    t.identify("u1", IdentifyTraits(email = "a@b.c"))\n'
                 "    t.trackOrderCompleted(OrderCompletedProperties(items = listOf("
                 'OrderCompletedPropertiesItemsItem(sku = "a")), orderId = "o1", platform = '
                 "OrderCompletedPropertiesPlatform.IOS, total = 10.5))", True),
    "wrong_type": (f't.trackSignedUp({SIGNED_UP}, age = "thirty"))', False),
    "wrong_enum": ("t.trackSignedUp(SignedUpProperties(method = SignedUpPropertiesMethod.FAX, "
                   "platform = SignedUpPropertiesPlatform.IOS))", False),
    "missing_required": ("t.trackSignedUp(SignedUpProperties(method = "
                         "SignedUpPropertiesMethod.EMAIL))", False),
    "unknown_event": (f"t.trackSignedOut({SIGNED_UP}))", False),
    "old_name": (f"t.trackSignup({SIGNED_UP}))", False),
    "closed_event_extra": ('t.trackOrderCompleted(OrderCompletedProperties(items = listOf(), '
                           'orderId = "o1", platform = OrderCompletedPropertiesPlatform.IOS, '
                           'total = 1.0), mapOf("x" to 1))', False),
    "open_event_extra": (f't.trackSignedUp({SIGNED_UP}), mapOf("x" to 1))', True),
    # Variants as sealed classes: a case sets the discriminator and takes what it requires.
    "variant_case": (f"t.trackOrderCompleted({ORDER}.with(OrderCompletedProperties.PaymentCase"
                     '.Invoice(poNumber = "P1")))', True),
    "variant_case_missing": (f"t.trackOrderCompleted({ORDER}.with(OrderCompletedProperties"
                             ".PaymentCase.Invoice()))", False),
}  # fmt: skip


def test_the_compiler_refuses_what_the_plan_rejects_and_any_name_compiles(
    run_cli: Cli, tmp_path: Path, kotlinc: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    source = _generate(run_cli, repo, tmp_path / "out", "app")
    nasty = _generate(run_cli, nasty_registry(tmp_path / "nasty"), tmp_path / "out", "nasty")
    snippets = [write_files(tmp_path / "snippets", {f"{name}.kt": (
        f"package snippets.{name}\n\nimport trackplan.app.*\n\n"
        "fun use(t: Tracker) {\n    " + body + "\n}\n"
    )}) / f"{name}.kt" for name, (body, _) in TYPED.items()]  # fmt: skip
    built = _kotlinc(kotlinc, tmp_path, source, nasty, *snippets)
    errors = by_file(built.stdout + built.stderr, tmp_path / "snippets", tmp_path)
    generated = by_file(built.stdout + built.stderr, tmp_path / "out", tmp_path)
    assert generated == {}, generated  # the generated code itself: clean, warnings too
    for name, (_, compiles) in TYPED.items():
        assert (name not in errors) == compiles, (name, errors.get(name))
    text = nasty.read_text()
    assert len(set(re.findall(r"^    fun (track\w+)\(", text, re.M))) == 10
    assert "Party *\\/ time" in text
    app = source.read_text()
    assert "    @Deprecated(\"Nobody reads it; use 'Signed Up' instead.\")\n" in app


def test_names_the_generated_code_uses_itself_are_left_to_it(
    run_cli: Cli, tmp_path: Path, kotlinc: str
) -> None:
    from tests.test_codegen_swift import JVM_NAMES

    repo = write_files(tmp_path / "repo", {"plans/x-properties/plan.yaml": JVM_NAMES,
                                          "plans/group-traits/plan.yaml": FACADE})  # fmt: skip
    source = _generate(run_cli, repo, tmp_path / "out", "x-properties")
    assert source.name == "XPropertiesTrackingPlan.kt"  # not the shape XPropertiesTracking
    # The group traits' enum would be GroupTraitsTrackingKt: the class Kotlin makes for
    # GroupTraitsTracking.kt's top-level functions.
    facade = _generate(run_cli, repo, tmp_path / "out", "group-traits")
    assert "enum class GroupTraitsTrackingKt(" not in facade.read_text()
    built = _kotlinc(kotlinc, tmp_path, source, facade)  # Long.MIN_VALUE, out, put, json
    assert built.returncode == 0, built.stdout + built.stderr


FACADE = """\
plan: {id: group-traits, title: G, owners: ["@acme/x"]}
group: {traits: {tracking_kt: {type: string, enum: [a, b]}}}
events: {Order Completed: {properties: {total: {type: number}}}}
"""
