"""Editions: `dossier new-edition` archives the current edition under editions/<id>/ and bumps report.yaml's
`edition` block (the YAML text is edited in place, so comments and layout survive), then prints a checklist of
what the new edition still needs: tables without data for the new data year, failed claims, stale sources."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import click

ARCHIVE_DIR = "editions"
ARCHIVED = ("report.yaml", "chapters", "data", "styles")
EDITION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
            "Eleventh", "Twelfth")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass
class Checklist:
    old_id: str
    new_id: str
    archive: Path
    data_year: int | None
    missing_year: list[dict] = field(default_factory=list)     # {table, latest_year}
    failed_claims: list[dict] = field(default_factory=list)    # {location, text}
    stale: list[dict] = field(default_factory=list)            # builder.pipeline.report.stale_tables entries
    charts_fixed: list[dict] = field(default_factory=list)     # {chart, years}
    pinned: list[dict] = field(default_factory=list)           # {location, year}: fixed years in chapter code
    todo: list[str] = field(default_factory=list)              # other things to do by hand
    revisions: Path | None = None                              # the first revisions record of the new edition
    error: str = ""                                            # the project does not build (after the bump)

    def text(self) -> str:
        out = [f"archived edition {self.old_id} under {self.archive}",
               f"report.yaml now describes edition {self.new_id}" +
               (f" (data year {self.data_year})" if self.data_year else ""), "", "Checklist:"]
        if self.error:
            out.append(f"[ ] fix the project, it does not build:\n    {self.error}")
        for t in self.missing_year:
            out.append(f"[ ] data/{t['table']}.csv: no row for {self.data_year} (latest {t['latest_year']})")
        for c in self.failed_claims:
            accepted = " (accepted in accepted.yaml)" if c.get("accepted") else ""
            out.append(f"[ ] {c['location']}: claim fails: {c['text']}{accepted}")
        for s in self.stale:
            out.append(f"[ ] data/{s['table']}.yaml: stale source, data end in {s['latest_year']} ({s['source']})")
        for c in self.charts_fixed:
            out.append(f"[ ] data/charts.yaml: chart '{c['chart']}' shows the years {c['years'][0]}–{c['years'][1]} "
                       f"only (pinned; `years: [{c['years'][0]}, latest]` follows the data)")
        for p in self.pinned:
            out.append(f"[ ] {p['location']}: pinned to {p['year']} (a fixed year; latest_year(...) or a window "
                       f"follows the data)")
        out += [f"[ ] {item}" for item in self.todo]
        if len(out) == 4:
            out.append("nothing to do")
        if self.revisions:
            out.append(f"\nrevisions record: {self.revisions} (rewritten by every build)")
        return "\n".join(out)


def archive_edition(root: Path, edition_id: str) -> Path:
    """Copy report.yaml, chapters/, data/, styles/ and the build outputs to editions/<edition_id>/."""
    from builder.errors import BuildError
    from builder.model import Source
    dest = root / ARCHIVE_DIR / edition_id
    if dest.exists():
        raise BuildError(f"{ARCHIVE_DIR}/{edition_id} already exists", Source(f"{ARCHIVE_DIR}/{edition_id}"),
                         "the edition was archived before: bump the edition id in report.yaml, or remove the folder")
    tmp = root / ARCHIVE_DIR / f".{edition_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in ARCHIVED:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, tmp / name, symlinks=True)  # a link is archived as a link, never followed
        elif src.is_file():
            shutil.copy2(src, tmp / name)
    outputs = _build_outputs(root)
    if outputs:
        (tmp / "build").mkdir()
        for path in outputs:
            shutil.copy2(path, tmp / "build" / path.name)
    tmp.rename(dest)
    return dest


def _build_outputs(root: Path) -> list[Path]:
    """The last build's PDF, DOCX and report.json (the report's and the brief's), when present."""
    from builder.readers.project import REPORT_FILE
    import yaml
    try:
        name = (yaml.safe_load((root / REPORT_FILE).read_text(encoding="utf-8")) or {}).get("output_name", "report")
    except (OSError, yaml.YAMLError):
        return []
    build = root / "build"
    stems = (name, f"{name}-brief")
    return [build / f"{stem}{ext}" for stem in stems for ext in (".pdf", ".docx", ".report.json")
            if (build / f"{stem}{ext}").is_file()]


