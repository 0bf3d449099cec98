"""Document → readable indented text (like pandoc's `-t native`), for golden tests and `dossier dump`."""
from __future__ import annotations

from builder.formatting import format_cell
from builder.model import (BulletList, Definitions, Document, Figure, Heading, ListOfCaptions, OrderedList, Paragraph,
                           Quote, Table, inline_text, walk)


def dump(doc: Document) -> str:
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, ListOfCaptions):
            lines.append(f"{block.title}:")
            lines.extend(f"  {block.kind} {b.number}. {inline_text(b.caption)}" for b in walk(doc.blocks)
                         if isinstance(b, (Table, Figure)) and type(b).__name__ == block.kind and b.id)
            continue
        _block(block, lines, 0, doc.meta.locale)
    for n, (note_id, inlines) in enumerate(doc.footnotes.items(), start=1):
        lines.append(f"Footnote {n} [{note_id}]: {inline_text(inlines)}")
    return "\n".join(lines)


def _block(b, lines: list[str], depth: int, locale: str) -> None:
    pad = "  " * depth
    match b:
        case Heading():
            lines.append(f"{pad}Heading {b.level} {b.number or '-'} {inline_text(b.inlines)!r}")
        case Paragraph():
            lines.append(f"{pad}Para {inline_text(b.inlines)!r}")
        case BulletList() | OrderedList():
            lines.append(f"{pad}{type(b).__name__}")
            for item in b.items:
                lines.append(f"{pad}  Item {item.label}")
                for inner in item.blocks:
                    _block(inner, lines, depth + 2, locale)
        case Definitions():
            lines.extend(f"{pad}Def {t!r}: {d!r}" for t, d in b.items)
        case Quote():
            for inner in b.blocks:
                _block(inner, lines, depth + 1, locale)
        case Table():
            lines.append(f"{pad}Table {b.number} {b.id} {inline_text(b.caption)!r}")
            if b.headnote:
                lines.append(f"{pad}  Headnote {b.headnote!r}")
            for row in b.header_rows + b.body_rows:
                mark = "=" if row.total else ("  " * row.level + "|")
                lines.append(pad + "  " + mark + " " + " | ".join(format_cell(c, locale) for c in row.cells))
        case Figure():
            lines.append(f"{pad}Figure {b.number} {b.id} {inline_text(b.caption)!r}")
        case _:
            lines.append(f"{pad}{type(b).__name__}")
