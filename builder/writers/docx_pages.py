"""The DOCX in one pass, its table of contents' page numbers from LibreOffice's own layout: pagination as a stage.

python-docx writes the document once, the TOC's (and the lists of tables' and figures') page numbers as placeholders
of the width the numbers are expected to have; ONE LibreOffice load (headless, through UNO) lays it out and reports
the page of every `_Toc…` bookmark; then only those numbers are patched into word/document.xml (that one zip member
is rewritten; the XML stays ours, LibreOffice's re-saved file is never kept). Only when a number turns out wider or
narrower than its placeholder, which could move a TOC line, is the file laid out once more to check.

The charts' PNGs are not waited for: a picture's place in the layout depends on its extent (the chart's size)
alone, so a chart whose PNG is still being drawn is written as a placeholder picture (builder/writers/docx.py
`placeholder_png`), LibreOffice lays the document out while the PNGs are drawn, and the PNGs go into the
placeholders' members in the same rewrite that patches the TOC's numbers in (`finish`). A build fails before
that rewrite when a chart fails, so no placeholder is ever published.

When LibreOffice or its Python bridge is missing, fails, or takes longer than `TIMEOUT` seconds, the pages come
from a PDF laid out for the purpose. `DOSSIER_DOCX_PAGINATION=pdf` skips LibreOffice altogether.

soffice starts early: `early()` starts it as the build begins (it boots while the inputs are read), `office()`
gives the DOCX writer that one or starts its own; `dossier watch` keeps one for all its builds. Its profile is a
copy of a template the first build saved in the user's cache folder (`profile_template`).

This file is two programs. Imported (by the build), it starts the guard: itself run as a script by a Python that has
the `uno` module (Debian's python3-uno belongs to /usr/bin/python3, not to a venv), which starts `soffice`, connects
to it and lays out each document the build sends. So this file imports nothing at the top but the standard library,
and the part below `# --- UNO side` nothing but the standard library and `uno`.
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import threading
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
    """A Python interpreter that can `import uno`, or None (asked once per process)."""
    with _FOUND_LOCK:
        if "python" not in _FOUND:
            _FOUND["python"] = _find_uno_python()
        return _FOUND["python"]


_FOUND: dict[str, str | None] = {}
_FOUND_LOCK = threading.Lock()


def _uno_candidates() -> list[str]:
    """The Pythons that may have `uno`, in the order they are tried."""
    import shutil
    candidates = [os.environ.get("DOSSIER_UNO_PYTHON", ""), *UNO_PYTHONS, shutil.which("python3") or ""]
    return [exe for exe in dict.fromkeys(c for c in candidates if c) if os.access(exe, os.X_OK)]


def _find_uno_python() -> str | None:
    import subprocess
    for exe in _uno_candidates():
        try:
            with no_fork():
                probe = subprocess.Popen([exe, "-c", "import uno"], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if probe.wait(timeout=15) == 0:
                return exe
        except (OSError, subprocess.SubprocessError):
            continue
    return None


_SPAWNING = threading.Lock()
_HOOKED: list[bool] = []


@contextmanager
def no_fork() -> Iterator[None]:
    """`with no_fork(): subprocess.Popen(...)`: no other thread of this process forks meanwhile. soffice starts
    in a thread while the build forks its chart workers; a process forked while Popen waits for its child's exec
    would inherit the pipe Popen waits on, and Popen would wait until that process ends (a chart worker ends
    when the build has waited for every chart, after the fork of the writers, which waits for soffice's start:
    a deadlock). A fork from Python (os.fork, multiprocessing) waits for the Popen to be done."""
    with _SPAWNING:
        if not _HOOKED:
            os.register_at_fork(before=_SPAWNING.acquire, after_in_parent=_SPAWNING.release,
                                after_in_child=_SPAWNING.release)
            _HOOKED.append(True)
    with _SPAWNING:
        yield


def available() -> bool:
    import shutil
    return bool(shutil.which("soffice")) and uno_python() is not None


class Office:
    """One headless soffice with a throw-away profile, listening on a private pipe, and the guard that runs it; use
    it through `office()` (or `early()`, which starts it before the document is ready).

    The guard is this file run with `--guard` by the Python that has `uno`: a process in a session of its own that
    starts soffice in its process group, connects to it while it boots, and lays out each document the build sends
    it (one JSON line in, one JSON line out, on its stdin and stdout). It ends soffice's whole group and removes the
    profile when told to ("end") or when its stdin closes: when the build ends in any way, a SIGKILL included."""

    def __init__(self, deadline: float = 0.0, limit: float = TIMEOUT, keep: bool = False):
        self.deadline, self.limit = deadline, limit
        self.keep = keep          # kept for the builds that follow (a watch session): not ended after one document
        self.proc = None
        self.profile = ""
        self.pipe = ""
        self.python = ""
        self.from_template = False  # the profile is a copy of one an earlier build saved
        self.owner = os.getpid()  # the process that started it: the one that ends it
        self._thread = None
        self._failure: Unavailable | None = None
        self._buffer = b""
        self.route = ""           # how the last document's pages were read: "basic" (inside soffice) or "uno"

    def __enter__(self) -> "Office":
        self.start()
        return self

    def start(self) -> None:
        import shutil
        import subprocess
        import tempfile
        import uuid
        from pathlib import Path
        soffice = shutil.which("soffice")
        if not soffice:
            raise Unavailable("soffice or a Python with the uno module not found")
        sweep_profiles()
        self.profile = tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-")
        template, keep_as = profile_template(soffice), ""
        try:  # a copy costs milliseconds; soffice's first start makes a profile in 0.1 s of CPU more
            if usable_profile(template):
                shutil.copytree(template, self.profile, dirs_exist_ok=True)
                self.from_template = True
            else:
                keep_as = str(template)  # the guard saves this build's profile as the template
        except (OSError, shutil.Error):
            pass
        settle_profile(self.profile, soffice, template if self.from_template else None)
        self.pipe = f"dossier_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        args = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                f"--accept=pipe,name={self.pipe};urp;", f"-env:UserInstallation={Path(self.profile).as_uri()}"]
        guard = [os.path.abspath(__file__), "--guard", self.profile, self.pipe, keep_as, *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        failure = "soffice or a Python with the uno module not found"
        with _FOUND_LOCK:  # the guard is the test of its Python: `uno_python()` meanwhile waits for its answer
            known = _FOUND.get("python")
            if known:
                candidates = [known]
            else:  # none found by an earlier look (`uno_python()`), or never looked for
                candidates = [] if "python" in _FOUND else _uno_candidates()
            for python in candidates:
                try:
                    with no_fork():
                        proc = subprocess.Popen([python, *guard], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                stderr=subprocess.DEVNULL, start_new_session=True, env=env)
                except OSError as e:
                    failure = f"soffice did not start: {e}"
                    continue
                if self._ready(proc):
                    self.proc, self.python, _FOUND["python"] = proc, python, python
                    return
                _discard(proc)
            if not known and "python" not in _FOUND and failure.startswith("soffice or"):
                _FOUND["python"] = None
        self._end()
        raise Unavailable(failure)

    def _ready(self, proc) -> bool:
        """Whether the guard just started says it imported `uno` (its first line, within 15 s)."""
        import select
        deadline, fd = time.monotonic() + 15, proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return False
            chunk = os.read(fd, 65536)
            if not chunk:
                return False
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.strip() == b"ready"

    def start_soon(self) -> "Office":
        """Start in a thread (finding the Python with `uno` takes a moment); `settle()` waits for it."""
        import threading

        def start() -> None:
            try:
                self.start()
            except Unavailable as e:
                self._failure = e
        self._thread = threading.Thread(target=start, name="soffice-start", daemon=True)
        self._thread.start()
        return self

    def settle(self) -> None:
        """Wait for a `start_soon()` to be done (before this process forks: a thread must not be cut in half)."""
        if self._thread is not None and self.owner == os.getpid():
            self._thread.join()
            self._thread = None

    def usable(self) -> bool:
        """Starting (`start_soon`) or running."""
        return self._thread is not None or self.running()

    def running(self) -> bool:
        """Whether its guard (and so soffice) is still there; true in a forked process too."""
        if self.proc is None or self._failure is not None:
            return False
        if self.owner == os.getpid():
            return self.proc.poll() is None
        try:  # another process's child: signal 0 asks without waiting on it
            os.kill(self.proc.pid, 0)
        except OSError:
            return False
        return True

    def bookmark_pages(self, docx: os.PathLike, route: str = "") -> tuple[dict[str, int], int]:
        """({bookmark name: page} for every `_Toc` bookmark of the document, page count), as LibreOffice lays
        the document out. They are read inside soffice (`self.route` says "basic" after) unless `route` is "uno"
        (one call across the pipe per step, the fallback: "uno")."""
        import uuid
        left = self.deadline - time.monotonic()
        if left <= 1:
            raise Unavailable(f"LibreOffice took longer than {self.limit:g} s")
        if not self.running():
            raise Unavailable(str(self._failure) if self._failure else "soffice has ended")
        ident = uuid.uuid4().hex
        self._send(json.dumps({"id": ident, "path": os.path.abspath(docx), "budget": left, "route": route}))
        answer = self._answer(ident, left)
        if "error" in answer:
            raise Unavailable(str(answer["error"]))
        self.route = str(answer.get("route", ""))
        try:
            return {str(k): int(v) for k, v in answer["bookmarks"].items()}, int(answer["pages"])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise Unavailable(f"unreadable answer from LibreOffice's guard: {str(answer)[:200]!r}") from e

    def _send(self, line: str) -> None:
        try:
            os.write(self.proc.stdin.fileno(), line.encode("utf-8") + b"\n")
        except OSError as e:
            raise Unavailable(f"soffice's guard is gone: {e}") from e

    def _answer(self, ident: str, seconds: float) -> dict:
        """The guard's answer to request `ident` (answers to requests of an earlier, killed writer are skipped)."""
        import select
        deadline = time.monotonic() + seconds
        fd = self.proc.stdout.fileno()
        while True:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                try:
                    answer = json.loads(line)
                except ValueError:
                    continue
                if isinstance(answer, dict) and answer.get("id") == ident:
                    return answer
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                self.kill()  # stuck in a document: no later build may queue behind it
                raise Unavailable(f"LibreOffice took longer than {self.limit:g} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise Unavailable("soffice ended while laying the document out")
            self._buffer += chunk

    def release(self) -> None:
        """Tell the guard to end soffice now, without waiting: it does so while the build finishes."""
        if self.proc is not None and not self.keep:
            try:
                self._send("end")
            except Unavailable:
                pass

    def kill(self) -> None:
        """End soffice's whole group at once (from any process)."""
        import signal
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass

    def __exit__(self, *exc) -> None:
        self._end()

    def _end(self) -> None:
        """soffice ended (through its guard, else by signals to its group) and its profile removed; only by the
        process that started it."""
        import shutil
        import signal
        import subprocess
        if self.owner != os.getpid():
            return
        self.settle()
        if self.proc is not None and self.proc.stdin is not None:
            try:  # the guard's signal to end soffice and remove the profile ("end": forked processes may hold stdin)
                os.write(self.proc.stdin.fileno(), b"end\n")
            except OSError:
                pass
            try:
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
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)


