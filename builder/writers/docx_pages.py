"""The DOCX in one pass, its table of contents' page numbers from LibreOffice's own layout: pagination as a stage.

python-docx writes the document once, the TOC's (and the lists of tables' and figures') page numbers as placeholders
of the width the numbers are expected to have; ONE LibreOffice load (headless, through UNO) lays it out and reports
the page of every `_Toc…` bookmark; then only those numbers are patched into word/document.xml (that one zip member
is rewritten; the XML stays ours, LibreOffice's re-saved file is never kept). Only when a number turns out wider or
narrower than its placeholder, which could move a TOC line, is the file laid out once more to check.

When LibreOffice or its Python bridge is missing, fails, or takes longer than `TIMEOUT` seconds, the pages come
from a PDF laid out for the purpose. `DOSSIER_DOCX_PAGINATION=pdf` skips LibreOffice altogether.

This file is two programs. Imported (by the build), it starts `soffice` and runs itself, as a script, with a Python
that has the `uno` module (Debian's python3-uno belongs to /usr/bin/python3, not to a venv): so the part below
`# --- UNO side` must import nothing but the standard library and `uno`.
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

TIMEOUT = 60.0          # seconds for the whole LibreOffice part, soffice start included
ATTEMPTS = 2            # soffice starts per build: a second one when the first fails before reading any page
MAX_PASSES = 3          # LibreOffice loads per build: the first, and checks only when a number changed width
ENV = "DOSSIER_DOCX_PAGINATION"
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")


class Unavailable(Exception):
    """LibreOffice could not give the pages: the caller takes the PDF's."""


@dataclass(frozen=True)
class Pages:
    """The result of pagination: the page of every TOC entry (heading id or caption key), the page count of the
    layout, where the numbers came from ("libreoffice" or "pdf"), how many LibreOffice loads it took, and why
    LibreOffice was not used (empty when it was)."""

    headings: dict[str, int] = field(default_factory=dict)
    count: int | None = None
    source: str = "pdf"
    loads: int = 0
    note: str = ""


# --- build side ---------------------------------------------------------------------------------------------------

def wanted() -> bool:
    """LibreOffice pagination unless the environment asks for the PDF's."""
    return os.environ.get(ENV, "").strip().lower() not in ("pdf", "off", "0", "no")


def uno_python() -> str | None:
    """A Python interpreter that can `import uno`, or None."""
    import shutil
    import subprocess
    candidates = [os.environ.get("DOSSIER_UNO_PYTHON", ""), *UNO_PYTHONS, shutil.which("python3") or ""]
    for exe in dict.fromkeys(c for c in candidates if c):
        if not os.access(exe, os.X_OK):
            continue
        try:
            if subprocess.run([exe, "-c", "import uno"], capture_output=True, timeout=15).returncode == 0:
                return exe
        except (OSError, subprocess.SubprocessError):
            continue
    return None


def available() -> bool:
    import shutil
    return bool(shutil.which("soffice")) and uno_python() is not None


