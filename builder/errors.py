"""User errors with a location, and the diagnostics (warnings) collected during a build."""
from __future__ import annotations

from dataclasses import dataclass, field

from builder.model import Source


class BuildError(Exception):
    """An error in the user's project: printed as `path:line:col: error: message` with a hint."""

    def __init__(self, message: str, source: Source | None = None, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.source = source
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}error: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class BuildErrors(BuildError):
    """Several user errors found together (validation reports all it finds)."""

    def __init__(self, errors: list[BuildError]):
        super().__init__(errors[0].message, errors[0].source, errors[0].hint)
        self.errors = errors

    SHOWN = 50  # a file with a wrong row on each of 100,000 lines says so in a screenful

    def __str__(self) -> str:
        shown = "\n".join(str(e) for e in self.errors[:self.SHOWN])
        more = len(self.errors) - self.SHOWN
        return f"{shown}\n… and {more:,} more errors" if more > 0 else shown


@dataclass(frozen=True, slots=True)
class Warning_:
    kind: str
    message: str
    source: Source | None = None

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}warning: [{self.kind}] {self.message}"


@dataclass
class Diagnostics:
    """Warnings collected during a build, printed sorted by location at the end."""

    warnings: list[Warning_] = field(default_factory=list)

    def warn(self, kind: str, message: str, source: Source | None = None) -> None:
        self.warnings.append(Warning_(kind, message, source))

    def sorted(self) -> list[Warning_]:
        return sorted(self.warnings, key=lambda w: (str(w.source or ""), w.kind, w.message))

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for w in self.warnings:
            counts[w.kind] = counts.get(w.kind, 0) + 1
        return counts
