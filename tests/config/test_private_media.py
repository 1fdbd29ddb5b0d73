"""With DEBUG on, /media/ serves Wagtail's public images and nothing private."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.urls import clear_url_caches

import config.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_urls(settings):
    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.parametrize(
    "private",
    [
        "health/2026/health.pdf",
        "certificates/2026/cert.pdf",
        "evidence/2026/05/photo.jpg",
        "photos/2026/me.jpg",
        "question-imports/2026/05/bank.xlsx",
    ],
)
def test_private_files_are_not_served_from_the_media_folder(client, settings, debug_urls, private):
    file = Path(settings.MEDIA_ROOT) / private
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(b"secret")

    response = client.get(f"/media/{private}")

    assert response.status_code == 404


def test_public_images_are_served_while_developing(client, settings, debug_urls):
    image = Path(settings.MEDIA_ROOT) / "original_images" / "a.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"\x89PNG")

    assert client.get("/media/original_images/a.png").status_code == 200
