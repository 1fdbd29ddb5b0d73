from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("v/<str:token>", views.public, name="public"),
    path("verify/", views.verify, name="verify"),
    path("me/certificates/", views.wallet, name="wallet"),
    path("me/certificates/<str:number>/pdf", views.pdf, name="pdf"),
]
