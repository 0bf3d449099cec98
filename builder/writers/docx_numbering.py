"""Word numbering: lists and heading numbers as numbering.xml definitions attached through w:numPr.

Every top-level list gets one multilevel definition (a level per depth: "•", "%1." or the factor lists'
"%1.%2."); the headings get one multilevel list linked to Heading 1–3 through the styles. Before a definition is
used, Word's way of counting is run over the items: where it would not print the builder's labels (a list whose
labels skip, levels of mixed kinds), the labels stay typed text, so Word always shows what the PDF shows."""
from __future__ import annotations

import re
from dataclasses import dataclass

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from builder.model import BulletList, Heading, OrderedList, Paragraph

MM = 56.7  # twips


@dataclass(frozen=True)
class Level:
    fmt: str              # bullet or decimal
    text: str             # lvlText: "•", "%1.", "%1.%2."
    start: int = 1
    left: int = 0         # twips
    hanging: int = 0
    style: str = ""       # a paragraph style id linked to the level
    suffix: str = "tab"


def label(lst, n: int, item) -> str:
    """The label the PDF prints for an item."""
    return item.label or (f"{n}." if isinstance(lst, OrderedList) else "•")


def count(levels: list[Level], steps: list[int]) -> list[str]:
    """The labels Word prints for paragraphs at levels `steps`: a level starts at its start value, counts up, and
    restarts whenever a higher level has an item."""
    counters: list[int | None] = [None] * len(levels)
    out = []
    for d in steps:
        counters[d] = levels[d].start if counters[d] is None else counters[d] + 1
        counters[d + 1:] = [None] * (len(levels) - d - 1)
        lvl = levels[d]
        out.append(lvl.text if lvl.fmt == "bullet" else
                   re.sub(r"%(\d)", lambda m: str(counters[int(m.group(1)) - 1] or 0), lvl.text))
    return out


def list_levels(top) -> list[Level] | None:
    """One level per depth of a list tree, or None when Word's counting would not give the builder's labels."""
    nodes: list[tuple[int, object]] = []

    def collect(lst, depth):
        nodes.append((depth, lst))
        for item in lst.items:
            for block in item.blocks:
                if isinstance(block, (BulletList, OrderedList)):
                    collect(block, depth + 1)
    collect(top, 0)
    depth_max = max(d for d, _ in nodes)
    if depth_max > 8:
        return None
    levels: list[Level] = []
    for d in range(depth_max + 1):
        lists = [lst for dd, lst in nodes if dd == d]
        if len({type(lst) for lst in lists}) > 1:
            return None
        first = lists[0]
        first_label = label(first, getattr(first, "start", 1), first.items[0])
        hang = round((5 + 2 * len(first_label)) * MM)
        left = round(6 * d * MM) + hang
        if isinstance(first, BulletList):
            levels.append(Level("bullet", "•", 1, left, hang))
            continue
        parts = re.fullmatch(r"(?:\d+\.)+", first_label)
        if not parts:
            return None
        n_parts = first_label.count(".")
        text = "".join(f"%{k}." for k in range(d + 2 - n_parts, d + 2)) if 1 <= n_parts <= d + 1 else None
        if text is None:
            return None
        start = int(first_label.rstrip(".").rsplit(".", 1)[-1])
        levels.append(Level("decimal", text, start, left, hang))
    steps, wanted = [], []

    def walk(lst, depth):
        for n, item in enumerate(lst.items, start=getattr(lst, "start", 1)):
            steps.append(depth)
            wanted.append(label(lst, n, item))
            for block in item.blocks:
                if isinstance(block, (BulletList, OrderedList)):
                    walk(block, depth + 1)
    walk(top, 0)
    return levels if count(levels, steps) == wanted else None


def heading_levels(style_ids: list[str]) -> list[Level]:
    return [Level("decimal", "".join(f"%{k}." for k in range(1, d + 2)), 1, 0, 0, sid, "space")
            for d, sid in enumerate(style_ids)]


class Numbering:
    """Definitions added to the document's numbering part (its own, or the template's)."""

    def __init__(self, docx):
        self.root = docx.part.numbering_part.element
        abstract = [int(a.get(qn("w:abstractNumId"))) for a in self.root.iterchildren(qn("w:abstractNum"))]
        nums = [int(n.get(qn("w:numId"))) for n in self.root.iterchildren(qn("w:num"))]
        self.next_abstract, self.next_num = max(abstract, default=-1) + 1, max(nums, default=0) + 1

    def add(self, levels: list[Level], name: str = "") -> int:
        """A new abstract list and a list instance of it; returns the numId."""
        aid, nid = self.next_abstract, self.next_num
        self.next_abstract, self.next_num = aid + 1, nid + 1
        lvls = "".join(_lvl(i, lv) for i, lv in enumerate(levels))
        kind = "multilevel" if len(levels) > 1 else "singleLevel"
        name_el = f'<w:name w:val="{name}"/>' if name else ""
        abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{aid}">'
                             f'<w:nsid w:val="{0x2D000000 + aid:08X}"/><w:multiLevelType w:val="{kind}"/>'
                             f'{name_el}{lvls}</w:abstractNum>')
        num = parse_xml(f'<w:num {nsdecls("w")} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/></w:num>')
        last_abstract = list(self.root.iterchildren(qn("w:abstractNum")))
        if last_abstract:
            last_abstract[-1].addnext(abstract)
        else:
            self.root.insert(0, abstract)
        last_num = list(self.root.iterchildren(qn("w:num")))
        if last_num:
            last_num[-1].addnext(num)
        else:
            abstract.addnext(num)
        return nid


