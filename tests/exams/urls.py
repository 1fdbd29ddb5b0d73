"""The project's URLs plus a stand-in for the dashboard that templates/base.html links to.

Used by tests/exams/test_views.py only while config/urls.py does not mount it yet.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("me/", lambda request: HttpResponse(""), name="dashboard"), *project_urlpatterns]
