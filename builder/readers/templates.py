"""Chapter templates: sandboxed Jinja2 over the dataset, with documented helpers and checked claims.

`render_chapter` returns the Markdown text and a line map (output line → chapter line).
"""
from __future__ import annotations

import difflib
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import BuildError
from builder.model import Source
from builder.model.formatting import format_number
from builder.readers.data import Dataset


@dataclass(frozen=True, slots=True)
class Claim:
    """An assertion about the data made in a sentence of a chapter."""

    text: str
    holds: bool
    source: Source
    sentence: str = ""      # the rendered sentence the claim sits in
    pending: bool = False   # a forecast whose year has no data yet (counts as holding)
    detail: str = ""        # what the check measured, when it came from the claim vocabulary


@dataclass
class Rendered:
    path: str
    markdown: str
    line_map: list[int]
    claims: list[Claim] = field(default_factory=list)
    statements: int = 0

    def source(self, out_line: int) -> Source:
        """The chapter location of a 1-based line of the rendered Markdown."""
        if 1 <= out_line <= len(self.line_map):
            return Source(self.path, self.line_map[out_line - 1])
        return Source(self.path)


def helpers(locale: str) -> tuple[dict[str, Callable], dict[str, Callable]]:
    """The filters and functions available in chapter templates (documented in docs/template-helpers.md)."""
    from jinja2 import pass_context  # table helpers receive the template context to look up a table by id

    def num(x: float, decimals: int | None = None) -> str:
        return format_number(float(x), decimals, locale)

    def pct(x: float, decimals: int = 0) -> str:
        return num(x, decimals) + "%"

    def billions(x: float, decimals: int = 1) -> str:
        return num(float(x) / 1000, decimals)

    def times(x: float, decimals: int = 1) -> str:
        return f"{num(x, decimals)} times"

    def ratio(a: float, b: float) -> float:
        return a / b

    def change(a: float, b: float) -> float:
        return b - a

    def growth(a: float, b: float) -> float:
        return (b - a) / a * 100

    def grew(a: float, b: float) -> str:
        return "grew" if b > a else "fell" if b < a else "did not change"

    def plural(n: float, one: str, many: str) -> str:
        return one if n == 1 else many

    def words(n: float, one: str, many: str, decimals: int | None = None) -> str:
        """The number followed by its word in the right form: `3 | words("year", "years")` → "3 years"."""
        return f"{num(_given(n, 'words'), decimals)} {plural(n, one, many)}"

    def money(x: float, unit: str = "USD", decimals: int = 1) -> str:
        """A value in millions as money: 1580 → "USD1.6 billion", 566 → "USD566 million" (whole millions
        from 10 million up, else `decimals`)."""
        x = float(_given(x, "money"))
        if abs(x) >= 999.5:  # 999.7 million prints as "1.0 billion", not "1,000 million"
            return f"{unit}{num(x / 1000, decimals)} billion"
        return f"{unit}{num(x, 0 if abs(x) >= 10 else decimals)} million"

    def share(part: float, total: float) -> float:
        """`part` as a percentage of `total`: share(25, 200) → 12.5."""
        part, total = _given(part, "share", "part"), _given(total, "share", "total")
        if total == 0:
            raise ZeroDivisionError(f"share({part:g}, 0): the total is 0, a share of it is undefined")
        return part / total * 100

    @pass_context
    def rank(ctx: Any, table: Any, column: str, key: Any) -> int:
        """Position of the row `key` in `column`, 1 = largest; rows without a value are left out, equal values
        share a rank. `table` is a table or its id."""
        t = _resolve(ctx, table)
        value = _value(t, column, key)
        return 1 + sum(1 for v in t.values(column) if v > value)

    @pass_context
    def latest(ctx: Any, table: Any, column: str) -> Any:
        """The value at the last key that has one (a missing last year is skipped)."""
        t = _resolve(ctx, table)
        return _value(t, column, _ends(t, column)[-1])

    @pass_context
    def earliest(ctx: Any, table: Any, column: str) -> Any:
        """The value at the first key that has one."""
        t = _resolve(ctx, table)
        return _value(t, column, _ends(t, column)[0])

    @pass_context
    def value_in(ctx: Any, table: Any, column: str, key: Any) -> Any:
        """The value in the row `key` (a year, or a text key); an empty cell is an error, not None."""
        return _value(_resolve(ctx, table), column, key)

    @pass_context
    def latest_year(ctx: Any, table: Any, column: str) -> int:
        """The last year with a value in `column` (rows such as "Total" or "1st half of 2018" are not years)."""
        t = _resolve(ctx, table)
        return max(_years(t, column))

    @pass_context
    def first_year(ctx: Any, table: Any, column: str) -> int:
        """The first year with a value in `column`."""
        t = _resolve(ctx, table)
        return min(_years(t, column))

    @pass_context
    def previous_year(ctx: Any, table: Any, column: str) -> int:
        """The year before the latest that has a value in `column`."""
        years = sorted(_years(_resolve(ctx, table), column))
        if len(years) < 2:
            raise ValueError(f"table '{_resolve(ctx, table).id}' has one year in column '{column}'")
        return years[-2]

    filters = {"num": num, "pct": pct, "billions": billions, "times": times, "money": money, "words": words}
    functions = {"ratio": ratio, "change": change, "growth": growth, "grew": grew, "plural": plural,
                 "share": share, "rank": rank, "latest": latest, "earliest": earliest, "value_in": value_in,
                 "latest_year": latest_year, "first_year": first_year, "previous_year": previous_year,
                 "min": min, "max": max, "abs": abs, "round": round}
    functions.update(_vocabulary())
    return filters, functions


