from django.urls import path

from .views import enrol_course, heartbeat

app_name = "courses"
urlpatterns = [
    path("lessons/<int:page_id>/heartbeat", heartbeat, name="heartbeat"),
    path("courses/<int:page_id>/enrol", enrol_course, name="enrol"),
]
