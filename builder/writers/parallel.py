"""Writers at once: each output format but one written in a forked process, while the build's own process writes
the remaining one. Fork, so the Document and the Style are inherited rather than sent; a process starts at once
(the DOCX's LibreOffice boots meanwhile) and reads chart files only when the build tells it they are written.

A forked writer dies with the build (PR_SET_PDEATHSIG); its LibreOffice, if any, is ended by its own guard
(builder/writers/docx_pages.py) when the writer's process ends in any way."""
from __future__ import annotations

import os
import threading
import traceback


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the build's process ends (no-op elsewhere)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _forget_pending_charts() -> None:
    """Chart futures copied from the build's process can never complete here: this process reads chart files
    only after `wait()`, when they are on disk."""
    from builder import charts
    pending = getattr(charts, "_PENDING", None)
    if isinstance(pending, dict):
        pending.clear()


class ChartsFailed(RuntimeError):
    """The build's charts could not be drawn: the writer stops (the build reports the charts' error)."""


class Forked:
    """`with Forked(result, clock) as forked:` start writers with `forked.start(...)`, call `charts_ready()`,
    write the build's own format, then `forked.join()` for the others' Outputs. Leaving the block on an
    error ends the processes still running."""

    def __init__(self, result, clock):
        self.result, self.clock = result, clock
        self.children: dict[str, tuple] = {}   # format → (process, result pipe, part)
        self.ready: dict[str, int] = {}         # format → write end of its "charts are ready" pipe, until closed
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> "Forked":
        return self

    def start(self, fmt: str, part: str, work) -> None:
        """Fork a process running `work(clock, wait)` (its return value comes back through `join`); `wait()`
        blocks it until the chart files of `part` ("vector" or "all") are written."""
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        ready_r, ready_w = os.pipe()
        receive, send = ctx.Pipe(duplex=False)
        others = list(self.ready.values())  # the earlier processes' pipes: not this one's
        process = ctx.Process(target=_child, args=(work, self.clock.progress, ready_r, [ready_w, *others], send),
                              daemon=False, name=f"dossier-{fmt}")
        process.start()
        os.close(ready_r)
        send.close()
        self.children[fmt] = (process, receive, part)
        self.ready[fmt] = ready_w

    def _tell(self, fmt: str, close: bool = False) -> None:
        """Write "ready" into `fmt`'s pipe (or only close it); each pipe is closed once, under the lock, so a
        file descriptor number is never closed again after the system gave it to another file."""
        with self.lock:
            fd = self.ready.get(fmt)
            if fd is None:
                return
            try:
                if not close:
                    os.write(fd, b"1")
            except BrokenPipeError:
                pass  # that writer has ended already (its error comes through `join`)
            finally:
                del self.ready[fmt]
                os.close(fd)

    def charts_ready(self) -> None:
        """Tell each process when its chart files are written (from a thread: this process goes on writing)."""
        def tell() -> None:
            try:
                for part in ("vector", "all"):
                    self.result.charts.wait(part)
                    for fmt, (_process, _receive, wanted) in self.children.items():
                        if wanted == part:
                            self._tell(fmt)
            except BaseException as e:  # the writers see their pipe close without a word, and stop
                self.error = e
            finally:
                for fmt in self.children:
                    self._tell(fmt, close=True)
        self.thread = threading.Thread(target=tell, name="charts-ready", daemon=True)
        self.thread.start()

    def join(self) -> dict:
        """Each process's return value, by format; its stage times merged into the build's clock. A writer's
        error is raised here, as if it had been raised in this process."""
        outputs = {}
        for fmt, (process, receive, _part) in self.children.items():
            try:
                message = receive.recv()
            except EOFError:
                message = None
            process.join()
            if self.thread is not None:
                self.thread.join()
            if self.error is not None:
                raise self.error
            if message is None:
                raise RuntimeError(f"the {fmt} writer's process ended with status {process.exitcode}")
            kind, value, timings, cpu = message
            self.clock.timings.update(timings)
            self.clock.cpu.update(cpu)
            if kind == "error":
                raise value
            outputs[fmt] = value
        return outputs

    def __exit__(self, exc_type, exc, tb) -> None:
        for fmt, (process, receive, _part) in self.children.items():
            self._tell(fmt, close=True)
            if process.is_alive():
                process.terminate()  # SIGTERM: the writer's `with` blocks end its LibreOffice
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
                    process.join()
            receive.close()
        if self.thread is not None:
            self.thread.join()


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _child(work, progress, ready_r: int, not_mine: list[int], send) -> None:
    _die_with_parent()
    for fd in not_mine:
        _close(fd)
    _forget_pending_charts()
    from builder.timing import Clock
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock = Clock(timings, progress, cpu)

    def wait(_part: str = "") -> None:
        if not os.read(ready_r, 1):
            raise ChartsFailed("the charts were not drawn")
    try:
        value = work(clock, wait)
        send.send(("ok", value, timings, cpu))
    except BaseException as e:  # sent to the build's process, which raises it
        try:
            send.send(("error", e, timings, cpu))
        except Exception:  # an exception that does not pickle
            send.send(("error", RuntimeError(f"{type(e).__name__}: {e}\n{traceback.format_exc()}"), timings, cpu))
    finally:
        send.close()
