"""YAML files validated by pydantic models, with errors that point at `file:line`."""
from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from pydantic import BaseModel, ConfigDict, ValidationError

from builder.errors import BuildError, BuildErrors, Diagnostics
from builder.model import Source


class Schema(BaseModel):
    """The base of every project file's schema: unknown keys are errors, loaded values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, rel: str) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file: the data and its node tree (for line numbers). libyaml (the C loader) parses it, once:
    a file read again (its text unchanged) reuses the node tree. A file libyaml refuses is parsed again by the
    pure-Python loader, whose messages and positions the errors quote."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise BuildError(f"cannot read: {e.strerror}", Source(rel), "check that the file exists") from e
    node = _parsed.get(text, _MISSING)
    if node is _MISSING:
        node = _compose(text, rel)
        if len(_parsed) >= 64:
            _parsed.pop(next(iter(_parsed)))
        _parsed[text] = node
    if node is None:
        return None, None
    try:
        return SafeConstructor().construct_document(node), node
    except yaml.YAMLError as e:  # a value the safe loader does not build (a tag such as !!python/object)
        raise _invalid(e, rel) from e
    except RecursionError:
        raise _too_deep(rel) from None


_MISSING = object()
_parsed: dict[str, yaml.Node | None] = {}  # text → node tree: each file's text composed once per process


def _compose(text: str, rel: str) -> yaml.Node | None:
    loader = getattr(yaml, "CSafeLoader", None)
    try:
        if loader is None:
            raise yaml.YAMLError("libyaml is not available")
        node = loader(text).get_single_node()
    except yaml.YAMLError:
        node = _compose_pure(text, rel)  # raises the error, with the pure loader's message and position
    _check_expansion(node, rel)
    return node


def _compose_pure(text: str, rel: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise _invalid(e, rel) from e
    except RecursionError:
        raise _too_deep(rel) from None


def _invalid(e: yaml.YAMLError, rel: str) -> BuildError:
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    return BuildError(f"invalid YAML: {problem}", Source(rel, mark.line + 1 if mark else None,
                                                        mark.column + 1 if mark else None),
                      "check indentation and quote text containing ':' or '#'")


def _too_deep(rel: str) -> BuildError:
    return BuildError("invalid YAML: values nested too deeply to read", Source(rel),
                      "a project file nests lists and mappings a few levels deep, not hundreds")


MAX_NODES = 1_000_000  # values in a YAML file once its aliases (*name) are expanded


def _check_expansion(root: yaml.Node | None, rel: str) -> None:
    """Refuse a file whose aliases expand to more than MAX_NODES values (a "billion laughs" file would never load)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) not in sizes:
            sizes[id(node)] = 1  # a cycle counts once
            children = node.value if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) else []
            total = 1
            for child in children:
                total += sum(size(n) for n in child) if isinstance(child, tuple) else size(child)
            sizes[id(node)] = total
        return sizes[id(node)]
    if root is not None and size(root) > MAX_NODES:
        raise BuildError(f"the file's aliases (*name) expand to {size(root):,} values; at most {MAX_NODES:,} are read",
                         Source(rel), "write the values out, or use fewer nested aliases")


def node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the node at a pydantic `loc` path (the deepest one that exists)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        node = _child(node, key)
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, key: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == str(key):
                return v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def load_model(model: type[M], path: Path, rel: str, diagnostics: Diagnostics | None = None) -> M:
    """Read `path` and validate it with `model`; all problems are reported together. Unknown keys are errors,
    with the nearest known key as a suggestion."""
    data, root = read_yaml(path, rel)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as e:
        raise BuildErrors([validation_error(rel, root, err, model) for err in relevant(e.errors())]) from e


def relevant(errors: list) -> list:
    """Errors with union-branch tags dropped from their paths; a plain-text branch's complaint is left out when
    the structured branch of the same item explains the problem."""
    def clean(err):
        return {**err, "loc": tuple(p for p in err["loc"] if not _branch(p))}
    structured = {tuple(err["loc"][:i]) for err in errors for i, p in enumerate(err["loc"])
                  if _branch(p) and p != "str"}
    out = [clean(err) for err in errors
           if not any(p == "str" and tuple(err["loc"][:i]) in structured for i, p in enumerate(err["loc"]))]
    return out


def _branch(part: Any) -> bool:
    return isinstance(part, str) and (part == "str" or (part[:1].isupper() and part.endswith("Spec")))


REFERENCE = {"report.yaml": "docs/report-yaml.md", "styles/": "docs/style-yaml.md",
             "data/charts.yaml": "docs/charts-yaml.md", "data/": "docs/table-yaml.md"}


def reference_page(rel: str) -> str:
    """The reference page documenting the file `rel`."""
    return next((page for prefix, page in REFERENCE.items() if rel.startswith(prefix)), "docs/project-format.md")


def validation_error(rel: str, root: yaml.Node | None, err: Any, model: type[BaseModel] | None = None,
                     skip: int = 0) -> BuildError:
    """A pydantic error as a BuildError at the line of the offending key; `skip` drops leading loc parts that
    are not in the file (a wrapper model's field)."""
    loc = tuple(err["loc"])
    file_loc = loc[skip:]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in file_loc).lstrip(".") or "(top level)"
    page = reference_page(rel)
    if err["type"] == "extra_forbidden":
        allowed = allowed_keys(model, loc[:-1]) if model else []
        from builder.model.labels import suggest
        message = f"{field}: unknown key '{loc[-1]}'{suggest(loc[-1], allowed)}"
        hint = f"known keys here: {', '.join(allowed)} (see {page})" if allowed else f"see {page}"
        return BuildError(message, Source(rel, node_line(root, file_loc)), hint)
    msg = err["msg"].removeprefix("Value error, ")
    message = f"{field}: {msg}"
    if "input" in err and err["type"] != "missing" and not isinstance(err["input"], (dict, list)) \
            and repr(err["input"]) not in message:
        message += f" (found {err['input']!r})"
    hint = f"add the missing field (see {page})" if err["type"] == "missing" else f"see {page} for the allowed values"
    return BuildError(message, Source(rel, node_line(root, file_loc)), hint)


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at `loc` inside `model` (through lists, dicts and optionals)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if _is_model(current):
            field = current.model_fields.get(str(part))
            current = field.annotation if field is not None else None
        else:
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[-1] if args else None
        if current is None:
            return []
    current = _unwrap(current)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap(tp: Any) -> Any:
    """X from Annotated[X, …] and from X | None; a union of one model and other types → the model."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if _is_model(a)]
            if len(args) == 1 or len(models) == 1:
                tp = models[0] if models else args[0]
                continue
        return tp
