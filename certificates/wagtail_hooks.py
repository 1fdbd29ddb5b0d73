"""The authority desk in the Wagtail admin menu (证书管理): links to the desk pages, shown
to regulators and administrators only."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from .selectors import regulated_authorities


class _DeskMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return regulated_authorities(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_certificates_menu() -> SubmenuMenuItem:
    menu = Menu(
        items=[
            _DeskMenuItem(_("证书管理"), reverse("certificates:desk_certificate"), icon_name="doc-full", order=1),
            _DeskMenuItem(_("批量延期"), reverse("certificates:desk_bulk"), icon_name="date", order=2),
            _DeskMenuItem(_("核验记录"), reverse("certificates:desk_verifications"), icon_name="list-ul", order=3),
        ]
    )
    return SubmenuMenuItem(_("证书"), menu, icon_name="doc-full-inverse", order=400)