def bump_text(text: str, values: dict[str, str]) -> str:
    """report.yaml's text with the given keys of its block-style `edition:` mapping set to the given (already
    YAML-formatted) values; comments, order and every other line are kept. Missing keys are added to the block."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^edition:\s*(#.*)?$", line.rstrip("\n"))), None)
    if start is None:
        raise ValueError("report.yaml has no block-style 'edition:' mapping (one key a line)")
    end, indent = start + 1, None
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#"):
            lead = len(line) - len(line.lstrip(" "))
            if lead == 0:
                break
            indent = indent if indent is not None else lead
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after the block stay after it
    indent = indent or 2
    todo = dict(values)
    for i in range(start + 1, end):
        m = re.match(r"^(\s*)([A-Za-z_]+)(\s*:\s*)(.*?)(\s+#.*)?(\r?\n)?$", lines[i])
        if m and len(m.group(1)) == indent and m.group(2) in todo:
            lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{todo.pop(m.group(2))}{m.group(5) or ''}" \
                       f"{m.group(6) or ''}"
    if todo:
        if end > 0 and not lines[end - 1].endswith("\n"):
            lines[end - 1] += "\n"
        lines[end:end] = [f"{' ' * indent}{k}: {v}\n" for k, v in todo.items()]
    return "".join(lines)


def default_label(number: int, date: dt.date) -> str:
    ordinal = ORDINALS[number - 1] if 1 <= number <= len(ORDINALS) else f"{number}th"
    return f"{ordinal} Edition: {MONTHS[date.month - 1]} {date.year}"


def new_edition(root: Path, new_id: str, date: dt.date | None = None, data_year: int | None = None) -> Checklist:
    """Archive the current edition, bump report.yaml to `new_id`, and check the project for the new data year."""
    from builder.errors import BuildError, Diagnostics
    from builder.model import Source
    from builder.readers.project import REPORT_FILE, load_project
    root = Path(root).resolve()
    old = load_project(root, Diagnostics()).spec.edition
    if not EDITION_ID.match(new_id):
        raise BuildError(f"edition id '{new_id}' is not a plain name", Source(REPORT_FILE),
                         "use letters, digits, '.', '-' or '_', e.g. 2020-01")
    if new_id == old.id:
        raise BuildError(f"the current edition is already '{new_id}'", Source(REPORT_FILE),
                         "give the new edition's id, e.g. the year and a number: 2020-01")
    if (root / ARCHIVE_DIR / new_id).exists():
        raise BuildError(f"edition '{new_id}' was already published: it is archived in {ARCHIVE_DIR}/{new_id}",
                         Source(f"{ARCHIVE_DIR}/{new_id}"), "give the new edition an id not used before")
    date = date or dt.date.today()
    number = old.number + 1
    year = data_year if data_year is not None else (old.data_year + 1 if old.data_year is not None else None)
    values = {"id": f'"{new_id}"', "number": str(number), "date": date.isoformat()}
    if year is not None:
        values["data_year"] = str(year)
    todo = []
    if old.label == default_label(old.number, old.date):
        values["label"] = f'"{default_label(number, date)}"'
    elif old.label:
        todo.append(f"report.yaml: update the edition label (still '{old.label}')")
    path = root / REPORT_FILE
    text = path.read_text(encoding="utf-8")
    try:
        new_text = bump_text(text, values)
    except ValueError as e:
        raise BuildError(str(e), Source(REPORT_FILE), "write the edition as `edition:` followed by indented "
                         "`id:`, `number:`, `label:`, `date:`, `data_year:` lines") from e
    archive = None
    try:
        archive = archive_edition(root, old.id)
        from builder.staging import write_atomic
        write_atomic(path, new_text)
    except OSError as e:  # nothing half-done stays: no partial archive, no archive without the bump
        for folder in (root / ARCHIVE_DIR / f".{old.id}.tmp", archive):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        where = Path(e.filename).relative_to(root).as_posix() if e.filename and Path(e.filename).is_relative_to(
            root) else str(e.filename or root)
        raise BuildError(f"cannot write {where}: {e.strerror}", Source(where),
                         "make the project folder writable (editions/ and report.yaml are written)") from None
    checklist = Checklist(old.id, new_id, archive, year, todo=todo)
    _check(root, checklist)
    return checklist


def _check(root: Path, checklist: Checklist) -> None:
    from builder.errors import BuildError
    from builder.pipeline import prepare
    from builder.pipeline.report import stale_tables
    try:
        result = prepare(root, draw=False)
    except BuildError as e:
        checklist.error = str(e).replace("\n", "\n    ")
        return
    year = checklist.data_year
    for table in sorted(result.dataset.tables.values(), key=lambda t: t.id):
        key = table.column(table.meta.key)
        latest = table.latest_year()
        if year is not None and key.type == "year" and latest is not None and latest < year:
            checklist.missing_year.append({"table": table.id, "latest_year": latest})
    from builder.commands.accepted import load_baseline
    from builder.readers.lint import pinned_years
    try:
        accepted = {(e.file, e.claim) for e in load_baseline(root)[0] if e.claim}
    except BuildError:
        accepted = set()
    checklist.failed_claims = [{"location": str(c.source), "text": c.text,
                                "accepted": (c.source.path, c.text) in accepted} for c in result.failed_claims]
    checklist.pinned = [{"location": str(src), "year": y}
                        for src, y in pinned_years(root, result.project.spec.chapters, result.dataset.tables)]
    from builder.pipeline import revisions
    from builder.pipeline import stages
    record = revisions.for_build(result, stages())
    if record is not None:
        (root / "build").mkdir(exist_ok=True)
        name = f"{result.project.spec.output_name}.revisions.json"
        checklist.revisions = revisions.write(record, root / "build" / name)
    year_keyed = {t.id for t in result.dataset.tables.values() if t.column(t.meta.key).type == "year"}
    checklist.stale = [s for s in stale_tables(result) if s["table"] in year_keyed]  # a row number is no year
    for chart_id, spec in result.dataset.charts.items():
        if year is not None and spec.pinned and spec.years[1] < year:
            checklist.charts_fixed.append({"chart": chart_id, "years": list(spec.years)})


@click.command("new-edition")
@click.argument("new_id")
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--date", "date", type=click.DateTime(["%Y-%m-%d"]), help="Date of the new edition (default: today).")
@click.option("--data-year", type=int, help="Last year the new edition's data covers (default: the old one + 1).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def new_edition_command(new_id: str, project: Path, date, data_year: int | None, debug: bool) -> None:
    """Archive the current edition of PROJECT under editions/ and start edition NEW_ID."""
    from builder.commands.cli_run import run as _run
    checklist = _run(debug, lambda: new_edition(project, new_id, date.date() if date else None, data_year))
    click.echo(checklist.text())
