"""Mounted at the site root: the workspace under /employer/, the person's side under /me/."""

from django.urls import path

from . import views

app_name = "employers"
urlpatterns = [
    path("me/employers/", views.invitations, name="invitations"),
    path("me/employers/<int:pk>/", views.answer_invitation, name="answer_invitation"),
    path("me/employers/applications/<int:pk>/withdraw", views.withdraw_application, name="withdraw_application"),
    path("employer/", views.home, name="home"),
    path("employer/<slug:code>/", views.workspace, name="workspace"),
    path("employer/<slug:code>/staff/", views.staff_list, name="staff_list"),
    path("employer/<slug:code>/staff/add/", views.staff_add, name="staff_add"),
    path("employer/<slug:code>/staff/import/", views.staff_import, name="staff_import"),
    path("employer/<slug:code>/staff/template.xlsx", views.import_template, name="import_template"),
    path("employer/<slug:code>/staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("employer/<slug:code>/staff/<int:pk>/record.pdf", views.staff_record_pdf, name="staff_record_pdf"),
    path("employer/<slug:code>/records.xlsx", views.firm_record_xlsx, name="firm_records"),
    path("employer/<slug:code>/due/", views.due, name="due"),
    path("employer/<slug:code>/training/", views.training, name="training"),
    path("employer/<slug:code>/gate/", views.gate, name="gate"),
    path("employer/<slug:code>/gate/<int:pk>/", views.gate_check, name="gate_check"),
    path("employer/<slug:code>/gate/<int:pk>/results.xlsx", views.gate_check_xlsx, name="gate_check_xlsx"),
    path("employer/<slug:code>/departments/", views.department_list, name="departments"),
    path("employer/<slug:code>/posts/", views.post_list, name="posts"),
    path("employer/<slug:code>/posts/<int:pk>/", views.post_edit, name="post_edit"),
]
