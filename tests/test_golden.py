"""Golden tests in the style of pandoc's command tests, and the totality of the model's consumers.

Each `tests/golden/NAME.md` is read as the only chapter of examples/minimal (so directives and template helpers
work), numbered, and dumped with the native writer; the dump must equal `tests/golden/NAME.native`.
To accept new output after a deliberate change (pandoc's `--accept`), run

    DOSSIER_ACCEPT=1 python -m pytest tests/test_golden.py

and read the diff of tests/golden/*.native before committing it.

The totality tests build one Document holding every node kind of the model (tests/golden_doc.py) and fail when a
node class is added to builder/model/ without being placed there, or when a writer (PDF, DOCX, HTML, native)
does not handle one.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import replace
from pathlib import Path

import pytest

from builder import model
from builder.errors import Diagnostics
from builder.model import DocMeta, Document, block_kinds, inline_kinds, map_document
from builder.writers import native
from tests.golden_doc import LEFT_OUT, WORDS, every_kind

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.md"))
ACCEPT = os.environ.get("DOSSIER_ACCEPT") == "1"


def _read_chapter(project: Path, text: str) -> Document:
    """The chapter as a build reads it (templates, Markdown, numbering), without the title page."""
    from builder.model.transforms import number_document
    from builder.pipeline import assemble, render_all
    from builder.readers.data import load_dataset
    from builder.readers.project import load_project
    (project / "chapters" / "01-overview.md").write_text(text, encoding="utf-8")
    diag = Diagnostics()
    spec = load_project(project, diag)
    dataset = load_dataset(spec.root, diag)
    doc = number_document(assemble(spec, render_all(spec, dataset), dataset), diag)
    return replace(doc, meta=DocMeta("golden"), blocks=doc.blocks[1:])


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path, minimal: Path) -> None:
    doc = _read_chapter(minimal, case.read_text(encoding="utf-8"))
    got = native.dump(doc)
    expected = case.with_suffix(".native")
    if ACCEPT or not expected.exists():
        expected.write_text(got, encoding="utf-8")
        assert ACCEPT, f"{expected.name} was missing and has been written: check it and commit it"
    assert got == expected.read_text(encoding="utf-8")
    assert native.read(got) == doc  # the dump is the whole document


def test_golden_cases_exist() -> None:
    assert len(CASES) >= 4 and all(c.with_suffix(".native").exists() for c in CASES)


# totality -----------------------------------------------------------------------------------


def _kinds_in(doc: Document) -> set[type]:
    seen: set[type] = set()

    def block(b):
        seen.add(type(b))
        return b

    def inline(i, _where):
        seen.add(type(i))
        return i
    map_document(doc, block, inline)
    return seen


def test_every_node_class_is_a_block_an_inline_or_a_part() -> None:
    """A new class in the model must be one of the unions (and so reach every writer) or a known part."""
    parts = {model.ListItem, model.TableRow, model.Cell, model.Source, model.Chart, model.Author, model.DocMeta,
             model.Document}
    classes = {c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
               and c.__module__ == model.__name__}
    assert classes - set(block_kinds()) - set(inline_kinds()) - parts == set()


def test_the_sample_holds_every_block_and_inline_kind() -> None:
    missing = (set(block_kinds()) | set(inline_kinds())) - _kinds_in(every_kind())
    assert not missing, f"add {sorted(c.__name__ for c in missing)} to tests/golden_doc.py"


def test_native_dump_is_total_and_reads_back() -> None:
    doc = every_kind()
    text = native.dump(doc)
    assert native.read(text) == doc
    for kind in (*block_kinds(), *inline_kinds()):
        assert f"{kind.__name__}(" in text, kind


def test_native_dump_refuses_what_it_cannot_write() -> None:
    with pytest.raises(TypeError):
        native.dump(replace(every_kind(), blocks=(object(),)))


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_every_writer_prints_every_kind(fmt: str, tmp_path: Path) -> None:
    from builder.readers.style import load_style
    from tests.conftest import MINIMAL, docx_text, pdf_text
    style = load_style(MINIMAL, "default", Diagnostics())
    out = tmp_path / f"every.{fmt}"
    if fmt == "pdf":
        from builder.writers import pdf
        pdf.write(every_kind(), style, out)
        text = pdf_text(out)
    elif fmt == "docx":
        from builder.writers import docx
        docx.write(every_kind(), style, out)
        text = docx_text(out)
    else:
        from builder.writers import html
        html.write(every_kind(), style, out)
        text = out.read_text(encoding="utf-8")
    assert [w for w in WORDS if w not in text] == []
    assert [w for w in LEFT_OUT if w in text] == []  # a chart left out for missing data is not placed


def test_dump_command_prints_the_whole_document(minimal: Path) -> None:
    from builder.pipeline import prepare
    from tests.conftest import run_cli
    run = run_cli("dump", str(minimal))
    assert run.returncode == 0, run.stderr
    assert native.read(run.stdout) == prepare(minimal, draw=False).document
