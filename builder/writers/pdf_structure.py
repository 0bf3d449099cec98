"""Tagged PDF, at save time: the structure tree, parent tree, role map, /MarkInfo, the link annotations' OBJR and
/Contents, /Tabs /S, and XMP with the PDF/UA identifier (and, on request, PDF/A-2b's identifier and an sRGB output
intent), written through ReportLab's own object model just before the canvas saves the file, so the file is written
once (no second pass that reopens and saves it again). The structure elements are made as PDF text at once, and the
objects that are not streams are packed into compressed object streams when the file is written."""
from __future__ import annotations

import re
import struct
import zlib
from types import MethodType
from xml.sax.saxutils import escape

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfdoc import format as pdf_format
from reportlab.pdfbase.pdfdoc import (Annotation, NoEncryption, PDFArray, PDFCatalog, PDFDictionary, PDFDocument,
                                      PDFFile, PDFInfo, PDFName, PDFObject, PDFPage, PDFStream,
                                      PDFString, PDFZCompress)

from builder.model import Figure
from builder.writers.pdf_tagging import PARTS, ROLE_MAP, STRUCTURE, Mark, Node, Tagging

TRUE = "true"  # ReportLab writes a str as it is: the PDF boolean


def finish(canv, tags: Tagging, meta, standard: str = "ua-1") -> None:
    """Add the structure tree and the catalogue entries of PDF/UA-1 (and PDF/A-2b) to the canvas's document, whose
    pages are all shown; the canvas then saves it."""
    doc = canv._doc
    _Assembly(doc, tags).run()
    _metadata(doc, meta, standard)
    if standard == "a-2b":
        _output_intent(doc)
    doc._pdfVersion = max(doc._pdfVersion, (1, 7))  # PDF/UA-1 and PDF/A-2 build on ISO 32000-1
    doc.format = MethodType(_format_packed, doc)


_PER_STREAM = 200  # objects in one object stream


def _format_packed(doc) -> bytes:
    """ReportLab's PDFDocument.format, except that the objects that are not streams (among them the structure
    tree's thousands of small dictionaries) go into compressed object streams, listed by a cross-reference stream
    (PDF 1.5): written one by one, the tree would double the file."""
    if not isinstance(doc.encrypt, NoEncryption) or getattr(doc, "_digiSigs", None):
        return PDFDocument.format(doc)
    doc.Reference(doc.Catalog)
    doc.Reference(doc.info)
    ids, objects = doc.numberToId, doc.idToObject
    doc.__accum__ = out = PDFFile(doc._pdfVersion)
    offsets: dict[int, int] = {}
    packed: list[tuple[int, bytes]] = []
    number = 0
    while number + 1 in ids:  # formatting may register new objects as it goes
        number += 1
        name = ids[number]
        obj = objects[name]
        data = obj.data if isinstance(obj, _Raw) else pdf_format(obj, doc, toplevel=1)
        if data.endswith((b"endstream\n", b"endstream")):  # a stream stays where it is
            end = b"endobj\n" if data.endswith(b"\n") else b"\nendobj\n"
            offsets[number] = doc.idToOffset[name] = out.add(b"%d 0 obj\n%s%s" % (number, data, end))
        else:
            packed.append((number, data))
    del doc.__accum__
    where: dict[int, tuple[int, int]] = {}
    for start in range(0, len(packed), _PER_STREAM):
        chunk = packed[start:start + _PER_STREAM]
        number += 1
        head, body, at = [], [], 0
        for k, (n, data) in enumerate(chunk):
            head.append(b"%d %d" % (n, at))
            body.append(data)
            at += len(data) + 1
            where[n] = (number, k)
        first = b" ".join(head) + b"\n"
        data = zlib.compress(first + b"\n".join(body) + b"\n", 1)  # fast beats small here
        offsets[number] = out.add(b"%d 0 obj\n<</Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d>>\n"
                                  b"stream\n%s\nendstream\nendobj\n" % (number, len(chunk), len(first), len(data),
                                                                           data))
    number += 1  # the cross-reference stream
    offsets[number] = out.offset
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for n in range(1, number + 1):
        rows.append(b"\x02" + struct.pack(">IH", *where[n]) if n in where else
                    b"\x01" + struct.pack(">IH", offsets[n], 0))
    data = zlib.compress(b"".join(rows))
    root, info = (doc.Reference(o).format(doc) for o in (doc.Catalog, doc.info))
    file_id = re.search(rb"\[.*?\]", doc.ID(), re.S).group(0)
    out.add(b"%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Root %s /Info %s /ID %s /Filter /FlateDecode "
            b"/Length %d>>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
            % (number, number + 1, root, info, file_id, len(data), data, offsets[number]))
    return out.format(doc)


