"""The accounts views that are not allauth's: the SMS service's delivery reports, and
the other log-in doors (Wagtail's, the Django admin's) sent to allauth's."""

from __future__ import annotations

import hmac
import logging
import mimetypes

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .private_media import private_file_response
from .sms import record_delivery_reports
from .tencent_sms import MalformedReport, parse_reports

logger = logging.getLogger(__name__)

MAX_REPORT_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def tencent_sms_reports(request: HttpRequest, token: str) -> JsonResponse:
    """Tencent Cloud POSTs delivery reports here. The token in the URL is the only
    credential (the service signs nothing); without one configured the URL does not
    exist. The answer is the one the service expects: ``{"result": 0, "errmsg": "OK"}``."""
    expected = settings.SMS_CALLBACK_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    if len(request.body) > MAX_REPORT_BYTES:
        return JsonResponse({"result": 1, "errmsg": "too large"}, status=413)
    try:
        reports = parse_reports(request.body)
    except MalformedReport as exc:
        return JsonResponse({"result": 1, "errmsg": str(exc)}, status=400)
    matched = record_delivery_reports(reports)
    logger.info("SMS delivery reports: %s received, %s matched", len(reports), matched)
    return JsonResponse({"result": 0, "errmsg": "OK"})


def login_through_allauth(request: HttpRequest) -> HttpResponseRedirect:
    """Wagtail's and the Django admin's log-in pages check a password and nothing else;
    both doors lead to allauth's, which asks for the second factor and counts failures.
    ``next`` is kept when it stays on this site. Someone already logged in who lands here
    lacks the admin's permission: sending them to log in would loop."""
    if request.user.is_authenticated:
        raise PermissionDenied
    target = reverse("account_login")
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        target += "?" + urlencode({"next": next_url})
    return HttpResponseRedirect(target)


@login_required
def own_photo(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own photo (invigilators see a candidate's through their own screen)."""
    photo = request.user.photo
    if not photo:
        raise Http404
    return private_file_response(photo, content_type=mimetypes.guess_type(photo.name)[0] or "image/jpeg")