def _vocabulary() -> dict[str, Callable]:
    """The claim vocabulary (builder/model/claims.py); its functions take a table or a table id."""
    from jinja2 import pass_context

    from builder.model import claims

    def wrap(fn: Callable) -> Callable:
        @pass_context
        def call(ctx: Any, table: Any, *args: Any, **kwargs: Any) -> Any:
            return fn(_resolve(ctx, table), *args, **kwargs)
        call.__doc__ = fn.__doc__
        return call
    plain = {"about", "ratio_about", "at_least_times"}
    return {name: fn if name in plain else wrap(fn) for name, fn in claims.VOCABULARY.items()}


def _years(table: Any, column: str) -> list[int]:
    from builder.model.claims import yearly
    years = list(yearly(table, column))
    if not years:
        raise ValueError(f"table '{table.id}' has no yearly values in column '{column}'")
    return years


def _given(x: Any, helper: str, name: str = "value") -> Any:
    """`x`, or a clear error when it is a missing value (an empty cell)."""
    if x is None:
        raise ValueError(f"{helper}(): the {name} is missing (an empty cell in the data)")
    return x


def _resolve(ctx: Any, table: Any) -> Any:
    """A table given as itself or by id (looked up like `table("id")`)."""
    return ctx["table"](table) if isinstance(table, str) else table


def _value(table: Any, column: str, key: Any) -> Any:
    value = table.value(column, key)
    if value is None:
        raise ValueError(f"table '{table.id}' has no value in column '{column}' for {key} (the cell is empty)")
    return value


def _ends(table: Any, column: str) -> list[Any]:
    keys = list(table.series(column))
    if not keys:
        raise ValueError(f"table '{table.id}' has no values in column '{column}'")
    return keys


MARK = "\ue000"  # stands where a claim was made, until the sentence around it is read


def _split_sentences(line: str) -> list[str]:
    """A rendered paragraph in sentences; claim marks right after a full stop stay with its sentence."""
    import re
    ends = [m.end() for m in re.finditer(f"[.!?…](?:{MARK}\\d+{MARK})*(?=\\s+[\"“«(\\[A-ZА-ЯЁ0-9])", line)]
    cuts = [0] + ends + [len(line)]
    return [line[a:b].strip() for a, b in zip(cuts, cuts[1:]) if line[a:b].strip()]


def plain_sentence(markdown: str, numbers: dict[str, str] | None = None) -> str:
    """A rendered sentence as a reader sees it: a cross-reference with the number of its table or figure
    (`numbers`: id → "6.1.2"; without it the reference keeps its Markdown), no footnote marks or emphasis marks."""
    import re
    if numbers is None:
        return " ".join(markdown.split())
    text = re.sub(r"\[([^\]]*)\]\(#([^)]*)\)",
                  lambda m: f"{m.group(1)} {numbers[m.group(2)]}" if m.group(2) in numbers else m.group(0), markdown)
    return _plain(text)


def _plain(markdown: str) -> str:
    """Markdown as plain text: no footnote marks, link targets or emphasis marks."""
    import re
    text = re.sub(r"\[\^[^\]]+\]", "", markdown)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return " ".join(text.split())


