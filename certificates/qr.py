"""The QR code on a certificate: a vector SVG pointing at its public verification page."""

from __future__ import annotations

from functools import lru_cache

import segno
from django.conf import settings


def verification_url(token: str) -> str:
    """Where the QR code leads; the token is random, so the URL reveals nothing."""
    return f"{settings.SITE_URL}/v/{token}"


@lru_cache(maxsize=512)
def qr_svg(content: str, *, css_class: str = "qr", title: str = "", scale: int = 1, sized: bool = False) -> str:
    """An inline <svg> (vector) encoding ``content``.

    Unsized (the default) it takes the size CSS gives it through its viewBox; ``sized``
    writes width and height of ``scale`` pixels per module, for pages without CSS for it.

    Error correction M survives a scuffed or folded paper certificate; the two-module
    quiet zone plus the page margin keeps phone scanners happy.

    Cached: a certificate's code never changes, and the wallet and the PDF both draw it;
    choosing the mask pattern is the costly part (~4 ms).
    """
    code = segno.make(content, error="m", micro=False)
    options = {"scale": scale, "border": 2, "omitsize": not sized, "svgclass": css_class, "lineclass": None}
    if title:
        options["title"] = title
    return code.svg_inline(**options)