def _extend(obj, cls, **entries) -> None:
    """Entries ReportLab's catalogue or page class does not know: listed on the object, then set."""
    names = [k for k in entries if k not in obj.__NoDefault__]
    if names:
        obj.__NoDefault__ = [*cls.__NoDefault__, *names]
    for key, value in entries.items():
        setattr(obj, key, value)


class _Raw(PDFObject):
    """An object whose PDF text is made here, at once: ReportLab's general formatting of thousands of small
    dictionaries would cost more than the rest of the tagging together."""

    def __init__(self, data: bytes = b""):
        self.data = data

    def format(self, document) -> bytes:
        return self.data


class _Assembly:
    """The structure tree as PDF objects, with its parent tree."""

    def __init__(self, doc, tags: Tagging):
        self.doc, self.tags = doc, tags
        self.pages = doc.Pages.pages
        self.page_refs = [self.ref(p) for p in self.pages]
        self.parents: dict[int, dict[int, str]] = {}
        self.objr: list[str] = []  # parent-tree entries of annotations, keyed from len(pages)
        self.names: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.drawn: set[int] = set()
        _mark_drawn(tags.root, self.drawn)

    def ref(self, obj) -> str:
        """Register `obj` as an indirect object; its reference as PDF text ("12 0 R")."""
        if isinstance(obj, _Raw):  # new: registered as PDFDocument.Reference does, without its checks
            doc = self.doc
            n = doc.objectcounter = doc.objectcounter + 1
            obj.__InternalName__ = name = f"R{n}"
            doc.idToObjectNumberAndVersion[name] = (n, 0)
            doc.numberToId[n] = name
            doc.idToObject[name] = obj
            return f"{n} 0 R"
        name = self.doc.Reference(obj).name
        return "%d %d R" % self.doc.idToObjectNumberAndVersion[name]

    def string(self, text: str) -> str:
        return PDFString(text).format(self.doc).decode("latin-1")

    def run(self) -> None:
        n = len(self.pages)
        root = _Raw()
        ref = self.ref(root)
        top = self.element(self.tags.root, ref)
        nums = []
        for i, page in enumerate(self.pages):
            _extend(page, PDFPage, StructParents=i, Tabs=PDFName("S"))
            marks = self.parents.get(i, {})
            array = " ".join(marks[m] for m in sorted(marks))
            nums.append(f"{i} {self.ref(_Raw(f'[{array}]'.encode()))}")
        nums.extend(f"{n + k} {elem}" for k, elem in enumerate(self.objr))
        tree = self.ref(_Raw(f"<</Nums [{' '.join(nums)}]>>".encode()))
        roles = " ".join(f"{PDFName(k)} {PDFName(v)}" for k, v in ROLE_MAP.items())
        entries = [f"/Type /StructTreeRoot /K [{top or ''}] /RoleMap <<{roles}>> /ParentTree {tree}",
                   f"/ParentTreeNextKey {n + len(self.objr)}"]
        if self.ids:
            names = " ".join(f"{self.string(key)} {self.ids[key]}" for key in sorted(self.ids))
            entries.append(f"/IDTree {self.ref(_Raw(f'<</Names [{names}]>>'.encode()))}")
        root.data = f"<<{' '.join(entries)}>>".encode()
        self.doc.Catalog.StructTreeRoot = root
        self.doc.Catalog.MarkInfo = PDFDictionary({"Marked": TRUE})

    def element(self, node: Node, parent: str) -> str | None:
        """A reference to the StructElem of `node`, or None when nothing of it was drawn."""
        if id(node) not in self.drawn:
            return None
        names = self.names
        name = names.get(node.role) or names.setdefault(node.role, PDFName(node.role))
        elem = _Raw()
        ref = self.ref(elem)
        kids: list[str] = []
        first = None  # the page of the element's first marked content: its /Pg
        for kid in node.kids:
            if type(kid) is Mark:
                if first is None:
                    first = kid.page
                self.parents.setdefault(kid.page, {})[kid.mcid] = ref
                kids.append(str(kid.mcid) if kid.page == first else
                            f"<</Type /MCR /Pg {self.page_refs[kid.page]} /MCID {kid.mcid}>>")
                if kid.annots[0] < kid.annots[1]:
                    annots = self.pages[kid.page].Annots
                    kids.extend(self.link(annots[i], self.page_refs[kid.page], ref) for i in range(*kid.annots))
            else:
                child = self.element(kid, ref)
                if child is not None:
                    kids.append(child)
        page = f" /Pg {self.page_refs[first]}" if first is not None else ""
        k = kids[0] if len(kids) == 1 and first is not None else f"[{' '.join(kids)}]"
        extra = self.attributes(node) if node.alt or node.lang or node.attrs else ""
        elem.data = f"<</S {name} /P {parent}{page} /K {k}{extra}>>".encode()
        if "ID" in node.attrs:
            self.ids[node.attrs["ID"]] = ref
        return ref

    def link(self, annot_ref, page: str, parent: str) -> str:
        """A Link element holding the annotation (OBJR), which points back through the parent tree."""
        obj = self.ref(annot_ref)
        ref = self.ref(_Raw(f"<</Type /StructElem /S /Link /P {parent} /Pg {page} "
                            f"/K [<</Type /OBJR /Obj {obj} /Pg {page}>>]>>".encode()))
        annot = self.doc.idToObject[annot_ref.name]
        # printed (F 4: PDF/A), and reached from the parent tree
        entries = {"StructParent": len(self.pages) + len(self.objr), "F": 4}
        if isinstance(annot, Annotation):  # ReportLab's LinkAnnotation (an internal link) checks its keys
            annot.permitted = (*type(annot).permitted, "StructParent")
            annot.otherkw.update(entries)
            if not annot.Contents:
                annot.Contents = "Go to another place in this document"
        else:  # a dictionary (a link to a URL)
            for key, value in entries.items():
                annot[key] = value
            if not _text(annot.dict.get("Contents")):
                annot["Contents"] = PDFString(self.description(annot))
        self.objr.append(ref)
        return ref

    def description(self, annot: PDFDictionary) -> str:
        action = annot.dict.get("A")
        url = _text(action.dict.get("URI")) if isinstance(action, PDFDictionary) else ""
        if url:
            return self.tags.contents.get(url, url)
        return "Go to another place in this document"

    def attributes(self, node: Node) -> str:
        """The element's optional entries, as PDF text."""
        out = ""
        if node.alt:
            out += f" /Alt {self.string(node.alt)}"
        if node.lang:
            out += f" /Lang {self.string(node.lang)}"
        attrs = node.attrs
        if not attrs:
            return out
        if "ID" in attrs:
            out += f" /ID {self.string(attrs['ID'])}"  # a Note needs one (PDF/UA-1 7.9)
        if node.role in (PARTS["header"], PARTS["cell"]):
            table = " ".join(f"{PDFName(k)} {PDFName(v) if isinstance(v, str) else int(v)}" for k, v in attrs.items())
            out += f" /A <</O /Table {table}>>"
        elif "BBox" in attrs and node.role == STRUCTURE[Figure]:
            out += f" /A <</O /Layout /BBox [{fp_str(*attrs['BBox'])}] /Placement /Block>>"
        return out


