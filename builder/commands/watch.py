"""`dossier watch`: rebuild whenever report.yaml, chapters/, data/ or styles/ change (watchfiles), printing errors
and going on. A failed build replaces nothing, so the last good outputs stay; an unchanged input set is skipped and
charts come from their cache, so a prose edit re-renders no chart."""
from __future__ import annotations

import signal
import sys
import time
import traceback
from pathlib import Path

import click

from builder.commands.cli_options import formats_of, output_options
from builder.writers import DEFAULT_FORMATS

WATCHED = ("chapters", "data", "styles")


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return None


def _relevant(root: Path):
    """watchfiles filter: files in the watched folders, not editor droppings or our own temporary files."""
    from watchfiles import DefaultFilter
    default = DefaultFilter()

    def accept(change, path: str) -> bool:
        return default(change, path) and not path.endswith((".tmp", ".swp", "~"))
    return accept


def build_once(root: Path, out_dir: Path | None, formats: tuple[str, ...], brief: bool, echo=click.echo) -> bool:
    """One build (and the brief, if asked); errors are printed, never raised. True when everything built."""
    import builder.pipeline as pipeline
    from builder.errors import BuildError
    ok = True
    start = time.perf_counter()
    try:
        result = pipeline.build(root, out_dir, formats)
        if isinstance(result, pipeline.UpToDate):
            echo("up to date")
        else:
            _summary(result, time.perf_counter() - start, echo)
    except BuildError as e:
        echo(str(e))
        ok = False
    except Exception:  # a bug must not end the watch: show it and wait for the next change
        echo(traceback.format_exc().rstrip())
        ok = False
    if brief and ok and (root / "chapters" / "brief.md").exists():
        from builder.commands.brief import build_brief
        start = time.perf_counter()
        try:
            _summary(build_brief(root, out_dir, formats), time.perf_counter() - start, echo)
        except BuildError as e:
            echo(str(e))
            ok = False
        except Exception:
            echo(traceback.format_exc().rstrip())
            ok = False
    return ok


def _summary(result, seconds: float, echo) -> None:
    for w in result.diagnostics.sorted():
        if w.kind == "claim":
            echo(str(w))
    for fmt, path in result.outputs.items():
        pages = f" ({result.pages[fmt]} pages)" if fmt in result.pages else ""
        echo(f"wrote {path}{pages}")
    echo(f"claims: {len(result.claims)} checked, {len(result.failed_claims)} failed; "
         f"warnings: {len(result.diagnostics.warnings)}; charts: {result.charts.rendered} rendered, "
         f"{result.charts.cached} from cache; {seconds:.2f} s")


def watch(root: Path, out_dir: Path | None = None, formats: tuple[str, ...] = DEFAULT_FORMATS, brief: bool = False,
          stop_event=None, echo=click.echo) -> None:
    """Build, then rebuild on every change until interrupted (or `stop_event` is set). One LibreOffice serves
    every build of the session (each rebuild pays only its DOCX's load) and ends with it."""
    from builder.writers import docx_pages
    root = Path(root).resolve()
    report = root / "report.yaml"
    echo(f"watching report.yaml, {', '.join(WATCHED)} in {root} (Ctrl-C to stop)")
    seen, pending = None, []
    with docx_pages.early(root, formats, keep=True):
        while stop_event is None or not stop_event.is_set():
            # a watched folder created (or removed) after the start: the watcher starts again with the new set
            seen, pending = _watch_folders(root, report, _folders(root), seen, pending, out_dir, formats, brief,
                                           stop_event, echo)


def _folders(root: Path) -> list[Path]:
    return [root / d for d in WATCHED if (root / d).is_dir()]


def _watch_folders(root: Path, report: Path, folders: list[Path], seen, pending: list[str], out_dir, formats, brief,
                   stop_event, echo) -> tuple:
    """Watch `folders` until they are no longer the watched folders that exist. Returns report.yaml's stamp and
    the changes that still need a build (made while the folders changed: built once the next watcher runs)."""
    from watchfiles import watch as watch_paths
    # report.yaml is checked on each wake-up rather than watched: editors replace the file on save.
    # A build runs on a wake-up, so the watcher is already running: an edit made during the build is not lost.
    # With no watched folder yet, the project folder itself is watched (not recursively) for one to appear.
    paths, recursive = (folders, True) if folders else ([root], False)
    for changes in watch_paths(*paths, watch_filter=_relevant(root), stop_event=stop_event, rust_timeout=500,
                               yield_on_timeout=True, debounce=400, raise_interrupt=True, recursive=recursive):
        now = _stamp(report)
        current = _folders(root)
        names = {Path(p).relative_to(root).as_posix() for _c, p in changes}
        if current != folders:
            added = {f"{p.name}/" for p in current if p not in folders}
            return now if seen is not None else None, sorted(set(pending) | names | added)
        if seen is None:
            seen = now
            build_once(root, out_dir, formats, brief, echo)
        elif pending or changes or now != seen:
            seen = now
            echo(f"changed: {', '.join(sorted(set(pending) | names) or ['report.yaml'])}")
            pending = []
            build_once(root, out_dir, formats, brief, echo)
    return seen, pending


@click.command("watch")
@output_options
@click.option("--brief", is_flag=True, help="Rebuild the briefing pack too (chapters/brief.md).")
def watch_command(project: Path, out_dir: Path | None, fmt: str, brief: bool) -> None:
    """Rebuild PROJECT on every change to report.yaml, chapters, data or styles (Ctrl-C to stop)."""
    formats = formats_of(fmt)

    def stop(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        watch(project, out_dir, formats, brief)
    except KeyboardInterrupt:
        click.echo("stopped")
        sys.exit(0)