class Office:
    """One headless soffice with a throw-away profile, listening on a private pipe; ended on exit. Use it
    through `office()`.

    soffice runs under a guard (this file run with `--guard`): a process in a session of its own that starts soffice
    in its process group and holds a pipe from the build. When the build ends in any way, a SIGKILL included, the
    pipe closes; the guard then ends soffice's whole group and removes the profile."""

    def __init__(self, deadline: float, limit: float = TIMEOUT):
        self.deadline, self.limit = deadline, limit
        self.proc = None
        self.profile = ""
        self.pipe = ""
        self.python = ""

    def __enter__(self) -> "Office":
        import shutil
        import subprocess
        import tempfile
        import uuid
        from pathlib import Path
        soffice, python = shutil.which("soffice"), uno_python()
        if not soffice or not python:
            raise Unavailable("soffice or a Python with the uno module not found")
        self.python = python
        sweep_profiles()
        self.profile = tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-")
        self.pipe = f"dossier_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        args = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                f"--accept=pipe,name={self.pipe};urp;", f"-env:UserInstallation={Path(self.profile).as_uri()}"]
        guard = [sys.executable, os.path.abspath(__file__), "--guard", self.profile, *args]
        try:
            self.proc = subprocess.Popen(guard, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            self._end()
            raise Unavailable(f"soffice did not start: {e}") from e
        return self

    def bookmark_pages(self, docx: os.PathLike) -> tuple[dict[str, int], int]:
        """({bookmark name: page} for every `_Toc` bookmark of the document, page count), as LibreOffice lays
        the document out."""
        import subprocess
        left = self.deadline - time.monotonic()
        if left <= 1:
            raise Unavailable(f"LibreOffice took longer than {self.limit:g} s")
        if self.proc is not None and self.proc.poll() is not None:
            raise Unavailable(f"soffice ended with status {self.proc.returncode}")
        cmd = [self.python, os.path.abspath(__file__), self.pipe, os.path.abspath(docx), str(left)]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=left,
                                 env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")})
        except subprocess.TimeoutExpired as e:
            raise Unavailable(f"LibreOffice took longer than {self.limit:g} s") from e
        except OSError as e:
            raise Unavailable(str(e)) from e
        if run.returncode != 0:
            lines = (run.stderr or run.stdout).strip().splitlines()
            raise Unavailable(lines[-1] if lines else f"UNO script ended with status {run.returncode}")
        try:
            answer = json.loads(run.stdout)
            return {str(k): int(v) for k, v in answer["bookmarks"].items()}, int(answer["pages"])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise Unavailable(f"unreadable answer from the UNO script: {run.stdout[:200]!r}") from e

    def __exit__(self, *exc) -> None:
        self._end()

    def _end(self) -> None:
        """soffice ended (through its guard, else by signals to its group) and its profile removed."""
        import shutil
        import signal
        import subprocess
        if self.proc is not None and self.proc.stdin is not None:
            try:  # the guard's signal to end soffice and remove the profile
                self.proc.stdin.close()
                self.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc is not None and self.proc.poll() is None:
            try:  # the whole group we started: the guard, the soffice wrapper and its soffice.bin
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)


PROFILE_PREFIX = "dossier-lo-"