def _text(value) -> str:
    if isinstance(value, PDFString):
        value = value.s
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value or ""


def _mark_drawn(node: Node, drawn: set[int]) -> bool:
    """Collect the ids of the nodes that have marked content, their own or their descendants'."""
    found = node.drawn
    for kid in node.kids:
        if isinstance(kid, Node) and _mark_drawn(kid, drawn):
            found = True
    if found:
        drawn.add(id(node))
    return found


# ---- metadata --------------------------------------------------------------------------------------------------


class _Info(PDFInfo):
    """The document information without /Trapped: XMP has no place for it, and PDF/A wants the two to agree."""

    def format(self, document):
        from reportlab.pdfbase.pdfdoc import PDFDate
        date = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
        return PDFDictionary({
            "Title": PDFString(self.title), "Author": PDFString(self.author), "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords), "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer), "CreationDate": date, "ModDate": date,
        }).format(document)


_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"{ns}>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
{language}<pdf:Keywords>{keywords}</pdf:Keywords>
<pdf:Producer>{producer}</pdf:Producer>
<xmp:CreatorTool>{creator}</xmp:CreatorTool>
<xmp:CreateDate>{date}</xmp:CreateDate>
<xmp:ModifyDate>{date}</xmp:ModifyDate>
<xmp:MetadataDate>{date}</xmp:MetadataDate>
<pdfuaid:part>1</pdfuaid:part>
{archive}</rdf:Description>
{schemas}</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

