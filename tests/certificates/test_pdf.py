"""Real WeasyPrint rendering, checked with poppler's pdftotext and pdffonts."""

from __future__ import annotations

import io
import shutil
import subprocess
import time

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from accounts.identity import mask_id_number
from certificates import pdf as certificate_pdf
from certificates.pdf import render_certificate_pdf
from certificates.rules import mask_certificate_number
from printing import font_subset
from tests.factories import HOLDER_ID, HOLDER_NAME

pytestmark = pytest.mark.django_db

MAX_PDF_BYTES = 60 * 1024


def _poppler(tool: str, content: bytes, tmp_path, *args: str) -> str:
    """Run a poppler-utils tool on the PDF and return what it prints."""
    executable = shutil.which(tool)
    assert executable, f"{tool} (poppler-utils) is required for the PDF tests"
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    return subprocess.run([executable, *args], capture_output=True, text=True, check=True, cwd=tmp_path).stdout


def _pdftotext(content: bytes, tmp_path) -> str:
    return _poppler("pdftotext", content, tmp_path, "-enc", "UTF-8", "certificate.pdf", "-")


def _pdffonts(content: bytes, tmp_path) -> list[str]:
    return _poppler("pdffonts", content, tmp_path, "certificate.pdf").splitlines()[2:]


def test_pdf_shows_the_certificate_in_extractable_chinese_with_a_subset_font(issue, tmp_path):
    # given an issued certificate
    certificate = issue()

    # when its PDF is rendered
    started = time.perf_counter()
    content = render_certificate_pdf(certificate)
    elapsed_ms = (time.perf_counter() - started) * 1000

    # then it is a small PDF whose Chinese text can be extracted
    print(f"certificate PDF: {len(content) / 1024:.1f} KB, rendered in {elapsed_ms:.0f} ms")
    assert content.startswith(b"%PDF-")
    assert len(content) < MAX_PDF_BYTES
    text = _pdftotext(content, tmp_path)
    assert "中华人民共和国特种作业操作证" in text
    assert HOLDER_NAME in text
    assert mask_id_number(HOLDER_ID) in text
    assert HOLDER_ID not in text
    assert certificate.number in text
    for shown in ("电工作业", "低压电工作业", "北京市应急管理局", "初领日期", "有效期限", "应复审日期", "扫码核验"):
        assert shown in text
    issued = certificate.issued_on
    assert f"{issued.year}年{issued.month}月{issued.day}日" in text
    # and the only font is an embedded subset
    fonts = _pdffonts(content, tmp_path)
    assert len(fonts) == 1, fonts
    name, *_, embedded, subset, unicode, _object, _generation = fonts[0].split()
    assert "+" in name
    assert (embedded, subset, unicode) == ("yes", "yes", "yes")


def test_pdf_masks_a_number_that_embeds_the_id(issue, tmp_path):
    # given a legacy certificate numbered "T" + ID number
    certificate = issue()
    certificate.number = "T" + HOLDER_ID
    # when / then the PDF shows the number with the ID part masked
    text = _pdftotext(render_certificate_pdf(certificate), tmp_path)
    assert mask_certificate_number(certificate.number) in text
    assert HOLDER_ID not in text


def test_pdf_carries_the_holders_photo(issue, holder):
    # given a holder with a large photo
    image = Image.new("RGB", (1200, 1600), (200, 210, 220))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    holder.photo.save("photo.jpg", ContentFile(buffer.getvalue()), save=True)
    certificate = issue()

    # when the PDF is rendered
    content = render_certificate_pdf(certificate)

    # then the photo is embedded, shrunk to print size
    assert b"/Subtype /Image" in content
    assert b"/Width 250" in content
    assert len(content) < MAX_PDF_BYTES


def test_qr_code_is_vector_and_points_at_the_public_page(issue, settings):
    # given a certificate
    settings.SITE_URL = "https://kaozheng.example"
    certificate = issue()
    # when the page is prepared
    context = certificate_pdf.certificate_context(certificate)
    # then the QR code is an inline SVG path, not an image
    assert context["qr"].startswith("<svg")
    assert "<path" in context["qr"]
    assert "<image" not in context["qr"]
    assert context["photo"] == ""


def test_a_failed_subset_falls_back_to_fontconfig(issue, monkeypatch, tmp_path):
    # given HarfBuzz fails to subset the font
    def broken_subset(self, text):
        raise font_subset.FontSubsetError("broken")

    monkeypatch.setattr(font_subset.FontFace, "subset", broken_subset)

    # when the PDF is rendered
    content = render_certificate_pdf(issue())

    # then a PDF still comes out, its Chinese text embedded through fontconfig
    assert content.startswith(b"%PDF-")
    assert "特种作业操作证" in _pdftotext(content, tmp_path)
