"""The certificate as an A4 PDF, rendered by WeasyPrint from templates/certificates/pdf.html.

Chinese text must come out as real, extractable text in an embedded font, and the file
must stay small enough to send to a phone at once. The CJK font (settings.PDF_CJK_FONT,
or what fontconfig offers for "Noto Sans CJK SC") is cut down by HarfBuzz to the
characters of the page and handed to WeasyPrint through @font-face; see font_subset.
"""

from __future__ import annotations

import base64
import io
import logging
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from accounts.identity import mask_id_number

from . import font_subset
from .qr import qr_svg, verification_url
from .rules import mask_certificate_number

if TYPE_CHECKING:
    from .models import Certificate

logger = logging.getLogger(__name__)

FONT_FAMILY = "Kaozheng CJK"
#: Tried through fontconfig when settings.PDF_CJK_FONT is empty.
FONTCONFIG_PATTERN = "Noto Sans CJK SC:lang=zh-cn"
#: Text the CJK font must cover to be of any use.
_PROBE_TEXT = "中华人民共和国特种作业操作证"
#: Photo size on the page is 25 x 35 mm; 250 x 350 px is 254 dpi, plenty for print.
PHOTO_PIXELS = (250, 350)


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
        source = FontSource(path=configured, index=index)
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
    return _find_cjk_font(settings.PDF_CJK_FONT or "")


# --- Rendering ----------------------------------------------------------------------


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


@lru_cache(maxsize=1)
def _fc_config_create():  # -> a callable returning a cffi FcConfig pointer, or None
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


def page_font_configuration():  # -> weasyprint.text.fonts.FontConfiguration
    """A Fontconfig configuration that knows no system font, only what @font-face adds.

    WeasyPrint's FontConfiguration loads the whole system configuration and font cache
    (~4 ms, a tenth of a certificate's render) and then matches against every installed
    font. A certificate uses exactly one font, the page's own subset, so an empty
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


#: The few user-agent rules the certificate page relies on. WeasyPrint's HTML5 UA
#: stylesheet (250 lines of rules for every HTML element) is cascaded for each box on
#: every render; replacing it saves about a tenth of the render time.
_UA_CSS = (
    "html, body, div, p, h1, h2 { display: block; } head, title, style, script { display: none; } "
    "img, svg { display: inline-block; }"
)


@lru_cache(maxsize=1)
def _ua_stylesheet():  # -> weasyprint.CSS
    from weasyprint import CSS

    return CSS(string=_UA_CSS)


def _certificate_html(html: str, url_fetcher: Any = None):  # -> weasyprint.HTML
    """A WeasyPrint document with the certificate's own small user-agent stylesheet.

    Overrides HTML._ua_stylesheets, a private hook of the pinned WeasyPrint
    (requirements.txt); tests/certificates/test_pdf.py fails if it goes away.
    """
    from weasyprint import HTML

    class CertificateHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [_ua_stylesheet()]

    return CertificateHTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=url_fetcher or _fetcher())


@lru_cache(maxsize=1)
def page_stylesheet():  # -> weasyprint.CSS
    """templates/certificates/pdf.css, parsed once: it holds no per-certificate value."""
    from django.template.loader import get_template
    from weasyprint import CSS

    source = get_template("certificates/pdf.css").template.source
    return CSS(string=source)


def font_face_css(html: str) -> str:
    """@font-face for one page: a subset holding exactly the page's characters.

    Used when the shared GB 2312 font lacks a character of the page (a rare name). Without
    HarfBuzz, fall back to fontconfig's copy of the font (WeasyPrint then subsets it
    itself, slowly and with a much larger result).
    """
    source = cjk_font()
    if source is None:
        return ""
    if not font_subset.available():
        logger.warning("libharfbuzz-subset is missing: certificate PDFs will be large and slow.")
        return f'@font-face {{ font-family: "{FONT_FAMILY}"; src: local("Noto Sans CJK SC"); }}'
    # A space and the digits keep the subset useful for text drawn by the layout itself.
    text = visible_characters(html) + " 0123456789"
    try:
        font = font_subset.load_face(source.path, source.index).subset(text)
    except font_subset.FontSubsetError:
        # A large PDF beats none: fontconfig's fonts are embedded by WeasyPrint instead.
        logger.warning("Cannot subset %s; embedding through fontconfig.", source.path, exc_info=True)
        return ""
    data = base64.b64encode(font).decode("ascii")
    return f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("data:font/otf;base64,{data}"); }}'


def _photo_data_uri(certificate: Certificate) -> str:
    """The holder's photo, shrunk to print size and inlined as JPEG (or "" if none).

    Normalising (decode, EXIF turn, crop, scale, re-encode) costs more than the rest of
    the page's images together; the result is cached per stored file, whose names are
    unique (a new upload gets a new name), so a re-render reuses it.
    """
    photo = getattr(certificate.holder, "photo", None)
    if not photo:
        return ""
    try:
        return _normalised_photo(photo.storage, photo.name)
    except (OSError, ValueError):
        logger.warning("Cannot read the photo of certificate %s", certificate.pk, exc_info=True)
        return ""


@lru_cache(maxsize=128)
def _normalised_photo(storage: Any, name: str) -> str:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with storage.open(name, "rb") as stream, Image.open(stream) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image = ImageOps.fit(image, PHOTO_PIXELS)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80, optimize=True)
    except UnidentifiedImageError as exc:
        raise ValueError(str(exc)) from exc
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def review_records(certificate: Certificate) -> list[dict[str, Any]]:
    """Passed reviews, oldest first, as the paper shows them (one query; none unsaved)."""
    if not certificate.pk:
        return []
    from .models import Review

    reviews = Review.objects.filter(certificate_id=certificate.pk, status=Review.Status.APPROVED).order_by("decided_on")
    # Not translated: the certificate is a Chinese document whatever the reader's language.
    return [
        {"decided_on": review.decided_on, "result": "合格", "authority": certificate.authority.name}
        for review in reviews
    ]


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    """What the paper shows. The ID number is masked: the file travels by chat and mail."""
    holder = certificate.holder
    operation_type = certificate.operation_type
    return {
        "certificate": certificate,
        "font_family": FONT_FAMILY,
        "holder_name": certificate.holder_name,
        # Not translated: the certificate is a Chinese document whatever the reader's language.
        "holder_sex": {"M": "男", "F": "女"}.get(certificate.holder_sex, ""),
        "id_number_masked": mask_id_number(holder.id_number or ""),
        "number": mask_certificate_number(certificate.number),
        "operation_category": operation_type.category.name,
        "operation_type": operation_type.name,
        "authority": certificate.authority.name,
        "photo": _photo_data_uri(certificate),
        "qr": mark_safe(qr_svg(verification_url(certificate.token))),  # our own SVG, no user input
        "reviews": review_records(certificate),
        "verify_page": f"{settings.SITE_URL}/verify/",
    }


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF bytes. Works on unsaved instances too (benchmarks, previews).

    The fast path uses the process-wide font and stylesheet; a page with a character
    outside GB 2312 gets a font cut for it alone, in a configuration of its own.
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    with translation.override("zh-hans"):
        html = render_to_string("certificates/pdf.html", certificate_context(certificate))
    text = visible_characters(html) + " 0123456789"
    source = cjk_font()
    if source is not None and font_subset.available():
        try:
            font = font_subset.load_face(source.path, source.index).subset(text)
        except font_subset.FontSubsetError:
            logger.warning("Cannot subset %s; embedding through fontconfig.", source.path, exc_info=True)
        else:
            return _render_with_font(html, font)
    font_config = FontConfiguration()
    stylesheets = [page_stylesheet()]
    font_css = font_face_css(html)
    if font_css:
        stylesheets.append(CSS(string=font_css, font_config=font_config))
    return _certificate_html(html).write_pdf(stylesheets=stylesheets, font_config=font_config)


FONT_URL_SCHEME = "kaozheng-font"


@lru_cache(maxsize=1)
def _fetcher():  # -> weasyprint.urls.URLFetcher
    """One URL fetcher for every render, which fetches nothing from disk or network.

    WeasyPrint builds a urllib opener (ten handlers) for each document and stylesheet
    that gets none; sharing one saves that. It serves data: URLs (the photo) and the
    page's font subset from memory (no temporary file), and refuses any other URL, so
    nothing a certificate's text contains can make the renderer read a file.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class CertificateFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", FONT_URL_SCHEME})
            self.fonts: dict[str, bytes] = {}

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(f"{FONT_URL_SCHEME}:"):
                return URLFetcherResponse(url, body=self.fonts[url])
            return super().fetch(url, headers)

    return CertificateFetcher()


