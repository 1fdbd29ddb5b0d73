"""Course groups (课程分组) are edited in the Wagtail admin as a snippet."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import CourseGroup


class CourseGroupViewSet(SnippetViewSet):
    model = CourseGroup
    icon = "folder-open-inverse"
    menu_label = "课程分组"
    list_display = ["name", "sort_order"]
    add_to_admin_menu = False


register_snippet(CourseGroupViewSet)
