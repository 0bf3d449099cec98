"""styles/<name>.yaml → Style: page, fonts, sizes, colours and chart palette, read by writers and charts."""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from builder.errors import BuildError, BuildErrors, Diagnostics
from builder.model import Source
from builder.yamlfile import load_model, node_line, read_yaml

FACES = ("regular", "bold", "italic", "bold_italic")
_PKG_FACES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"}
COLOURS = ("text", "accent", "rule", "table_header", "table_group")
COLOUR_HINT = "write a colour as '#' and six hex digits, e.g. '#1f4e79'"
_DEJAVU = {"DejaVuSerif": ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
           "DejaVuSans": ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique")}


class _Schema(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class FontSpec(_Schema):
    package: str = Field("", description="A pip font package shipping TTFs in files/ (e.g. fontpkg_pt_serif).")
    prefix: str = Field("", description="File name prefix inside the package (e.g. PT_Serif-Web).")
    name: str = Field("", description="Family name used in DOCX and charts.")
    files: dict[str, str] = Field(default_factory=dict, description="Paths to TTFs by face (relative to styles/).")
    fallback: str = Field("DejaVuSerif", description="DejaVuSerif or DejaVuSans, used when the family is missing.")


class StyleSpec(_Schema):
    page: dict = Field(default_factory=dict)
    fonts: dict[str, FontSpec]
    sizes: dict[str, float]
    colours: dict[str, str]
    chart: dict = Field(default_factory=dict)
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
        return self.spec.sizes[name]

    def colour(self, name: str) -> str:
        return self.spec.colours[name]

    @property
    def pdf_standard(self) -> str:
        return self.spec.pdf_standard

    @property
    def margins_mm(self) -> dict[str, float]:
        return self.spec.page.get("margins_mm", {"top": 22, "bottom": 22, "left": 24, "right": 22})

    def _family(self, role: str) -> Family:
        spec = self.spec.fonts[role]
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
    from builder.paths import project_file
    path = root / "styles" / f"{name}.yaml"
    rel = f"styles/{name}.yaml"
    if not path.exists():
        path, rel = Path(__file__).parent / "default_style.yaml", "builder/default_style.yaml"
    else:
        project_file(root, path, rel)
    style = Style(load_model(StyleSpec, path, rel, diagnostics), root, rel)
    node = read_yaml(path, rel)[1]
    errors = _check_colours(style.spec, rel, node)
    try:
        _check_fonts(style, root, rel, node, diagnostics)
    except BuildError as e:
        errors.append(e)
    if errors:
        raise BuildErrors(errors)
    return style


def _check_colours(spec: StyleSpec, rel: str, node) -> list[BuildError]:
    """Every colour is `#rrggbb` (what ReportLab, Word and matplotlib all read), and the writers' colours exist."""
    errors = [BuildError(f"colours.{key}: '{value}' is not a colour", Source(rel, node_line(node, ("colours", key))),
                         COLOUR_HINT) for key, value in spec.colours.items() if not _is_colour(value)]
    palette = spec.chart.get("palette", [])
    if not isinstance(palette, list):
        palette = []
        errors.append(BuildError("chart.palette: expected a list of colours", Source(rel, node_line(node, ("chart",
                      "palette"))), COLOUR_HINT))
    errors += [BuildError(f"chart.palette[{i}]: '{value}' is not a colour",
                          Source(rel, node_line(node, ("chart", "palette", i))), COLOUR_HINT)
               for i, value in enumerate(palette) if not _is_colour(value)]
    missing = [c for c in COLOURS if c not in spec.colours]
    if missing:
        errors.append(BuildError(f"colours: missing {', '.join(missing)}", Source(rel, node_line(node, ("colours",))),
                                 f"the writers use the colours {', '.join(COLOURS)}"))
    return errors


def _is_colour(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value) is not None


def _check_fonts(style: Style, root: Path, rel: str, node, diagnostics: Diagnostics) -> None:
    from builder.fonts import check_font_file
    from builder.paths import OUTSIDE_HINT, OutsideProject, relative, resolve_inside
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
    for role in ("body", "heading"):
        if role in style.spec.fonts:
            for face, file in getattr(style, role).files.items():
                where = Source(rel, node_line(node, ("fonts", role)))
                check_font_file(file, where, relative(root.resolve(), Path(file)))
