"""Page-bottom footnotes for ReportLab platypus.

Design (TECHNIQUES.md §2): space is reserved *in the frame*, in one pass.

* A mark is ``<super>n</super><onDraw name="fnmark" label="…"/>`` inside a
  :class:`FootnoteParagraph`.  The ``onDraw`` frags survive line breaking and
  splitting, so the labels of each wrapped line are known before drawing.
* ``FootnoteParagraph.wrap`` reports its text height when text + notes fit,
  otherwise text + notes, so the frame calls ``split``; ``split`` keeps as
  many lines as fit together with their notes.  The last note may be split
  (at least two of its lines stay) and its tail is carried to the next page.
* ``FootnoteParagraph.drawOn`` commits the notes: they go into the frame's
  note list and the frame's bottom (``_y1p``) is raised, so every later
  flowable on the page sees less room.
* :class:`FootnoteFrame` restores its bottom at each page start and first
  reserves space for carried notes; the page-end hook draws a 40 mm rule and
  the notes upwards from the frame's real bottom.
* :class:`FootnoteDocTemplate` resets all state at the start of every build
  pass (``multiBuild``) and adds a page break at the end of the story while a
  note is still being carried.

Hooks: :meth:`FootnoteDocTemplate.addPageTemplates` installs
``footnote_on_page`` / ``footnote_on_page_end`` in every PageTemplate's
``onPage`` / ``onPageEnd`` itself (ours run first).  Calling them again from
your own callbacks is harmless: both are idempotent per page.

A mark drawn outside a FootnoteParagraph in a FootnoteFrame (for example in a
Table cell) whose note was not already placed through ``extra_labels`` is
placed when drawn, on that page, best effort: the space was not reserved, so
it may overlap the bottom of the flowable holding it.
"""
from __future__ import annotations

from contextlib import nullcontext
from copy import copy
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Frame, PageBreak, Paragraph, Spacer

from builder.writers.pdf_tagging import draw_tagged, inherit, tagger

MARK_NAME = "fnmark"
RULE_LENGTH = 40 * mm
RULE_WIDTH = 0.5
RULE_ABOVE = 8.0   # gap between the body text and the rule
RULE_BELOW = 4.0   # gap between the rule and the first note
RULE_SPACE = RULE_ABOVE + RULE_BELOW
CARRY_SHARE = 0.5  # carried notes take at most this share of a frame
MIN_NOTE_LINES = 2  # a note split at a page end keeps at least this many lines
_EPS = 1e-6
_HUGE = 1e9


def mark_markup(label: str, number: int) -> str:
    """Paragraph markup for a footnote mark."""
    label = escape(label, {'"': "&quot;"})
    return f'<super>{number}</super><onDraw name="{MARK_NAME}" label="{label}"/>'


class FootnoteStore:
    """The notes of one document, plus the layout state of one build pass."""

    def __init__(self, notes: dict[str, tuple[int, str]], style: ParagraphStyle):
        self.notes = dict(notes)
        self.style = style
        self._heights: dict[tuple[str, float], float] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything placed: called at the start of every build pass."""
        self.placed: set[str] = set()
        self.carry: list[Paragraph] = []

    def __deepcopy__(self, memo):
        return self  # document-wide state; _listWrapOn deep-copies frames

    def note(self, label: str) -> Paragraph:
        """A fresh flowable for the note: '<number> body'."""
        if label not in self.notes:
            raise ValueError(f"unknown footnote label {label!r}")
        number, body = self.notes[label]
        hang = self.style.leftIndent > 0  # the number hangs in the note's margin as the style's bullet
        note = Paragraph(f"<bullet>{number}</bullet>{body}" if hang else f"{number} {body}", self.style)
        note.label = label
        return note

    def height(self, label: str, width: float) -> float:
        """Height of the whole note set at `width` (cached)."""
        key = (label, width)
        if key not in self._heights:
            self._heights[key] = self.note(label).wrap(width, _HUGE)[1]
        return self._heights[key]

    def min_height(self, label: str, width: float) -> float:
        """Least height the note needs on its mark's page (it may be split)."""
        return min(self.height(label, width), MIN_NOTE_LINES * self.style.leading)

    def pending(self, labels) -> list[str]:
        """Labels not placed yet, without duplicates, in note-number order."""
        new = {lab for lab in labels if lab not in self.placed}
        return sorted(new, key=lambda lab: self.notes[lab][0] if lab in self.notes else 0)

    def needed(self, labels, frame: "FootnoteFrame") -> tuple[float, float]:
        """(full, least) height the unplaced notes of `labels` take in `frame`."""
        new = self.pending(labels)
        if not new:
            return 0.0, 0.0
        width = frame._aW
        full = frame.rule_space() + sum(self.height(lab, width) for lab in new)
        last = new[-1]
        return full, full - self.height(last, width) + self.min_height(last, width)

    def place(self, labels, frame: "FootnoteFrame | None", room: float) -> None:
        """Put the unplaced notes of `labels` into `frame`; carry what does not fit."""
        new = self.pending(labels)
        self.placed.update(new)
        notes = [self.note(lab) for lab in new]
        self.carry.extend(frame.fill(notes, room) if frame is not None else notes)

    def resume(self, frame: "FootnoteFrame") -> None:
        """At a page start: place the carried notes first."""
        carry, self.carry = self.carry, []
        self.carry = frame.fill(carry, frame._aH * CARRY_SHARE) + self.carry


