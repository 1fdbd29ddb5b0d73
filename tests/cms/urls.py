"""Test URLconf: the project's URLs plus /me/ → cms.urls (the dashboard).

Until config/urls.py mounts cms.urls, tests that render templates/base.html (which
links to ``{% url 'dashboard' %}``) use this with ``@pytest.mark.urls("tests.cms.urls")``.
While the certificates app does not yet name ``wallet`` and ``verify`` (also linked from
base.html), stand-ins are added so pages render; they disappear once the real ones exist.
"""

from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from config.urls import urlpatterns as base

urlpatterns = [path("me/", include("cms.urls")), *base]


def _missing_certificate_urls() -> list[str]:
    missing = []
    for name in ("wallet", "verify"):
        try:
            reverse(f"certificates:{name}", urlconf="config.urls")
        except NoReverseMatch:
            missing.append(name)
    return missing


_missing = _missing_certificate_urls()
if _missing:

    def _stand_in(request):
        return HttpResponse("")

    urlpatterns.insert(
        0,
        path(
            "_test-certificates/",
            include(([path(f"{name}/", _stand_in, name=name) for name in _missing], "certificates")),
        ),
    )
