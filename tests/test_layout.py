"""The package's import graph: no cycle, and every import points down the layer order (README, "Layout").

The graph is read with `ast` from every module of `builder/`: imports at module level and inside functions both
count, and so does `importlib.import_module("builder.…")`. Imports under `if TYPE_CHECKING:` do not: they never
run, they only name types for annotations.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "builder"

# Bottom to top. A module's layer is the one naming the longest prefix of its dotted name; a module may import
# from its own layer and the layers below it, never from a layer above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("builder.errors", "builder.staging", "builder.timing", "builder.model")),
    ("readers", ("builder.readers",)),
    ("charts", ("builder.charts",)),
    ("writers", ("builder.writers",)),
    ("pipeline", ("builder.pipeline",)),
    ("api", ("builder.api", "builder")),
    ("commands", ("builder.commands",)),
    ("entry", ("builder.__main__",)),
]


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(tree: ast.AST):
    """(dotted name, line) of every import in the tree, outside `if TYPE_CHECKING:` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node, node.lineno
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.args[0].value, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def _known(name: str, mods: dict[str, Path]) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(package: Path = PACKAGE) -> dict[str, dict[str, int]]:
    """module → {imported module of the package: line of the first such import}."""
    mods = modules(package)
    graph: dict[str, dict[str, int]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: dict[str, int] = {}
        for imp, line in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(imp, str):
                targets = [_known(imp, mods)]
            else:
                base = imp.module or ""
                if imp.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - imp.level + 1] + ([imp.module] if imp.module else []))
                targets = [_known(f"{base}.{a.name}", mods) for a in imp.names]
            for target in targets:
                if target and target != name:
                    edges.setdefault(target, line)
        graph[name] = edges
    return graph


def layer_of(module: str) -> int | None:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "builder"   # "builder" is builder/__init__.py
            if (module == prefix or inside) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def _where(module: str, line: int, package: Path = PACKAGE) -> str:
    return f"{modules(package)[module].relative_to(package.parent)}:{line}"


def upward_imports(graph: dict[str, dict[str, int]], package: Path = PACKAGE) -> list[str]:
    """Every import from a module to a module of a higher layer, as `file:line: a (layer) imports b (layer)`."""
    return [f"{_where(a, line, package)}: {a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
            for a, edges in sorted(graph.items()) for b, line in sorted(edges.items())
            if layer_of(a) is not None and layer_of(b) is not None and layer_of(b) > layer_of(a)]


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle of the graph as the list of its modules (first == last), or None."""
    state: dict[str, int] = {}   # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    assert "builder.api" in graph["builder"]  # builder/__init__.py imports the API inside build()
    assert len(graph) > 30 and sum(map(len, graph.values())) > 100


def test_no_import_cycle() -> None:
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(
        f"{a} ({_where(a, graph[a][b])})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"


def test_every_module_has_a_layer() -> None:
    missing = sorted(m for m in import_graph() if layer_of(m) is None)
    assert not missing, f"modules in no layer of tests/test_layout.py LAYERS (place them): {missing}"


def test_imports_point_down() -> None:
    upward = upward_imports(import_graph())
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    package = tmp_path / "builder"
    files = {"__init__.py": "",
             "errors.py": "def f():\n    from builder.writers import pdf\n",   # the bottom layer reaching up
             "writers/__init__.py": "",
             "writers/pdf.py": "from . import native\n",
             "writers/native.py": "import builder.writers.pdf\n",
             "writers/types.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import builder.errors\n"}
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    graph = import_graph(package)
    assert graph["builder.writers.types"] == {}   # annotations only
    assert find_cycle(graph) == ["builder.writers.pdf", "builder.writers.native", "builder.writers.pdf"]
    assert upward_imports(graph, package) == [
        "builder/errors.py:2: builder.errors (core) imports builder.writers.pdf (writers)"]
    assert find_cycle({"a": {"b": 1}, "b": {}}) is None