def _discard(proc) -> None:
    """A guard that could not serve (its Python lacks `uno`) ended, with whatever it started."""
    import signal
    import subprocess
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass


PROFILE_PREFIX = "dossier-lo-"


def profile_template(soffice: str):
    """Where a LibreOffice profile made by an earlier build is kept for copying: a per-user cache folder named
    for the LibreOffice installation (its path and its version file), `$XDG_CACHE_HOME/dossier/lo-profile-…`."""
    import hashlib
    from pathlib import Path
    program = os.path.realpath(soffice)
    try:
        version = Path(program).with_name("versionrc").read_bytes()
    except OSError:
        version = b""
    key = hashlib.sha256(program.encode() + b"\0" + version).hexdigest()[:16]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "dossier" / f"lo-profile-{key}"


SETTINGS = "user/registrymodifications.xcu"
SETTINGS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
                 'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n')
ITEM = '<item oor:path="{}"><prop oor:name="{}" oor:op="fuse"><value>{}</value></prop></item>\n'
SETTLED = (("/org.openoffice.Office.Writer/AutoFunction/Completion", "Enable", "false"),
           ("/org.openoffice.Office.Writer/AutoFunction/Completion", "CollectWords", "false"),
           ("/org.openoffice.Setup/Product", "ooSetupLastVersion", None))  # None: the installed version


