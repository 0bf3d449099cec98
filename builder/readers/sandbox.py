"""The template sandbox: Jinja's immutable sandbox with limits of time, size and place.

A chapter template may not build huge strings or numbers (`'x' * 10**9`, `10 ** 10**9`, `'%999999999d'`), render
for longer than a time limit (nested `range` loops), take more than a memory ceiling (a string doubled twenty
times), render more than a size limit, or read a template that resolves outside the project (`{% include %}` of a
link). Past a limit it stops with a TemplateRuntimeError (or MemoryError) that the caller reports at the chapter's
line. The limits are listed in docs/template-helpers.md, section Limits.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

# Limits that keep a template from hanging the build or eating the machine's memory.
MAX_LENGTH = 1_000_000      # characters or items one expression may build (`'x' * n`, a width in `center(n)`)
MAX_POWER_BITS = 100_000    # size of an integer built with `**`
MAX_OUTPUT = 50_000_000     # characters one chapter may render to
SECONDS_ENV = "DOSSIER_TEMPLATE_SECONDS"
RENDER_SECONDS = 30.0       # per chapter; DOSSIER_TEMPLATE_SECONDS overrides
_WIDTH = re.compile(r"%[-+ #0]*(\d+)|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


@lru_cache(maxsize=1)
def sandbox() -> Any:
    """Jinja's immutable sandbox with `*`, `+`, `**` and `%` checked and no method that pads to a huge width."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%", "+"])

        def call_binop(self, context, operator, left, right):
            {"*": _check_repeat, "**": _check_power, "%": _check_format, "+": _check_join}[operator](left, right)
            return super().call_binop(context, operator, left, right)

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
            _check_call(__obj, args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)
    return Sandbox


def _limit_error(message: str) -> Exception:
    from jinja2 import TemplateRuntimeError
    return TemplateRuntimeError(f"template limit: {message}")


def _check_repeat(left: Any, right: Any) -> None:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_LENGTH:
            raise _limit_error(f"'*' would build {len(seq) * n:,} items; an expression may build {MAX_LENGTH:,}")


def _check_join(left: Any, right: Any) -> None:
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
            and len(left) + len(right) > MAX_LENGTH:
        raise _limit_error(f"'+' would build {len(left) + len(right):,} items; an expression may build {MAX_LENGTH:,}")


