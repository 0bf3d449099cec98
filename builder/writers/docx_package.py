"""The DOCX's zip package, written once and reproducibly: python-docx's parts serialised as its own writer does
(content types, relationships, part blobs), packed in a stable member order with fixed timestamps and no
thumbnail. Each member is compressed once (python-docx's save would compress the package, and re-packing it for
reproducibility compressed it again). The large members other than the text (the embedded fonts, the chart
pictures, the styles) are the same from build to build: their compressed form is kept in a cache folder, keyed by
a hash of their bytes, so a changed font or picture is compressed anew and an unchanged one is not compressed
again."""
from __future__ import annotations

import hashlib
import os
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
from docx.opc.pkgwriter import PackageWriter

CACHED_SIZE = 16 * 1024  # members from this size on keep their compressed form in the cache
TEXT_PARTS = frozenset(("word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"))
# ... but not the parts holding the text, which change with every edit (the styles, the fonts and the pictures
# stay from one build to the next)
CACHE_DAYS = 30  # cache entries not used for this long are removed
_LEVEL = zlib.Z_DEFAULT_COMPRESSION  # zipfile's ZIP_DEFLATED level


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


def save(docx, out: Path, date_time: tuple[int, int, int, int, int, int], cache: Path | None = None) -> None:
    """Write the package to `out`; `date_time` stamps every member; `cache`: the folder of compressed members."""
    data = members(docx)
    store = _Cache(cache) if cache is not None else None
    entries = _entries([(name, data[name]) for name in ordered(data)], date_time, store)
    with open(out, "wb") as fh:
        _write_zip(fh, entries)
    if store is not None:
        store.prune()


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class _Cache:
    """Compressed members by the SHA-256 of their bytes: <hash>.deflate holds the CRC-32 (4 bytes) and the raw
    deflate stream. A folder that cannot be written to only costs the compression."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.used: set[str] = set()

    def compressed(self, data: bytes) -> tuple[int, bytes]:
        key = hashlib.sha256(data).hexdigest()
        path = self.folder / f"{key}.deflate"
        self.used.add(path.name)
        try:
            blob = path.read_bytes()
            crc, comp = struct.unpack("<L", blob[:4])[0], blob[4:]
            if crc == zlib.crc32(data) and zlib.decompressobj(-15).decompress(comp, 1):  # whole and readable
                os.utime(path)
                return crc, comp
        except (OSError, struct.error, zlib.error):
            pass
        crc, comp = zlib.crc32(data), _deflate(data)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(struct.pack("<L", crc) + comp)
            os.replace(tmp, path)
        except OSError:
            pass
        return crc, comp

    def prune(self) -> None:
        """Remove entries unused for CACHE_DAYS (another report may share the output folder)."""
        try:
            old = time.time() - CACHE_DAYS * 86400
            for entry in self.folder.iterdir():
                if entry.name.endswith(".deflate") and entry.name not in self.used and entry.stat().st_mtime < old:
                    entry.unlink(missing_ok=True)
        except OSError:
            pass


# the zip format (APPNOTE.TXT), laid out as Python's zipfile lays out ZIP_DEFLATED members written with writestr --

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION = 20  # deflate
_UNIX = 3
_ATTRIBUTES = 0o600 << 16  # rw------- as zipfile gives a member written from bytes


@dataclass(frozen=True)
class _Entry:
    """One member as it is stored: its name, the CRC-32 and size of its bytes, its compressed bytes."""

    name: str
    crc: int
    size: int
    stored: bytes
    date_time: tuple[int, ...]


def _entries(items: list[tuple[str, bytes]], date_time, cache: _Cache | None) -> list[_Entry]:
    out = []
    for name, data in items:
        if cache is not None and len(data) >= CACHED_SIZE and name not in TEXT_PARTS:
            crc, comp = cache.compressed(data)
        else:
            crc, comp = zlib.crc32(data), _deflate(data)
        out.append(_Entry(name, crc, len(data), comp, tuple(date_time)))
    return out


def _write_zip(fh, entries: list[_Entry]) -> None:
    central, offset = [], 0
    for e in entries:
        y, mo, d, h, mi, s = e.date_time
        dos_time, dos_date = h << 11 | mi << 5 | s // 2, (y - 1980) << 9 | mo << 5 | d
        try:
            raw, flags = e.name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = e.name.encode("utf-8"), 0x800
        fh.write(_LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, 8, dos_time, dos_date, e.crc, len(e.stored),
                             e.size, len(raw), 0))
        fh.write(raw)
        fh.write(e.stored)
        central.append(_CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, flags, 8, dos_time, dos_date,
                                     e.crc, len(e.stored), e.size, len(raw), 0, 0, 0, 0, _ATTRIBUTES, offset) + raw)
        offset += _LOCAL.size + len(raw) + len(e.stored)
    directory = b"".join(central)
    if offset + len(directory) > 0xFFFFFFFF or len(entries) > 0xFFFF:
        raise ValueError("a DOCX package this large needs zip64, which this writer does not write")
    fh.write(directory)
    fh.write(_END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0))
