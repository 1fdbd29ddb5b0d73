"""Uploads are checked by content, size and pixel count before they reach storage."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.models import Collection

from cms.uploads import document_problem

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
MB = 1024 * 1024


def png(width: int = 20, height: int = 10) -> bytes:
    buffer = BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_pdf_is_accepted():
    assert document_problem(name="handout.pdf", head=PDF, size=len(PDF), max_size=MB) is None


def test_an_executable_named_pdf_is_refused():
    assert document_problem(name="handout.pdf", head=EXE, size=len(EXE), max_size=MB) == "文件内容与扩展名不符。"


def test_an_oversized_document_is_refused():
    problem = document_problem(name="handout.pdf", head=PDF, size=2 * MB, max_size=MB)

    assert problem == "文件过大（2.0\xa0MB），最大 1.0\xa0MB。"


def test_an_unknown_extension_is_refused():
    assert document_problem(name="setup.exe", head=EXE, size=10, max_size=MB) == "不支持该文件类型（exe）。"


def test_text_must_be_utf8_without_nul_bytes():
    assert document_problem(name="notes.txt", head="安全第一".encode(), size=12, max_size=MB) is None
    assert document_problem(name="notes.txt", head=b"ab\x00cd", size=5, max_size=MB) == "文件内容与扩展名不符。"


def test_a_png_named_mp4_is_refused():
    data = png()
    assert document_problem(name="video.mp4", head=data, size=len(data), max_size=MB) == "文件内容与扩展名不符。"


def _document_form(name: str, content: bytes):
    Document = get_document_model()
    form_class = get_document_form(Document)
    return form_class(
        data={"title": "讲义", "collection": Collection.get_first_root_node().pk},
        files={"file": SimpleUploadedFile(name, content)},
        instance=Document(),
    )


def test_the_admin_document_form_refuses_a_disguised_upload(db):
    form = _document_form("handout.pdf", EXE)

    assert form.is_valid() is False
    assert form.errors["file"][0] == "文件内容与扩展名不符。"
    assert get_document_model().objects.count() == 0


def test_the_admin_document_form_accepts_a_real_pdf(db):
    form = _document_form("handout.pdf", PDF)

    assert form.is_valid() is True, form.errors


def _image_form(name: str, content: bytes):
    Image = get_image_model()
    form_class = get_image_form(Image)
    return form_class(
        data={"title": "图片", "collection": Collection.get_first_root_node().pk},
        files={"file": SimpleUploadedFile(name, content)},
        instance=Image(),
    )


def test_an_image_whose_content_is_not_its_extension_is_refused(db):
    form = _image_form("photo.jpg", png())

    assert form.is_valid() is False
    assert "file" in form.errors
    assert get_image_model().objects.count() == 0


def test_a_pdf_named_jpg_is_refused(db):
    form = _image_form("photo.jpg", PDF)

    assert form.is_valid() is False
    assert "file" in form.errors


def test_an_oversized_image_is_refused(db, settings):
    # a valid PNG padded past the 10 MB limit
    form = _image_form("photo.png", png() + b"\0" * settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE)

    assert form.is_valid() is False
    assert [error.code for error in form.errors.as_data()["file"]] == ["file_too_large"]


def test_an_image_with_too_many_pixels_is_refused(db, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 100

    form = _image_form("photo.png", png(20, 10))

    assert form.is_valid() is False
    assert [error.code for error in form.errors.as_data()["file"]] == ["file_too_many_pixels"]


@pytest.mark.parametrize("name", ["photo.gif", "photo.svg"])
def test_image_types_outside_the_list_are_refused(db, name):
    form = _image_form(name, png())

    assert form.is_valid() is False


def test_a_real_png_is_accepted(db):
    form = _image_form("photo.png", png())

    assert form.is_valid() is True, form.errors