def _check_power(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
            and right * abs(left).bit_length() > MAX_POWER_BITS:
        raise _limit_error(f"'{left} ** {right}' is too large a number")


def _check_format(left: Any, right: Any) -> None:
    if isinstance(left, str):
        _check_widths(left)


def _check_widths(text: str) -> None:
    for match in _WIDTH.finditer(text):
        width = int(match.group(1) or match.group(2))
        if width > MAX_LENGTH:
            raise _limit_error(f"a width of {width:,} characters; an expression may build {MAX_LENGTH:,}")


def _check_call(obj: Any, args: tuple, kwargs: dict) -> None:
    """A method of a string (`center`, `ljust`, `zfill`, `format`, …) may not build more than MAX_LENGTH."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    if not isinstance(getattr(obj, "__self__", None), str):
        return
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and value > MAX_LENGTH:
            raise _limit_error(f"{obj.__name__}({value:,}) would build more than {MAX_LENGTH:,} characters")
    if obj.__name__ in ("format", "format_map"):
        _check_widths(obj.__self__)


def _limited_filter(fn: Callable) -> Callable:
    def checked(value, *args, **kwargs):
        _check_call("".center, args, kwargs)
        if isinstance(value, str) and fn.__name__ == "do_format":
            _check_widths(value)
        return fn(value, *args, **kwargs)
    checked.__name__ = fn.__name__
    return checked


def render_limited(template: Any, context: dict) -> str:
    """The template's output, within MAX_OUTPUT characters and the time limit (TemplateRuntimeError past them)."""
    import os
    import time
    seconds = float(os.environ.get(SECONDS_ENV) or RENDER_SECONDS)
    deadline = time.monotonic() + seconds + 1  # the alarm, which knows the template's line, goes first
    parts, size = [], 0
    with _alarm(seconds), _memory_limit():
        for chunk in template.generate(context):
            parts.append(chunk)
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _limit_error(f"the chapter renders to more than {MAX_OUTPUT:,} characters")
            if time.monotonic() > deadline:
                raise _limit_error(f"rendering took longer than {seconds:g} s")
    return "".join(parts)


MEMORY_HEADROOM = 2 << 30  # bytes of address space a chapter may take beyond what the process holds already
MEMORY_ENV = "DOSSIER_TEMPLATE_MEMORY_MB"


class _memory_limit:  # noqa: N801
    """A ceiling on the process's address space while a chapter renders (`a ~ a` doubled twenty times would ask for a
    terabyte: Python then raises MemoryError, reported at the chapter's line, instead of the machine swapping)."""

    def __enter__(self):
        import os
        import resource
        self.old = resource.getrlimit(resource.RLIMIT_AS)
        headroom = int(os.environ.get(MEMORY_ENV) or 0) << 20 or MEMORY_HEADROOM
        try:
            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            self.old = None  # no /proc: no ceiling
            return self
        soft, hard = self.old
        limit = used + headroom
        if (soft == resource.RLIM_INFINITY or soft > limit) and (hard == resource.RLIM_INFINITY or hard >= limit):
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        else:
            self.old = None
        return self

    def __exit__(self, *exc) -> None:
        import resource
        if self.old is not None:
            resource.setrlimit(resource.RLIMIT_AS, self.old)


class _alarm:  # noqa: N801 (a context manager read as a phrase: `with _alarm(seconds)`)
    """SIGALRM after `seconds` raises the time limit's error wherever the template is (main thread only: a loop
    that writes nothing is stopped too). Elsewhere the output check in `render_limited` is the only clock."""

    def __init__(self, seconds: float):
        import signal
        import threading
        self.seconds, self.old = seconds, None
        self.armed = threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None) \
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0

    def __enter__(self):
        import signal
        if self.armed:
            self.old = signal.signal(signal.SIGALRM, self._expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def _expire(self, _signum, _frame):
        raise _limit_error(f"rendering took longer than {self.seconds:g} s")

    def __exit__(self, *exc) -> None:
        import signal
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)


def confined_loader(root: Path) -> Any:
    """chapters/ as the template folder; a template or `{% include %}` that resolves outside the project is refused."""
    from jinja2 import FileSystemLoader, TemplateError

    from builder.readers.paths import OutsideProject, resolve_inside

    class ConfinedLoader(FileSystemLoader):
        def get_source(self, environment, template):
            source, filename, uptodate = super().get_source(environment, template)
            try:
                resolve_inside(root, Path(filename), f"chapters/{template}")
            except OutsideProject as e:
                raise TemplateError(str(e)) from None
            return source, filename, uptodate
    return ConfinedLoader(str(root / "chapters"))


def limit_filters(env: Any) -> None:
    """Jinja's padding and formatting filters, with the same width limit as the string methods."""
    for name in ("center", "indent", "wordwrap", "truncate", "format"):
        env.filters[name] = _limited_filter(env.filters[name])


def line_map_linear(src: list[str], out: list[str], window: int = 400) -> list[int]:
    """For each output line, a source line (1-based), in time linear in the lines: an output line equal to a source
    line at most `window` lines ahead maps to it and moves the position on; any other maps to the position."""
    from bisect import bisect_left
    where: dict[str, list[int]] = {}
    for i, line in enumerate(src):
        where.setdefault(line, []).append(i)
    mapping, pos = [], 0
    for line in out:
        found = where.get(line, [])
        k = bisect_left(found, pos)
        if k < len(found) and found[k] < pos + window:
            pos = found[k]
            mapping.append(pos + 1)
            pos += 1
        else:
            mapping.append(min(pos, max(len(src) - 1, 0)) + 1)
    return mapping
