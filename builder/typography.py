"""Quotes and dashes, applied once: markdown-it-py's typographer for prose, and `smarten` for data text (captions,
table cells, list items from YAML), so that both follow the same rules.

- straight quotes become the report language's quotation marks (en “ ” ‘ ’, de „ “ ‚ ‘, fr « » with no-break spaces,
  ru and kk « » „ “; builder.labels.QUOTES); an apostrophe becomes ’;
- `--` becomes an en dash, `---` an em dash, `...` an ellipsis, `+-` ±;
- one dash convention between words: a spaced hyphen or dash (` - `, ` -- `, ` — `) becomes the language's dash
  (a spaced en dash; a spaced em dash in Russian and Kazakh).

`(c)`, `(r)` and `(tm)` are left as they are: in reports they are far more often list labels than symbols.
"""
from __future__ import annotations

import re
from functools import lru_cache

from builder.labels import QUOTES as LANGUAGE_QUOTES

QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("\u201c", "\u201d", "\u2018", "\u2019"),
    **LANGUAGE_QUOTES,  # the other languages' marks, kept with their labels
}
URL = re.compile(r"(?:https?://|www\.)\S+")
RANGE = re.compile(r"(?<=\d) +(?:-{1,2}|\u2013) +(?=\d)")
DASHES = {"ru": "\u2014", "kk": "\u2014"}
# a text token may start or end at a footnote mark or emphasis: "available[^21] - according"
SPACED_DASH = re.compile(r"(?:(?<=\S)|^) +(?:-{1,2}|\u2013|\u2014) +(?=\S|$)")


def base_language(language: str) -> str:
    return (language or "en").replace("_", "-").split("-")[0].lower()


def quotes(language: str) -> tuple[str, str, str, str]:
    return QUOTES.get(base_language(language), QUOTES["en"])


def dash(language: str) -> str:
    return DASHES.get(base_language(language), "\u2013")


def typography_rule(language: str):
    """A markdown-it core rule: the rare replacements (dashes, ellipsis, ±) and one spaced dash, outside
    autolinks and code."""
    from markdown_it.rules_core.replacements import replace_rare
    from markdown_it.token import Token
    spaced = f" {dash(language)} "

    def words(text: str) -> str:
        """The rare replacements and the spaced dash (an en dash between numbers: 1990–2000), addresses
        left as written."""
        out, at = [], 0
        for m in [*URL.finditer(text), None]:
            part = text[at:m.start() if m else len(text)]
            probe = [Token("text", "", 0, content=part)]
            replace_rare(probe)
            part = RANGE.sub("\u2013", probe[0].content)
            out.append(SPACED_DASH.sub(spaced, part))
            if m:
                out.append(m.group(0))
                at = m.end()
        return "".join(out)

    def rule(state) -> None:
        for token in state.tokens:
            if token.type != "inline" or not token.children:
                continue
            inside_autolink = False
            for child in token.children:
                if child.type == "link_open" and child.info == "auto":
                    inside_autolink = True
                elif child.type == "link_close" and child.info == "auto":
                    inside_autolink = False
                elif child.type == "text" and not inside_autolink:
                    child.content = words(child.content)
    return rule


def enable(md, language: str):
    """Turn on the typographer of a MarkdownIt instance with the language's quotes and dash convention."""
    md.options["typographer"] = True
    md.options["quotes"] = quotes(language)
    md.enable("smartquotes")
    md.core.ruler.before("smartquotes", "typography", typography_rule(language))
    return md


@lru_cache(maxsize=8)
def _engine(language: str):
    from markdown_it import MarkdownIt
    return enable(MarkdownIt("zero"), language)


def smarten(text: str, language: str = "en") -> str:
    """Data text (not Markdown) set with the same quotes and dashes as the prose around it."""
    if not text or not re.search(r"['\"]|--|\.\.|\+-|\s[-\u2013\u2014]\s", text):
        return text
    from markdown_it.rules_core.state_core import StateCore
    from markdown_it.token import Token
    md = _engine(base_language(language))
    child = Token("text", "", 0, content=text)
    state = StateCore(text, md, {})
    state.tokens = [Token("inline", "", 0, content=text, children=[child])]
    for rule in md.core.ruler.getRules(""):
        if rule.__name__ not in ("normalize", "block", "inline", "text_join"):
            rule(state)
    return child.content