class _Recorder:
    """Records claims and computed statements while a chapter renders."""

    def __init__(self, path: str, template_file: str):
        self.path = path
        self.template_file = template_file
        self.claims: list[Claim] = []
        self.template: Any = None

    def claim(self, condition: Any, text: str) -> str:
        """Record the claim; the mark returned stands where it sits in the rendered text until the sentence
        around it is read (`sentences`), then it is removed."""
        pending = getattr(condition, "pending", False)
        detail = getattr(condition, "detail", "")
        self.claims.append(Claim(str(text), True if pending else bool(condition), Source(self.path, self._line()),
                                 pending=pending, detail=detail))
        return f"{MARK}{len(self.claims) - 1}{MARK}"

    def sentences(self, text: str) -> str:
        """Give each claim the rendered sentence it sits in; return the text without the marks."""
        import re
        from dataclasses import replace
        found = {}
        for paragraph in re.split(r"\n\s*\n", text):
            if MARK not in paragraph:
                continue
            for sentence in _split_sentences(" ".join(paragraph.split())):
                for n in re.findall(f"{MARK}(\\d+){MARK}", sentence):
                    found[int(n)] = plain_sentence(re.sub(f"{MARK}\\d+{MARK}", "", sentence))
        self.claims = [replace(c, sentence=found.get(i, "")) for i, c in enumerate(self.claims)]
        return re.sub(f"{MARK}\\d+{MARK}", "", text)

    def _line(self) -> int | None:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.template_file and self.template is not None:
                return self.template.get_corresponding_lineno(frame.f_lineno)
            frame = frame.f_back
        return None


_COMPILED: dict[str, bytes] = {}  # compiled chapter templates, kept for the process (checked against the source)


def _bytecode_cache() -> Any:
    """Jinja's bytecode cache in memory: a batch (or a brief, which also renders the report) compiles each chapter
    once, not once per edition; an edited chapter no longer matches its checksum and is compiled again. Behind it,
    Jinja's file cache in the user's cache folder (builder.staging.user_cache), so a build does not compile the
    chapters the previous build compiled (about 0.1 s). The keys carry the environment's settings, which the
    compiled code depends on."""
    from jinja2 import BytecodeCache, FileSystemBytecodeCache

    from builder.staging import user_cache
    folder = user_cache("templates")
    disk = FileSystemBytecodeCache(str(folder), "%s.jinja") if folder is not None else None

    class MemoryCache(BytecodeCache):
        salt = ""

        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return super().get_cache_key(name, filename) + self.salt

        def load_bytecode(self, bucket: Any) -> None:
            if bucket.key in _COMPILED:
                bucket.bytecode_from_string(_COMPILED[bucket.key])
            elif disk is not None:
                try:
                    disk.load_bytecode(bucket)
                except (OSError, ValueError, EOFError, TypeError):
                    bucket.reset()  # unreadable: compiled again

        def dump_bytecode(self, bucket: Any) -> None:
            _COMPILED[bucket.key] = bucket.bytecode_to_string()
            if disk is not None:
                try:
                    disk.dump_bytecode(bucket)
                    _prune_compiled(Path(disk.directory))
                except OSError:
                    pass  # kept in memory only
    return MemoryCache()


KEEP_COMPILED = 500  # compiled chapters kept in the user's cache (keyed by file: a copied project adds its own)


def _prune_compiled(folder: Path, keep: int = KEEP_COMPILED) -> None:
    """Past `keep` files, the least recently written fifth goes."""
    files = list(folder.glob("*.jinja"))
    if len(files) <= keep:
        return
    dated = []
    for f in files:
        try:
            dated.append((f.stat().st_mtime, f))
        except OSError:
            pass
    for _mtime, f in sorted(dated)[:len(dated) - keep * 4 // 5]:
        f.unlink(missing_ok=True)


def _settings_key(env: Any) -> str:
    """The environment's settings that change the code a template compiles to."""
    import hashlib
    import jinja2
    cls = type(env)
    settings = [jinja2.__version__, cls.__name__, sorted(getattr(cls, "intercepted_binops", ())),
                sorted(getattr(cls, "intercepted_unops", ())), env.block_start_string, env.block_end_string,
                env.variable_start_string, env.variable_end_string, env.comment_start_string,
                env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
                env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
                repr(env.autoescape), sorted(env.extensions), env.finalize is not None, env.is_async]
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:12]


