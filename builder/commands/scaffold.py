"""`dossier new PATH`: a small, complete project that builds at once (report.yaml with the common keys
commented, one chapter with a table, a chart, a computed sentence, a claim, a footnote and a list, one data table
with its metadata, a chart spec and the default style). The files are in builder/commands/new_project/."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import click

TEMPLATE = Path(__file__).parent / "new_project"


def default_locale(language: str) -> str:
    """`de-DE` → `de_DE`; a bare language (`fr`) → `fr_FR` when CLDR knows it, else the language itself."""
    lang, _, region = language.partition("-")
    if region:
        return f"{lang}_{region}"
    from babel import Locale, UnknownLocaleError
    try:
        return str(Locale.parse(f"{lang}_{lang.upper()}"))
    except (UnknownLocaleError, ValueError):
        return lang


def new_project(path: Path, title: str = "New report", language: str = "en-GB", locale: str | None = None,
                today: dt.date | None = None) -> Path:
    """Write the starter project into `path` (which must not exist or be empty); return it."""
    from builder.errors import BuildError
    from builder.model import Source
    from builder.readers.project import ReportSpec
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise BuildError(f"{path} is not empty", Source(str(path)), "give a new folder or an empty one")
    locale = locale or default_locale(language)
    today = today or dt.date.today()
    try:  # the options go through report.yaml's own checks before anything is written
        ReportSpec.model_validate({"title": title, "language": language, "locale": locale, "chapters": ["x"],
                                   "edition": {"id": "x", "date": today}})
    except Exception as e:  # pydantic.ValidationError: one line per problem
        problems = "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())
        raise BuildError(problems, Source("report.yaml"), "check --language and --locale") from None
    shutil.copytree(TEMPLATE, path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    (path / "styles").mkdir(exist_ok=True)
    shutil.copyfile(Path(__file__).parents[1] / "readers" / "default_style.yaml", path / "styles" / "default.yaml")
    report = path / "report.yaml"
    text = report.read_text(encoding="utf-8")
    for key, value in {"__TITLE__": json.dumps(title, ensure_ascii=False), "__LANGUAGE__": language,
                       "__LOCALE__": locale, "__DATE__": today.isoformat(), "__YEAR__": str(today.year)}.items():
        text = text.replace(key, value)
    report.write_text(text, encoding="utf-8")
    return path


@click.command("new")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="New report", show_default=True, help="The report's title.")
@click.option("--language", default="en-GB", show_default=True,
              help="Document language tag (labels, hyphenation, spelling): en-GB, de-DE, fr-FR, es-ES, ru-RU, kk-KZ …")
@click.option("--locale", default=None, help="Number format locale (babel), e.g. de_DE; default: from --language.")
def new_command(path: Path, title: str, language: str, locale: str | None) -> None:
    """Start a new report project in PATH that builds at once."""
    from builder.commands.cli_run import run as _run
    _run(False, lambda: new_project(path, title, language, locale))
    click.echo(f"wrote a new project in {path}: build it with `dossier build {path}`")
