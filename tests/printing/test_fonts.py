"""The CJK font: found on this machine, loadable by HarfBuzz, cut to a page's text."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont

from printing import fonts
from printing.fonts import harfbuzz_subset_available, visible_characters


def test_harfbuzz_subset_library_is_available():
    # given the set-up installed libharfbuzz-subset (Debian: libharfbuzz-subset0)
    # when / then the PDF module can load it; without it PDFs grow tenfold
    assert harfbuzz_subset_available() is True


def test_a_cjk_font_is_found():
    source = fonts.cjk_font()
    assert source is not None, "no CJK font: install fonts-noto-cjk or set PDF_CJK_FONT"
    assert source.path.lower().endswith((".ttc", ".otc", ".otf", ".ttf"))


def test_subset_text_is_what_the_page_draws():
    html = (
        "<html><style>body{font:x}</style><body><p>证号 A&amp;B</p>"
        "<svg><title>不</title><path d='M0'/></svg></body></html>"
    )
    assert visible_characters(html) == " &AB号证"


def test_the_page_font_holds_only_the_page_characters():
    # given a page with three Chinese characters
    html = "<p>准考证</p>"

    # when its font is cut
    font = fonts.page_font(html)

    # then it covers them and is a tiny fraction of the CJK font
    assert font is not None
    cmap = TTFont(io.BytesIO(font)).getBestCmap()
    assert {chr(codepoint) for codepoint in cmap} == set("准考证 0123456789")
    assert len(font) < 20 * 1024


def test_font_face_css_names_the_family_the_page_asks_for():
    # given a page; when its @font-face is written for a family name
    css = fonts.font_face_css("<p>证</p>", family="Ticket CJK")
    # then it declares that family with the subset inline
    assert css.startswith('@font-face { font-family: "Ticket CJK"; src: url("data:font/otf;base64,')
