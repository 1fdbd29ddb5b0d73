from django.urls import path

from . import desk_views, views

app_name = "certificates"
urlpatterns = [
    path("v/<str:token>", views.public, name="public"),
    path("v/<str:token>/credential.jwt", views.credential, name="credential"),
    path("v/<str:token>/photo.jpg", views.public_photo, name="public_photo"),
    path("verify/", views.verify, name="verify"),
    path("verify/credential/", views.check_credential, name="check_credential"),
    path("verify/roster/", views.roster, name="roster"),
    path("verify/roster/result.xlsx", views.roster_excel, name="roster_excel"),
    path("verify/roster/<int:pk>/", views.roster_check, name="roster_check"),
    path("verify/roster/<int:pk>/status", views.roster_check_status, name="roster_check_status"),
    path("verify/roster/<int:pk>/result.xlsx", views.roster_check_excel, name="roster_check_excel"),
    path("me/certificates/<str:number>/review", views.apply_review, name="apply_review"),
    path("me/certificates/", views.wallet, name="wallet"),
    path("me/certificates/<str:number>/pdf", views.pdf, name="pdf"),
    path("authority/verifications/", desk_views.verifications, name="desk_verifications"),
    path("authority/bulk-extensions/", desk_views.bulk_extensions, name="desk_bulk"),
    path("authority/certificates/", desk_views.certificate_desk, name="desk_certificate"),
    path("authority/certificates/<str:number>/<str:action>", desk_views.certificate_action, name="desk_action"),
]
