"""The words the builder itself prints in documents ("Table", "Source", "Table of contents" …), per language.

The translations are gettext catalogues, builder/model/locale/<lang>/LC_MESSAGES/dossier.po, compiled with
babel.messages when first needed (no compiled file to go stale). The message ids are the English texts; a
report chooses its catalogue by report.yaml's `language` and can override any label under `labels:`.
"""
from __future__ import annotations

import difflib
import gettext
import io
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "dossier"

# label key → English text (the gettext message id)
KEYS: dict[str, str] = {
    "contents": "Table of contents",
    "table": "Table",
    "figure": "Figure",
    "source": "Source",
    "notes": "Notes",
    "continued": "continued",
    "see": "see",
    "page": "Page",
    "chapter": "chapter",
    "section": "section",
    "the_report": "the report",
    "briefing": "Briefing",
    "briefing_pack": "Briefing Pack",
    "list_of_tables": "List of tables",
    "list_of_figures": "List of figures",
    "chart_not_shown": "Chart not shown",
    "missing_value": "no data",
    "original_title": "Original title",
    # the briefing pack: its masthead, key figures and shortened lists
    "from_the_report": "From the report",
    "indicator": "Indicator",
    "value": "Value",
    "unit": "Unit",
    "year": "Year",
    "in_report": "In the report",
    "key_figures_note": "Latest year with data. The full citations are under the report's tables and figures named "
                        "in the last column.",
    "more_items": "… and {n} more ({see})",
}


class Labels(Mapping):
    """A read-only label key → text mapping (hashable, so it can sit in the frozen document model)."""

    def __init__(self, texts: Mapping[str, str] | None = None, language: str = "en"):
        self._texts = dict(KEYS)
        self._texts.update(texts or {})
        self.language = language

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._texts.items())))

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __repr__(self) -> str:
        return f"Labels({self.language!r})"


def languages() -> list[str]:
    """The languages that have a catalogue."""
    return sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists())


def primary(language: str) -> str:
    """`de-DE` → `de`, `kk_KZ` → `kk`."""
    return language.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`, compiled from its .po with babel.messages; English (ids as text) when none."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def labels_for(language: str, overrides: Mapping[str, str] | None = None) -> Labels:
    """The labels of a document language, with report.yaml's `labels:` on top."""
    lang = primary(language)
    t = translations(lang)
    texts = {key: t.gettext(text) for key, text in KEYS.items()}
    texts.update(overrides or {})
    return Labels(texts, lang)


def suggest(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# Quotation marks (open, close, inner open, inner close) of languages whose marks differ from the straight ASCII
# quotes authors type; English text keeps what its authors typed.
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "de": ("„", "“", "‚", "‘"),
    "fr": ("«\u00a0", "\u00a0»", "“", "”"),
    "es": ("«", "»", "“", "”"),
    "ru": ("«", "»", "„", "“"),
    "kk": ("«", "»", "„", "“"),
}


def quotes(language: str) -> tuple[str, ...]:
    """The quotation marks that straight quotes become in `language`, or () to leave them."""
    return QUOTES.get(primary(language), ()) if language else ()


def hyphenate(paragraph_styles, language: str) -> None:
    """Hyphenate justified text in the document's language (ReportLab with pyphen's dictionaries). English keeps
    the unhyphenated layout its reports were proofed in; a language pyphen does not know stays unhyphenated."""
    if primary(language) == "en":
        return
    try:
        import pyphen
    except ImportError:
        return
    lang = pyphen.language_fallback(language.replace("-", "_"))
    if lang is None:
        return
    for style in paragraph_styles:
        style.hyphenationLang = lang