def profile_settings(soffice: str) -> list[str]:
    """The settings (registrymodifications.xcu items) every profile of a build holds, each cutting soffice's CPU
    without touching the layout:
    - `ooSetupLastVersion`, the installed version: else soffice takes every start for the first after an upgrade
      and runs its graphics render tests, some 110 drawings costing 0.6-0.7 s of CPU, before it listens (its start
      center would record the version, and a headless soffice never shows one);
    - word completion off: it collects the document's words for suggestions while the layout is idle (0.05-0.1 s
      for the flagship)."""
    version = installed_version(soffice)
    return [ITEM.format(path, name, value or version) for path, name, value in SETTLED if value or version]


def settle_profile(profile, soffice: str, template=None) -> None:
    """`profile_settings` written into the profile before soffice starts: into a fresh profile's settings file or a
    copied one's; a template that lacks one (saved by an earlier release) is given them too, replaced whole."""
    path = os.path.join(profile, SETTINGS)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = SETTINGS_HEAD + "</oor:items>\n"
    except (OSError, UnicodeDecodeError):
        return
    if "</oor:items>" not in text or all(ITEM.format(where, name, "").split("<value>")[0] in text
                                         for where, name, _value in SETTLED):
        return  # (the installed version is not even read)
    missing = [item for item in profile_settings(soffice) if item.split("<value>")[0] not in text]
    if not missing:
        return
    head, tail = text.rsplit("</oor:items>", 1)
    text = head + "".join(missing) + "</oor:items>" + tail
    targets = [path] + ([os.path.join(template, SETTINGS)] if template is not None else [])
    for target in targets:
        partial = f"{target}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(partial, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(partial, target)
        except OSError:
            try:
                os.unlink(partial)
            except OSError:
                pass


