"""Document ↔ readable text, like pandoc's `-t native`: every node and every inline as a constructor call of the
model (`Heading(1, [Text('One')], id='sec-1', number='1')`), one block a line where it fits. Total by
construction — it follows the dataclass fields, so a new node kind or field is dumped without changes here — and
read back by `read` to an equal Document (locations are not part of a node's value and are left out). A block's
attributes print as a dict, `attrs={'class': 'unnumbered'}`, and read back as `Attrs`. Used by the golden tests
(tests/golden/) and `dossier dump`."""
from __future__ import annotations

import ast
from dataclasses import MISSING, fields, is_dataclass
from datetime import date

from builder import model
from builder.model import Attrs, Document

WIDTH = 110


def dump(doc: Document) -> str:
    return _pretty(doc, 0) + "\n"


def write(doc: Document, out) -> None:
    from pathlib import Path
    Path(out).write_text(dump(doc), encoding="utf-8")


# writing ------------------------------------------------------------------------------------


def _args(node) -> list[tuple[str, object]]:
    """(keyword or "" for positional, value): required fields by position, others by keyword when not default;
    fields outside the node's value (compare=False: locations) are left out."""
    out = []
    for f in fields(node):
        if not f.compare:
            continue
        value = getattr(node, f.name)
        if f.default is MISSING and f.default_factory is MISSING:
            out.append(("", value))
        elif value != (f.default if f.default is not MISSING else f.default_factory()):
            out.append((f.name, value))
    return out


def _flat(value) -> str:
    match value:
        case str() | bool() | int() | float() | None:
            return repr(value)
        case date():
            return f"date({value.year}, {value.month}, {value.day})"
        case Attrs():
            return _flat(dict(value))
        case tuple() | list():
            return "[" + ", ".join(_flat(v) for v in value) + "]"
        case dict():
            return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if _is_node(value):
        return f"{type(value).__name__}(" + ", ".join((f"{k}=" if k else "") + _flat(v) for k, v in _args(value)) + ")"
    raise TypeError(f"the native dump has no form for {value!r}")


def _is_node(value) -> bool:
    return is_dataclass(value) and not isinstance(value, type) and getattr(model, type(value).__name__, None) is \
        type(value)


def _pretty(value, indent: int) -> str:
    flat = _flat(value)
    if indent + len(flat) <= WIDTH:
        return flat
    pad = " " * indent
    match value:
        case tuple() | list() if value and not isinstance(value[0], str):
            return "[ " + f"\n{pad}, ".join(_pretty(v, indent + 2) for v in value) + f"\n{pad}]"
        case dict() if value:
            items = [f"{_flat(k)}: " + _pretty(v, indent + 2 + len(_flat(k)) + 2) for k, v in value.items()]
            return "{ " + f"\n{pad}, ".join(items) + f"\n{pad}}}"
    if _is_node(value):
        inner = " " * (indent + 2)
        args = [(f"{k}=" if k else "") + _pretty(v, indent + 2 + (len(k) + 1 if k else 0)) for k, v in _args(value)]
        return f"{type(value).__name__}(\n{inner}" + f",\n{inner}".join(args) + ")"
    return flat


# reading ------------------------------------------------------------------------------------


def read(text: str) -> Document:
    """The Document of a dump: constructor calls of the model's classes, lists as tuples."""
    return _value(ast.parse(text, mode="eval").body)


def _value(node: ast.AST):
    match node:
        case ast.Constant(value=v):
            return v
        case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=v)):
            return -v
        case ast.List(elts=items) | ast.Tuple(elts=items):
            return tuple(_value(i) for i in items)
        case ast.Dict(keys=keys, values=values):
            return {_value(k): _value(v) for k, v in zip(keys, values)}
        case ast.Call(func=ast.Name(id="date"), args=args):
            return date(*(_value(a) for a in args))
        case ast.Call(func=ast.Name(id=name), args=args, keywords=keywords):
            cls = getattr(model, name, None)
            if not (isinstance(cls, type) and is_dataclass(cls)):
                raise ValueError(f"line {node.lineno}: '{name}' is not a node of the document model")
            typed = _attrs_fields(cls)
            return cls(*(_value(a) for a in args),
                       **{k.arg: Attrs(_value(k.value)) if k.arg in typed else _value(k.value) for k in keywords})
    raise ValueError(f"line {getattr(node, 'lineno', '?')}: unexpected {ast.dump(node)[:60]}")


def _attrs_fields(cls: type) -> frozenset[str]:
    """The fields of a node class that hold attributes (written as dicts)."""
    return frozenset(f.name for f in fields(cls) if f.type in ("Attrs", Attrs))