class FootnoteFrame(Frame):
    """A Frame whose bottom rises as notes are placed on its page."""

    def _reset(self):
        super()._reset()
        self._geom()  # puts _y1p back at the real bottom
        self.notes: list[Paragraph] = []
        self.notes_base = self._y1p
        store = getattr(self, "store", None)
        if store is not None:
            store.resume(self)

    def rule_space(self) -> float:
        """Room for the rule if this page has no note yet."""
        return 0.0 if self.notes else RULE_SPACE

    def fill(self, notes: list[Paragraph], room: float) -> list[Paragraph]:
        """Place `notes` in order within `room`; return those to carry."""
        rest = list(notes)
        while rest:
            sep = self.rule_space()
            h = rest[0].wrap(self._aW, _HUGE)[1]
            if h + sep > room + _EPS:
                break
            self._reserve(rest.pop(0), h + sep)
            room -= h + sep
        if rest:
            rest[:1] = self._split_note(rest[0], room)
        return rest

    def _split_note(self, note: Paragraph, room: float) -> list[Paragraph]:
        """Place the head of `note` in `room` (page then full); return the tail."""
        sep = self.rule_space()
        if room - sep < MIN_NOTE_LINES * note.style.leading - _EPS:
            return [note]
        parts = note.split(self._aW, room - sep + _EPS)
        if len(parts) != 2:
            return [note]
        parts[0].wrap(self._aW, _HUGE)
        for part in parts:
            part.label = note.label
        self._reserve(parts[0], room)
        return [parts[1]]

    def _reserve(self, note: Paragraph, height: float) -> None:
        self.notes.append(note)
        self._y1p += height

    def draw_notes(self, canv) -> None:
        """Draw the rule and the notes upwards from the frame's real bottom."""
        notes, self.notes = self.notes, []
        if not notes:
            return
        x = self._x1 + self._leftPadding
        y = self.notes_base + sum(n.height for n in notes)
        tags = tagger(canv)
        with tags.artifact(canv, "Layout") if tags else nullcontext():
            canv.saveState()
            canv.setLineWidth(RULE_WIDTH)
            canv.line(x, y + RULE_BELOW, x + RULE_LENGTH, y + RULE_BELOW)
            canv.restoreState()
        for note in notes:
            y -= note.height
            if tags is None:
                note.drawOn(canv, x, y)
                continue
            tags.begin(canv, tags.note(note.label))
            note.drawOn(canv, x, y)
            tags.end(canv)

    def add(self, flowable, canv, trySplit=0):
        """Draw the flowable inside marked content for its structure element (tagged PDF)."""
        return draw_tagged(Frame.add, self, flowable, canv, trySplit)

    def split(self, flowable, canv):
        parts = inherit(flowable, super().split(flowable, canv))
        first = parts[0] if parts else None
        if first is not flowable and isinstance(first, FootnoteParagraph) and getattr(first, "followers", None):
            # the first of a KeepTogether's flowables is added without a split: a paragraph that gives its last
            # lines to the chapter's end (FootnoteParagraph._chapter_keep) splits now, or goes to the next page
            head = self.split(first, canv)
            parts = [] if not head else head + parts[1:]
        return parts


