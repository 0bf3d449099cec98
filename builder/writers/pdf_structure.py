"""Tagged PDF, at save time: the structure tree, parent tree, role map, /MarkInfo, the link annotations' OBJR and
/Contents, /Tabs /S, and XMP with the PDF/UA identifier (and, on request, PDF/A-2b's identifier and an sRGB output
intent), written into the file ReportLab saved, with pikepdf."""
from __future__ import annotations

from builder.model import Figure
from builder.writers.pdf_tagging import PARTS, ROLE_MAP, STRUCTURE, Mark, Node, Tagging

def finish(path: str, tags: Tagging, meta, standard: str = "ua-1") -> None:
    """Write the structure tree and the catalogue entries of PDF/UA-1 (and PDF/A-2b) into the saved file."""
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        _Assembly(pdf, tags).run()
        _metadata(pdf, meta, standard)
        if standard == "a-2b":
            _output_intent(pdf)
        pikepdf.settings.set_flate_compression_level(1)  # the tree packs into object streams: fast beats small
        try:
            pdf.save(path, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        finally:
            pikepdf.settings.set_flate_compression_level(-1)


class _Assembly:
    """The structure tree as PDF objects, with its parent tree."""

    def __init__(self, pdf, tags: Tagging):
        import pikepdf
        self.pk, self.pdf, self.tags = pikepdf, pdf, tags
        self.pages = [p.obj for p in pdf.pages]
        self.parents: dict[int, dict[int, object]] = {}
        self.objr: list = []  # parent-tree entries of annotations, keyed from len(pages)
        self.names: dict[str, object] = {}
        self.ids: dict[str, object] = {}
        self.drawn: set[int] = set()
        _mark_drawn(tags.root, self.drawn)

    def run(self) -> None:
        pk, pdf = self.pk, self.pdf
        root = pdf.make_indirect(pk.Dictionary(Type=pk.Name.StructTreeRoot))
        doc = self.element(self.tags.root, root)
        root.K = pk.Array([doc]) if doc is not None else pk.Array()
        root.RoleMap = pk.Dictionary({f"/{k}": pk.Name(f"/{v}") for k, v in ROLE_MAP.items()})
        nums = pk.Array()
        for i, page in enumerate(self.pages):
            page.StructParents = i
            page.Tabs = pk.Name.S
            marks = self.parents.get(i, {})
            nums.extend([i, pdf.make_indirect(pk.Array([marks[m] for m in sorted(marks)]))])
        for k, elem in enumerate(self.objr):
            nums.extend([len(self.pages) + k, elem])
        root.ParentTree = pdf.make_indirect(pk.Dictionary(Nums=nums))
        root.ParentTreeNextKey = len(self.pages) + len(self.objr)
        if self.ids:
            names = [x for key in sorted(self.ids) for x in (pk.String(key), self.ids[key])]
            root.IDTree = pdf.make_indirect(pk.Dictionary(Names=pk.Array(names)))
        pdf.Root.StructTreeRoot = root
        pdf.Root.MarkInfo = pk.Dictionary(Marked=True)

    def element(self, node: Node, parent):
        """The StructElem of `node`, or None when nothing of it was drawn."""
        if id(node) not in self.drawn:
            return None
        pk = self.pk
        first = next((k for k in node.kids if isinstance(k, Mark)), None)
        page = self.pages[first.page] if first is not None else None
        if node.role not in self.names:
            self.names[node.role] = pk.Name("/" + node.role)
        entries = {"/S": self.names[node.role], "/P": parent, **self.attributes(node)}
        if page is not None:
            entries["/Pg"] = page
        elem = self.pdf.make_indirect(pk.Dictionary(entries))
        kids = []
        for kid in node.kids:
            if isinstance(kid, Node):
                child = self.element(kid, elem)
                if child is not None:
                    kids.append(child)
            else:
                kids.extend(self.marked(kid, elem, first.page))
        elem.K = kids[0] if len(kids) == 1 and isinstance(kids[0], int) else pk.Array(kids)
        if "ID" in node.attrs:
            self.ids[node.attrs["ID"]] = elem
        return elem

    def marked(self, mark: Mark, elem, elem_page: int) -> list:
        """The MCID (a number on the element's own page, else a marked-content reference) and its links."""
        pk = self.pk
        page = self.pages[mark.page]
        self.parents.setdefault(mark.page, {})[mark.mcid] = elem
        out = [mark.mcid if mark.page == elem_page else pk.Dictionary(Type=pk.Name.MCR, Pg=page, MCID=mark.mcid)]
        if mark.annots[0] < mark.annots[1]:
            annots = page.Annots
            out.extend(self.link(annots[i], page, elem) for i in range(*mark.annots))
        return out

    def link(self, annot, page, parent):
        """A Link element holding the annotation (OBJR), which points back through the parent tree."""
        pk = self.pk
        link = self.pdf.make_indirect(pk.Dictionary(Type=pk.Name.StructElem, S=pk.Name.Link, P=parent, Pg=page))
        link.K = pk.Array([pk.Dictionary(Type=pk.Name.OBJR, Obj=annot, Pg=page)])
        annot.StructParent = len(self.pages) + len(self.objr)
        if not str(annot.get("/Contents", "")):
            annot.Contents = pk.String(self.description(annot))
        annot.F = 4  # printed (PDF/A)
        self.objr.append(link)
        return link

    def description(self, annot) -> str:
        action = annot.get("/A")
        if action is not None and "/URI" in action:
            url = str(action.URI)
            return self.tags.contents.get(url, url)
        dest = annot.get("/Dest")
        if isinstance(dest, (self.pk.String, self.pk.Name)):
            name = str(dest).lstrip("/")
            return self.tags.contents.get("#" + name, "Go to " + name)
        return "Go to another place in this document"

    def attributes(self, node: Node) -> dict:
        pk, out = self.pk, {}
        if node.alt:
            out["/Alt"] = pk.String(node.alt)
        if node.lang:
            out["/Lang"] = pk.String(node.lang)
        if "ID" in node.attrs:
            out["/ID"] = pk.String(node.attrs["ID"])  # a Note needs one (PDF/UA-1 7.9)
        if node.role in (PARTS["header"], PARTS["cell"]) and node.attrs:
            table = {f"/{k}": pk.Name("/" + v) if isinstance(v, str) else v for k, v in node.attrs.items()}
            out["/A"] = pk.Dictionary({"/O": pk.Name.Table, **table})
        elif "BBox" in node.attrs and node.role == STRUCTURE[Figure]:
            out["/A"] = pk.Dictionary(O=pk.Name.Layout, BBox=pk.Array(node.attrs["BBox"]), Placement=pk.Name.Block)
        return out


def _mark_drawn(node: Node, drawn: set[int]) -> bool:
    """Collect the ids of the nodes that have marked content, their own or their descendants'."""
    found = node.drawn
    for kid in node.kids:
        if isinstance(kid, Node) and _mark_drawn(kid, drawn):
            found = True
    if found:
        drawn.add(id(node))
    return found


def _metadata(pdf, meta, standard: str) -> None:
    """XMP from the document information, with the PDF/UA (and PDF/A) identifiers."""
    if "/Trapped" in pdf.docinfo:
        del pdf.docinfo["/Trapped"]  # XMP has no place for it; PDF/A wants the two to agree
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp.load_from_docinfo(pdf.docinfo, raise_failure=False)
        xmp["dc:title"] = meta.title
        xmp["dc:language"] = [meta.language] if meta.language else []
        xmp["pdfuaid:part"] = "1"
        if standard == "a-2b":
            xmp["pdfaid:part"] = "2"
            xmp["pdfaid:conformance"] = "B"
    if standard == "a-2b":
        _declare_pdfuaid(pdf)


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


def _declare_pdfuaid(pdf) -> None:
    """PDF/A admits XMP properties outside its own schemas only when declared: declare pdfuaid:part."""
    xml = pdf.Root.Metadata.read_bytes().decode("utf-8")
    pdf.Root.Metadata.write(xml.replace("</rdf:RDF>", _PDFUA_SCHEMA + "</rdf:RDF>", 1).encode("utf-8"))


def _output_intent(pdf) -> None:
    """An sRGB output intent (PDF/A): the ICC profile is made by Pillow, so nothing is downloaded."""
    import pikepdf
    from PIL import ImageCms
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    profile = pdf.make_stream(icc, N=3)
    intent = pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
                                OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                                Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=profile)
    pdf.Root.OutputIntents = pikepdf.Array([intent])
