"""PDFs from HTML with Chinese text: a leaf that imports nothing of the project.

Certificates and admission tickets both render through ``render_pdf``: WeasyPrint with
a CJK font cut down to the page's characters (fonts, font_subset) and a URL fetcher
that reads nothing from disk or network (render). Not a Django app: it only reads
settings.PDF_CJK_FONT.
"""

from .fonts import FONT_FAMILY, harfbuzz_subset_available
from .render import render_pdf

__all__ = ["FONT_FAMILY", "harfbuzz_subset_available", "render_pdf"]