def sweep_profiles() -> None:
    """Remove LibreOffice profiles left by builds that no longer run (`dossier-lo-<pid>-…` in the temp folder)."""
    import shutil
    import tempfile
    from pathlib import Path

    from builder.staging import process_running
    for path in Path(tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*"):
        found = re.match(rf"{PROFILE_PREFIX}(\d+)-", path.name)
        if found and path.is_dir() and not process_running(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class Session:
    """What `office()` gives: the started Office, or None and the reason it is not there."""

    office: Office | None
    note: str = ""
    deadline: float = 0.0


@contextmanager
def office(timeout: float = TIMEOUT) -> Iterator[Session]:
    """`with office() as session:` soffice started now (it boots while the caller writes the DOCX) and always
    ended when the block ends, however it ends. `session.office` is None when LibreOffice is not wanted, not
    installed or did not start; `session.note` then says why."""
    from contextlib import ExitStack
    deadline = time.monotonic() + timeout
    note = "" if wanted() else f"{ENV}=pdf"
    if not note and not available():
        note = "LibreOffice (soffice) or python3-uno not installed"
    with ExitStack() as stack:
        started = None
        if not note:
            try:
                started = stack.enter_context(Office(deadline, timeout))
            except Unavailable as e:
                note = str(e)
        yield Session(started, note, deadline)


def toc_bookmarks(document) -> dict[str, str]:
    """{heading id (or caption key): bookmark name} for the entries of the DOCX's tables of contents; empty when
    the document has none."""
    from builder.model import Heading, ListOfCaptions, TableOfContents, caption_key, captioned
    from builder.writers.docx import _toc_bookmark, caption_bookmark
    marks: dict[str, str] = {}
    if any(isinstance(b, TableOfContents) for b in document.blocks):
        marks = {b.id: _toc_bookmark(b.id) for b in document.blocks if isinstance(b, Heading)}
    for kind in {b.kind for b in document.blocks if isinstance(b, ListOfCaptions)}:  # lists of tables, figures
        marks |= {caption_key(kind, x.id): caption_bookmark(kind, x.id) for x in captioned(document.blocks, kind)}
    return marks


def paginate(path, bookmarks: dict[str, str], session: Session, written: dict[str, int],
             roomy: frozenset[str] = frozenset()) -> Pages:
    """The page of every TOC entry as LibreOffice lays out the DOCX at `path`, which holds `written` as the TOC's
    numbers. One load, unless a number has another width than the one written in on a TOC line that may be full
    (not in `roomy`): then the numbers are patched in and the file laid out again to check (up to MAX_PASSES
    loads), since a wider number can move such a line. Raises Unavailable when LibreOffice gave no pages (a second
    soffice is tried first when there is time left)."""
    note = session.note
    for attempt in range(ATTEMPTS):
        if attempt == 0 and session.office is not None:
            pages = _read_until_stable(path, bookmarks, session.office, written, roomy)
        elif attempt == 0 or time.monotonic() >= session.deadline - 1:
            break
        else:  # the first soffice failed before any page was read: a fresh one, within the same deadline
            try:
                with Office(session.deadline, session.office.limit if session.office else TIMEOUT) as fresh:
                    pages = _read_until_stable(path, bookmarks, fresh, written, roomy)
            except Unavailable as e:
                pages = e
        if isinstance(pages, Pages):
            return pages
        note = str(pages)
    raise Unavailable(note)


def _read_until_stable(path, bookmarks: dict[str, str], office: Office, written: dict[str, int],
                       roomy: frozenset[str]) -> "Pages | Unavailable":
    pages, loads = None, 0
    try:
        for _ in range(MAX_PASSES):
            found, count = office.bookmark_pages(path)
            loads += 1
            missing = [b for b in bookmarks.values() if b not in found]
            if missing:
                raise Unavailable(f"LibreOffice did not find bookmark {missing[0]}"
                                  + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
            pages = Pages({key: found[bm] for key, bm in bookmarks.items()}, count, "libreoffice", loads)
            if same_widths(pages.headings, written, roomy):
                break  # the numbers cannot move a TOC line: the layout just read is the final one
            patch_toc(path, bookmarks, pages.headings)
            written = pages.headings
    except Unavailable as e:
        if pages is None:
            return e  # nothing was read
        # numbers LibreOffice laid out are in; only a later check failed
    return pages


def same_widths(pages: dict[str, int], written: dict[str, int], roomy: frozenset[str] = frozenset()) -> bool:
    """Whether writing `pages` over `written` leaves every TOC line as it was laid out: the same number of digits
    (the fonts' digits are of one width), or a line with room to spare."""
    return all(len(str(pages[k])) == len(str(written.get(k, 0))) for k in pages if k not in roomy)


def roomy_entries(document, style) -> frozenset[str]:
    """The TOC entries whose line has room for a wider page number: text well short of the line's width, counted
    at a generous 0.6 em a character (A4 less the style's margins, at the body size)."""
    from builder.model import Heading, ListOfCaptions, caption_key, inline_text, walk
    margins = style.margins_mm
    width_pt = (210 - margins.get("left", 25) - margins.get("right", 25)) / 25.4 * 72
    capacity = width_pt / (0.6 * style.size("body"))
    room = 10  # the number, the dot leader's least length and an indent
    entries = {b.id: (b.number or "") + " " + inline_text(b.inlines) for b in document.blocks if isinstance(b, Heading)}
    for kind in {b.kind for b in document.blocks if isinstance(b, ListOfCaptions)}:
        entries |= {caption_key(kind, x.id): f"{kind} {x.number}. {inline_text(x.caption)}"
                    for x in walk(document.blocks) if type(x).__name__ == kind and x.id}
    return frozenset(key for key, text in entries.items() if len(text) + room < capacity)


# estimated pages: placeholders of the right width -----------------------------------------------------------------

CHARS_PER_PAGE = 3600.0   # characters of body text on a page (fitted to the flagship as LibreOffice lays it out)
ROWS_PER_PAGE = 45.0      # table rows of a page
ENTRIES_PER_PAGE = 32.0   # lines of a table of contents


def estimate_pages(document, keys: dict[str, str]) -> dict[str, int]:
    """A rough page for every TOC entry from the amount of material before it (chapters start a page): the
    placeholders' widths. A wrong guess costs one more LibreOffice load, never a wrong number."""
    from builder.model import (Figure, Heading, ListOfCaptions, PageBreak, Table, TableOfContents, TitlePage,
                               caption_key, inline_text, walk)
    position, guess = 0.0, {}
    for block in walk(document.blocks):
        if isinstance(block, (PageBreak, TableOfContents, ListOfCaptions)) or \
                (isinstance(block, Heading) and block.level == 1):
            position = float(math.ceil(position))  # a new page
        page = int(position) + 1
        if isinstance(block, Heading):
            guess[block.id] = page
        elif isinstance(block, (Table, Figure)) and block.id:
            guess[caption_key(type(block).__name__, block.id)] = page
        if isinstance(block, TitlePage):
            position += 1
        elif isinstance(block, TableOfContents):
            position += sum(isinstance(b, Heading) for b in document.blocks) / ENTRIES_PER_PAGE
        elif isinstance(block, ListOfCaptions):
            position += sum(type(b).__name__ == block.kind for b in walk(document.blocks)) / ENTRIES_PER_PAGE
        elif isinstance(block, Table):
            position += (len(block.header_rows) + len(block.body_rows) + 4) / ROWS_PER_PAGE
        elif isinstance(block, Figure):
            position += 0.45
        elif hasattr(block, "inlines"):
            position += (len(inline_text(block.inlines)) + 80) / CHARS_PER_PAGE
    return {key: guess.get(key, 1) for key in keys}


# the TOC's numbers patched into word/document.xml -----------------------------------------------------------------

_PAGEREF = re.compile(r'(<w:instrText[^>]*>\s*PAGEREF (\S+) \\h\s*</w:instrText></w:r>'
                      r'<w:r(?:\s[^>]*)?>(?:<w:rPr>.*?</w:rPr>)?<w:fldChar w:fldCharType="separate"/></w:r>'
                      r'<w:r(?:\s[^>]*)?>(?:<w:rPr>.*?</w:rPr>)?<w:t(?:\s[^>]*)?>)([^<]*)(</w:t>)', re.S)


def patch_toc(path, bookmarks: dict[str, str], pages: dict[str, int]) -> int:
    """Write `pages` as the cached results of the TOC's PAGEREF fields in word/document.xml, rewriting that one
    zip member (the others are copied as they are). Returns the number of fields patched."""
    import zipfile
    from pathlib import Path
    numbers = {bm: str(pages.get(key, 0)) for key, bm in bookmarks.items()}
    path = Path(path)
    with zipfile.ZipFile(path) as src:
        infos = src.infolist()
        members = {i.filename: src.read(i) for i in infos}
    xml = members["word/document.xml"].decode("utf-8")
    patched = 0

    def number(m: re.Match) -> str:
        nonlocal patched
        if m.group(2) not in numbers:
            return m.group(0)
        patched += 1
        return m.group(1) + numbers[m.group(2)] + m.group(4)
    members["word/document.xml"] = _PAGEREF.sub(number, xml).encode("utf-8")
    from builder.staging import temp_path
    tmp = temp_path(path)
    try:
        with zipfile.ZipFile(tmp, "w") as dst:
            for info in infos:
                dst.writestr(info, members[info.filename], info.compress_type)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return patched


# the writer ---------------------------------------------------------------------------------------------------

def write(document, style, path, scratch=None, progress=None, charts_ready=None, pdf_pages=None):
    """The DOCX at `path`, written once by python-docx, its TOC's page numbers from LibreOffice's layout (one
    load, see `paginate`), else from the PDF's (`pdf_pages`, {heading id: page}, when the build wrote the PDF
    first; else a PDF laid out at `scratch`). `charts_ready()` blocks until the chart files are written. Returns
    a builder.writers.Output."""
    from builder.writers import docx
    from builder.writers.output import Output
    bookmarks = toc_bookmarks(document)
    if not bookmarks:  # no table of contents: no page number to take from anywhere
        if charts_ready:
            charts_ready()
        docx.write(document, style, path, {})
        return Output(path, None, "pdf")  # as the schema has it: no number came from LibreOffice
    written = estimate_pages(document, bookmarks)
    with office() as session:  # soffice boots while the charts are finished and python-docx writes
        if charts_ready:
            charts_ready()
        docx.write(document, style, path, written)
        try:
            pages = paginate(path, bookmarks, session, written, roomy_entries(document, style))
        except Unavailable as e:
            pages = Pages(note=str(e) or session.note)
    if pages.source != "libreoffice":
        if progress and pages.note and not pages.note.startswith(ENV):
            progress(f"docx: table of contents keeps the PDF's page numbers ({pages.note})")
        pages = Pages(pdf_pages, None, "pdf", 0, pages.note) if pdf_pages is not None else \
            lay_out_pdf(document, style, scratch or path.with_suffix(".pdf.tmp"), pages.note)
    if pages.headings != written:
        patch_toc(path, bookmarks, pages.headings)
    return Output(path, pages.count if pages.source == "libreoffice" else None, pages.source, pages.note,
                  headings=pages.headings)


def lay_out_pdf(document, style, scratch, note: str = "") -> Pages:
    """The pages of the PDF's layout (laid out at `scratch`, then removed): the fallback pagination."""
    from pathlib import Path

    from builder.writers import pdf
    try:
        count, headings = pdf.write(document, style, scratch)
    finally:
        Path(scratch).unlink(missing_ok=True)
    return Pages(headings, count, "pdf", 0, note)


# --- UNO side (run by a Python with the uno module: standard library + uno only) -----------------------------------

def _uno_main(pipe: str, docx: str, budget: float) -> int:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException

    deadline = time.monotonic() + budget
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if time.monotonic() > deadline:
                print("no connection to soffice", file=sys.stderr)
                return 3
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def prop(name, value):
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    url = uno.systemPathToFileUrl(docx)  # the build's file ends in .tmp: name the filter, do not detect it
    args = (prop("Hidden", True), prop("ReadOnly", True), prop("FilterName", "MS Word 2007 XML"))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, args)
    if doc is None:
        print(f"LibreOffice could not open {docx}", file=sys.stderr)
        return 4
    try:
        view = doc.getCurrentController().getViewCursor()
        view.jumpToLastPage()  # lays the whole document out before any page is read
        count = view.getPage()
        pages = {}
        marks = doc.getBookmarks()
        for name in marks.getElementNames():
            if name.startswith("_Toc"):
                view.gotoRange(marks.getByName(name).getAnchor(), False)
                pages[name] = view.getPage()
    finally:
        doc.close(True)
    json.dump({"pages": count, "bookmarks": pages}, sys.stdout)
    return 0


def _guard(profile: str, args: list[str]) -> int:
    """Run soffice in this process group until the build closes our stdin (or dies), then end the group and remove
    the profile. Standard library only."""
    import select
    import shutil
    import signal
    import subprocess
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group's SIGTERM below is for soffice, not for us
    scratch = os.path.join(profile, "tmp")  # soffice's own temporary files go with the profile
    os.makedirs(scratch, exist_ok=True)
    env = dict(os.environ, TMPDIR=scratch, TMP=scratch, TEMP=scratch)
    child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env)
    while child.poll() is None:
        ready, _w, _x = select.select([sys.stdin], [], [], 0.5)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            break  # EOF: the build is done, or was killed
    try:
        os.killpg(0, signal.SIGTERM)
        child.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass
    _kill_group_but_me()
    shutil.rmtree(profile, ignore_errors=True)
    return 0


def _kill_group_but_me() -> None:
    """SIGKILL every other process of this process group (soffice.bin outlives its wrapper at times)."""
    import signal
    me = os.getpid()
    group = os.getpgid(0)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                if os.getpgid(int(entry)) == group:
                    os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    if sys.argv[1] == "--guard":
        sys.exit(_guard(sys.argv[2], sys.argv[3:]))
    sys.exit(_uno_main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
