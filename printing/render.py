"""HTML to PDF with WeasyPrint: fast, and reading nothing but the page it is given.

A page's text comes from people (names, addresses), so the renderer must never follow a
URL in it to a file or the network: one fetcher, shared by every render, serves data:
URLs and the page's font from memory and refuses anything else. The fast path renders
with the page's own font subset as the only font WeasyPrint knows of; WeasyPrint itself
is imported on first use (it takes most of a second).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import fonts
from .fonts import FONT_FAMILY

FONT_URL_SCHEME = "kaozheng-font"


def render_pdf(
    html: str, *, stylesheet: str = "", font_family: str = FONT_FAMILY, user_agent_css: str | None = None
) -> bytes:
    """The PDF of ``html``, with the page's CJK font embedded as a subset.

    ``stylesheet`` is CSS text applied after the page's own (parsed once per distinct
    text); ``font_family`` is the family the page asks for its Chinese text;
    ``user_agent_css`` replaces WeasyPrint's HTML5 user-agent stylesheet (see
    ``html_document``). Nothing outside the page is fetched. When the font cannot be
    subset, WeasyPrint embeds the system's copy itself: a larger file, but a PDF.
    """
    font = fonts.page_font(html)
    if font is not None:
        return _render_with_font(
            html, font, stylesheet=stylesheet, font_family=font_family, user_agent_css=user_agent_css
        )
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    stylesheets = [parsed_css(stylesheet)] if stylesheet else []
    font_css = fonts.font_face_css(html, family=font_family)
    if font_css:
        stylesheets.append(CSS(string=font_css, font_config=font_config))
    document = html_document(html, user_agent_css=user_agent_css)
    return document.write_pdf(stylesheets=stylesheets, font_config=font_config)


def _render_with_font(
    html: str, font: bytes, *, stylesheet: str, font_family: str, user_agent_css: str | None
) -> bytes:
    """Render with ``font`` as the only font WeasyPrint knows of.

    The font goes in from memory through the fetcher: a data: URL makes the CSS
    tokeniser walk 20-30 KB of base64 on every render, a file costs a temporary folder.
    """
    from weasyprint import CSS

    fetcher = restricted_url_fetcher()
    font_config = page_font_configuration()
    url = f"{FONT_URL_SCHEME}:{secrets.token_hex(8)}"
    fetcher.fonts[url] = font
    try:
        font_css = f'@font-face {{ font-family: "{font_family}"; src: url("{url}"); }}'
        font_stylesheet = CSS(string=font_css, font_config=font_config, url_fetcher=fetcher)
    finally:
        del fetcher.fonts[url]  # WeasyPrint keeps its own copy
    stylesheets = [font_stylesheet, parsed_css(stylesheet)] if stylesheet else [font_stylesheet]
    document = html_document(html, user_agent_css=user_agent_css, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=font_config)


# --- The document -------------------------------------------------------------------


def html_document(html: str, *, user_agent_css: str | None = None, url_fetcher: Any = None) -> Any:
    """A weasyprint.HTML for ``html`` that fetches through the restricted fetcher.

    WeasyPrint's HTML5 user-agent stylesheet (250 lines of rules for every HTML element)
    is cascaded for each box on every render; a page that needs only a few of them saves
    about a tenth of its render time by giving them as ``user_agent_css``. That overrides
    HTML._ua_stylesheets, a private hook of the pinned WeasyPrint (requirements.txt);
    tests/printing/test_render.py fails if it goes away.
    """
    from weasyprint import HTML

    fetcher = url_fetcher or restricted_url_fetcher()
    if user_agent_css is None:
        return HTML(string=html, url_fetcher=fetcher)
    user_agent = parsed_css(user_agent_css)

    class PageHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [user_agent]

    return PageHTML(string=html, url_fetcher=fetcher)


@lru_cache(maxsize=16)
def parsed_css(css: str) -> Any:  # -> weasyprint.CSS
    """CSS text parsed once: stylesheets hold nothing that changes between pages."""
    from weasyprint import CSS

    return CSS(string=css, url_fetcher=restricted_url_fetcher())


@lru_cache(maxsize=1)
def restricted_url_fetcher() -> Any:  # -> weasyprint.urls.URLFetcher
    """One URL fetcher for every render, which fetches nothing from disk or network.

    WeasyPrint builds a urllib opener (ten handlers) for each document and stylesheet
    that gets none; sharing one saves that. It serves data: URLs (photos) and the page's
    font subset from memory (no temporary file), and refuses any other URL, so nothing
    a page's text contains can make the renderer read a file.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", FONT_URL_SCHEME})
            self.fonts: dict[str, bytes] = {}

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(f"{FONT_URL_SCHEME}:"):
                return URLFetcherResponse(url, body=self.fonts[url])
            return super().fetch(url, headers)

    return RestrictedFetcher()


# --- Fonts WeasyPrint may use -------------------------------------------------------


@lru_cache(maxsize=1)
def _fc_config_create() -> Callable[[], int] | None:
    """FcConfigCreate from libfontconfig (WeasyPrint's bindings do not declare it)."""
    import cffi

    bindings = cffi.FFI()
    bindings.cdef("void *FcConfigCreate(void);")
    for name in ("libfontconfig.so.1", "fontconfig", "libfontconfig-1.dll", "libfontconfig.1.dylib"):
        try:
            library = bindings.dlopen(name)
        except OSError:
            continue
        return lambda: int(bindings.cast("uintptr_t", library.FcConfigCreate()))
    return None


def page_font_configuration() -> Any:  # -> weasyprint.text.fonts.FontConfiguration
    """A Fontconfig configuration that knows no system font, only what @font-face adds.

    WeasyPrint's FontConfiguration loads the whole system configuration and font cache
    (~4 ms, a tenth of a certificate's render) and then matches against every installed
    font. A page rendered with its own subset uses exactly that one font, so an empty
    configuration is enough, and is created in microseconds.
    """
    from weasyprint.text.ffi import ffi, fontconfig, gobject, pangoft2
    from weasyprint.text.fonts import FontConfiguration

    create = _fc_config_create()
    if create is None:
        return FontConfiguration()
    configuration = FontConfiguration.__new__(FontConfiguration)
    configuration._config = ffi.cast("FcConfig *", create())
    configuration.font_map = ffi.gc(pangoft2.pango_ft2_font_map_new(), gobject.g_object_unref)
    pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", configuration.font_map), configuration._config)
    fontconfig.FcConfigDestroy(configuration._config)  # the font map holds a reference
    configuration._folder = None
    configuration.strut_layouts = {}
    configuration.font_features = {}
    return configuration
