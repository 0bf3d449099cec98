"""Checks of a DOCX by the clients that read it: Microsoft's Open XML SDK validator, and Word's list numbering
worked out from numbering.xml the way Word counts."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
VALIDATOR_ENV = "DOSSIER_OOXML_VALIDATOR"
VALIDATOR = ROOT / ".ci" / "node_modules" / ".bin" / "ooxml-validator"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def validator() -> str:
    """The validator's command; a missing node or validator fails the test (CI installs both in .ci/run)."""
    exe = os.environ.get(VALIDATOR_ENV) or str(VALIDATOR)
    if not shutil.which("node"):
        pytest.fail("node is not installed: the Open XML SDK validator needs it (see .ci/run)")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"Open XML SDK validator not found at {exe}: run `npm install --prefix .ci` (as .ci/run does) "
                    f"or set {VALIDATOR_ENV}")
    return exe


def assert_valid_docx(path: Path) -> None:
    """0 errors from Microsoft's Open XML SDK validator; the errors are listed when there are any."""
    run = subprocess.run([validator(), str(path)], capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"validator gave no report for {path} (exit {run.returncode}): {run.stderr[-2000:]}")
    errors = [f"{e.get('path')} {e.get('xPath')}: {e.get('id')}: {e.get('description')}" for e in report["errors"]]
    assert report["ok"] and not errors, f"{len(errors)} validator errors in {path.name}:\n" + "\n".join(errors[:40])


# Word's numbering, as Word counts it -------------------------------------------------------------------------------

def _xml(z: zipfile.ZipFile, name: str):
    return etree.fromstring(z.read(name)) if name in z.namelist() else None


def numbered_paragraphs(path: Path) -> list[tuple[str, str, str]]:
    """(style id, label Word prints, paragraph text) of every body paragraph: numPr from the paragraph or its
    style (followed through basedOn), levels' start, format and lvlText from numbering.xml, counters kept per
    abstract list and restarted below each higher level."""
    with zipfile.ZipFile(path) as z:
        doc, styles, numbering = _xml(z, "word/document.xml"), _xml(z, "word/styles.xml"), _xml(z, "word/numbering.xml")
    style_num, based = {}, {}
    for st in styles.iter(f"{W}style"):
        sid = st.get(f"{W}styleId")
        num = st.find(f"{W}pPr/{W}numPr")
        if num is not None:
            style_num[sid] = _num_pr(num)
        base = st.find(f"{W}basedOn")
        if base is not None:
            based[sid] = base.get(f"{W}val")
    abstract = {a.get(f"{W}abstractNumId"): a for a in numbering.iter(f"{W}abstractNum")} if numbering is not None \
        else {}
    nums = {n.get(f"{W}numId"): n.find(f"{W}abstractNumId").get(f"{W}val")
            for n in (numbering.iter(f"{W}num") if numbering is not None else ())}
    counters: dict[str, list[int | None]] = {}
    out = []
    for p in doc.iter(f"{W}p"):
        sid = p.find(f"{W}pPr/{W}pStyle")
        sid = sid.get(f"{W}val") if sid is not None else "Normal"
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        num_id, ilvl = _num_pr(p.find(f"{W}pPr/{W}numPr")) if p.find(f"{W}pPr/{W}numPr") is not None else (None, None)
        s = sid
        while num_id is None and s:
            if s in style_num:
                num_id, ilvl = style_num[s]
                if ilvl is None:  # the level whose pStyle is this style
                    a = abstract.get(nums.get(num_id))
                    ilvl = next((int(lv.get(f"{W}ilvl")) for lv in a.iter(f"{W}lvl")
                                 if lv.find(f"{W}pStyle") is not None and lv.find(f"{W}pStyle").get(f"{W}val") == s),
                                0) if a is not None else 0
            s = based.get(s)
        label = ""
        if num_id not in (None, "0") and num_id in nums:
            a_id = nums[num_id]
            levels = {int(lv.get(f"{W}ilvl")): lv for lv in abstract[a_id].iter(f"{W}lvl")}
            c = counters.setdefault(a_id, [None] * 9)
            lvl = levels[ilvl or 0]
            start = lvl.find(f"{W}start")
            c[ilvl or 0] = (int(start.get(f"{W}val")) if start is not None else 0) if c[ilvl or 0] is None \
                else c[ilvl or 0] + 1
            for deeper in range((ilvl or 0) + 1, 9):
                c[deeper] = None
            fmt = lvl.find(f"{W}numFmt").get(f"{W}val")
            pattern = lvl.find(f"{W}lvlText").get(f"{W}val")
            label = pattern if fmt == "bullet" else re.sub(r"%(\d)", lambda m: str(c[int(m.group(1)) - 1] or 0),
                                                           pattern)
        out.append((sid, label, text))
    return out


def _num_pr(el) -> tuple[str | None, int | None]:
    num_id, ilvl = el.find(f"{W}numId"), el.find(f"{W}ilvl")
    return (num_id.get(f"{W}val") if num_id is not None else None,
            int(ilvl.get(f"{W}val")) if ilvl is not None else None)
