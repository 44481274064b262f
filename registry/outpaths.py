"""Names that come from a plan or a release, made into paths that never leave `--out`."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class OutsideOut(ValueError):
    """A name that would write outside the output folder (`../x`, `/etc/x`, `a/../../x`)."""


def inside(out: Path, name: str) -> Path:
    """`out / name` when `name` is a plain relative path below `out`; else OutsideOut. A
    release's plan id or version reaches here from another repository: it is not trusted."""
    parts = PurePosixPath(name).parts
    if (not name or "\0" in name or "\\" in name or PurePosixPath(name).is_absolute()
            or any(part in ("", ".", "..") for part in parts)):  # fmt: skip
        raise OutsideOut(f"{name!r} is not a file name inside {out}: refused")
    path = out / Path(*parts)
    base = out.resolve()
    # A link already inside `out` must not lead out of it either.
    if base != path.resolve() and base not in path.resolve().parents:
        raise OutsideOut(f"{name!r} leads outside {out} (through a link): refused")
    return path
