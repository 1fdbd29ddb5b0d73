import datetime as dt

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from cms.models import NoticePage, StandardPage
from tests.factories import build_home


@pytest.fixture
def home(db):
    return build_home()


def test_home_page_links_to_study_exams_verification_and_login(client, tree):
    # given
    tree.home.intro = "<p>特种作业人员学习与考试平台</p>"
    tree.home.save_revision().publish()

    # when
    response = client.get("/")

    # then
    text = response.text
    assert response.status_code == 200
    assert "特种作业人员学习与考试平台" in text
    assert f'href="{tree.index.url}"' in text
    assert 'href="/exams/"' in text
    assert "证书核验" in text
    assert "/accounts/login/" in text


def test_home_page_lists_the_latest_notices(client, home):
    # given
    home.add_child(instance=NoticePage(title="2026年3月考试安排", published_on=dt.date(2026, 3, 1)))

    # when
    response = client.get("/")

    # then
    assert "2026年3月考试安排" in response.text
    assert "2026-03-01" in response.text


def test_standard_page_renders_every_content_block(client, home):
    # given
    image = Image.objects.create(title="绝缘手套", file=get_test_image_file(size=(1000, 600)))
    video = Document.objects.create(title="验电操作", file=ContentFile(b"\x00" * 16, name="yandian.mp4"))
    handout = Document.objects.create(title="安全规程", file=ContentFile(b"%PDF-1.4", name="guicheng.pdf"))
    page = home.add_child(
        instance=StandardPage(
            title="安全须知",
            body=[
                ("heading", "个人防护"),
                ("paragraph", "<p>作业前检查绝缘手套。</p>"),
                ("image", {"image": image, "caption": "合格的绝缘手套"}),
                ("video", {"video": video, "poster": None, "caption": "验电"}),
                ("document", {"document": handout, "title": ""}),
            ],
        )
    )

    # when
    response = client.get(page.url)

    # then
    text = response.text
    assert response.status_code == 200
    assert "<h2>个人防护</h2>" in text
    assert "作业前检查绝缘手套。" in text
    assert 'srcset="' in text and " 360w" in text and " 720w" in text
    assert ".format-webp.webp" in text
    assert "<figcaption" in text and "合格的绝缘手套" in text
    assert f'<video controls preload="none" playsinline src="{video.url}"' in text
    assert f'href="{handout.url}"' in text and "安全规程" in text and "(PDF)" in text


def test_notice_page_shows_its_date(client, home):
    page = home.add_child(
        instance=NoticePage(title="复审通知", kind=NoticePage.Kind.POLICY, published_on=dt.date(2026, 4, 2), body=[])
    )

    response = client.get(page.url)

    assert response.status_code == 200
    assert "政策法规" in response.text
    assert "<h1>复审通知</h1>" in response.text
    assert "2026-04-02" in response.text