def installed_version(soffice: str) -> str | None:
    """The installation's version as LibreOffice compares it ("7.4", `ooSetupVersion` in its registry), or None;
    read once per process."""
    key = f"version {soffice}"
    with _FOUND_LOCK:
        if key not in _FOUND:
            registry = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(soffice))),
                                    "share", "registry", "main.xcd")
            try:
                with open(registry, "rb") as f:
                    found = re.search(rb'<prop oor:name="ooSetupVersion">\s*<value>(\d+\.\d+)</value>', f.read())
            except OSError:
                found = None
            _FOUND[key] = found.group(1).decode() if found else None
        return _FOUND[key]


def usable_profile(path) -> bool:
    """A complete profile: its settings file was written to the end, by soffice (it holds settings other than
    those `settle_profile` writes)."""
    try:
        with open(os.path.join(path, SETTINGS), encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return False
    ours = tuple(ITEM.format(where, name, "").split("<value>")[0] for where, name, _value in SETTLED)
    return text.rstrip().endswith("</oor:items>") and \
        any(not line.startswith(ours) for line in re.findall(r"<item .*", text))


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

    def done(self) -> None:
        """No more documents for this office: its guard ends soffice meanwhile (unless a watch keeps it)."""
        if self.office is not None:
            self.office.release()


_EARLY: list[Office] = []  # the office `early()` started for the builds of this process, if any


@contextmanager
def office(timeout: float = TIMEOUT) -> Iterator[Session]:
    """`with office() as session:` soffice started now (it boots while the caller writes the DOCX), or the one
    `early()` started, and ended when the block ends, however it ends (an early one by its starter).
    `session.office` is None when LibreOffice is not wanted, not installed or did not start; `session.note` then
    says why."""
    from contextlib import ExitStack
    deadline = time.monotonic() + timeout
    note = "" if wanted() else f"{ENV}=pdf"
    if not note and not available():
        note = "LibreOffice (soffice) or python3-uno not installed"
    started = _EARLY[-1] if _EARLY and not note else None
    if started is not None:
        started.settle()
        if started.running():
            started.deadline, started.limit = deadline, timeout
            yield Session(started, "", deadline)
            return
    with ExitStack() as stack:
        started = None
        if not note:
            try:
                started = stack.enter_context(Office(deadline, timeout))
            except Unavailable as e:
                note = str(e)
        yield Session(started, note, deadline)


TOC_DIRECTIVE = re.compile(r"^\s*(`{3,}|~{3,})\s*\{toc\}", re.M)


def likely_needed(root, formats) -> bool:
    """Whether a build of these formats will probably ask LibreOffice for pages: a DOCX with a `{toc}` in one of
    the chapter files. A guess that only decides when soffice starts, never whether it is used."""
    from pathlib import Path
    if "docx" not in formats or not wanted():
        return False
    for path in (Path(root) / "chapters").rglob("*.md"):
        try:
            if TOC_DIRECTIVE.search(path.read_text(encoding="utf-8", errors="replace")):
                return True
        except OSError:
            continue
    return False


@contextmanager
def early(root, formats, keep: bool = False) -> Iterator[None]:
    """`with early(root, formats):` soffice starts now, while the build reads its inputs, when the build will
    probably need it (`likely_needed`), and the DOCX writer uses it; it is ended when the block ends, however it
    ends. `keep`: one soffice for every build inside the block (a watch session), ended only by the block.
    Inside a block whose soffice is starting or running, nothing starts."""
    import shutil
    if _EARLY and _EARLY[-1].usable() or not likely_needed(root, formats) or not shutil.which("soffice"):
        yield
        return
    started = Office(keep=keep).start_soon()
    _EARLY.append(started)
    try:
        yield
    finally:
        _EARLY.remove(started)
        started._end()


def settle() -> None:
    """Wait for an early soffice's start to be done: call before forking."""
    for started in _EARLY:
        started.settle()


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


def patch_toc(path, bookmarks: dict[str, str], pages: dict[str, int], members: dict[str, bytes] | None = None) -> int:
    """Write `pages` as the cached results of the TOC's PAGEREF fields in word/document.xml, and `members` (zip
    member → bytes: the charts' PNGs in their placeholders' members) in place of those members, in one rewrite
    of the package (the other members' compressed bytes are copied as they are). Returns the number of fields
    patched."""
    import zipfile
    from pathlib import Path
    numbers = {bm: str(pages.get(key, 0)) for key, bm in bookmarks.items()}
    path = Path(path)
    members = dict(members or {})
    patched = 0
    if numbers:
        with zipfile.ZipFile(path) as src:
            xml = src.read("word/document.xml").decode("utf-8")

        def number(m: re.Match) -> str:
            nonlocal patched
            if m.group(2) not in numbers:
                return m.group(0)
            patched += 1
            return m.group(1) + numbers[m.group(2)] + m.group(4)
        members["word/document.xml"] = _PAGEREF.sub(number, xml).encode("utf-8")
    if not members:
        return 0
    from builder.staging import temp_path
    tmp = temp_path(path)
    try:
        replace_members(path, tmp, members)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return patched


def replace_members(source, target, members: dict[str, bytes]) -> None:
    """The zip at `source` written to `target` with `members` (name → bytes) recompressed (pictures and fonts at
    the level the package was written with, so the bytes are those of a package written with them at once) and
    every other member's compressed bytes copied unread (fonts and images are most of a DOCX: deflating them
    again cost 0.2 s), in the same order. A name in `members` that is not in the zip is an error."""
    import copy
    import struct
    import zipfile

    from builder.writers.docx_package import BINARY, FAST
    with zipfile.ZipFile(source) as src, open(source, "rb") as raw, zipfile.ZipFile(target, "w") as dst:
        unknown = set(members) - set(src.namelist())
        if unknown:
            raise KeyError(f"{source} has no member {sorted(unknown)[0]}")
        for info in src.infolist():
            if info.filename in members:
                dst.writestr(info, members[info.filename], info.compress_type,
                             FAST if info.filename.endswith(BINARY) else None)
                continue
            raw.seek(info.header_offset)
            name_length, extra_length = struct.unpack("<HH", raw.read(30)[26:30])
            raw.seek(info.header_offset + 30 + name_length + extra_length)
            data = raw.read(info.compress_size)
            entry = copy.copy(info)
            entry.flag_bits &= ~0x08  # sizes and CRC in the local header, no data descriptor after the data
            entry.header_offset = dst.fp.tell()
            dst.fp.write(entry.FileHeader())
            dst.fp.write(data)
            dst.filelist.append(entry)
            dst.NameToInfo[entry.filename] = entry
            dst.start_dir = dst.fp.tell()
            dst._didModify = True


# the writer ---------------------------------------------------------------------------------------------------

def write(document, style, path, scratch=None, progress=None, charts_ready=None, pdf_pages=None):
    """The DOCX at `path`, written once by python-docx, its TOC's page numbers from LibreOffice's layout (one
    load, see `paginate`), else from the PDF's (`pdf_pages`, {heading id: page}, when the build wrote the PDF
    first; else a PDF laid out at `scratch`). `charts_ready()` blocks until the chart files are written: the
    document is written and laid out before, each chart whose PNG is not written yet as a placeholder picture of
    the chart's extent (the layout depends on the extent only), and the PNGs are put in the placeholders' members
    after, in the one rewrite that also patches the TOC's numbers in (`finish`). Returns a
    builder.writers.Output."""
    from builder.writers import docx
    from builder.writers.output import Output
    drawn = os.path.exists if charts_ready else None  # a chart file appears whole (renamed into place)
    bookmarks = toc_bookmarks(document)
    if not bookmarks:  # no table of contents: no page number to take from anywhere
        finish(path, docx.write(document, style, path, {}, drawn), charts_ready)
        return Output(path, None, "pdf")  # as the schema has it: no number came from LibreOffice
    written = estimate_pages(document, bookmarks)
    with office() as session:  # soffice boots while python-docx writes, and lays out while the charts are drawn
        placeholders = docx.write(document, style, path, written, drawn)
        try:
            pages = paginate(path, bookmarks, session, written, roomy_entries(document, style))
        except Unavailable as e:
            pages = Pages(note=str(e) or session.note)
        finally:
            session.done()
    if pages.source != "libreoffice":
        if progress and pages.note and not pages.note.startswith(ENV):
            progress(f"docx: table of contents keeps the PDF's page numbers ({pages.note})")
        pages = Pages(pdf_pages, None, "pdf", 0, pages.note) if pdf_pages is not None else \
            lay_out_pdf(document, style, scratch or path.with_suffix(".pdf.tmp"), pages.note)
    finish(path, placeholders, charts_ready, bookmarks if pages.headings != written else {}, pages.headings)
    return Output(path, pages.count if pages.source == "libreoffice" else None, pages.source, pages.note,
                  headings=pages.headings)


def finish(path, placeholders: dict[str, str], charts_ready=None, bookmarks: dict[str, str] | None = None,
           pages: dict[str, int] | None = None) -> None:
    """Once `charts_ready()` returns, the charts' PNGs put in their placeholders' members (`placeholders`: zip
    member → PNG path, as docx.write returned them) and `pages` patched into the TOC's `bookmarks`, in one
    rewrite of the package; none when there is nothing to change."""
    from pathlib import Path
    if charts_ready:
        charts_ready()
    pngs = {member: Path(png).read_bytes() for member, png in placeholders.items()}
    if pngs or bookmarks:
        patch_toc(path, bookmarks or {}, pages or {}, pngs)


def lay_out_pdf(document, style, scratch, note: str = "") -> Pages:
    """The pages of the PDF's layout (laid out at `scratch`, then removed): the fallback pagination."""
    from pathlib import Path

    from builder.writers import pdf
    try:
        count, headings = pdf.write(document, style, scratch)
    finally:
        Path(scratch).unlink(missing_ok=True)
    return Pages(headings, count, "pdf", 0, note)


# --- UNO side (the guard, run by a Python with the uno module: standard library + uno only) ------------------------

def _guard(profile: str, pipe: str, keep_as: str, args: list[str]) -> int:
    """Run soffice in this process group and lay out the documents the build asks for (a worker thread connects
    while soffice boots, then answers each request line), until the build says "end" or closes our stdin (or
    dies); then end the group and remove the profile."""
    import select
    import signal
    import subprocess
    try:  # this Python's test: the build tries the next one when the answer is not "ready"
        import uno  # noqa: F401
    except ImportError:
        sys.stdout.write("no uno\n")
        sys.stdout.flush()
        return 3
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group's SIGTERM below is for soffice, not for us
    scratch = os.path.join(profile, "tmp")  # soffice's own temporary files go with the profile
    os.makedirs(scratch, exist_ok=True)
    env = dict(os.environ, TMPDIR=scratch, TMP=scratch, TEMP=scratch)
    child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env)
    requests: list = []
    wake = threading.Condition()
    threading.Thread(target=_serve, args=(pipe, requests, wake), daemon=True).start()
    buffer, ended, build = b"", False, os.getppid()
    while child.poll() is None and not ended and os.getppid() == build:  # a build killed: we are someone else's
        ready, _w, _x = select.select([sys.stdin], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            break  # EOF: the build is done, or was killed
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip() == b"end":
                ended = True
                break
            with wake:
                requests.append(line)
                wake.notify()
    _end_group(child, profile, keep_as)
    return 0


def _end_group(child, profile: str, keep_as: str = "") -> None:
    """soffice ended: asked (SIGTERM) when its profile is to be saved as the template, which it then writes out
    whole; else killed at once, since its profile is thrown away (the build waits for this)."""
    import shutil
    import signal
    import subprocess
    try:
        if keep_as:
            os.killpg(0, signal.SIGTERM)
        else:  # soffice.bin killed, its wrapper (our child) left to reap it: its CPU time reaches the build's count
            _kill_group_but_me(spare=child.pid)
        child.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass
    _kill_group_but_me()
    if keep_as:
        _save_template(profile, keep_as)
    _remove_tree(profile)
    sys.stdout.flush()
    os._exit(0)  # now: a worker thread may be inside a UNO call, and the bridge's teardown is not needed


def _remove_tree(root: str) -> None:
    """`root` removed, its folders of one depth at once: the build waits for this, and a profile is some 45
    folders, each of whose removals can wait on the file system's journal (4 ms each on an ext4 mounted with
    `discard`: 0.19 s one after the other, 0.06 s this way)."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor
    depths: dict[int, list[str]] = {}
    try:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                os.unlink(os.path.join(folder, name))
            depths.setdefault(folder.count(os.sep), []).append(folder)
        with ThreadPoolExecutor(16) as pool:
            for depth in sorted(depths, reverse=True):
                list(pool.map(os.rmdir, depths[depth]))
    except OSError:
        pass
    shutil.rmtree(root, ignore_errors=True)  # whatever is left (a file made meanwhile, a link)


def _save_template(profile: str, target: str) -> None:
    """The ended soffice's profile, less its lock and temporary files, saved at `target` for later builds to copy
    (renamed into place whole; a template already there is kept)."""
    import shutil
    if os.path.exists(target) or not usable_profile(profile):
        return
    partial = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copytree(profile, partial, ignore=lambda folder, names: [
            n for n in names if n in (".lock", "tmp") or (n == "temp" and os.path.basename(folder) == "user")])
        os.rename(partial, target)
    except OSError:
        pass
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _serve(pipe: str, requests: list, wake) -> None:
    """The worker thread: connect to soffice as soon as it listens, then answer each request (a JSON line: id,
    path, budget in seconds, route) with a JSON line: the id and the pages (and how they were read), or the id and
    an error."""
    desktop, reader, error = None, None, ""
    try:
        ctx = _connect(pipe, time.monotonic() + TIMEOUT)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        reader = _page_reader(ctx)
    except Exception as e:  # answered to every request below
        error = f"no connection to soffice: {e}"
    while True:
        with wake:
            while not requests:
                wake.wait()
            line = requests.pop(0)
        try:
            request = json.loads(line)
            ident = request["id"]
        except (ValueError, KeyError, TypeError):
            continue
        doc = None
        try:
            answer, doc = _lay_out(desktop, request["path"], reader if request.get("route") != "uno" else None) \
                if desktop is not None else ({"error": error}, None)
        except Exception as e:  # soffice crashed or refused the file: the build falls back
            answer = {"error": f"LibreOffice failed on the document: {type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps({"id": ident, **answer}) + "\n")
        sys.stdout.flush()
        if doc is not None:  # closed once the build has its answer
            try:
                doc.close(True)
            except Exception:
                pass


def _connect(pipe: str, deadline: float):
    import uno
    from com.sun.star.connection import NoConnectException
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return ctx


# The pages read inside soffice by a Basic function (LibreOffice's own macro language runs in its process): one
# call across the pipe instead of four per bookmark (some 350 for the flagship, 0.15-0.2 s of CPU on both sides and
# as much time). The same calls as `_read_pages`, which stays the route when the function cannot be set up or fails.
BASIC_LIBRARY, BASIC_MODULE = "DossierPages", "Pages"
BASIC_PAGES = """Function TocPages(oDoc As Object) As String
  On Error GoTo Failed
  Dim oView As Object, oMarks As Object, oMark As Object, sOut As String, i As Long
  oView = oDoc.getCurrentController().getViewCursor()
  oView.jumpToLastPage()
  sOut = CStr(oView.getPage())
  oMarks = oDoc.getBookmarks()
  For i = 0 To oMarks.getCount() - 1
    oMark = oMarks.getByIndex(i)
    If Left(oMark.getName(), 4) = "_Toc" Then
      oView.gotoRange(oMark.getAnchor(), False)
      sOut = sOut & Chr(10) & oMark.getName() & Chr(9) & CStr(oView.getPage())
    End If
  Next i
  TocPages = sOut
  Exit Function
Failed:
  TocPages = "error: " & Error$
End Function
"""


def _page_reader(ctx):
    """The Basic function `BASIC_PAGES`, put into the application's macro libraries of this soffice (replaced when
    an earlier build's profile holds one), as a script to invoke; None when that fails."""
    try:
        libraries = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.script.ApplicationScriptLibraryContainer", ctx)
        if not libraries.hasByName(BASIC_LIBRARY):
            libraries.createLibrary(BASIC_LIBRARY)
        library = libraries.getByName(BASIC_LIBRARY)
        if library.hasByName(BASIC_MODULE):
            library.replaceByName(BASIC_MODULE, BASIC_PAGES)
        else:
            library.insertByName(BASIC_MODULE, BASIC_PAGES)
        factory = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.script.provider.MasterScriptProviderFactory", ctx)
        return factory.createScriptProvider("").getScript(
            f"vnd.sun.star.script:{BASIC_LIBRARY}.{BASIC_MODULE}.TocPages?language=Basic&location=application")
    except Exception:
        return None


def _lay_out(desktop, docx: str, reader=None) -> tuple[dict, object]:
    """({"pages": page count, "bookmarks": {name: page}} of every `_Toc` bookmark as LibreOffice lays out the
    document, or {"error": why}; and the open document, for the caller to close). `reader`: the Basic function
    that reads them inside soffice (`_page_reader`), else (or when it fails) one UNO call at a time."""
    import uno
    from com.sun.star.beans import PropertyValue

    def prop(name, value):
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    url = uno.systemPathToFileUrl(docx)  # the build's file ends in .tmp: name the filter, do not detect it
    args = (prop("Hidden", True), prop("ReadOnly", True), prop("FilterName", "MS Word 2007 XML"))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, args)
    if doc is None:
        return {"error": f"LibreOffice could not open {docx}"}, None
    try:
        found = _read_in_soffice(reader, doc) if reader is not None else None
        route = "basic" if found is not None else "uno"
        count, pages = found if found is not None else _read_pages(doc)
    except Exception:
        doc.close(True)
        raise
    return {"pages": count, "bookmarks": pages, "route": route}, doc


