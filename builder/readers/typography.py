"""Quotes and dashes, applied once: markdown-it-py's typographer for prose, and `smarten` for data text (captions,
table cells, list items from YAML), so that both follow the same rules.

- straight quotes become the report language's quotation marks (en “ ” ‘ ’, de „ “ ‚ ‘, fr « » with no-break spaces,
  ru and kk « » „ “; builder.model.labels.QUOTES); an apostrophe becomes ’;
- `--` becomes an en dash, `---` an em dash, `...` an ellipsis, `+-` ±;
- one dash convention between words: a spaced hyphen or dash (` - `, ` -- `, ` — `) becomes the language's dash
  (a spaced en dash; a spaced em dash in Russian and Kazakh);
- a range of numbers takes an en dash, no spaces: `0.7-1.2` → `0.7–1.2`, `2014-2016` → `2014–2016` (German
  `0,7-1,2` → `0,7–1,2`): only a number (digits with the language's group and decimal separators) on each side,
  set apart from other words; dates (2019-05-01), codes (ISO-8859-1, COVID-19, G-20, Su-35, No. 123-45), telephone
  numbers and anything chained by more hyphens keep their hyphens (`number_ranges`).

`(c)`, `(r)` and `(tm)` are left as they are: in reports they are far more often list labels than symbols.
"""
from __future__ import annotations

import re
from functools import lru_cache

from builder.model.labels import QUOTES as LANGUAGE_QUOTES

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


# what may stand right before the first number of a range: a space, an opening bracket or quote, a currency
# sign; a letter, digit, separator, slash, `#`, `=` or hyphen makes it part of a code, a date or an address
RANGE_OPENERS = set("([{\"'\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb~\u2248$\u20ac\u00a3\u00a5\u20b8\u20bd*_")
NUMBER_LABEL = re.compile(r"(?:\b(?:No|Nos|Nr|Art|ISBN|ISSN|(?i:tel|phone|fax|ref))\.?:?|\u2116|#)\s*$")


@lru_cache(maxsize=8)
def _range_pattern(language: str) -> re.Pattern:
    """`number-number`, a number being digits with the language's grouping and decimal separator (babel)."""
    from babel import Locale
    try:
        symbols = Locale.parse(base_language(language)).number_symbols
    except (ValueError, LookupError):
        symbols = Locale.parse("en").number_symbols
    symbols = symbols.get("latn", symbols)
    group, decimal = re.escape(symbols["group"]), re.escape(symbols["decimal"])
    number = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+(?:{decimal}\d+)?|\d+(?:{decimal}\d+)?)"
    return re.compile(rf"(?P<a>{number})-(?P<b>{number})")


def _leading_zero(number: str) -> bool:
    return len(number) > 1 and number[0] == "0" and number[1].isdigit()


def _is_range(m: re.Match) -> bool:
    """Whether `a-b` found by _range_pattern stands alone as a range (see number_ranges)."""
    text, start, end = m.string, m.start(), m.end()
    if _leading_zero(m["a"]) or _leading_zero(m["b"]):
        return False  # 2019-05, 01-12: a date or a code
    before = text[start - 1] if start else " "
    if not (before.isspace() or before in RANGE_OPENERS):
        return False
    head = text[:start].rstrip()
    if before.isspace() and head and (head[-1].isdigit() or head[-1] == ")"):
        return False  # (727) 244-5040, 8 727 244-5040: a telephone number
    if NUMBER_LABEL.search(text[:start]):
        return False  # No. 123-45, ISBN 3-16
    after = text[end:end + 2]
    if after[:1].isalnum() and not re.match(r"s\b", text[end:end + 2] + " ") or after[:1] == "_":
        return False  # 12-15A, 3-4x: a code
    return not re.match(r"[-\u2010\u2011\u2013.,:/]\d", after)  # 978-3-16, 10-12:30, 1-2.5 in German


def number_ranges(text: str, language: str = "en") -> str:
    """A hyphen between two numbers that form a range becomes an en dash: `10-15%` → `10–15%`, `0.7-1.2`
    → `0.7–1.2` (en), `0,7-1,2` → `0,7–1,2` (de); decades `1980-1990s` too. Conservative: dates, codes, telephone
    and article numbers, and digit-hyphen chains are left as written."""
    if "-" not in text:
        return text
    return _range_pattern(base_language(language)).sub(
        lambda m: f"{m['a']}\u2013{m['b']}" if _is_range(m) else m.group(0), text)


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
            part = number_ranges(RANGE.sub("\u2013", probe[0].content), language)
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
    if not text or not re.search(r"['\"]|--|\.\.|\+-|\s[-\u2013\u2014]\s|\d-\d", text):
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


def balanced_lines(text: str, width_of, measure: float) -> list[str]:
    """A title broken into as few lines as fit `measure` (widths from `width_of(str)`), with the breaks placed so
    the lines are as even as they can be: no single word left alone on the last line when the words allow it.
    One line when the text fits."""
    words = text.split()
    if len(words) < 3 or width_of(text) <= measure:
        return [text] if text else []
    best: tuple | None = None
    from itertools import combinations
    for count in range(2, len(words) + 1):
        for cuts in combinations(range(1, len(words)), count - 1):
            bounds = (0, *cuts, len(words))
            lines = [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]
            widths = [width_of(line) for line in lines]
            if max(widths) > measure:
                continue
            lone = len(words[bounds[-2]:]) == 1  # a single word on the last line
            key = (lone, max(widths) - min(widths), -widths[0])
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
        if count >= 6:  # a title this long is set as it comes
            break
    return [text]


URL_TEXT = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$", re.I)
ZWSP = "\u200b"


def url_breaks(text: str) -> list[int]:
    """Where a web address may break at a line end: after a `/` or a `.` (never inside a percent-escape such as
    `%D0`, never inside the `://` of the scheme, never before the last character). Empty for text that is not an
    address."""
    if not URL_TEXT.match(text):
        return []
    start = text.find("://") + 3 if "://" in text else 0
    out = []
    for i in range(start + 1, len(text)):
        if text[i - 1] in "/." and text[i] not in "/." and i < len(text) - 1:
            out.append(i)
    return out


def breakable_url(text: str) -> str:
    """The address with a zero-width break opportunity at each `url_breaks` position: for displayed text only,
    the link target stays the exact address."""
    cuts = url_breaks(text)
    return "".join(ZWSP + ch if i in cuts else ch for i, ch in enumerate(text)) if cuts else text
