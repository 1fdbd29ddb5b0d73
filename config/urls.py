import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.views import login_through_allauth, tencent_sms_reports
from certificates.views import jwks
from cms.views import statistics
from courses.offline_views import service_worker

from .api import api
from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    # One log-in door: allauth's (second factor, failed-login limits).
    path("django-admin/login/", login_through_allauth),
    path("admin/login/", login_through_allauth),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", api.urls),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("sw.js", service_worker, name="service_worker"),
    path("hooks/sms/tencent/<str:token>", tencent_sms_reports, name="sms_reports_tencent"),
    path("authority/statistics/", statistics, name="statistics"),
    path("me/", include("cms.urls")),
    path("me/", include("accounts.urls")),
    path("learn/", include("courses.urls")),
    path("exams/", include("exams.urls")),
    path("quiz/", include("campaigns.urls")),
    path("events/", include("assessments.urls")),
    path("", include("employers.urls")),
    path("", include("certificates.urls")),
]

if settings.DEBUG and settings.MEDIA_URL.startswith("/"):
    # Only the public media (Wagtail's images) is served from the folder, and only while
    # developing. Health certificates, evidence photos, certificate PDFs, people's photos
    # and question files are private: they leave only through views that check who asks.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>(?:original_images|images)/[^/]+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

urlpatterns.append(path("", include(wagtail_urls)))
