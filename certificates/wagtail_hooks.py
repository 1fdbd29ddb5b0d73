"""The authority desk in the Wagtail admin menu (证书管理): links to the desk pages, shown
to regulators and administrators only."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from .selectors import regulated_authorities


class _DeskMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return regulated_authorities(request.user).exists()


def bulk_extensions_admin(request):
    """Bulk extensions of the user's authorities with their progress, inside the admin."""
    from .models import BulkExtension

    authorities = regulated_authorities(request.user)
    if not authorities.exists():
        raise PermissionDenied
    jobs = list(BulkExtension.objects.filter(authority__in=authorities).select_related("requested_by")[:50])
    running = any(job.status in (BulkExtension.Status.PENDING, BulkExtension.Status.RUNNING) for job in jobs)
    return render(request, "certificates/admin/bulk_extensions.html", {"jobs": jobs, "running": running})


@hooks.register("register_admin_urls")
def register_certificates_admin_urls() -> list:
    return [path("certificates/bulk-extensions/", bulk_extensions_admin, name="certificates_bulk_extensions")]


@hooks.register("register_admin_menu_item")
def register_certificates_menu() -> SubmenuMenuItem:
    menu = Menu(
        items=[
            _DeskMenuItem(_("证书管理"), reverse("certificates:desk_certificate"), icon_name="doc-full", order=1),
            _DeskMenuItem(_("批量延期"), reverse("certificates_bulk_extensions"), icon_name="date", order=2),
            _DeskMenuItem(_("核验记录"), reverse("certificates:desk_verifications"), icon_name="list-ul", order=3),
        ]
    )
    return SubmenuMenuItem(_("证书"), menu, icon_name="doc-full-inverse", order=400)
