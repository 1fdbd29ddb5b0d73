"""Mounted at /events/: the organiser's pages and the invitee's."""

from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/<slug:code>/", views.event_new, name="new"),
    path("mine/", views.my_events, name="mine"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("e/<str:token>/", views.take, name="take"),
    path("e/<str:token>/start", views.start, name="start"),
    path("e/<str:token>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
]
