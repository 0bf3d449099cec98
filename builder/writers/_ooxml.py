"""The few OOXML pieces python-docx has no API for: footnotes part, fields, bookmarks, repeated header rows."""
from __future__ import annotations

from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_FOOTNOTES = (f'<w:footnotes {nsdecls("w", "r")}>'
              '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
              'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
              '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
              'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
              '</w:footnotes>')


NOTE_HANG = 240  # twips (12 pt): the hang of a footnote's number, as in the PDF


class Footnotes:
    """word/footnotes.xml: created once, notes appended as the writer meets their marks."""

    def __init__(self, document):
        existing = next((rel.target_part for rel in document.part.rels.values()
                         if rel.reltype == RT.FOOTNOTES and not rel.is_external), None)
        if existing is not None:  # a template's footnotes part: its separators stay, its notes go
            self.part, self.root = existing, parse_xml(existing.blob)
            for note in list(self.root):  # separators at the ids settings.xml names; notes numbered from 1
                kind = note.get(qn("w:type"))
                if kind in ("separator", "continuationSeparator"):
                    note.set(qn("w:id"), "-1" if kind == "separator" else "0")
                else:
                    self.root.remove(note)
        else:
            self.root = parse_xml(_FOOTNOTES)
            self.part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, b"", document.part.package)
            document.part.relate_to(self.part, RT.FOOTNOTES)
        pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
        insert_setting(document.settings.element, pr)

    def add(self, number: int, superscript: bool = False):
        """A new note with its number mark; returns its paragraph element to fill with runs. The number hangs in
        the note's left margin (superscript, or at text size without the reference style), a tab takes the text to
        the hang where the note's lines align. (Left-aligned in the hang: LibreOffice sets a note's number at the
        start of the paragraph whatever runs precede it, so a right tab before it is not kept.)"""
        note = OxmlElement("w:footnote")
        note.set(qn("w:id"), str(number))
        ref = '<w:rStyle w:val="FootnoteReference"/>' if superscript else ""
        p = parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="FootnoteText"/>'
                      f'<w:tabs><w:tab w:val="left" w:pos="{NOTE_HANG}"/></w:tabs>'
                      f'<w:ind w:left="{NOTE_HANG}" w:hanging="{NOTE_HANG}"/></w:pPr>'
                      f'<w:r><w:rPr>{ref}</w:rPr><w:footnoteRef/></w:r><w:r><w:tab/></w:r></w:p>')
        note.append(p)
        self.root.append(note)
        return p

    def finish(self) -> None:
        from lxml import etree
        self.part._blob = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


def footnote_reference(number: int):
    """The mark in the text: superscript said on the run itself, so that the reference style can stay plain when the
    style's note numbers are plain (LibreOffice sets a note's own number by that style, whatever its run says)."""
    return parse_xml(f'<w:r {nsdecls("w")}><w:rPr><w:rStyle w:val="FootnoteReference"/>'
                     '<w:vertAlign w:val="superscript"/></w:rPr>'
                     f'<w:footnoteReference w:id="{number}"/></w:r>')


def field_runs(instr: str, result: str, rpr: str = "") -> list:
    """A complex field (begin, instruction, separate, cached result, end) as runs."""
    def run(inner: str):
        return parse_xml(f'<w:r {nsdecls("w")}>{rpr}{inner}</w:r>')
    text = result.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return [run('<w:fldChar w:fldCharType="begin"/>'),
            run(f'<w:instrText xml:space="preserve"> {instr} </w:instrText>'),
            run('<w:fldChar w:fldCharType="separate"/>'),
            run(f'<w:t xml:space="preserve">{text}</w:t>'),
            run('<w:fldChar w:fldCharType="end"/>')]


def add_field(paragraph, instr: str, result: str) -> None:
    for r in field_runs(instr, result):
        paragraph._p.append(r)


def bookmark(paragraph, name: str, bid: int) -> None:
    """Wrap the paragraph's content in a bookmark."""
    start = parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{bid}" w:name="{name}"/>')
    end = parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{bid}"/>')
    p = paragraph._p
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def bookmark_start(name: str, bid: int):
    return parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{bid}" w:name="{name}"/>')


def bookmark_end(bid: int):
    return parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{bid}"/>')


def repeat_header(row) -> None:
    """Mark a row as a header row repeated on every page (ST_OnOff: the bare element means on)."""
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:tblHeader")) is None:
        insert_in_order(trpr, OxmlElement("w:tblHeader"), _TRPR_ORDER)


def cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        insert_in_order(trpr, OxmlElement("w:cantSplit"), _TRPR_ORDER)


def hyperlink(paragraph, url: str, text: str, style: str = "Hyperlink", part=None) -> None:
    """An external link; its relationship belongs to `part` (the footnotes part for a link in a note)."""
    part = part or paragraph.part
    rid = part.relate_to(url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
                         is_external=True)
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    el = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:rPr><w:rStyle w:val="{style}"/>'
                   f'</w:rPr><w:t xml:space="preserve">{safe}</w:t></w:r></w:hyperlink>')
    paragraph._p.append(el)


