"""Embedded fonts: the house families (OFL fonts such as PT Serif/PT Sans, DejaVu) stored in word/fonts/*.odttf,
obfuscated as ECMA-376 Part 1 §17.8.1 prescribes (the first 32 bytes XORed with the reversed bytes of a GUID key),
and named in fontTable.xml, so the DOCX lays out in them where they are not installed."""
from __future__ import annotations

import hashlib
import uuid

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from builder.readers.style import Family
from builder.writers import _ooxml

CT_ODTTF = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FACES = (("regular", "embedRegular"), ("bold", "embedBold"), ("italic", "embedItalic"),
         ("bold_italic", "embedBoldItalic"))
_NS = uuid.UUID("0b5e7a52-6d1c-4f0e-9d1a-2b8f4c3e6a10")
_FONT_ORDER = ("altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig", "embedRegular",
               "embedBold", "embedItalic", "embedBoldItalic")


def font_key(data: bytes) -> str:
    """A GUID derived from the font's bytes: the same font gives the same key, so builds stay reproducible."""
    return "{" + str(uuid.uuid5(_NS, hashlib.sha256(data).hexdigest())).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key's 16 bytes taken from its last hex pair to its first (its own inverse)."""
    k = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ k[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embed(docx, families: list[Family]) -> list[str]:
    """Embed every face of the families the styles name; returns the embedded family names."""
    font_table = next((r.target_part for r in docx.part.rels.values()
                       if r.reltype == RT.FONT_TABLE and not r.is_external), None)
    if font_table is None:
        return []
    styles_xml = docx.styles.element.xml
    root = parse_xml(font_table.blob)
    done: list[str] = []
    n = sum(1 for name in docx.part.package.iter_parts() if str(name.partname).startswith("/word/fonts/"))
    for fam in families:
        if fam.name in done or f'w:ascii="{fam.name}"' not in styles_xml:
            continue
        font = next((f for f in root.iterchildren(qn("w:font")) if f.get(qn("w:name")) == fam.name), None)
        if font is None:
            font = parse_xml(f'<w:font {nsdecls("w")} w:name="{fam.name}"><w:family w:val="auto"/>'
                             '<w:pitch w:val="variable"/></w:font>')
            root.append(font)
        for child in list(font):
            if child.tag.rpartition("}")[2].startswith("embed"):
                font.remove(child)
        for face, tag in FACES:
            with open(fam.files[face], "rb") as fh:
                data = fh.read()
            key = font_key(data)
            n += 1
            part = Part(PackURI(f"/word/fonts/font{n}.odttf"), CT_ODTTF, obfuscate(data, key), docx.part.package)
            rid = font_table.relate_to(part, RT.FONT)
            el = parse_xml(f'<w:{tag} {nsdecls("w", "r")} r:id="{rid}" w:fontKey="{key}"/>')
            _ooxml.insert_in_order(font, el, _FONT_ORDER)
        done.append(fam.name)
    from lxml import etree
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if done:
        _ooxml.insert_setting(docx.settings.element, parse_xml(f'<w:embedTrueTypeFonts {nsdecls("w")}/>'))
    return done
