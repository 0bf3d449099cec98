"""Writers keep no process-wide state between writes: two house styles built one after the other in one process
(a long `watch`) each get their own fonts, and ReportLab's defaults are as they were after every write."""
from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

from builder.errors import Diagnostics
from tests.conftest import MINIMAL
from tests.golden_doc import every_kind


def _fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name without its subset tag, embedded) for every font of the PDF, as poppler's pdffonts lists them."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        emb = cols[-5]  # name … type … encoding emb sub uni object ID
        rows.append((cols[0].split("+", 1)[-1], emb == "yes"))
    return rows


def _defaults() -> tuple:
    from reportlab import rl_config
    from reportlab.graphics import shapes
    from reportlab.platypus import tables
    return (rl_config.invariant, rl_config.canvas_basefontname, tables.CellStyle.fontname,
            shapes.STATE_DEFAULTS["fontName"], os.environ.get("SOURCE_DATE_EPOCH"))


def test_two_styles_in_one_process_each_pdf_has_its_own_fonts(tmp_path: Path) -> None:
    from builder.readers.style import load_style
    from builder.writers import pdf
    project = tmp_path / "p"
    (project / "styles").mkdir(parents=True)
    (project / "styles" / "dejavu.yaml").write_text(
        "fonts:\n  body: {fallback: DejaVuSerif}\n  heading: {fallback: DejaVuSans}\n", encoding="utf-8")
    pt = load_style(MINIMAL, "default", Diagnostics())
    dejavu = load_style(project, "dejavu", Diagnostics())
    assert "PT" in pt.body.name and "DejaVu" in dejavu.body.name
    doc = every_kind()
    doc = replace(doc, meta=replace(doc.meta, date=date(2024, 5, 17)))
    before = _defaults()
    files = {}
    for name, style in (("pt-1", pt), ("dejavu", dejavu), ("pt-2", pt)):
        files[name] = tmp_path / f"{name}.pdf"
        pdf.write(doc, style, files[name])
        assert _defaults() == before, name  # restored after every write
    fonts = {name: _fonts(path) for name, path in files.items()}
    assert all(emb for rows in fonts.values() for _name, emb in rows)
    assert fonts["pt-1"] and all(n.startswith("PT") for n, _ in fonts["pt-1"]), fonts["pt-1"]
    assert fonts["dejavu"] and all(n.startswith("DejaVu") for n, _ in fonts["dejavu"]), fonts["dejavu"]
    assert fonts["pt-2"] == fonts["pt-1"]
    assert files["pt-2"].read_bytes() == files["pt-1"].read_bytes()  # nothing of the DejaVu build carried over
    info = subprocess.run(["pdfinfo", "-isodates", str(files["dejavu"])], capture_output=True, text=True).stdout
    assert "2024-05-17" in info  # the edition date, set for the write only