def _lvl(i: int, lv: Level) -> str:
    style = f'<w:pStyle w:val="{lv.style}"/>' if lv.style else ""
    ind = f'<w:ind w:left="{lv.left}" w:hanging="{lv.hanging}"/>'
    tabs = f'<w:tabs><w:tab w:val="num" w:pos="{lv.left}"/></w:tabs>' if lv.suffix == "tab" and lv.left else ""
    return (f'<w:lvl w:ilvl="{i}"><w:start w:val="{lv.start}"/><w:numFmt w:val="{lv.fmt}"/>{style}'
            f'<w:suff w:val="{lv.suffix}"/><w:lvlText w:val="{lv.text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr>{tabs}{ind}</w:pPr></w:lvl>')


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = _W + "val"
# the children schema order puts after each element (as python-docx's pPr and numPr know them)
_AFTER_NUMPR = frozenset(_W + n for n in (
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
    "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"))
_AFTER_ILVL = frozenset(_W + n for n in ("numId", "numberingChange", "ins"))
_AFTER_NUMID = frozenset(_W + n for n in ("numberingChange", "ins"))


def _get_or_add(parent, tag: str, successors: frozenset[str]):
    """The child `tag` of `parent`, added before the first child schema order puts after it when missing (what
    python-docx's get_or_add_* do, without their per-call search by tag names)."""
    child = parent.find(tag)
    if child is not None:
        return child
    child = parent.makeelement(tag)
    for sibling in parent:
        if sibling.tag in successors:
            sibling.addprevious(child)
            return child
    parent.append(child)
    return child


def set_num(ppr, num_id: int, ilvl: int | None) -> None:
    """Attach a paragraph (or a paragraph style's pPr) to a list level; numId 0 takes it out of any list."""
    num_pr = _get_or_add(ppr, _W + "numPr", _AFTER_NUMPR)
    if ilvl is not None:
        _get_or_add(num_pr, _W + "ilvl", _AFTER_ILVL).set(_VAL, str(int(ilvl)))
    _get_or_add(num_pr, _W + "numId", _AFTER_NUMID).set(_VAL, str(int(num_id)))


class HeadingNumbers:
    """Heading 1–3 numbered by one list linked to their styles; a heading whose number Word would not count to
    (or an unnumbered one) is taken out of the list, the former keeping its number as text."""

    def __init__(self, numbering: Numbering, styles, blocks):
        self.style_ids = [styles[f"Heading {n}"].style_id for n in (1, 2, 3)]
        self.levels = heading_levels(self.style_ids)
        self.counters: list[int | None] = [None, None, None]
        self.num_id = 0
        if any(isinstance(b, Heading) and b.number for b in blocks):
            self.num_id = numbering.add(self.levels, "Headings")
            for ilvl, sid in enumerate(self.style_ids):
                ppr = styles.element.get_by_id(sid).get_or_add_pPr()
                if ppr.numPr is None:
                    set_num(ppr, self.num_id, ilvl or None)
            base: dict[str, str | None] = {}  # style id → the id it is based on (the first style of an id)
            for st in styles.element.iterchildren(qn("w:style")):
                based = st.find(qn("w:basedOn"))
                base.setdefault(st.get(qn("w:styleId")), None if based is None else based.get(qn("w:val")))
            for st in styles.element.iterchildren(qn("w:style")):  # TOC Heading and other styles based on a heading
                if st.styleId not in self.style_ids and _based_on(base, st.styleId, set(self.style_ids)):
                    ppr = st.get_or_add_pPr()
                    if ppr.numPr is None:
                        set_num(ppr, 0, None)

    def place(self, p, h: Heading) -> str:
        """Attach the heading paragraph; returns the number text still to be typed ("" when the list prints it)."""
        ppr = p._p.get_or_add_pPr()
        if not h.number or not self.num_id:
            set_num(ppr, 0, None)
            return ""
        d = min(h.level, 3) - 1
        trial = list(self.counters)
        trial[d] = 1 if trial[d] is None else trial[d] + 1
        trial[d + 1:] = [None] * (2 - d)
        if all(c is not None for c in trial[:d + 1]) and ".".join(str(c) for c in trial[:d + 1]) == h.number \
                and h.level <= 3:
            self.counters = trial
            return ""
        set_num(ppr, 0, None)
        return f"{h.number}. "


def _based_on(base: dict[str, str | None], style_id: str, targets: set[str]) -> bool:
    """Whether the style `style_id` is based, through any number of styles, on one of `targets` (`base`: each
    style's basedOn)."""
    seen = set()
    parent = base.get(style_id)
    while parent and parent not in seen:
        if parent in targets:
            return True
        seen.add(parent)
        parent = base.get(parent)
    return False
