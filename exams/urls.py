from django.urls import path

from . import views

app_name = "exams"
urlpatterns = [
    path("", views.index, name="index"),
    path("registrations/<int:registration_id>/start", views.start, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/result", views.result, name="result"),
    path("practical/", views.practical_roster, name="practical_roster"),
    path("practical/<int:registration_id>/score", views.practical_score, name="practical_score"),
]
