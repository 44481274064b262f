"""rudder-cli projects as they are written today: rudder/v1 (`kind: tracking-plan`, URN
references), custom types, nested properties, item types, variants, name templates."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from registry.load.yamlsafe import load_yaml
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
PROJECT = Path(__file__).parent / "fixtures" / "formats" / "rudderstack_v1"


def _import(run_cli: Cli, repo: Path) -> tuple[CliResult, dict[str, Any]]:
    done = run_cli("import", "rudderstack", str(PROJECT), "--plan", "shop", "--repo", str(repo),
                   "--format", "json")  # fmt: skip
    plan = load_yaml((repo / "plans/shop/plan.yaml").read_bytes()).data
    return done, plan


def test_a_v1_project_with_custom_types_and_nested_properties(run_cli: Cli, tmp_path: Path) -> None:
    done, plan = _import(run_cli, tmp_path)
    assert done.code in (0, 1), done.err  # 1: the naming lint of the templated event's id
    assert plan["plan"]["title"] == "Shop"
    checkout = plan["events"]["Checkout Started"]
    assert checkout["additional_properties"] is False
    cart = checkout["properties"]["cart"]
    assert cart["required"] is True and cart["properties"]["cart_id"]["required"] is True
    assert cart["properties"]["total"] == {"type": ["number", "null"], "minimum": 0}
    address = cart["properties"]["address"]  # a custom type, expanded with its name kept
    assert address["description"] == "Custom type PostalAddress: A postal address."
    assert address["properties"]["country"]["enum"] == ["DE", "FR", "US"]
    assert checkout["properties"]["tags"]["items"] == {"type": "string"}
    assert checkout["properties"]["coupon"] == {"type": "string", "minLength": 3, "maxLength": 16}
    assert plan["identify"]["traits"]["email"]["format"] == "email"
    assert "api_called" in plan["events"]  # `{{ .API_TRACKING_NAME }}` is no event name


def test_every_definition_it_cannot_hold_is_named_with_its_place(
    run_cli: Cli, tmp_path: Path
) -> None:
    done, plan = _import(run_cli, tmp_path)
    lost = done.json()["lost"]
    said = {(loss["kind"], loss["what"].split(" at ")[0]) for loss in lost}
    assert ("variant", "variant 'Card' when #property:payment_kind is ['card'] of a custom "
            "type: card_last4 (required)") in said  # fmt: skip
    assert ("rule", "a page rule home_rule (a plan holds track, identify and group calls)") in said
    assert ("keyword", "propConfig multiple_of") in said
    assert any(kind == "name" and "{{ .API_TRACKING_NAME }}" in what for kind, what in said)
    for loss in lost:
        assert loss["where"].startswith(str(PROJECT)) and ":" in loss["where"]
    # Every property the plan references, at any depth and in custom types and variants,
    # is in the plan (or its case is named above).
    names = _property_names()
    written = set(_keys(plan))
    assert {names[ref] for ref in _references()} <= written


def _property_names() -> dict[str, str]:
    data = load_yaml((PROJECT / "properties.yaml").read_bytes()).data
    return {f"#property:{p['id']}": p["name"] for p in data["spec"]["properties"]}


def _references() -> Iterator[str]:
    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, sub in value.items():
                if key == "property" and isinstance(sub, str):
                    yield sub
                yield from walk(sub)
        elif isinstance(value, list):
            for sub in value:
                yield from walk(sub)

    for name in ("tracking-plan.yaml", "custom-types.yaml"):
        spec = load_yaml((PROJECT / name).read_bytes()).data["spec"]
        for ref in walk(spec):
            if not ref.startswith("#property:") or "discriminator" in ref:
                continue
            yield ref


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield str(key)
            yield from _keys(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _keys(sub)


def test_export_writes_nested_properties_back(run_cli: Cli, tmp_path: Path) -> None:
    _import(run_cli, tmp_path / "a")
    written = tmp_path / "a/plans/shop/plan.yaml"  # the templated event's id, renamed
    written.write_text(written.read_text().replace("\n  api_called:\n", "\n  Api Called:\n"))
    out = tmp_path / "exported"
    exported = run_cli("export", "rudderstack", "--plan", "shop", "--repo", str(tmp_path / "a"),
                       "--out", str(out))  # fmt: skip
    assert exported.code == 0, exported.err
    assert "property properties" not in exported.err  # nested properties are carried
    again = run_cli("import", "rudderstack", str(out), "--plan", "shop", "--repo",
                    str(tmp_path / "b"))  # fmt: skip
    assert again.code in (0, 1), again.err
    before = load_yaml((tmp_path / "a/plans/shop/plan.yaml").read_bytes()).data
    after = load_yaml((tmp_path / "b/plans/shop/plan.yaml").read_bytes()).data
    cart = after["events"]["Checkout Started"]["properties"]["cart"]
    assert (
        cart["properties"]["address"]["properties"]
        == (
            before["events"]["Checkout Started"]["properties"]["cart"]["properties"]["address"][
                "properties"
            ]
        )
    )


def test_event_variants_become_the_plans_variants_and_round_trip(
    run_cli: Cli, tmp_path: Path
) -> None:
    done, plan = _import(run_cli, tmp_path / "a")
    assert not any(loss["path"].startswith("spec.rules[0]") for loss in done.json()["lost"])
    checkout = plan["events"]["Checkout Started"]
    assert checkout["variants"] == [{
        "discriminator": "payment_kind",
        "cases": [{"name": "Card", "match": ["card"],
                   "properties": {"card_last4": {"required": True}}}],
        "default": {"properties": {"coupon": {"required": True}}},
    }]  # fmt: skip
    # The discriminator and what the cases bring are planned on the closed event as well.
    assert {"payment_kind", "card_last4", "coupon"} <= set(checkout["properties"])
    written = tmp_path / "a/plans/shop/plan.yaml"  # the templated event's id, renamed
    written.write_text(written.read_text().replace("\n  api_called:\n", "\n  Api Called:\n"))
    calls = tmp_path / "calls.jsonl"
    sent = [
        {"payment_kind": "card", "card_last4": "4242"},
        {"payment_kind": "card"},
        {"payment_kind": "iban"},
    ]
    calls.write_text("".join(json.dumps({"event": "Checkout Started", "properties": {
        "cart": {"cart_id": "c1"}, **props}}) + "\n" for props in sent))  # fmt: skip
    checked = run_cli("check", str(calls), "--plan", "shop", "--repo", str(tmp_path / "a"),
                      "--format", "json")  # fmt: skip
    found = sorted((f["lines"], f["property"], f["detail"]) for f in checked.json()["findings"])
    assert found == [
        ([2], "card_last4", "required when payment_kind is 'card', missing"),
        ([3], "coupon", "required when payment_kind is anything else, missing"),
    ]
    out = tmp_path / "exported"
    exported = run_cli("export", "rudderstack", "--plan", "shop", "--repo", str(tmp_path / "a"),
                       "--out", str(out))  # fmt: skip
    assert exported.code == 0, exported.err
    assert "leaves out" not in exported.err, exported.err  # variants and item types carried
    again = run_cli("import", "rudderstack", str(out), "--plan", "shop", "--repo",
                    str(tmp_path / "b"))  # fmt: skip
    assert again.code in (0, 1), again.err
    after = load_yaml((tmp_path / "b/plans/shop/plan.yaml").read_bytes()).data
    assert after["events"]["Checkout Started"]["variants"] == checkout["variants"]
    assert after["events"]["Checkout Started"]["properties"]["tags"]["items"] == {"type": "string"}


def test_every_event_property_and_custom_type_is_imported_or_named(
    run_cli: Cli, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    with (project / "events.yaml").open("a") as out:  # in the catalog, in no rule
        out.write("    - id: legacy_event\n      name: Legacy Event\n      event_type: track\n")
    with (project / "properties.yaml").open("a") as out:
        out.write("    - id: unused_prop\n      name: unused_prop\n      type: string\n")
    done = run_cli("import", "rudderstack", str(project), "--plan", "shop", "--repo",
                   str(tmp_path / "repo"), "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    lost = done.json()["lost"]
    plan = load_yaml((tmp_path / "repo/plans/shop/plan.yaml").read_bytes()).data
    written = set(_keys(plan))
    # Counted from the files, independently of the importer: each entity of the project.
    tp = load_yaml((project / "tracking-plan.yaml").read_bytes()).data["spec"]
    rules_of: dict[str, list[str]] = {}
    for rule in tp["rules"]:
        rules_of.setdefault(rule["event"].split(":", 1)[1], []).append(rule["id"])
    for file, key in (("events.yaml", "events"), ("properties.yaml", "properties"),
                      ("custom-types.yaml", "types")):  # fmt: skip
        for entity in load_yaml((project / file).read_bytes()).data["spec"][key]:
            ids = {entity["id"], *rules_of.get(entity["id"], ())}  # an event, or its rule
            named = [loss for loss in lost if any(f" {i} " in f" {loss['what']} " for i in ids)]
            imported = entity.get("name") in written or entity["id"] in written
            if entity.get("event_type") in ("identify", "group"):
                imported = entity["event_type"] in plan  # its rule's properties: traits
            if key == "types":  # expanded inline, its name kept in the description
                imported = f"Custom type {entity['name']}" in json.dumps(plan)
            assert imported or named, (file, entity["id"])
    said = {(loss["kind"], loss["what"]) for loss in lost}
    assert ("event", "event legacy_event (no rule of the tracking plan uses it)") in said
    assert ("property", "property unused_prop (no rule of the tracking plan uses it)") in said
    strict = run_cli("import", "rudderstack", str(project), "--plan", "shop", "--repo",
                     str(tmp_path / "strict"), "--strict")  # fmt: skip
    assert strict.code == 1 and not (tmp_path / "strict" / "plans").exists()


def test_a_case_without_values_is_named_and_nested_requirements_stay_in_their_case(
    run_cli: Cli, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    plan = (project / "tracking-plan.yaml").read_text()
    plan = plan.replace(
        '            - display_name: Card\n              match: [card]\n',
        '            - display_name: Nothing\n              properties:\n'
        '                - property: "#property:coupon"\n                  required: true\n'
        '            - display_name: Card\n              match: [card]\n',
    ).replace(
        '                - property: "#property:card_last4"\n                  required: true\n',
        '                - property: "#property:card_last4"\n                  required: true\n'
        '                - property: "#property:cart"\n                  properties:\n'
        '                    - property: "#property:total"\n                      required: true\n',
        1,
    )  # fmt: skip
    (project / "tracking-plan.yaml").write_text(plan)
    done = run_cli("import", "rudderstack", str(project), "--plan", "shop", "--repo",
                   str(tmp_path / "repo"), "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    said = [loss["what"] for loss in done.json()["lost"] if loss["kind"] == "variant"]
    assert "case 'Nothing' of a variant on #property:payment_kind without `match` values" in said
    written = load_yaml((tmp_path / "repo/plans/shop/plan.yaml").read_bytes()).data
    checkout = written["events"]["Checkout Started"]
    (case,) = checkout["variants"][0]["cases"]
    assert case["properties"]["cart"] == {"properties": {"total": {"required": True}}}
    total = checkout["properties"]["cart"]["properties"]["total"]
    assert "required" not in total  # required only when paying by card
    strict = run_cli("import", "rudderstack", str(project), "--plan", "shop", "--repo",
                     str(tmp_path / "strict"), "--strict")  # fmt: skip
    assert strict.code == 1


def test_export_writes_a_common_discriminator_with_its_definition(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    (repo / "plans/app").mkdir(parents=True)
    (repo / "plans/app/plan.yaml").write_text(
        "plan: {id: app}\ncommon:\n  properties:\n"
        "    platform: {type: string, enum: [ios, web], required: true}\n"
        "events:\n  Signed Up:\n    properties:\n      store: {type: string}\n"
        "    variants:\n      - discriminator: platform\n        cases:\n"
        "          - {match: [ios], properties: {store: {required: true}}}\n"
        "        default: {name: Elsewhere, properties: {}}\n"
    )
    out = tmp_path / "out"
    done = run_cli("export", "rudderstack", "--plan", "app", "--repo", str(repo), "--out",
                   str(out))  # fmt: skip
    assert done.code == 0, done.err
    assert "variant default name (1)" in done.err  # rudder-cli's default has no name
    again = run_cli("import", "rudderstack", str(out), "--plan", "app", "--repo",
                    str(tmp_path / "b"))  # fmt: skip
    assert again.code in (0, 1), again.err
    event = load_yaml((tmp_path / "b/plans/app/plan.yaml").read_bytes()).data["events"]
    assert event["Signed Up"]["properties"]["platform"] == {
        "type": "string",
        "enum": ["ios", "web"],
    }
    assert event["Signed Up"]["variants"][0]["cases"] == [
        {"match": ["ios"], "properties": {"store": {"required": True}}}]  # fmt: skip


def test_two_events_or_properties_of_one_name_are_named_not_overwritten(
    run_cli: Cli, tmp_path: Path
) -> None:
    """Project entities have ids; a plan keys events and properties by name. A second event
    or property of a name already taken is named as left out, with its place: the first
    stays whole (its description, closedness and properties)."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    events = project / "events.yaml"
    events.write_text(events.read_text() + "    - id: checkout_started_app\n"
                      "      name: Checkout Started\n      event_type: track\n"
                      "      description: The app's checkout.\n"
                      "    - id: identify_app\n      event_type: identify\n")  # fmt: skip
    props = project / "properties.yaml"
    props.write_text(
        props.read_text().replace(
            "  properties:\n",
            "  properties:\n    - id: coupon_code\n      name: coupon\n      type: integer\n"
            "    - id: email_text\n      name: email\n      type: string\n",
            1,
        )
    )
    plan = project / "tracking-plan.yaml"
    plan.write_text(plan.read_text().replace(
        '        - property: "#property:coupon"\n',
        '        - property: "#property:coupon"\n        - property: "#property:coupon_code"\n',
        1,
    ) + (
        "    - type: event_rule\n      id: app_checkout_rule\n"
        '      event: "#event:checkout_started_app"\n'
        "    - type: event_rule\n      id: app_identify_rule\n"
        '      event: "#event:identify_app"\n'
        '      properties:\n        - property: "#property:email_text"\n'
    ))  # fmt: skip
    repo = tmp_path / "repo"
    done = run_cli("import", "rudderstack", str(project), "--plan", "shop", "--repo", str(repo),
                   "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    said = {(loss["kind"], loss["what"]) for loss in done.json()["lost"]}
    assert (
        "event",
        "event checkout_started_app of rule app_checkout_rule: an earlier rule's "
        "event is named 'Checkout Started' too, and a plan names each event once",
    ) in said
    assert ("property", "property coupon_code: an earlier property of the list is named "
            "'coupon' too, and an event names each property once") in said  # fmt: skip
    assert ("trait", "identify trait 'email' of rule app_identify_rule: another identify rule "
            "defines it otherwise, and a plan defines each trait once") in said  # fmt: skip
    written = load_yaml((repo / "plans/shop/plan.yaml").read_bytes()).data
    assert written["identify"]["traits"]["email"]["format"] == "email"
    checkout = written["events"]["Checkout Started"]
    assert checkout["description"] == "A shopper began checking out."
    assert checkout["additional_properties"] is False
    assert checkout["properties"]["coupon"] == {"type": "string", "minLength": 3, "maxLength": 16}
