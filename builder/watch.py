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

from builder.cli_options import formats_of, output_options

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
    import builder.build as pipeline
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
        from builder.brief import build_brief
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


def watch(root: Path, out_dir: Path | None = None, formats: tuple[str, ...] = ("pdf", "docx"), brief: bool = False,
          stop_event=None, echo=click.echo) -> None:
    """Build, then rebuild on every change until interrupted (or `stop_event` is set)."""
    from watchfiles import watch as watch_paths
    root = Path(root).resolve()
    report = root / "report.yaml"
    folders = [root / d for d in WATCHED if (root / d).is_dir()]
    echo(f"watching {', '.join(p.name for p in [report, *folders])} in {root} (Ctrl-C to stop)")
    seen = None
    # report.yaml is checked on each wake-up rather than watched: editors replace the file on save.
    # The first build runs on the first wake-up, once the watcher is running: an edit made during it is not lost.
    for changes in watch_paths(*folders, watch_filter=_relevant(root), stop_event=stop_event, rust_timeout=500,
                               yield_on_timeout=True, debounce=400, raise_interrupt=True):
        now = _stamp(report)
        if seen is None:
            seen = now
            build_once(root, out_dir, formats, brief, echo)
            continue
        if not changes and now == seen:
            continue
        seen = now
        names = sorted({Path(p).relative_to(root).as_posix() for _c, p in changes}) or ["report.yaml"]
        echo(f"changed: {', '.join(names)}")
        build_once(root, out_dir, formats, brief, echo)


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
