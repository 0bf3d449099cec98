"""Output staging: how a build writes into its output folder without ever leaving it broken or littered.

- Every file is written under a unique temporary name beside its target (`.report.pdf.dossier-<pid>-<random>.tmp`)
  and moved into place only when the whole build succeeded; on any exception the temporary files are removed.
- A lock on the output folder (`flock` on the folder itself, so no lock file is left behind) makes a second build
  into the same folder wait for the first; after `DOSSIER_LOCK_WAIT` seconds it gives up with a user error.
  The lock dies with its process, so a killed build never leaves it held.
- Temporary files of builds that were killed (their process no longer runs) are swept at the next start.
- A folder that cannot be created or written, or a disk that fills up, is a user error naming the folder.
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from builder.errors import BuildError
from builder.model import Source

LOCK_WAIT = 600.0           # seconds a build waits for another one writing into the same folder
LOCK_WAIT_ENV = "DOSSIER_LOCK_WAIT"
_TEMP = re.compile(r"^\..+\.dossier-(\d+)-[0-9a-f]+\.tmp$")
_LEGACY = (".*.pdf.tmp", ".*.docx.tmp", ".*.json.tmp")  # fixed temporary names of earlier versions
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
                 errno.EEXIST}
_held: dict[Path, list] = {}  # folder → [file descriptor, depth]: the lock is re-entrant within a process


def temp_path(final: Path) -> Path:
    """A temporary name beside `final` that no other build, thread or process will use."""
    final = Path(final)
    return final.with_name(f".{final.name}.dossier-{os.getpid()}-{secrets.token_hex(6)}.tmp")


def write_atomic(path: Path, text: str) -> None:
    """`text` into `path` through a unique temporary file: readers see the old file or the new one, never a part."""
    tmp = temp_path(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sweep(folder: Path, legacy: bool = False) -> list[Path]:
    """Remove the temporary files of builds that no longer run (and, when the folder's lock is held, the fixed
    temporary names of earlier versions). Returns what was removed."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _TEMP.match(path.name)
        stale = match is not None and not process_running(int(match.group(1)))
        if stale or (legacy and any(path.match(p) for p in _LEGACY)):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def process_running(pid: int) -> bool:
    """Whether a process with this id is alive (this process counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputLock:
    """The output folder, created if needed and locked for this process (re-entrant)."""

    def __init__(self, folder: Path, progress: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.progress = progress or (lambda _s: None)

    def __enter__(self) -> OutputLock:
        key = self.folder.resolve()
        if key in _held:
            _held[key][1] += 1
            return self
        _create(self.folder)
        try:
            fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as e:
            raise _folder_error(self.folder, e, "cannot open the output folder") from None
        try:
            self._acquire(fd)
            sweep(self.folder, legacy=True)
            sweep(self.folder / ".cache")
            _probe(self.folder)
        except BaseException:
            os.close(fd)  # releases the lock
            raise
        _held[key] = [fd, 1]
        return self

    def _acquire(self, fd: int) -> None:
        import fcntl
        wait = float(os.environ.get(LOCK_WAIT_ENV) or LOCK_WAIT)
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildError(f"another build is writing into {self.folder}", Source(str(self.folder)),
                                     f"wait for it to finish (waited {wait:g} s), or build into another --out "
                                     "folder") from None
                if not told:
                    self.progress(f"waiting for another build writing into {self.folder}")
                    told = True
                time.sleep(0.2)

    def __exit__(self, _type, exc, _tb) -> None:
        key = self.folder.resolve()
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _held[key]
            os.close(entry[0])  # closing the descriptor releases the lock
        if isinstance(exc, OSError) and not isinstance(exc, BuildError) and exc.errno in _WRITE_ERRORS \
                and _about(exc, self.folder):  # e.g. the chart cache in the folder, before anything is staged
            raise _folder_error(self.folder, exc, "cannot write into the output folder") from exc


def _create(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _folder_error(folder, e, "cannot create the output folder") from None
    if not folder.is_dir():
        raise BuildError(f"the output folder {folder} is not a folder", Source(str(folder)),
                         "give --out a folder, not a file")


def _probe(folder: Path) -> None:
    """Fail now, not after the whole build, when nothing can be written into the folder."""
    probe = temp_path(folder / "probe")
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass
        raise _folder_error(folder, e, "cannot write into the output folder") from None


def _folder_error(folder: Path, e: OSError, what: str) -> BuildError:
    reason = e.strerror or str(e)
    hint = "free some space on that disk, or build into another --out folder" if e.errno in (
        errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else "make the folder writable, or build into another --out folder"
    return BuildError(f"{what} {folder}: {reason}", Source(str(folder)), hint)


class Staging:
    """Outputs written under temporary names in a locked folder and moved into place together by `commit`.
    On any exception every temporary file is removed, and a write error becomes a user error naming the folder."""

    def __init__(self, folder: Path, progress: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.lock = OutputLock(self.folder, progress)
        self.staged: dict[Path, Path] = {}   # final → temporary
        self.scratch: list[Path] = []        # temporary files that are never published

    def __enter__(self) -> Staging:
        self.lock.__enter__()
        return self

    def temp(self, name: str, publish: bool = True) -> Path:
        """The temporary path of the output `name` (a plain file name inside the folder)."""
        if not name or Path(name).name != name or name in (".", ".."):
            raise BuildError(f"output_name gives the file name '{name}', which is not a plain name",
                             Source("report.yaml"), "output_name is a file stem such as 'report', without '/'")
        final = self.folder / name
        tmp = temp_path(final)
        if publish:
            self.staged[final] = tmp
        else:
            self.scratch.append(tmp)
        return tmp

    def commit(self) -> dict[Path, Path]:
        """Move every staged file into place; returns {final: final}."""
        for final, tmp in self.staged.items():
            try:
                os.replace(tmp, final)
            except OSError as e:
                raise _folder_error(self.folder, e, "cannot write into the output folder") from None
        done, self.staged = {f: f for f in self.staged}, {}
        return done

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            for tmp in [*self.staged.values(), *self.scratch]:
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass
            self.staged, self.scratch = {}, []
        finally:
            self.lock.__exit__(exc_type, exc, tb)
        if isinstance(exc, OSError) and not isinstance(exc, BuildError) and exc.errno in _WRITE_ERRORS \
                and _about(exc, self.folder):
            raise _folder_error(self.folder, exc, "cannot write into the output folder") from exc


def _about(e: OSError, folder: Path) -> bool:
    """The error is about the output folder (or names no file: a write that ran out of space)."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    name = e.filename if isinstance(e.filename, str) else ""
    return not name or Path(name).resolve().is_relative_to(folder.resolve())


USER_CACHE_ENV = "DOSSIER_USER_CACHE"  # "0": nothing is kept in the user's cache folder


def user_cache(name: str) -> Path | None:
    """$XDG_CACHE_HOME/dossier/<name> (else ~/.cache/dossier/<name>), made when missing: what one build derives
    from installed files and the next may reuse (compiled templates, parsed hyphenation patterns), shared by the
    user's projects. Only the user's own folder, closed to others, is used: compiled code is run, so it is never
    read from a project's folders (a project from elsewhere could bring its own) nor from a folder another user
    may write. None (keep nothing) when DOSSIER_USER_CACHE=0 or no such folder can be had."""
    import stat
    if os.environ.get(USER_CACHE_ENV, "").strip() == "0" or not hasattr(os, "getuid"):
        return None
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = base / "dossier" / name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info, parent = folder.lstat(), folder.parent.lstat()
    except (OSError, RuntimeError):
        return None
    for entry in (info, parent):
        if not stat.S_ISDIR(entry.st_mode) or entry.st_uid != os.getuid() or entry.st_mode & 0o022:
            return None
    return folder
