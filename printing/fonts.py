"""The Chinese font of every PDF: finding it, and cutting it down to one page's text.

Chinese text must come out as real, extractable text in an embedded font, and a file
must stay small enough to send to a phone at once. The CJK font (settings.PDF_CJK_FONT,
or what fontconfig offers for "Noto Sans CJK SC") is cut by HarfBuzz to the characters
of the page (see font_subset) and declared in @font-face under FONT_FAMILY, the name
templates put first in their font-family.
"""

from __future__ import annotations

import base64
import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from django.conf import settings

from . import font_subset

logger = logging.getLogger(__name__)

#: The family name a page's @font-face declares; templates ask for it first.
FONT_FAMILY = "Kaozheng CJK"
#: Tried through fontconfig when settings.PDF_CJK_FONT is empty.
FONTCONFIG_PATTERN = "Noto Sans CJK SC:lang=zh-cn"
#: Text the CJK font must cover to be of any use.
_PROBE_TEXT = "中华人民共和国特种作业操作证"
#: Added to every subset: text the layout draws itself (spaces, page numbers).
_ALWAYS_DRAWN = " 0123456789"


@dataclass(frozen=True)
class FontSource:
    path: str
    index: int = 0


def harfbuzz_subset_available() -> bool:
    """Whether HarfBuzz's subsetting library (libharfbuzz-subset) can be loaded.

    Without it fonts are embedded through a slow fallback and PDFs grow tenfold; the
    set-up installs it and the test suite fails if it is missing.
    """
    return font_subset.available()


# --- Finding the font ---------------------------------------------------------------


def _collection_face_index(path: str) -> int:
    """In a font collection (.ttc), the Simplified Chinese face; else the first one."""
    from fontTools.ttLib import TTCollection, TTLibError

    try:
        collection = TTCollection(path, lazy=True)
    except (TTLibError, OSError):
        return 0
    for index, font in enumerate(collection.fonts):
        names = font["name"]
        family = str(names.getDebugName(16) or names.getDebugName(1) or "")
        if family.endswith((" SC", " CN")) or "Simplified" in family:
            return index
    return 0


def _fontconfig_match(pattern: str) -> FontSource | None:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    try:
        completed = subprocess.run(  # noqa: S603 (fixed executable, no shell)
            [fc_match, "-f", "%{file}|%{index}", pattern], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = completed.stdout.strip().partition("|")
    if not path:
        return None
    return FontSource(path=path, index=int(index or 0))


@lru_cache(maxsize=4)
def _find_cjk_font(configured: str) -> FontSource | None:
    if configured:
        index = _collection_face_index(configured) if configured.lower().endswith((".ttc", ".otc")) else 0
        source: FontSource | None = FontSource(path=configured, index=index)
    else:
        source = _fontconfig_match(FONTCONFIG_PATTERN)
    if source is None:
        logger.warning("No CJK font found: set PDF_CJK_FONT or install fonts-noto-cjk.")
        return None
    if font_subset.available():
        try:
            if not font_subset.load_face(source.path, source.index).covers(_PROBE_TEXT):
                logger.warning("Font %s has no Chinese glyphs; set PDF_CJK_FONT.", source.path)
                return None
        except font_subset.FontSubsetError:
            logger.warning("Cannot load font %s (face %s).", source.path, source.index, exc_info=True)
            return None
    return source


def cjk_font() -> FontSource | None:
    """The CJK font to embed (cached per setting: looking it up costs a subprocess)."""
    return _find_cjk_font(getattr(settings, "PDF_CJK_FONT", "") or "")


# --- The page's characters ----------------------------------------------------------


class _VisibleText(HTMLParser):
    """The characters a page will draw: text outside <style>, <script> and <svg>."""

    _HIDDEN = frozenset({"style", "script", "svg", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.chars.update(data)


def visible_characters(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(sorted(char for char in parser.chars if char.isprintable()))


# --- Subsetting ---------------------------------------------------------------------


def page_font(html: str) -> bytes | None:
    """The CJK font cut to exactly what ``html`` draws, or None when that cannot be had
    (no CJK font, no HarfBuzz, or HarfBuzz failed: logged); the caller then falls back
    to ``font_face_css``."""
    source = cjk_font()
    if source is None or not font_subset.available():
        return None
    try:
        return font_subset.load_face(source.path, source.index).subset(visible_characters(html) + _ALWAYS_DRAWN)
    except font_subset.FontSubsetError:
        logger.warning("Cannot subset %s; embedding through fontconfig.", source.path, exc_info=True)
        return None


def font_face_css(html: str, *, family: str = FONT_FAMILY) -> str:
    """@font-face for one page as CSS text, for a renderer that reads system fonts.

    The subset goes in as a data: URL. Without HarfBuzz, fall back to fontconfig's copy
    of the font (WeasyPrint then subsets it itself, slowly and with a much larger
    result); with no usable font, "" (fontconfig's fonts are embedded instead).
    """
    source = cjk_font()
    if source is None:
        return ""
    if not font_subset.available():
        logger.warning("libharfbuzz-subset is missing: PDFs will be large and slow.")
        return f'@font-face {{ font-family: "{family}"; src: local("Noto Sans CJK SC"); }}'
    font = page_font(html)
    if font is None:
        # A large PDF beats none: fontconfig's fonts are embedded by WeasyPrint instead.
        return ""
    data = base64.b64encode(font).decode("ascii")
    return f'@font-face {{ font-family: "{family}"; src: url("data:font/otf;base64,{data}"); }}'
