"""YAML files validated by pydantic models, with errors that point at `file:line`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from builder.errors import BuildError, BuildErrors, Diagnostics
from builder.model import Source

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, rel: str) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file: the data and its node tree (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise BuildError(f"cannot read: {e.strerror}", Source(rel), "check that the file exists") from e
    try:
        node = yaml.compose(text)
        _check_expansion(node, rel)
        return yaml.safe_load(text), node
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = getattr(e, "problem", None) or str(e)
        raise BuildError(f"invalid YAML: {problem}", Source(rel, line, col),
                         "check indentation and quote text containing ':' or '#'") from e
    except RecursionError:
        raise BuildError("invalid YAML: values nested too deeply to read", Source(rel),
                         "a project file nests lists and mappings a few levels deep, not hundreds") from None


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
    """Read `path` and validate it with `model`; all problems are reported together."""
    data, root = read_yaml(path, rel)
    try:
        result = model.model_validate(data if data is not None else {})
    except ValidationError as e:
        raise BuildErrors([_error(rel, root, err) for err in e.errors()]) from e
    if diagnostics is not None:
        _warn_unknown(result, rel, root, diagnostics, ())
    return result


def _error(rel: str, root: yaml.Node | None, err: Any) -> BuildError:
    loc = tuple(err["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    message = f"{field}: {err['msg']}"
    if "input" in err and err["type"] != "missing" and not isinstance(err["input"], (dict, list)):
        message += f" (found {err['input']!r})"
    return BuildError(message, Source(rel, node_line(root, loc)), _hint(err))


def _hint(err: Any) -> str:
    if err["type"] == "missing":
        return "add the missing field (see docs/project-format.md)"
    return "see docs/project-format.md for the expected form"


def _warn_unknown(obj: Any, rel: str, root: yaml.Node | None, diag: Diagnostics, loc: tuple) -> None:
    if isinstance(obj, BaseModel):
        for key in (obj.model_extra or {}):
            diag.warn("unknown-key", f"unknown key '{key}' (ignored)", Source(rel, node_line(root, loc + (key,))))
        for name in type(obj).model_fields:
            _warn_unknown(getattr(obj, name), rel, root, diag, loc + (name,))
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _warn_unknown(item, rel, root, diag, loc + (i,))