def _read_in_soffice(reader, doc) -> tuple[int, dict[str, int]] | None:
    """(page count, {bookmark: page}) from the Basic function, or None when it failed."""
    try:
        out = reader.invoke((doc,), (), ())[0]
        lines = str(out).split("\n")
        pages = {}
        for line in lines[1:]:
            name, page = line.rsplit("\t", 1)
            pages[name] = int(page)
        return int(lines[0]), pages
    except Exception:
        return None


def _read_pages(doc) -> tuple[int, dict[str, int]]:
    """(page count, {bookmark: page}) through the view cursor, four UNO calls a bookmark."""
    view = doc.getCurrentController().getViewCursor()
    view.jumpToLastPage()  # lays the whole document out before any page is read
    count = view.getPage()
    pages = {}
    marks = doc.getBookmarks()
    for name in marks.getElementNames():
        if name.startswith("_Toc"):
            view.gotoRange(marks.getByName(name).getAnchor(), False)
            pages[name] = view.getPage()
    return count, pages


def _kill_group_but_me(spare: int = 0) -> None:
    """SIGKILL every other process of this process group (soffice.bin outlives its wrapper at times), but
    `spare`."""
    import signal
    me = os.getpid()
    group = os.getpgid(0)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (me, spare):
            try:
                if os.getpgid(int(entry)) == group:
                    os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    if sys.argv[1] == "--guard":
        sys.exit(_guard(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