_PDFUA_SCHEMA = """<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
"""


def _metadata(doc, meta, standard: str) -> None:
    """XMP that says what the document information says, with the PDF/UA (and PDF/A) identifiers. PDF/A admits
    XMP properties outside its own schemas only when declared, so pdfuaid:part is declared for PDF/A."""
    info = _Info()
    info.__dict__.update(doc.info.__dict__)
    doc.info = info
    ts = doc._timeStamp
    y, mo, d, h, mi, s = ts.YMDhms
    sign = "-" if ts.dhh < 0 else "+"
    date = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{sign}{abs(ts.dhh):02d}:{ts.dmm:02d}"
    archive = standard == "a-2b"
    text = {k: escape(str(getattr(info, k))) for k in ("title", "author", "subject", "keywords", "creator",
                                                        "producer")}
    language = f"<dc:language><rdf:Bag><rdf:li>{escape(meta.language)}</rdf:li></rdf:Bag></dc:language>\n" \
        if meta.language else ""
    xml = _XMP.format(
        ns=' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"' if archive else "", language=language, date=date,
        archive="<pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n" if archive else "",
        schemas=_PDFUA_SCHEMA if archive else "", **text)
    # uncompressed (PDF/A: a metadata stream has no /Filter), so that any tool can find it
    stream = PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                       xml.encode("utf-8"), filters=None)
    doc.Catalog.Metadata = stream


def _output_intent(doc) -> None:
    """An sRGB output intent (PDF/A): the ICC profile is made by Pillow, so nothing is downloaded."""
    from PIL import ImageCms
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    profile = PDFStream(PDFDictionary({"N": 3}), icc, filters=[PDFZCompress])
    intent = PDFDictionary({"Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFA1"),
                            "OutputConditionIdentifier": PDFString("sRGB IEC61966-2.1"),
                            "Info": PDFString("sRGB IEC61966-2.1"), "DestOutputProfile": profile})
    _extend(doc.Catalog, PDFCatalog, OutputIntents=PDFArray([intent]))
