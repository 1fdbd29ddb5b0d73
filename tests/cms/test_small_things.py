"""Point 9's small things: the language menu names each language in itself; the Wagtail
admin asks no external host for avatars."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_language_menu_names_english_english(client):
    html = client.get(reverse("certificates:verify")).content.decode()
    assert '<option value="en" lang="en">English</option>' in html
    assert "简体中文" in html


def test_the_admin_asks_no_external_host_for_avatars():
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
