"""The CMS landing page of a quiz campaign: the editor's text with the QR code and share link."""

import pytest
from django.test import Client

from cms.models import CampaignPage
from tests.factories import build_home, make_campaign

pytestmark = pytest.mark.django_db


def test_the_campaign_page_shows_the_qr_code_and_the_share_link(settings):
    settings.SITE_URL = "https://kaozheng.example"
    campaign = make_campaign()
    page = build_home().add_child(instance=CampaignPage(title="开工第一课答题", slug="kaigong", campaign=campaign))

    response = Client().get(page.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and 'class="qr-box"' in html
    assert f"https://kaozheng.example/quiz/{campaign.slug}/" in html
