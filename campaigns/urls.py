"""Mounted at /quiz/."""

from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("manage/", views.manage, name="manage"),
    path("<slug:slug>/", views.landing, name="landing"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/phone/", views.phone, name="phone"),
    path("<slug:slug>/paper/", views.paper, name="paper"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/me/", views.history, name="history"),
    path("<slug:slug>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/dashboard.xlsx", views.dashboard_xlsx_view, name="dashboard_xlsx"),
    path("<slug:slug>/card/<str:token>.png", views.card, name="card"),
    path("<slug:slug>/card/<str:token>.pdf", views.card_pdf, name="card_pdf"),
]
