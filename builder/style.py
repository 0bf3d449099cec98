"""styles/<name>.yaml → Style: page, fonts, sizes, colours and chart palette, read by writers and charts."""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from builder.errors import BuildError, Diagnostics
from builder.model import Source
from builder.yamlfile import load_model

FACES = ("regular", "bold", "italic", "bold_italic")
_PKG_FACES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"}
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
    path = root / "styles" / f"{name}.yaml"
    rel = f"styles/{name}.yaml"
    if not path.exists():
        default = Path(__file__).parent / "default_style.yaml"
        return Style(load_model(StyleSpec, default, "builder/default_style.yaml", diagnostics), root, rel)
    return Style(load_model(StyleSpec, path, rel, diagnostics), root, rel)
