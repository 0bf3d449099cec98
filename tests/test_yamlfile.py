"""The YAML reader: libyaml parses each file once; errors keep the pure loader's message and `file:line:col`."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from builder.errors import BuildError
from builder.readers import yamlfile
from builder.readers.yamlfile import node_line, read_yaml


def test_valid_file_is_parsed_by_libyaml_alone(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("title: T\nitems:\n  - one\n  - {name: two, size: 2}\n", encoding="utf-8")

    def pure(*_a, **_k):
        raise AssertionError("the pure-Python loader parsed a valid file")
    monkeypatch.setattr(yaml, "compose", pure)
    monkeypatch.setattr(yaml, "safe_load", pure)
    data, node = read_yaml(path, "a.yaml")
    assert data == {"title": "T", "items": ["one", {"name": "two", "size": 2}]}
    assert node_line(node, ("items", 1, "size")) == 4
    assert node_line(node, ("title",)) == 1


def test_a_file_read_twice_is_composed_once(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("a: [1, 2]\nb: {c: 3}\n", encoding="utf-8")
    calls = []
    compose = yamlfile._compose
    monkeypatch.setattr(yamlfile, "_compose", lambda text, rel: calls.append(rel) or compose(text, rel))
    first, node1 = read_yaml(path, "b.yaml")
    first["a"].append(99)  # each caller gets its own data
    second, node2 = read_yaml(path, "b.yaml")
    assert second == {"a": [1, 2], "b": {"c": 3}}
    assert node1 is node2 and calls == ["b.yaml"]
    path.write_text("a: [1, 2]\nb: {c: 4}\n", encoding="utf-8")  # changed text: parsed again
    assert read_yaml(path, "b.yaml")[0]["b"] == {"c": 4} and calls == ["b.yaml", "b.yaml"]


@pytest.mark.parametrize("text, message, line, col", [
    ("title: a: b\n", "invalid YAML: mapping values are not allowed here", 1, 9),
    ("items:\n\t- x\n", "invalid YAML: found character '\\t' that cannot start any token", 2, 1),
    ("a: [1, 2\n", "invalid YAML: expected ',' or ']', but got '<stream end>'", 2, 1),
    ("a: !!python/object:os.system x\n", "invalid YAML: could not determine a constructor for the tag "
                                         "'tag:yaml.org,2002:python/object:os.system'", 1, 4),
])
def test_errors_quote_the_pure_loader(tmp_path: Path, text: str, message: str, line: int, col: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as info:
        read_yaml(path, "data/bad.yaml")
    err = info.value
    assert err.message == message
    assert (err.source.path, err.source.line, err.source.col) == ("data/bad.yaml", line, col)


def test_nesting_past_libyaml_limit_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    with pytest.raises(BuildError, match="nested too deeply"):
        read_yaml(path, "deep.yaml")
