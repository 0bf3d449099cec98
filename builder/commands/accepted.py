"""Known failures, accepted with a reason: `accepted.yaml` next to report.yaml (a baseline, as a type checker
keeps one). `--strict` fails on any failed claim or warning that no entry accepts, and on any entry whose failure
no longer occurs (so the entry can be dropped); pending forecasts never fail it.

    accepted:
      - claim: "Russia's share of Kazakhstan's imports lies within 30–40% in every year"
        file: chapters/07a-economic.md
        reason: the original's authors rounded; 2006 and 2007 are above 40%
        accepted_by: M. Shibutov, 2019-01 edition
      - warning: range
        file: data/invest-ru-kz-eec.csv
        match: "row 2013, column 'share_ru_eaeu'"
        reason: as published by the EEC
        accepted_by: M. Shibutov, 2019-01 edition

A claim is identified by its text and chapter file (its line moves as the chapter is edited); a warning by its
kind, its file and a piece of its message (`match`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from builder.model import Source

if TYPE_CHECKING:
    from builder.pipeline import BuildResult

ACCEPTED_FILE = "accepted.yaml"


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    claim: str = Field("", description="The claim's text, as in claim(..., \"text\").")
    warning: str = Field("", description="A warning's kind: range, relation, missing-data, …")
    file: str = Field(description="The chapter (claim) or data file (warning), relative to the project.")
    match: str = Field("", description="For a warning: text that its message contains.")
    reason: str = Field(min_length=1, description="Why the failure is accepted.")
    accepted_by: str = Field(min_length=1, description="Who accepted it.")

    @model_validator(mode="after")
    def _one(self) -> Entry:
        if bool(self.claim) == bool(self.warning):
            raise ValueError("an entry names either a claim or a warning (kind)")
        return self


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    accepted: list[Entry] = Field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    """Something --strict fails on: where, what, and the rendered sentence for a claim."""

    source: Source | None
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


@dataclass
class Gate:
    new: list[Failure] = field(default_factory=list)          # failures no entry accepts
    resolved: list[Failure] = field(default_factory=list)     # entries whose failure no longer occurs
    accepted: int = 0                                         # failures accepted by an entry
    pending: int = 0                                          # forecasts waiting for their year

    @property
    def passed(self) -> bool:
        return not self.new and not self.resolved

    def lines(self) -> list[str]:
        out = [f"{f} (new)" for f in self.new] + [f"{f} (drop the entry)" for f in self.resolved]
        verdict = "passed" if self.passed else "failed"
        out.append(f"strict: {verdict}: {len(self.new)} new, {len(self.resolved)} accepted failures that no longer "
                   f"occur, {self.accepted} accepted, {self.pending} forecasts pending")
        return out


def load_baseline(root: Path) -> tuple[list[Entry], list[int]]:
    """The entries of accepted.yaml (none when there is no file) and the line of each."""
    from builder.errors import Diagnostics
    from builder.readers.yamlfile import load_model, node_line, read_yaml
    path = root / ACCEPTED_FILE
    if not path.exists():
        return [], []
    baseline = load_model(Baseline, path, ACCEPTED_FILE, Diagnostics())
    _data, node = read_yaml(path, ACCEPTED_FILE)
    return list(baseline.accepted), [node_line(node, ("accepted", i)) or 1 for i in range(len(baseline.accepted))]


def gate(result: BuildResult) -> Gate:
    """Failed claims and warnings of a build, against the project's accepted.yaml."""
    entries, lines = load_baseline(result.project.root)
    used = [False] * len(entries)
    out = Gate(pending=sum(1 for c in result.claims if c.pending))

    def accept(test) -> bool:
        hits = [i for i, e in enumerate(entries) if test(e)]
        for i in hits:
            used[i] = True
        return bool(hits)

    for c in result.failed_claims:
        if accept(lambda e, c=c: e.claim == c.text and e.file == c.source.path):
            out.accepted += 1
        else:
            out.new.append(Failure(c.source, f"claim fails: {c.text} — “{c.sentence}”"
                                             + (f" [{c.detail}]" if c.detail else "")))
    for w in result.diagnostics.warnings:
        if w.kind == "claim":
            continue  # counted above, with the claim's identity
        path = w.source.path if w.source else ""
        if accept(lambda e, w=w, path=path: e.warning == w.kind and e.file == path and e.match in w.message):
            out.accepted += 1
        else:
            out.new.append(Failure(w.source, f"[{w.kind}] {w.message}"))
    for i, e in enumerate(entries):
        if not used[i]:
            what = f"claim “{e.claim}” in {e.file} holds" if e.claim else \
                f"no {e.warning} warning in {e.file} matches “{e.match}”"
            out.resolved.append(Failure(Source(ACCEPTED_FILE, lines[i]), f"accepted failure no longer occurs: {what}"))
    return out
