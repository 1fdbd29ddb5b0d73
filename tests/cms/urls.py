"""Test URLconf: the project's URLs plus /me/ → cms.urls (the dashboard).

Until config/urls.py mounts cms.urls, tests that render templates/base.html (which
links to ``{% url 'dashboard' %}``) use this with ``@pytest.mark.urls("tests.cms.urls")``.
"""

from django.urls import include, path

from config.urls import urlpatterns as base

urlpatterns = [path("me/", include("cms.urls")), *base]
