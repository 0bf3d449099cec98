"""The DOCX table of contents' page numbers from LibreOffice's own layout (the two-pass recipe).

The DOCX is written once with the PDF's pages as placeholders, opened headless in LibreOffice through UNO, the page
of every `_Toc…` heading bookmark is read back, and the DOCX is written again with those numbers as the TOC's cached
results (and checked once more, so a number that changes the TOC's own layout is caught). LibreOffice's re-saved file
is never kept: the XML stays ours. When LibreOffice or its Python bridge is missing, fails, or takes longer than
`TIMEOUT` seconds, the PDF's pages stay in. `DOSSIER_DOCX_PAGINATION=pdf` skips LibreOffice altogether.

This file is two programs. Imported (by the build), it starts `soffice` and runs itself, as a script, with a Python
that has the `uno` module (Debian's python3-uno belongs to /usr/bin/python3, not to a venv): so the part below
`# --- UNO side` must import nothing but the standard library and `uno`.
"""
from __future__ import annotations

import json
import os
import sys
import time

TIMEOUT = 60.0          # seconds for the whole LibreOffice part, soffice start included
ATTEMPTS = 2            # soffice starts per build: a second one when the first fails before reading any page
MAX_PASSES = 3          # LibreOffice reads per build: the first read, a check, and one more if the check moved a page
ENV = "DOSSIER_DOCX_PAGINATION"
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")


class Unavailable(Exception):
    """LibreOffice could not give the pages: the caller keeps the PDF's."""


# --- build side ---------------------------------------------------------------------------------------------------

def wanted() -> bool:
    """LibreOffice pagination unless the environment asks for the PDF's."""
    return os.environ.get(ENV, "").strip().lower() not in ("pdf", "off", "0", "no")


_uno_python: str | None | bool = False  # False: not looked for yet


def uno_python() -> str | None:
    """A Python interpreter that can `import uno`, or None; looked for once per process."""
    global _uno_python
    if _uno_python is False:
        import shutil
        import subprocess
        _uno_python = None
        candidates = [os.environ.get("DOSSIER_UNO_PYTHON", ""), *UNO_PYTHONS, shutil.which("python3") or ""]
        for exe in dict.fromkeys(c for c in candidates if c):
            if not os.access(exe, os.X_OK):
                continue
            try:
                ok = subprocess.run([exe, "-c", "import uno"], capture_output=True, timeout=15).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
            if ok:
                _uno_python = exe
                break
    return _uno_python


def available() -> bool:
    import shutil
    return bool(shutil.which("soffice")) and uno_python() is not None