def toc_paragraphs(document, entries, title_style: str = "TOC Heading", instr: str = 'TOC \\o "1-3" \\h \\z \\u',
                   style: str = ""):
    """A TOC field whose result is already written in: one paragraph per entry with a hyperlink,
    a dot-leader tab and a PAGEREF field holding the page number. `entries`: (level, text, bookmark, page).
    `style`: one paragraph style for every entry (a list of tables), else "TOC <level>"."""
    paras = []
    for i, (level, text, bm, page) in enumerate(entries):
        p = document.add_paragraph(style=style or f"TOC {level + 1}")
        if i == 0:
            for r in field_runs(instr, "")[:3]:
                p._p.append(r)
        safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        link = parse_xml(f'<w:hyperlink {nsdecls("w")} w:anchor="{bm}" w:history="1"><w:r>'
                         f'<w:t xml:space="preserve">{safe}</w:t></w:r><w:r><w:tab/></w:r></w:hyperlink>')
        for r in field_runs(f"PAGEREF {bm} \\h", str(page)):
            link.append(r)
        p._p.append(link)
        paras.append(p)
    if paras:
        paras[-1]._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    return paras


def cell_margins(table, twips: int) -> None:
    """Left and right cell margins of a table (Word's default, 108 twips, wastes width in wide tables)."""
    tbl_pr = table._tbl.tblPr
    margins = parse_xml(f'<w:tblCellMar {nsdecls("w")}><w:left w:w="{twips}" w:type="dxa"/>'
                        f'<w:right w:w="{twips}" w:type="dxa"/></w:tblCellMar>')
    tbl_pr.append(margins)


# schema order of the children that are added after python-docx has built an element --------------------------------

_TRPR_ORDER = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
               "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange")
_TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
                "tblCaption", "tblDescription", "tblPrChange")
_SETTINGS_ORDER = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime", "doNotDisplayPageBoundaries",
    "displayBackgroundShape", "printPostScriptOverText", "printFractionalCharacterWidth", "printFormsData",
    "embedTrueTypeFonts", "embedSystemFonts", "saveSubsetFonts", "saveFormsData", "mirrorMargins",
    "alignBordersAndEdges", "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop",
    "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign",
    "attachedTemplate", "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
    "revisionView", "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting", "documentProtection",
    "autoFormatOverride", "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation",
    "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope", "summaryLength",
    "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders", "bookFoldRevPrinting", "bookFoldPrinting",
    "bookFoldPrintingSheets", "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery", "doNotUseMarginsForDrawingGridOrigin",
    "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin", "doNotShadeFormData", "noPunctuationKerning",
    "characterSpacingControl", "printTwoOnOne", "strictFirstAndLastChars", "noLineBreaksAfter", "noLineBreaksBefore",
    "savePreviewPicture", "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent",
    "alwaysShowPlaceholderText", "doNotDemarcateInvalidXml", "saveXmlDataOnly", "useXSLTWhenSaving",
    "saveThroughXslt", "showXMLTags", "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr",
    "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
    "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")


def _local(el) -> str:
    return el.tag.rpartition("}")[2] if el.tag.startswith(f"{{{W_NS}}}") else ""


def insert_in_order(parent, child, order: tuple[str, ...]) -> None:
    """Insert `child` before the first sibling that the schema puts after it (elements of other namespaces and
    unknown ones are passed over: they stay where they are)."""
    rank = order.index(_local(child))
    for sibling in parent:
        name = _local(sibling)
        if name in order and order.index(name) > rank:
            sibling.addprevious(child)
            return
    parent.append(child)


def insert_setting(settings, child) -> None:
    """Put an element into settings.xml in schema order, replacing one of the same name."""
    old = settings.find(child.tag)
    if old is not None:
        settings.remove(old)
    insert_in_order(settings, child, _SETTINGS_ORDER)


def order_table_properties(root) -> None:
    """Sort every w:tblPr's children into schema order (python-docx appends some of them at the end)."""
    for tbl_pr in root.iter(qn("w:tblPr")):
        children = list(tbl_pr)
        known = [c for c in children if _local(c) in _TBLPR_ORDER]
        if known != sorted(known, key=lambda c: _TBLPR_ORDER.index(_local(c))):
            for c in known:
                tbl_pr.remove(c)
            for c in sorted(known, key=lambda c: _TBLPR_ORDER.index(_local(c))):
                insert_in_order(tbl_pr, c, _TBLPR_ORDER)


# languages -----------------------------------------------------------------------------------------------------------

_RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
              "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w",
              "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign",
              "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")
_KAZAKH = set("ӘәҒғҚқҢңӨөҰұҮүҺһІі")


def text_language(text: str) -> str:
    """kk-KZ for Cyrillic with letters only Kazakh has, ru-RU for other Cyrillic, "" otherwise."""
    if not any("\u0400" <= c <= "\u04ff" for c in text):
        return ""
    return "kk-KZ" if _KAZAKH & set(text) else "ru-RU"


def set_language(rpr_parent, tag: str) -> None:
    """w:lang on a run (or a style's, or the defaults') properties, in schema order."""
    rpr = rpr_parent.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_parent.insert(0, rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        insert_in_order(rpr, lang, _RPR_ORDER)
    lang.set(qn("w:val"), tag)


def mark_languages(root) -> None:
    """Cyrillic runs say they are Russian or Kazakh, so Word spell-checks them in their language."""
    for r in root.iter(qn("w:r")):
        text = "".join(t.text or "" for t in r.iterchildren(qn("w:t")))
        tag = text_language(text)
        if tag:
            set_language(r, tag)
