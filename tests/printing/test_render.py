"""render_pdf: real WeasyPrint rendering, checked with poppler's pdftotext and pdffonts."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from printing import render_pdf
from printing.render import html_document, page_font_configuration, parsed_css, restricted_url_fetcher

PAGE = '<html><body><p>特种作业考试准考证</p><p class="code">TESTCODE23</p></body></html>'


def _poppler(tool: str, content: bytes, tmp_path, *args: str) -> str:
    executable = shutil.which(tool)
    assert executable, f"{tool} (poppler-utils) is required for the PDF tests"
    (tmp_path / "page.pdf").write_bytes(content)
    return subprocess.run([executable, *args], capture_output=True, text=True, check=True, cwd=tmp_path).stdout


def test_a_page_comes_out_as_extractable_text_in_one_embedded_subset_font(tmp_path):
    # given a page of Chinese and Latin text
    # when it is rendered
    content = render_pdf(PAGE)

    # then its text can be extracted and the only font is an embedded subset
    assert content.startswith(b"%PDF-")
    text = _poppler("pdftotext", content, tmp_path, "-enc", "UTF-8", "page.pdf", "-")
    assert "特种作业考试准考证" in text
    assert "TESTCODE23" in text
    fonts = _poppler("pdffonts", content, tmp_path, "page.pdf").splitlines()[2:]
    assert len(fonts) == 1, fonts
    name, *_, embedded, subset, unicode, _object, _generation = fonts[0].split()
    assert "+" in name
    assert (embedded, subset, unicode) == ("yes", "yes", "yes")


def test_the_stylesheet_is_applied(tmp_path):
    # given a stylesheet that hides part of the page
    # when the page is rendered with it
    content = render_pdf(PAGE, stylesheet=".code { display: none; }")

    # then the hidden part is not in the PDF
    text = _poppler("pdftotext", content, tmp_path, "-enc", "UTF-8", "page.pdf", "-")
    assert "特种作业考试准考证" in text
    assert "TESTCODE23" not in text


def test_a_page_cannot_make_the_renderer_read_a_file(tmp_path):
    # given a readable image file on disk that a page points at
    from PIL import Image

    Image.new("RGB", (40, 40), (255, 0, 0)).save(tmp_path / "secret.png")
    html = f'<p>证</p><img src="file://{tmp_path}/secret.png"><img src="{tmp_path}/secret.png">'

    # when the page is rendered
    content = render_pdf(html)

    # then the PDF carries no image
    assert content.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in content


def test_the_pinned_weasyprint_still_has_the_user_agent_stylesheet_hook():
    # given the private hook a page's own user-agent stylesheet overrides for speed
    from weasyprint import HTML

    user_agent_css = "p { display: block; }"

    # when / then it still exists (an upgrade that drops it must be noticed here)
    assert callable(getattr(HTML, "_ua_stylesheets", None))
    document = html_document("<p>证</p>", user_agent_css=user_agent_css)
    assert document._ua_stylesheets() == [parsed_css(user_agent_css)]


def test_the_page_font_configuration_knows_only_the_fonts_the_page_adds():
    # given the renderer's empty Fontconfig configuration
    configuration = page_font_configuration()
    # when a page is rendered with it, then no system font can slip in
    from weasyprint.text.ffi import ffi, fontconfig

    fonts = fontconfig.FcConfigGetFonts(configuration._config, 0)  # FcSetSystem
    assert fonts == ffi.NULL or fonts.nfont == 0


def test_the_renderer_fetches_no_files_or_network():
    # given the URL fetcher every render uses
    fetcher = restricted_url_fetcher()
    # when a page asks for a local file or a web address, then it is refused
    for url in ("file:///etc/hostname", "http://example.com/x.png"):
        with pytest.raises(ValueError):
            fetcher(url)
    # and data: URLs (the photo) still work
    assert fetcher("data:text/plain,ok").read() == b"ok"
