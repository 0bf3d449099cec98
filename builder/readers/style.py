"""styles/<name>.yaml → Style: page, fonts, sizes, colours and chart palette, read by writers and charts."""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema

from builder.errors import BuildError, BuildErrors, Diagnostics
from builder.model import Source
from builder.readers.yamlfile import Schema, load_model, node_line, read_yaml

FACES = ("regular", "bold", "italic", "bold_italic")
_PKG_FACES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"}
COLOUR_HINT = "write a colour as '#' and six hex digits, e.g. '#1f4e79'"
_DEJAVU = {"DejaVuSerif": ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
           "DejaVuSans": ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique")}


class _Schema(Schema):
    # read like the mappings the sections once were: spec.colours["accent"], spec.chart.get("width_in", 6)
    def __getitem__(self, key: str):
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        return getattr(self, key) if key in type(self).model_fields else default

    def __contains__(self, key: str) -> bool:
        return key in type(self).model_fields

    def items(self):
        return [(key, getattr(self, key)) for key in type(self).model_fields]


COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"


def _colour(value: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(COLOUR_PATTERN, value):
        raise ValueError(f"'{value}' is not a colour; {COLOUR_HINT}")
    return value


Colour = Annotated[str, AfterValidator(_colour),
                   WithJsonSchema({"type": "string", "pattern": COLOUR_PATTERN, "description": "#rrggbb"})]
Size = Annotated[float, Field(gt=0, le=72)]


class FontSpec(_Schema):
    package: str = Field("", description="A pip font package shipping TTFs in files/ (e.g. fontpkg_pt_serif).")
    prefix: str = Field("", description="File name prefix inside the package (e.g. PT_Serif-Web).")
    name: str = Field("", description="Family name used in DOCX and charts.")
    files: dict[str, str] = Field(default_factory=dict, description="Paths to TTFs by face (relative to styles/).")
    fallback: Literal["DejaVuSerif", "DejaVuSans"] = Field(
        "DejaVuSerif", description="DejaVuSerif or DejaVuSans, used when the family is missing.")


class FontsSpec(_Schema):
    body: FontSpec = Field(description="Running text, footnotes, the table of contents.")
    heading: FontSpec = Field(description="Headings, captions, tables and charts.")


class MarginsSpec(_Schema):
    top: float = Field(22, gt=0, le=100)
    bottom: float = Field(22, gt=0, le=100)
    left: float = Field(24, gt=0, le=100)
    right: float = Field(22, gt=0, le=100)


class PageSpec(_Schema):
    size: Literal["A4"] = Field("A4", description="Paper size.")
    margins_mm: MarginsSpec = Field(default_factory=MarginsSpec, description="Page margins in millimetres.")


class SizesSpec(_Schema):
    body: Size = Field(10.5, description="Body text, points.")
    leading: Size = Field(14, description="Body line distance, points.")
    h1: Size = Field(17, description="Chapter headings.")
    h2: Size = Field(13.5, description="Section headings.")
    h3: Size = Field(11.5, description="Subsection headings.")
    table: Size = Field(8.5, description="Table text.")
    table_min: Size = Field(7, description="Smallest table text before a table goes landscape.")
    note: Size = Field(8, description="Footnotes and source lines.")
    caption: Size = Field(9, description="Table and figure captions.")


class ColoursSpec(_Schema):
    text: Colour = Field("#1a1a1a", description="Body text.")
    accent: Colour = Field("#1f4e79", description="Headings, links, the title.")
    rule: Colour = Field("#8c8c8c", description="Table rules.")
    table_header: Colour = Field("#dfe7f0", description="Table header shading.")
    table_group: Colour = Field("#f1f1f1", description="Shading of group rows in tables.")


PALETTE = ("#1f4e79", "#e69f00", "#56b4e9", "#009e73", "#d55e00", "#cc79a7")


class ChartStyleSpec(_Schema):
    palette: list[Colour] = Field(default_factory=lambda: list(PALETTE), min_length=1, description=(
        "Series colours in order; colours closer than CIEDE2000 20 (10 as seen with a red-green colour "
        "deficiency) are warned about. The default is the house blue, then Okabe–Ito's colour-blind-safe set."))
    width_in: float = Field(6.0, gt=0, le=12, description="Chart width in inches.")
    height_in: float = Field(3.0, gt=0, le=12, description="Default chart height in inches.")
    dpi: int = Field(200, ge=72, le=1200, description="Resolution of the chart images in the DOCX (the PDF's "
                                                       "charts are vector); 200 is print quality at chart size.")


class CoverSpec(_Schema):
    logo: str = Field("", description="Logo on the title page: an SVG or PNG file, relative to styles/.")
    logo_width_mm: float = Field(40, gt=0, le=180, description="Printed width of the logo.")
    band: Colour | Literal[""] = Field("", description="Colour of a band across the top of the title page "
                                                      "(empty: no band).")
    band_height_mm: float = Field(28, gt=0, le=150, description="Height of the band.")
    band_text: Colour = Field("#ffffff", description="Colour of the series line printed on the band.")
    publisher: list[str] = Field(default_factory=list, description=(
        "Publisher block at the foot of the title page, one line each (name, address, web); "
        "empty: report.yaml's publisher."))


class StyleSpec(_Schema):
    """The schema of styles/<name>.yaml."""

    page: PageSpec = Field(default_factory=PageSpec, description="Paper size and margins.")
    fonts: FontsSpec = Field(description="The body and heading font families.")
    sizes: SizesSpec = Field(default_factory=SizesSpec, description="Type sizes in points.")
    colours: ColoursSpec = Field(default_factory=ColoursSpec, description="Colours as #rrggbb.")
    chart: ChartStyleSpec = Field(default_factory=ChartStyleSpec, description="Chart palette and size.")
    cover: CoverSpec = Field(default_factory=CoverSpec, description="The title page: logo, colour band, publisher.")
    footnote_number: Literal["plain", "superscript"] = Field(
        "plain", description="How a footnote's number is set in the note itself: plain (text size) or superscript. "
                             "Either way it hangs in the note's left margin, right-aligned, the note's lines "
                             "aligned after it.")
    pdf_standard: Literal["ua-1", "a-2b"] = Field(
        "ua-1", description="What the PDF claims: ua-1 (tagged, PDF/UA-1) or a-2b (PDF/UA-1 and PDF/A-2b, with an "
                            "sRGB output intent, for archives and legal deposit).")
    docx_template: str = Field("", description="A Word template (relative to styles/) the DOCX is built on: its "
                                                "styles, page setup and headers win. Default: styles/<style>.docx or "
                                                "styles/reference.docx when present, else the house template.")


@dataclass(frozen=True)
class Family:
    """A resolved font family: a registered name and one TTF path per face."""

    key: str
    name: str
    files: dict[str, str]


@dataclass(frozen=True)
class Style:
    spec: StyleSpec
    root: Path
    path: str

    @cached_property
    def body(self) -> Family:
        return self._family("body")

    @cached_property
    def heading(self) -> Family:
        return self._family("heading")

    def size(self, name: str) -> float:
        return getattr(self.spec.sizes, name)

    def colour(self, name: str) -> str:
        return getattr(self.spec.colours, name)

    @property
    def pdf_standard(self) -> str:
        return self.spec.pdf_standard

    @property
    def margins_mm(self) -> dict[str, float]:
        return self.spec.page.margins_mm.model_dump()

    def _family(self, role: str) -> Family:
        spec = getattr(self.spec.fonts, role)
        files = _package_files(spec) or self._explicit_files(spec)
        if files:
            return Family(f"{role}-{spec.name or spec.prefix}".replace(" ", ""), spec.name or spec.prefix, files)
        return dejavu(spec.fallback)

    def _explicit_files(self, spec: FontSpec) -> dict[str, str]:
        if not spec.files:
            return {}
        files = {face: str((self.root / "styles" / p).resolve()) for face, p in spec.files.items()}
        for face in FACES:
            if face not in files or not os.access(files[face], os.R_OK):
                raise BuildError(f"font file for face '{face}' is missing or unreadable: {files.get(face, '(none)')}",
                                 Source(self.path), "give readable TTF paths for regular, bold, italic, bold_italic")
        return files

    @cached_property
    def fingerprint(self) -> str:
        return self.spec.model_dump_json()


def _package_files(spec: FontSpec) -> dict[str, str]:
    if not spec.package:
        return {}
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        return {}
    base = Path(list(found.submodule_search_locations)[0]) / "files"
    files = {face: str(base / f"{spec.prefix}-{suffix}.ttf") for face, suffix in _PKG_FACES.items()}
    return files if all(os.path.exists(p) for p in files.values()) else {}


def dejavu(name: str) -> Family:
    """DejaVu Serif or Sans from matplotlib's bundled fonts: always present."""
    spec = importlib.util.find_spec("matplotlib")
    base = Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf"
    names = _DEJAVU.get(name, _DEJAVU["DejaVuSerif"])
    return Family(name, "DejaVu Serif" if "Serif" in name else "DejaVu Sans",
                  {face: str(base / f"{n}.ttf") for face, n in zip(FACES, names)})


def load_style(root: Path, name: str, diagnostics: Diagnostics) -> Style:
    """The style, checked before anything uses it: colours, font packages (a warning when one is not installed)
    and font files (a corrupt TTF is an error naming it)."""
    from builder.readers.paths import project_file
    path = root / "styles" / f"{name}.yaml"
    rel = f"styles/{name}.yaml"
    if Path(name).name != name or name.startswith("."):
        raise BuildError(f"style '{name}' is not a name in styles/", _style_line(root),
                         "write `style: NAME` for styles/NAME.yaml")
    if not path.exists():
        if name != "default":
            diagnostics.warn("style", f"{rel} not found: the built-in default style is used", _style_line(root))
        path, rel = Path(__file__).parent / "default_style.yaml", "builder/readers/default_style.yaml"
    else:
        project_file(root, path, rel)
    style = Style(load_model(StyleSpec, path, rel, diagnostics), root, rel)
    node = read_yaml(path, rel)[1]  # colours were checked by the schema (Colour): '#' and six hex digits
    errors = []
    for check in (_check_fonts, _check_word_template):
        try:
            check(style, root, rel, node, diagnostics)
        except BuildError as e:
            errors.append(e)
    if errors:
        raise BuildErrors(errors)
    _check_logo(style, path, rel, diagnostics)
    _check_palette(style, node, rel, diagnostics)
    return style


def _check_palette(style: Style, node, rel: str, diagnostics: Diagnostics) -> None:
    """Series colours must be told apart, also by readers with a red-green colour deficiency (CIEDE2000)."""
    from builder.readers.colours import close_pairs
    palette = style.spec.chart.palette
    for i, j, vision, distance in close_pairs(palette):
        seen = "" if vision == "normal" else f" with {vision}"
        diagnostics.warn("style", f"chart.palette: {palette[i]} and {palette[j]} are hard to tell apart{seen} "
                                  f"(CIEDE2000 {distance:.0f})", Source(rel, node_line(node, ("chart", "palette", j))))


def _check_word_template(style: Style, root: Path, rel: str, node, _diagnostics: Diagnostics) -> None:
    """The Word template the DOCX is built on (`docx_template:`, styles/<style>.docx, styles/reference.docx) is a
    file of the project."""
    from builder.readers.paths import OUTSIDE_HINT, OutsideProject, resolve_inside
    named = getattr(style.spec, "docx_template", "") or ""
    candidates = [named] if named else [f"{Path(rel).stem}.docx", "reference.docx"]
    for name in candidates:
        path = root / "styles" / name
        if named or path.is_symlink() or path.exists():
            try:
                resolve_inside(root, path, f"styles/{name}")
            except OutsideProject as e:
                line = node_line(node, ("docx_template",)) if named else None
                raise BuildError(f"docx_template: {e}" if named else str(e),
                                 Source(rel, line) if named else Source(f"styles/{name}"), OUTSIDE_HINT) from None


def _style_line(root: Path) -> Source:
    """Where report.yaml names the style."""
    try:
        return Source("report.yaml", node_line(read_yaml(root / "report.yaml", "report.yaml")[1], ("style",)))
    except BuildError:
        return Source("report.yaml")


def _check_logo(style: Style, path: Path, rel: str, diagnostics: Diagnostics) -> None:
    """The cover logo must be a readable SVG or PNG (relative to styles/)."""
    logo = style.spec.cover.logo
    if not logo:
        return
    where = Source(rel, node_line(read_yaml(path, rel)[1], ("cover", "logo")))
    file = style.root / "styles" / logo
    if Path(logo).suffix.lower() not in (".svg", ".png"):
        raise BuildError(f"cover.logo: '{logo}' is not an SVG or PNG file", where, "give a .svg or .png file")
    from builder.readers.paths import OUTSIDE_HINT, OutsideProject, resolve_inside
    try:
        resolve_inside(style.root, file, f"styles/{logo}")
    except OutsideProject as e:
        raise BuildError(f"cover.logo: {e}", where, OUTSIDE_HINT) from None
    if not file.is_file():
        raise BuildError(f"cover.logo: '{logo}' not found in styles/", where,
                         "put the logo file in styles/ (or give its path relative to styles/)")
    if file.suffix.lower() == ".svg" and not file.with_suffix(".png").is_file():
        diagnostics.warn("cover", f"the DOCX cover has no logo: Word documents need a PNG beside '{logo}' "
                                  f"({Path(logo).with_suffix('.png').name})", where)


def _check_fonts(style: Style, root: Path, rel: str, node, diagnostics: Diagnostics) -> None:
    from builder.readers.paths import OUTSIDE_HINT, OutsideProject, relative, resolve_inside
    for role, spec in style.spec.fonts.items():
        where = Source(rel, node_line(node, ("fonts", role, "package" if spec.package else "files")))
        if spec.package and importlib.util.find_spec(spec.package) is None:
            diagnostics.warn("font", f"font package '{spec.package}' is not installed: fonts.{role} falls back to "
                             f"{spec.fallback}", where)
        for face, file in spec.files.items():
            try:
                resolve_inside(root, root / "styles" / file, f"styles/{file}")
            except OutsideProject as e:
                raise BuildError(f"fonts.{role}.files.{face}: {e}", where, OUTSIDE_HINT) from None
    for role in ("body", "heading"):  # the files a style names; a font package's own files are trusted
        if role in style.spec.fonts and style.spec.fonts[role].files:
            from builder.readers.fonts import check_font_file  # imports ReportLab: only when a style names font files
            for face, file in getattr(style, role).files.items():
                where = Source(rel, node_line(node, ("fonts", role)))
                check_font_file(file, where, relative(root.resolve(), Path(file)))
