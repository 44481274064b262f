"""What a release still needs, computed from what the host (GitHub) already holds: no I/O."""

from __future__ import annotations

from collections.abc import Mapping

from registry.load.digest import sha256_hex
from registry.records import field, record
from registry.release.artifacts import artifact_names

CREATE_TAG, CREATE_RELEASE, DELETE_ASSET, UPLOAD_ASSET = (
    "create-tag", "create-release", "delete-asset", "upload-asset"
)  # fmt: skip


@record(frozen=True)
class HeldAsset:
    """A release asset as the host lists it."""

    id: int
    size: int
    digest: str | None = None  # "sha256:<hex>" where the host computes one
    complete: bool = True  # the host's upload state is "uploaded"


@record(frozen=True)
class HeldRelease:
    """What the host holds for one tag: where the tag points, the release and its assets."""

    tag_commit: str | None  # the commit the tag peels to; None: no tag
    release_id: int | None = None  # None: no release for the tag
    assets: Mapping[str, HeldAsset] = field(default_factory=dict)


@record(frozen=True)
class Step:
    kind: str
    name: str  # the tag, or the asset's file name
    reason: str


class TagMovedError(Exception):
    """The tag exists at another commit: released versions are immutable."""


def missing_steps(tag: str, commit: str, assets: Mapping[str, bytes],
                  held: HeldRelease) -> list[Step]:  # fmt: skip
    """The steps, in order, that turn `held` into a complete release of `tag` at `commit`."""
    if held.tag_commit is not None and held.tag_commit != commit:
        raise TagMovedError(
            f"tag {tag} exists at {held.tag_commit[:12]}, not at {commit[:12]}: it is never moved"
        )
    steps = []
    if held.tag_commit is None:
        steps.append(Step(CREATE_TAG, tag, "the tag does not exist"))
    if held.release_id is None:
        steps.append(Step(CREATE_RELEASE, tag, "the tag has no GitHub release"))
    for name, data in sorted(assets.items()):
        have = held.assets.get(name)
        if have is None:
            steps.append(Step(UPLOAD_ASSET, name, "missing"))
            continue
        problem = asset_problem(have, data)
        if problem:
            steps += [Step(DELETE_ASSET, name, problem), Step(UPLOAD_ASSET, name, problem)]
    return steps


def asset_problem(have: HeldAsset, data: bytes) -> str | None:
    """Why a held asset is not the expected bytes, or None when it is."""
    if not have.complete:
        return "its upload did not complete"
    if have.size != len(data):
        return f"it has {have.size} bytes, not {len(data)}"
    if have.digest and have.digest != "sha256:" + sha256_hex(data):
        return f"its checksum is {have.digest}, not the artifact's"
    return None


def looks_complete(plan: str, version: str, held: HeldRelease) -> bool:
    """Cheap check from a listing alone: the release exists with every artifact uploaded.

    A reconcile pass rebuilds (and checks byte for byte) only the releases that fail this.
    """
    if held.tag_commit is None or held.release_id is None:
        return False
    names = [*artifact_names(plan, version).values(), "SHA256SUMS"]
    return all(name in held.assets and held.assets[name].complete for name in names)


def fingerprint(held: HeldRelease) -> str:
    """Names each asset's bytes as the host lists them: a release whose fingerprint was
    verified once need not be rebuilt until an asset changes."""
    parts = sorted(
        f"{name}:{a.size}:{a.digest or ''}:{a.complete}" for name, a in held.assets.items()
    )
    return sha256_hex("\n".join(parts).encode())
