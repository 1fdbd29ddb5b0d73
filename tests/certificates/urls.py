"""Test URLconf: the project's URLs, plus a stand-in ``dashboard`` while none exists.

templates/base.html links to ``{% url 'dashboard' %}``, which the cms app provides; until
config/urls.py mounts it, pages for signed-in users need the stand-in to render. It
disappears by itself once the real one exists.
"""

from django.http import HttpResponse
from django.urls import NoReverseMatch, path, reverse

from config.urls import urlpatterns as base

urlpatterns = list(base)

try:
    reverse("dashboard", urlconf="config.urls")
except NoReverseMatch:

    def _dashboard_stand_in(request):
        return HttpResponse("")

    urlpatterns.insert(0, path("me/", _dashboard_stand_in, name="dashboard"))
