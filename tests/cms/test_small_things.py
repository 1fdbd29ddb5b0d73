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


def test_messages_are_announced_by_a_status_region_around_a_plain_list(client):
    # Lighthouse (aria-allowed-role, listitem): role=status on the <ul> took its items out of a list.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import UserFactory

    client.force_login(UserFactory())
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")

    response = client.post(reverse("exams:health_certificate"), {"file": pdf, "issued_on": "2026-01-05"}, follow=True)

    html = response.content.decode()
    assert '<div role="status"><ul class="messages"><li class="msg success">体检证明已上传。</li></ul></div>' in html
