"""What the Action and the image install is pinned, and the pins meet pyproject (issue 22)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "action.txt"
# Where the Action runs: GitHub's Linux runners with the Python action.yml sets up.
RUNNER = {
    **default_environment(),
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def _pins() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every requirement the lock pins."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text()):
        found = re.match(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;\\]+)", block)
        if found:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            pins[canonicalize_name(found[1])] = (found[3], hashes)
    return pins


def test_the_lock_pins_every_dependency_within_pyproject_with_hashes() -> None:
    """Regenerate with the command at the top of requirements/action.txt when this fails."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [Requirement(r) for r in project["project"]["dependencies"]]
    # The Action and the image run the bot (and the Action `trackplan status`): their extras
    # are pinned too.
    extras = project["project"]["optional-dependencies"]
    wanted += [Requirement(r) for name in ("bot", "postgres", "status") for r in extras[name]
               if not r.startswith("trackplan")]  # fmt: skip
    wanted += [Requirement(r) for r in (ROOT / "requirements/build.in").read_text().splitlines()
               if r.strip() and not r.startswith("#")]  # fmt: skip
    pins = _pins()
    assert len(pins) > 20
    for requirement in wanted:
        if requirement.marker is not None and not requirement.marker.evaluate(RUNNER):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {LOCK.name}: regenerate it"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (name, version)
        for extra in requirement.extras:  # psycopg[binary] brings psycopg-binary
            assert canonicalize_name(f"{name}-{extra}") in pins, (name, extra)
    for name, (_, hashes) in pins.items():
        assert hashes, f"{name} has no --hash in {LOCK.name}"


def test_the_action_installs_by_hash_and_uses_actions_by_commit() -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    runs = " ".join(str(s.get("run", "")) for s in steps)
    assert "--require-hashes" in runs and "requirements/action.txt" in runs
    assert "--no-deps" in runs and "--no-build-isolation" in runs  # nothing resolved at run
    for path in (ROOT / "action.yml", *sorted((ROOT / ".github/workflows").glob("*.yml"))):
        for uses in re.findall(r"uses:\s*(\S+)", path.read_text()):
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", uses), (path.name, uses)


def test_the_image_is_pinned_by_digest_and_installs_by_hash() -> None:
    text = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", text, re.MULTILINE)
    assert base and re.fullmatch(r"[\w./:-]+@sha256:[0-9a-f]{64}", base[1]), base
    assert "--require-hashes" in text and "requirements/action.txt" in text


def test_the_image_copies_every_package_it_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert sorted(packages) == sorted(copied)
