"""Who is asking: the client's address, read as the trusted proxies in front of the site
report it, and nothing a client can set for itself.

allauth's login limits and django-ratelimit's limits (verification pages, look-ups) must
agree on one address, or one of them counts a whole exam hall (one NAT address) or the
load balancer as one client, or lets a client choose its own address by sending a header.
ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER (README, Production) say
which header to believe; without them the connection's own address is used.
"""

from __future__ import annotations

import ipaddress

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

#: What a request with no usable address is counted as (a test client, a Unix socket).
UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 - a bucket name, never bound


def _valid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address per the trusted-proxy settings, else REMOTE_ADDR. A missing or
    malformed header never fails the request (the connection's address stands in)."""
    try:
        found = get_client_ip(request)
    except ImproperlyConfigured:
        # Fewer X-Forwarded-For entries than trusted proxies: the request did not come
        # through them, so its own address is the only one to believe.
        found = None
    return _valid(found) or _valid(request.META.get("REMOTE_ADDR")) or UNKNOWN_CLIENT
