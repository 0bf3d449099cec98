"""report.yaml → Project: the report's metadata, chapter order, style and locale."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, field_validator

from builder.errors import BuildError, Diagnostics
from builder.model import Author, DocMeta, Source
from builder.model.labels import labels_for
from builder.readers.params import ParamSpec
from builder.readers.paths import project_file
from builder.readers.yamlfile import Schema as _Schema, load_model

REPORT_FILE = "report.yaml"



class AuthorSpec(_Schema):
    name: str = Field(description="Full name as printed.")
    affiliation: str = Field("", description="Position and institution, printed in the list of authors.")


class PublisherSpec(_Schema):
    name: str = Field(description="Publishing institution.")
    address: str = Field("", description="Postal address printed on the title page.")
    url: str = Field("", description="Web address printed on the title page.")


class EditionSpec(_Schema):
    id: str = Field(description="Edition id, used by `dossier new-edition` and `diff` (e.g. 2019-01).")
    number: int = Field(1, description="Edition number.")
    label: str = Field("", description="Printed edition line, e.g. 'First Edition: January 2019'.")
    date: dt.date = Field(description="Edition date: also the timestamp of the output files.")
    data_year: int | None = Field(None, description="The last year the edition's data is meant to cover.")


class ReportSpec(_Schema):
    """The schema of report.yaml; each field is documented in docs/project-format.md."""

    title: str = Field(description="Report title.")
    short_title: str = Field("", description="Running-header title; defaults to the title.")
    authors: list[AuthorSpec] = Field(default_factory=list, description="Authors in order.")
    publisher: PublisherSpec | None = Field(None, description="Publishing institution, printed on the title page.")
    series: str = Field("", description="Series line, e.g. 'Analytical Dossier – N. 3/2019'.")
    edition: EditionSpec = Field(description="This edition: id, number, printed label and date.")
    disclaimer: str = Field("", description="Printed small on the title page.")
    copyright: list[str] = Field(default_factory=list, description="Copyright lines on the title page.")
    subject: str = Field("", description="Document subject (PDF and DOCX properties).")
    keywords: list[str] = Field(default_factory=list, description="Document keywords (PDF and DOCX properties).")
    locale: str = Field("en_GB", description="Locale for number formatting (babel), e.g. en_GB, ru_RU.")
    language: str = Field("en-GB", description=(
        "Document language tag (PDF /Lang, DOCX w:lang); also chooses the catalogue of the words the builder "
        "prints (en, de, fr, es, ru, kk; others print English)."))
    style: str = Field("default", description="Style name: styles/<style>.yaml.")
    output_name: str = Field("report", description="Stem of the output files in the build folder.")
    chapters: list[str] = Field(min_length=1, description="Chapter files in chapters/, in order.")
    stale_after_years: int = Field(2, description="Tables whose data ends more than this before data_year are stale.")
    params: dict[str, ParamSpec] = Field(default_factory=dict, description="Parameters: name → type, default, "
                                         "choices and the tables they filter (builder/readers/params.py).")
    labels: dict[str, str] = Field(default_factory=dict, description=(
        "Words the builder prints, overriding the language's catalogue: keys contents, table, figure, source, "
        "notes, continued, see, page, chapter, section, the_report, briefing, briefing_pack, list_of_tables, "
        "list_of_figures, chart_not_shown, missing_value."))

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError
        try:
            Locale.parse(value)
        except (UnknownLocaleError, ValueError, TypeError):
            raise ValueError(f"unknown locale {value!r}; use a babel/CLDR locale such as en_GB, de_DE, de_AT, "
                             "fr_FR, es_ES, ru_RU, kk_KZ") from None
        return value

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        import re
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", value):
            raise ValueError(f"not a language tag: {value!r}; write a tag such as en-GB, de-DE, fr-FR, kk-KZ")
        return value

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, value: dict[str, str]) -> dict[str, str]:
        from builder.model.labels import KEYS, suggest
        for key in value:
            if key not in KEYS:
                raise ValueError(f"unknown label '{key}'{suggest(key, KEYS)}; labels are {', '.join(KEYS)}")
        return value


@dataclass(frozen=True, slots=True)
class Project:
    root: Path
    spec: ReportSpec
    params: dict = field(default_factory=dict)  # the parameter values of this edition (builder/readers/params.py)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    @property
    def chapter_paths(self) -> list[Path]:
        return [self.root / "chapters" / name for name in self.spec.chapters]

    @property
    def meta(self) -> DocMeta:
        from builder.readers.typography import smarten
        s = self.spec
        pub = s.publisher or PublisherSpec(name="")
        return DocMeta(
            title=s.title, short_title=s.short_title or s.title,
            authors=tuple(Author(a.name, a.affiliation) for a in s.authors),
            publisher=pub.name, publisher_address=pub.address, publisher_url=pub.url,
            series=s.series, edition_label=s.edition.label, date=s.edition.date,
            disclaimer=smarten(s.disclaimer, s.language),
            copyright=tuple(smarten(line, s.language) for line in s.copyright), subject=s.subject,
            keywords=tuple(s.keywords), language=s.language, locale=s.locale,
            labels=labels_for(s.language, s.labels))


def load_project(root: Path, diagnostics: Diagnostics) -> Project:
    """Read and validate report.yaml; check that every chapter file exists."""
    root = root.resolve()
    path = root / REPORT_FILE
    if not path.exists():
        raise BuildError(f"no {REPORT_FILE} in {root}", Source(str(root)),
                         "run dossier in a report project folder, or pass the folder as PROJECT")
    project_file(root, path, REPORT_FILE)
    spec = load_model(ReportSpec, path, REPORT_FILE, diagnostics)
    project = Project(root, spec)
    for i, chapter in enumerate(project.chapter_paths):
        _check_chapter(project, i, chapter)
    return project


def _check_chapter(project: Project, i: int, chapter: Path) -> None:
    """The chapter exists and is a file of the project: a link to a file outside it is refused at the link, a name
    that leads out of chapters/ at its line in report.yaml."""
    import os

    from builder.readers.paths import OUTSIDE_HINT, OutsideProject, resolve_inside
    from builder.readers.yamlfile import node_line, read_yaml
    spec, path = project.spec, project.root / REPORT_FILE
    rel = f"chapters/{spec.chapters[i]}"
    try:
        resolve_inside(project.root, chapter, rel)
    except OutsideProject as e:
        if os.path.normpath(rel).startswith("chapters" + os.sep):
            raise BuildError(str(e), Source(rel), OUTSIDE_HINT) from None
        line = node_line(read_yaml(path, REPORT_FILE)[1], ("chapters", i))
        raise BuildError(f"chapters[{i}]: {e}", Source(REPORT_FILE, line),
                         "name a file in chapters/ of the project") from None
    if not chapter.exists():
        line = node_line(read_yaml(path, REPORT_FILE)[1], ("chapters", i))
        raise BuildError(f"chapters[{i}]: chapter file '{spec.chapters[i]}' not found",
                         Source(REPORT_FILE, line), "create it in chapters/ or fix the name")
