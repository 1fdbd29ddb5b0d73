"""Test URLconf: the project's URLs plus a stand-in ``dashboard`` while none is mounted.

templates/base.html links to ``{% url 'dashboard' %}`` for signed-in users; the cms app
provides it once config/urls.py mounts cms.urls. Until then, tests that render pages for
signed-in users use this with ``@pytest.mark.urls("tests.accounts.urls")``; the stand-in
disappears by itself once the real one exists.
"""

from django.http import HttpResponse
from django.urls import NoReverseMatch, path, reverse

from config.urls import urlpatterns as base

urlpatterns = list(base)

try:
    reverse("dashboard", urlconf="config.urls")
except NoReverseMatch:

    def _stand_in(request):
        return HttpResponse("")

    urlpatterns.insert(0, path("_test-dashboard/", _stand_in, name="dashboard"))
