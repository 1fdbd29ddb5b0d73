"""Content-Security-Policy: strict for the site, loosened only where Wagtail's admin needs it.

The site runs its own scripts from /static/ and the few inline ones carry the request's
nonce; the Wagtail and Django admins ship inline scripts and styles of their own, so under
their prefixes those are allowed (and nowhere else).
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

ADMIN_PREFIXES = ("/admin/", "/django-admin/")
ADMIN_POLICY = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "frame-src": ["'self'", "https:"],
}


class PerPathCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(ADMIN_PREFIXES) and parts.replace is None:
            parts.replace = dict(ADMIN_POLICY)
            parts.nonce = None  # a nonce next to 'unsafe-inline' would switch it off
        return parts
