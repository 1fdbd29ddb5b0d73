from django.urls import path

from .views import answer_check, enrol_course, heartbeat

app_name = "courses"
urlpatterns = [
    path("lessons/<int:page_id>/heartbeat", heartbeat, name="heartbeat"),
    path("courses/<int:page_id>/enrol", enrol_course, name="enrol"),
    path("lessons/<int:page_id>/checks/<str:block_id>", answer_check, name="answer_check"),
]
