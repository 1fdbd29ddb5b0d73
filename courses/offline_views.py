"""The service worker that keeps saved lessons readable offline.

It must be served from the site root to control lesson pages, so it is a view (with
``Service-Worker-Allowed``) rather than a static file under /static/.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(render_to_string("courses/sw.js"), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