def make_environment(root: Path, locale: str) -> Any:
    from jinja2 import StrictUndefined
    from builder.readers.sandbox import confined_loader, limit_filters, sandbox
    env = sandbox()(loader=confined_loader(root), undefined=StrictUndefined, autoescape=False,
                    keep_trailing_newline=True, bytecode_cache=_bytecode_cache())
    env.bytecode_cache.salt = "-" + _settings_key(env)
    limit_filters(env)
    env.filters.update(helpers(locale)[0])
    return env


def render_chapter(env: Any, root: Path, name: str, dataset: Dataset, report: dict, locale: str,
                   extra: dict | None = None) -> Rendered:
    """Render chapters/<name> with the dataset (and `extra` names); template errors point at the chapter file
    and line."""
    from jinja2 import TemplateError, TemplateSyntaxError

    from builder.readers.sandbox import render_limited
    rel = f"chapters/{name}"
    path = root / "chapters" / name
    try:
        template = env.get_template(name)
    except TemplateSyntaxError as e:
        raise BuildError(f"template syntax: {e.message}", Source(rel, e.lineno),
                         "check the {{ }} and {% %} pairs on this line") from e
    except TemplateError as e:
        raise BuildError(str(e), Source(rel), "keep chapters and included files inside chapters/") from None
    except UnicodeDecodeError as e:
        raise BuildError(f"not UTF-8 text (byte {e.start})", Source(rel), "save the chapter as UTF-8") from None
    recorder = _Recorder(rel, template.filename)
    recorder.template = template
    functions = helpers(locale)[1]
    context = dict(functions, table=_table_lookup(dataset), lists=dataset.lists, report=report,
                   claim=recorder.claim, **(extra or {}))
    try:
        text = render_limited(template, context)
    except (TemplateError, KeyError, ValueError, TypeError, ZeroDivisionError, ArithmeticError, RecursionError,
            MemoryError) as e:
        raise _runtime_error(e, rel, template.filename) from e
    text = recorder.sentences(text)
    source = path.read_text(encoding="utf-8")
    statements = source.count("{{") - sum(1 for _ in recorder.claims)
    return Rendered(rel, text, _line_map(source, text), recorder.claims, max(statements, 0))


def _table_lookup(dataset: Dataset) -> Callable[[str], Any]:
    def table(table_id: str) -> Any:
        if table_id not in dataset.tables:
            dataset.check_orphan(table_id)
            known = ", ".join(sorted(dataset.tables)) or "none"
            raise KeyError(f"unknown table '{table_id}' (known: {known})")
        return dataset.tables[table_id]
    return table


def _runtime_error(e: Exception, rel: str, filename: str) -> BuildError:
    line = None
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
    kind = type(e).__name__
    if kind in ("TemplateError", "TemplateRuntimeError", "TemplateNotFound", "RecursionError", "MemoryError"):
        return _limit_or_include_error(e, kind, message, rel, line)
    hint = "define the name or fix its spelling; chapters see: table, lists, report, params and the helpers" \
        if kind == "UndefinedError" else "see docs/template-helpers.md"
    return BuildError(f"{kind}: {message}", Source(rel, line), hint)


def _limit_or_include_error(e: Exception, kind: str, message: str, rel: str, line: int | None) -> BuildError:
    if kind == "RecursionError":
        message = "template limit: a macro or an include calls itself without end"
    elif kind == "MemoryError":
        message = "template limit: the template ran out of memory"
    elif kind == "TemplateNotFound":
        message = f"included template '{message}' not found in chapters/"
    return BuildError(message, Source(rel, line), "see docs/template-helpers.md, section Limits")


def _line_map(source: str, output: str) -> list[int]:
    """For each output line, the source line it most likely came from (1-based)."""
    src, out = source.splitlines(), output.splitlines()
    if len(src) * len(out) > 4_000_000:  # difflib is quadratic: a long chapter takes the linear way
        from builder.readers.sandbox import line_map_linear
        return line_map_linear(src, out)
    mapping = [0] * len(out)
    matcher = difflib.SequenceMatcher(a=src, b=out, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(j2 - j1):
            mapping[j1 + k] = min(i1 + k, max(i2 - 1, i1)) + 1 if tag != "insert" else i1 + 1
    return [max(1, m) for m in mapping]
