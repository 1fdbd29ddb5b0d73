from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("v/<str:token>", views.public, name="public"),
    path("v/<str:token>/credential.jwt", views.credential, name="credential"),
    path("verify/", views.verify, name="verify"),
    path("verify/credential/", views.check_credential, name="check_credential"),
    path("me/certificates/<str:number>/review", views.apply_review, name="apply_review"),
    path("me/certificates/", views.wallet, name="wallet"),
    path("me/certificates/<str:number>/pdf", views.pdf, name="pdf"),
]
