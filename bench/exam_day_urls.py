"""URLs for bench/exam_day.py: the app's, plus ``/bench/bare``.

``/bench/bare`` is a plain Django view returning a small JSON body through the same
middleware stack: the yardstick that answer-save throughput is compared with.
"""

from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("bench/bare", bare),
    path("", include("config.urls")),
]
