"""What every command shares when it runs: user errors printed as `path:line:col: error: …` with exit 2, the
progress lines and the build summary. cli.py and the command modules (batch, brief, diff, …) import it, so
that the command modules never import cli.py, which registers them."""
from __future__ import annotations

import sys

import click

EXIT_STRICT = 1       # --strict: a failure that accepted.yaml does not accept, or an accepted one that is gone
EXIT_USER_ERROR = 2   # the project has an error (printed as path:line:col: error: …)


_FORKING = [False]  # between a fork's start and the end of the new process's fork hooks (threading's among them)


def _watch_forks() -> None:
    import os
    if not _FORKING_WATCHED:
        os.register_at_fork(before=lambda: _FORKING.__setitem__(0, True),
                            after_in_parent=lambda: _FORKING.__setitem__(0, False),
                            after_in_child=lambda: _FORKING.__setitem__(0, False))  # after threading's hook
        _FORKING_WATCHED.append(True)


_FORKING_WATCHED: list[bool] = []


def run(debug: bool, fn):
    import os
    import signal

    from builder.errors import BuildError
    owner = os.getpid()

    def terminated(signum, _frame):  # SIGTERM ends the command the way Ctrl-C does: temporary files removed
        if _FORKING[0] and os.getpid() != owner:
            # a process forked from this one, hit before its fork hooks are done: it has nothing to clean up, and
            # an exception raised inside a fork hook is printed with a traceback and then ignored
            os._exit(128 + signum)
        sys.exit(128 + signum)
    _watch_forks()
    import threading
    main = threading.current_thread() is threading.main_thread()  # signals can be set in the main thread only
    previous = signal.signal(signal.SIGTERM, terminated) if main else None
    try:
        return fn()
    except BuildError as e:
        if debug:
            raise
        click.echo(str(e), err=True)
        sys.exit(EXIT_USER_ERROR)
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def progress(stage: str) -> None:
    click.echo(f"  {stage}…", err=True)


def summary(result, seconds: float) -> None:
    for w in result.diagnostics.sorted():
        click.echo(str(w), err=True)
    for fmt, path in result.outputs.items():
        pages = f" ({result.pages[fmt]} pages)" if fmt in result.pages else ""
        click.echo(f"wrote {path}{pages}")
    c = result.charts
    click.echo(f"charts: {c.rendered} rendered, {c.cached} from cache, {c.missing} left out (data missing)")
    pending = sum(1 for c in result.claims if c.pending)
    click.echo(f"claims: {len(result.claims)} checked, {len(result.failed_claims)} failed"
               f"{f', {pending} pending (forecasts)' if pending else ''}; "
               f"warnings: {len(result.diagnostics.warnings)}; {seconds:.2f} s")