class Office:
    """One headless soffice with a throw-away profile, listening on a private pipe; ended on exit.

    soffice runs under a guard (this file run with `--guard`): a process in a session of its own that starts soffice
    in its process group and holds a pipe from the build. When the build ends in any way, a SIGKILL included, the
    pipe closes; the guard then ends soffice's whole group and removes the profile."""

    def __init__(self, deadline: float, limit: float = TIMEOUT):
        self.deadline, self.limit = deadline, limit
        self.proc = None
        self.profile = ""
        self.pipe = ""

    def __enter__(self) -> "Office":
        if self.proc is not None:  # already started by prestart()
            return self
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
            self.__exit__(None, None, None)
            raise Unavailable(f"soffice did not start: {e}") from e
        return self

    def bookmark_pages(self, docx: os.PathLike) -> dict[str, int]:
        """{bookmark name: page} for every `_Toc` bookmark of the document, as LibreOffice lays it out."""
        import subprocess
        left = self.deadline - time.monotonic()
        if left <= 1:
            raise Unavailable(f"LibreOffice took longer than {self.limit:g} s")
        if self.proc.poll() is not None:
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
            pages = json.loads(run.stdout)
        except ValueError as e:
            raise Unavailable(f"unreadable answer from the UNO script: {run.stdout[:200]!r}") from e
        return {str(k): int(v) for k, v in pages.items()}

    def __exit__(self, *exc) -> None:
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
    import re
    import shutil
    import tempfile
    from pathlib import Path

    from builder.staging import process_running
    for path in Path(tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*"):
        found = re.match(rf"{PROFILE_PREFIX}(\d+)-", path.name)
        if found and path.is_dir() and not process_running(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def prestart() -> "Office | None":
    """Start soffice now, so it is up by the time the DOCX is written (it takes a second or two)."""
    if not wanted() or not available():
        return None
    try:
        return Office(time.monotonic() + TIMEOUT).__enter__()
    except Unavailable:
        return None


def write_with_pages(write, path, bookmarks: dict[str, str], pdf_pages: dict[str, int],
                     timeout: float = TIMEOUT, first_written: bool = False,
                     started: "Office | None" = None, info: dict | None = None) -> tuple[str, str]:
    """Write the DOCX at `path` with the TOC's pages from LibreOffice when it can, else from the PDF.

    `write(pages)` writes the DOCX with `pages` ({heading id: page}) as the TOC's cached numbers; `bookmarks` maps
    the TOC's heading ids to their bookmark names. Returns (source, note): source is "libreoffice" or "pdf", note
    says why LibreOffice was not used (empty otherwise). `first_written`: the file already holds `pdf_pages`."""
    if not first_written:
        write(pdf_pages)
    if not wanted():
        return "pdf", f"{ENV}=pdf"
    if not bookmarks:
        return "pdf", "no headings in the table of contents"
    if not available():
        return "pdf", "LibreOffice (soffice) or python3-uno not installed"
    deadline = time.monotonic() + timeout
    note = ""
    for attempt in range(ATTEMPTS):  # a fresh soffice once more when the first fails before any page is read
        office = started if attempt == 0 and started is not None else Office(deadline, timeout)
        source, note = _paginate(office, write, path, bookmarks, pdf_pages, info)
        if source == "libreoffice" or time.monotonic() >= deadline - 1:
            return source, note
    return "pdf", note


def _paginate(office: "Office", write, path, bookmarks: dict[str, str], pdf_pages: dict[str, int],
              info: dict | None) -> tuple[str, str]:
    """Read the pages in `office` and write them in until LibreOffice's layout agrees with the file."""
    written, read = pdf_pages, False
    try:
        with office:
            for _ in range(MAX_PASSES):
                found = office.bookmark_pages(path)
                if info is not None and "#page-count" in found:
                    info["pages"] = found["#page-count"]
                missing = [b for b in bookmarks.values() if b not in found]
                if missing:
                    raise Unavailable(f"LibreOffice did not find bookmark {missing[0]}"
                                      + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
                pages = {hid: found[bm] for hid, bm in bookmarks.items()}
                read = True
                if pages == written:
                    break  # the numbers written in are the ones LibreOffice lays out: done
                same_widths = all(len(str(pages[h])) == len(str(written.get(h, ""))) for h in pages)
                write(pages)
                written = pages
                if same_widths:
                    break  # numbers of the same width cannot move a TOC line: no need to read the pages again
    except Unavailable as e:
        if not read:
            return "pdf", str(e)  # nothing was read, so the file still holds the PDF's pages
        # the file already holds numbers LibreOffice laid out; only a later check failed
    return "libreoffice", ""


def toc_bookmarks(document) -> dict[str, str]:
    """{heading id: bookmark name} for the headings the DOCX's table of contents lists."""
    from builder.model import Heading, ListOfCaptions, caption_key, captioned
    from builder.writers.docx import _toc_bookmark, caption_bookmark
    marks = {b.id: _toc_bookmark(b.id) for b in document.blocks if isinstance(b, Heading)}
    for kind in {b.kind for b in document.blocks if isinstance(b, ListOfCaptions)}:  # lists of tables, figures
        marks |= {caption_key(kind, x.id): caption_bookmark(kind, x.id) for x in captioned(document.blocks, kind)}
    return marks


def write_docx(write, path, document, pdf_pages: dict[str, int], timings: dict[str, float] | None = None,
               progress=None, started: "Office | None" = None, info: dict | None = None) -> str:
    """`write_with_pages` for a document; the LibreOffice part's time goes into `timings["docx pages"]`.
    Returns "libreoffice" or "pdf", the source of the TOC's page numbers."""
    start = time.perf_counter()
    write(pdf_pages)
    first = time.perf_counter() - start
    from builder.model import TableOfContents
    if not any(isinstance(b, TableOfContents) for b in document.blocks):
        if started is not None:
            started.__exit__(None, None, None)
        return "pdf"  # no table of contents: no page number to take from LibreOffice
    source, note = write_with_pages(write, path, toc_bookmarks(document), pdf_pages, first_written=True,
                                    started=started, info=info)
    if timings is not None:
        timings["docx pages"] = round(time.perf_counter() - start - first, 4)
    if progress and note and not note.startswith(ENV):
        progress(f"docx: table of contents keeps the PDF's page numbers ({note})")
    return source


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
        pages = {"#page-count": view.getPage()}
        marks = doc.getBookmarks()
        for name in marks.getElementNames():
            if name.startswith("_Toc"):
                view.gotoRange(marks.getByName(name).getAnchor(), False)
                pages[name] = view.getPage()
    finally:
        doc.close(True)
    json.dump(pages, sys.stdout)
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