class FootnoteParagraph(Paragraph):
    """A Paragraph whose marks' notes go to the bottom of the page of each mark."""

    def __init__(self, text, style, notes: FootnoteStore | None = None,
                 extra_labels: tuple[str, ...] = (), **kw):
        super().__init__(text, style, **kw)
        self.notes = notes
        self.extra_labels = tuple(extra_labels)

    # -- labels and heights ------------------------------------------------
    def _line_labels(self) -> list[list[str]]:
        """Labels of the marks on each wrapped line."""
        return [[w.cbDefn.label for w in getattr(line, "words", ())
                 if getattr(getattr(w, "cbDefn", None), "name", None) == MARK_NAME]
                for line in self.blPara.lines]

    def _labels(self, k: int | None = None) -> list[str]:
        """Labels of the first k lines (all lines by default), plus extra_labels."""
        if self.notes is None:
            return []
        lines = self._line_labels()[:k]
        return list(self.extra_labels) + [lab for line in lines for lab in line]

    def _text_height(self, k: int) -> float:
        style = self.style
        mode = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        lines = self.blPara.lines[:k]
        if self.blPara.kind == 1 and mode == "max":
            return sum(max(l.ascent - l.descent, style.leading) for l in lines)
        if self.blPara.kind == 1 and mode == "min":
            return sum(l.ascent - l.descent for l in lines)
        return len(lines) * style.leading

    def _frame_here(self) -> FootnoteFrame | None:
        frame = getattr(self, "_frame", None)
        return frame if isinstance(frame, FootnoteFrame) else None

    # -- the Flowable contract ---------------------------------------------
    def wrap(self, availWidth, availHeight):
        w, h = self._wrap(availWidth, availHeight)
        if h <= availHeight + _EPS and self._chapter_keep(availWidth, availHeight) is not None:
            return w, availHeight + 1  # it fits, but the chapter's end would be left alone: split (see split)
        return w, h

    def _wrap(self, availWidth, availHeight):
        w, h = super().wrap(availWidth, availHeight)
        labels = self._labels()
        if not labels:
            return w, h
        frame = self._frame_here()
        if frame is None:  # measured outside a frame (KeepTogether): count the notes
            return w, h + RULE_SPACE + sum(self.notes.height(l, availWidth)
                                           for l in self.notes.pending(labels))
        full, least = self.notes.needed(labels, frame)
        if getattr(self, "_force", False) or h + least <= availHeight + _EPS:
            return w, h
        return w, h + full

    def split(self, availWidth, availHeight):
        frame = self._frame_here()
        if frame is None or self.notes is None:
            return self._adopt(super().split(availWidth, availHeight))
        if getattr(self, "width", None) != availWidth or not hasattr(self, "blPara"):
            self.wrap(availWidth, availHeight)
        n = len(self.blPara.lines)
        k = self._lines_that_fit(availHeight, frame)
        if k is None and not frame._atTop:
            return []
        if k is None:  # an empty page cannot hold the notes: carry some
            return self._forced_split(availWidth)
        if k >= n:
            k = self._chapter_keep(availWidth, availHeight)
            if k is None:
                return [self]
            if k == 0:
                return []
            return self._adopt(super().split(availWidth, self._text_height(k) + _EPS))
        keep = getattr(self, "min_tail", 0)  # the last paragraph of a chapter: its last page carries a few lines
        if keep and n - k < keep:
            k = n - keep
            if k < self._min_lines():
                return [] if not frame._atTop else self._forced_split(availWidth)
        return self._adopt(super().split(availWidth, self._text_height(k) + _EPS))

    def _chapter_keep(self, availWidth, availHeight) -> int | None:
        """Before a chapter's short last block (`followers`: the flowables after this paragraph to the chapter's
        end, set by the writer): when this paragraph fits here but what follows it does not, the chapter's last
        page would carry fewer than `chapter_lines` lines. Then the lines of this paragraph to keep on this page
        (its last lines go over with the chapter's end), or 0 to move it whole (too short to split under the
        widow and orphan rules). None when there is nothing to do: the rest fits, it carries enough lines by
        itself, or the paragraph stands at the top of a page already."""
        followers, frame = getattr(self, "followers", ()), self._frame_here()
        if not followers or frame is None or frame._atTop or getattr(self, "_force", False):
            return None
        n = len(self.blPara.lines)
        lines, heights, labels, after = 0, [], self._labels(), self.getSpaceAfter()
        for f in followers:
            if isinstance(f, Paragraph):
                heights.append(after + f.getSpaceBefore() + Paragraph.wrap(f, availWidth, _HUGE)[1])
                lines += 0 if getattr(f, "chapter_heading", False) else len(f.blPara.lines)
                labels += f._labels() if isinstance(f, FootnoteParagraph) else []
                after = f.getSpaceAfter()
            elif isinstance(f, CondPageBreak):  # a heading's condition: at least this much room, or a new page
                heights.append(-f.height)
            else:
                heights.append(f.wrap(availWidth, _HUGE)[1])
        height = 0.0
        for h in reversed(heights):
            height = max(height, -h) if h < 0 else height + h
        need = getattr(self, "chapter_lines", 0) - lines
        if need <= 0:
            return None
        least = self.notes.needed(labels, frame)[1] if self.notes is not None else 0.0
        if self._text_height(n) + height + least <= availHeight + _EPS:
            return None
        allow_widows = getattr(self, "allowWidows", getattr(self.style, "allowWidows", 1))
        k = n - max(need, 1 if allow_widows else 2)
        return k if k >= self._min_lines() else 0

    def _min_lines(self) -> int:
        orphans = getattr(self, "allowOrphans", getattr(self.style, "allowOrphans", 0))
        return min(len(self.blPara.lines), 1 if orphans else 2)

    def _lines_that_fit(self, availHeight: float, frame: FootnoteFrame) -> int | None:
        """Most lines that fit with their notes, or None."""
        for k in range(len(self.blPara.lines), self._min_lines() - 1, -1):
            least = self.notes.needed(self._labels(k), frame)[1]
            if self._text_height(k) + least <= availHeight + _EPS:
                return k
        return None

    def _forced_split(self, availWidth) -> list:
        """Take the fewest lines possible; notes that do not fit are carried."""
        k = self._min_lines()
        parts = []
        if k < len(self.blPara.lines):
            parts = super().split(availWidth, self._text_height(k) + _EPS)
        if len(parts) != 2:
            parts = [copy(self)]
        parts[0]._force = True
        return self._adopt(parts)

    def _adopt(self, parts: list) -> list:
        """Give split parts our store; extra_labels stay with the first part."""
        for i, part in enumerate(parts):
            if isinstance(part, FootnoteParagraph) and part is not self:
                part.notes = self.notes
                part.extra_labels = self.extra_labels if i == 0 else ()
                if i:  # the chapter's end goes on with the part that follows
                    for attr in ("min_tail", "followers", "chapter_lines"):
                        if hasattr(self, attr):
                            setattr(part, attr, getattr(self, attr))
        return parts

    def beginText(self, x, y):
        """After a list item's label, its text goes into the item's own element (tagged PDF)."""
        tags = tagger(self.canv)
        if tags is not None and getattr(self, "_label", None) is not None:
            tags.switch(self.canv, self._struct)
        return super().beginText(x, y)

    def drawOn(self, canvas, x, y, _sW=0):
        frame = self._frame_here()
        labels = self._labels()
        if frame is not None and labels:
            self.notes.place(labels, frame, room=y - frame._y1p)
        super().drawOn(canvas, x, y, _sW)


