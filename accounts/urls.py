from django.urls import path

from . import views

app_name = "accounts"
urlpatterns: list = [
    path("photo", views.own_photo, name="own_photo"),
]
