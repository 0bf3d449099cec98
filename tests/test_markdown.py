"""Markdown → Document, compared as dataclasses."""
from __future__ import annotations

import pytest

from builder.errors import BuildError
from builder.readers.data import Dataset
from builder.readers.markdown import parse_chapter
from builder.model import (Attrs, BulletList, Emphasis, FootnoteRef, Heading, Link, ListItem, OrderedList, Paragraph,
                           Text)
from builder.readers.templates import Rendered

EMPTY = Dataset({}, {}, {})


def _parse(text: str):
    return parse_chapter(Rendered("chapters/x.md", text, list(range(1, text.count("\n") + 2))), EMPTY)


def test_heading_paragraph_emphasis_and_literal_markup() -> None:
    out = _parse("# Intro {-}\n\nR&D at *AT&T* <Ltd> costs {{ nothing }}.\n")
    assert out.blocks == [Heading(1, (Text("Intro"),), attrs=Attrs({"class": "unnumbered"})),
                          Paragraph((Text("R&D at "), Emphasis((Text("AT&T"),)), Text(" <Ltd> costs {{ nothing }}.")))]


def test_heading_attributes() -> None:
    out = _parse('# Notes {.unnumbered .short lang=de title="Die Notizen"}\n\n## A set {x}\n\n## Plain {.unnumbered}\n')
    notes, literal, plain = out.blocks
    assert notes == Heading(1, (Text("Notes"),), attrs=Attrs({"lang": "de", "title": "Die Notizen",
                                                              "class": "unnumbered short"}))
    assert not notes.numbered and notes.attrs.classes == ("unnumbered", "short")
    assert literal == Heading(2, (Text("A set {x}"),)) and literal.numbered  # not attribute syntax: text
    assert plain.attrs == {"class": "unnumbered"} and not plain.numbered


def test_attributes_are_an_immutable_value() -> None:
    a = Attrs({"class": "x", "k": "v"})
    assert a == Attrs({"k": "v", "class": "x"}) and hash(a) == hash(Attrs({"k": "v", "class": "x"}))
    assert a.with_class("y").classes == ("x", "y") and a.classes == ("x",)
    with pytest.raises(TypeError):
        a["k"] = "w"
    with pytest.raises(AttributeError):
        a._items = {}
    with pytest.raises(TypeError):
        Attrs({"k": 1})
    import copy
    import pickle
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(a) == a


def test_lists_nest() -> None:
    out = _parse("- a\n  - b\n\n1. one\n")
    inner = BulletList((ListItem((Paragraph((Text("b"),)),)),))
    assert out.blocks[0] == BulletList((ListItem((Paragraph((Text("a"),)), inner)),))
    assert isinstance(out.blocks[1], OrderedList)


def test_footnotes_and_links() -> None:
    out = _parse("Text.[^7]\n\n[^7]: See <https://x.org/a?b=1&c=2>.\n")
    assert out.blocks == [Paragraph((Text("Text."), FootnoteRef("x:7")))]
    assert out.footnotes["x:7"] == (Text("See "), Link("https://x.org/a?b=1&c=2", (Text("https://x.org/a?b=1&c=2"),)),
                                    Text("."))


def test_footnote_without_definition_is_an_error() -> None:
    with pytest.raises(BuildError) as e:
        _parse("one\n\nA claim.[^9]\n")
    assert str(e.value.source) == "chapters/x.md:3"
    assert "[^9] has no definition" in e.value.message


def test_unknown_table_directive() -> None:
    with pytest.raises(BuildError) as e:
        _parse("a\n\n```{table} trade-2019\n```\n")
    assert str(e.value.source) == "chapters/x.md:3"
    assert "unknown table 'trade-2019'" in e.value.message