def _render_with_font(html: str, font: bytes) -> bytes:
    """Render with the page's font subset as the only font WeasyPrint knows of.

    The font goes in from memory through the fetcher: a data: URL makes the CSS
    tokeniser walk 20-30 KB of base64 on every render, a file costs a temporary folder.
    """
    from weasyprint import CSS

    fetcher = _fetcher()
    font_config = page_font_configuration()
    url = f"{FONT_URL_SCHEME}:{secrets.token_hex(8)}"
    fetcher.fonts[url] = font
    try:
        font_css = f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{url}"); }}'
        font_stylesheet = CSS(string=font_css, font_config=font_config, url_fetcher=fetcher)
    finally:
        del fetcher.fonts[url]  # WeasyPrint keeps its own copy
    document = _certificate_html(html, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[font_stylesheet, page_stylesheet()], font_config=font_config)


def warm_up() -> bool:
    """Render one throw-away certificate so a fresh worker process pays its start-up
    (imports, font loading, stylesheet parsing: ~0.7 s) before the first real one."""
    from django.utils import timezone

    from accounts.models import Organisation, User
    from exams.catalogue.models import OperationCategory, OperationType

    from .models import Certificate, new_verification_token

    today = timezone.localdate()
    holder = User(real_name="预热", sex="M")
    operation_type = OperationType(code="0000", name="预热", category=OperationCategory(code="00", name="预热"))
    certificate = Certificate(
        number="WARMUP000000000",
        token=new_verification_token(),
        holder=holder,
        operation_type=operation_type,
        authority=Organisation(kind=Organisation.Kind.AUTHORITY, name="预热", code="warm-up"),
        first_issued_on=today,
        issued_on=today,
        valid_until=today,
        review_due=today,
        holder_name="预热",
    )
    try:
        render_certificate_pdf(certificate)
    except Exception:  # noqa: BLE001 (a failed warm-up must not stop the worker)
        logger.warning("Certificate renderer warm-up failed", exc_info=True)
        return False
    return True