class FootnoteDocTemplate(BaseDocTemplate):
    """BaseDocTemplate with page-bottom footnotes in its FootnoteFrames.

    Subclasses add PageTemplates (any number, any page size) whose frames are
    FootnoteFrames; the hooks are installed by addPageTemplates.  They may
    override afterFlowable and beforeDocument freely (state is reset in
    handle_documentBegin, at the start of every build pass).
    """

    def __init__(self, filename, store: FootnoteStore, tagging=None, **kw):
        self.store = store
        self.tagging = tagging
        super().__init__(filename, **kw)

    def addPageTemplates(self, pageTemplates):
        """Add templates and install the footnote hooks in each of them."""
        super().addPageTemplates(pageTemplates)
        for template in self.pageTemplates:
            self._install_hooks(template)

    def _install_hooks(self, template) -> None:
        if getattr(template, "_footnote_hooks", False):
            return
        template._footnote_hooks = True
        template.onPage = _chain(self.footnote_on_page, template.onPage)
        template.onPageEnd = _chain(self.footnote_on_page_end, template.onPageEnd)

    def footnote_on_page(self, canv, doc) -> None:
        """Page start: register the mark callback and give the frames the store."""
        canv.setNamedCB(MARK_NAME, self._mark_drawn)
        for frame in doc.pageTemplate.frames:
            if isinstance(frame, FootnoteFrame):
                frame.store = self.store

    def footnote_on_page_end(self, canv, doc) -> None:
        """Page end: draw each frame's rule and notes."""
        for frame in doc.pageTemplate.frames:
            if isinstance(frame, FootnoteFrame):
                frame.draw_notes(canv)

    def _mark_drawn(self, canv, kind, label) -> None:
        """Fallback for marks outside a FootnoteParagraph (e.g. in a Table cell)."""
        if label in self.store.placed:
            return
        frame = getattr(self, "frame", None)
        frame = frame if isinstance(frame, FootnoteFrame) else None
        room = max(0.0, frame._y - frame._y1p) if frame is not None else 0.0
        self.store.place([label], frame, room)

    def handle_documentBegin(self):
        """Every build pass starts from a clean footnote state."""
        self.store.reset()
        if self.tagging is not None:
            self.tagging.reset()
            self.canv._tagging = self.tagging
        super().handle_documentBegin()

    def handle_flowable(self, flowables):
        """While a note is carried at the end of the story, add a page for it."""
        super().handle_flowable(flowables)
        if not flowables and flowables is not self._hanging and self.store.carry \
                and any(isinstance(f, FootnoteFrame) for f in self.pageTemplate.frames):
            flowables.extend([PageBreak(), Spacer(0, 0)])


def _chain(first, second):
    """A page callback that calls `first`, then `second`."""
    def both(canv, doc):
        first(canv, doc)
        second(canv, doc)
    return both
