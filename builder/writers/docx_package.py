"""The DOCX's zip package, written once and reproducibly: python-docx's parts serialised as its own writer does
(content types, relationships, part blobs), packed by the standard library's zipfile in a stable member order with
fixed timestamps and no thumbnail. Each member is compressed once (python-docx's save would compress the package,
and re-packing it for reproducibility compressed it again). The embedded fonts and the pictures are compressed at
zlib's fastest level: they are most of the package's bytes and gain little from a slower level; the XML parts at
zipfile's default level."""
from __future__ import annotations

import zipfile
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
from docx.opc.pkgwriter import PackageWriter

FAST = 1  # zlib level for the fonts and pictures
BINARY = (".odttf", ".png", ".jpeg", ".jpg", ".emf", ".svg", ".bin")


class _Members(dict):
    """Stands in for python-docx's physical package writer: collects member name → bytes."""

    def write(self, pack_uri, blob) -> None:
        self[pack_uri.membername] = blob


def members(docx) -> dict[str, bytes]:
    """The package's members as python-docx's PackageWriter would write them, without the thumbnail."""
    package = docx.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    out = _Members()
    PackageWriter._write_content_types_stream(out, parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    PackageWriter._write_parts(out, parts)
    return out


def ordered(names) -> list[str]:
    """[Content_Types].xml and the package relationships first (as Word writes them), then by name."""
    first = [n for n in (CONTENT_TYPES_URI.membername, PACKAGE_URI.rels_uri.membername) if n in names]
    return first + sorted(n for n in names if n not in first)


def save(docx, out: Path, date_time: tuple[int, int, int, int, int, int]) -> None:
    """Write the package to `out`; `date_time` stamps every member."""
    data = members(docx)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in ordered(data):
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            package.writestr(info, data[name], compresslevel=FAST if name.endswith(BINARY) else None)
