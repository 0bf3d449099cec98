"""Path confinement: every file the project reads stays inside the project folder.

A path, or a symbolic link, that resolves outside the project is refused, so that a chapter, a CSV or an
`{% include %}` can never pull another file of the machine into the report. Anything that is not a regular file
(a FIFO, a device, a folder) is refused too: reading it would hang or never end.
"""
from __future__ import annotations

from pathlib import Path

from builder.errors import BuildError
from builder.model import Source

OUTSIDE_HINT = "copy the file into the project instead of linking to it"


class OutsideProject(ValueError):
    """A path that resolves outside the project, or that is not a regular file; the message says which."""


def resolve_inside(root: Path, path: Path, rel: str) -> Path:
    """`path` with its links resolved, when that is inside `root`; else OutsideProject naming `rel`."""
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError) as e:  # a loop of symbolic links
        raise OutsideProject(f"'{rel}' cannot be resolved: {e}") from e
    if not real.is_relative_to(Path(root).resolve()):
        raise OutsideProject(f"'{rel}' points outside the project")
    if real.exists() and not real.is_file():
        raise OutsideProject(f"'{rel}' is not a regular file")
    return real


def project_file(root: Path, path: Path, rel: str) -> Path:
    """`resolve_inside` for a reader that knows the file: the error is a BuildError at `rel`."""
    try:
        return resolve_inside(root, path, rel)
    except OutsideProject as e:
        raise BuildError(str(e), Source(rel), OUTSIDE_HINT) from None


def relative(root: Path, path: Path) -> str:
    """`path` as the project names it (`data/trade.csv`), whatever it links to."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)
