from django.urls import path

from .organisation_views import (
    catalogue_view,
    grade_organisation,
    my_invitations,
    my_organisations,
    organisation_class_new,
    organisation_export,
    organisation_learners,
    oversight,
)
from .views import answer_check, enrol_course, heartbeat

app_name = "courses"
urlpatterns = [
    path("", catalogue_view, name="catalogue"),
    path("org/", my_organisations, name="my_organisations"),
    path("org/<slug:code>/", organisation_learners, name="organisation"),
    path("org/<slug:code>/learners.xlsx", organisation_export, name="organisation_export"),
    path("org/<slug:code>/classes/new", organisation_class_new, name="class_new"),
    path("invitations/", my_invitations, name="invitations"),
    path("oversight/", oversight, name="oversight"),
    path("oversight/<slug:code>/grade", grade_organisation, name="grade"),
    path("lessons/<int:page_id>/heartbeat", heartbeat, name="heartbeat"),
    path("courses/<int:page_id>/enrol", enrol_course, name="enrol"),
    path("lessons/<int:page_id>/checks/<str:block_id>", answer_check, name="answer_check"),
]
