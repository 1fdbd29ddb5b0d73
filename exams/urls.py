"""The exam pages under /exams/, wired from the rooms' view modules."""

from django.urls import path

from exams.admission import views as admission_views
from exams.practical import rubric_views
from exams.practical import views as practical_views
from exams.practice import views as practice_views
from exams.theory import invigilation_views
from exams.theory import views as theory_views

app_name = "exams"
urlpatterns = [
    # Theory exams
    path("", theory_views.index, name="index"),
    path("registrations/<int:registration_id>/start", theory_views.start, name="start"),
    path("attempts/<int:attempt_id>/", theory_views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/result", theory_views.result, name="result"),
    # Practical exams: the examiner's pages
    path("practical/", practical_views.practical_roster, name="practical_roster"),
    path("practical/check-in", admission_views.check_in, name="practical_check_in"),
    path("practical/<int:registration_id>/score", practical_views.practical_score, name="practical_score"),
    path("practical/<int:registration_id>/marks", practical_views.practical_mark, name="practical_mark"),
    path("practical/<int:registration_id>/task", practical_views.practical_task, name="practical_task"),
    path("practical/<int:registration_id>/evidence", practical_views.practical_evidence, name="practical_evidence"),
    path("practical/evidence/<int:evidence_id>", practical_views.evidence_photo, name="evidence_photo"),
    path("practical/<int:registration_id>/submit", practical_views.practical_submit, name="practical_submit"),
    path(
        "practical/<int:registration_id>/correction", practical_views.practical_correction, name="practical_correction"
    ),
    path(
        "practical/corrections/<int:correction_id>/decide",
        practical_views.correction_decide,
        name="practical_correction_decide",
    ),
    # Practical rubrics
    path("rubrics/", rubric_views.rubric_list, name="rubric_list"),
    path("rubrics/<int:rubric_id>/", rubric_views.rubric_detail, name="rubric_detail"),
    path("rubrics/<int:rubric_id>.json", rubric_views.rubric_json, name="rubric_json"),
    path("rubrics/import", rubric_views.rubric_import, name="rubric_import"),
    # Admission: workers, regulators, training organisations
    path("sessions/", admission_views.open_sessions, name="open_sessions"),
    path("sessions/<int:session_id>/register", admission_views.register_self, name="register_self"),
    path("health/", admission_views.health_certificate, name="health_certificate"),
    path("registrations/<int:registration_id>/ticket.pdf", admission_views.ticket_pdf, name="ticket_pdf"),
    path("registrations/<int:registration_id>/health", admission_views.health_file, name="health_file"),
    path("admin/sessions/", admission_views.session_list, name="session_list"),
    path("admin/sessions/new", admission_views.session_plan, name="session_plan"),
    path("admin/sessions/<int:session_id>/", admission_views.session_detail, name="session_detail"),
    path("admin/sessions/<int:session_id>/approve", admission_views.approve_all, name="approve_all"),
    path("admin/sessions/<int:session_id>/roster.xlsx", admission_views.roster_xlsx, name="roster_xlsx"),
    path("admin/registrations/<int:registration_id>/decide", admission_views.decide, name="decide"),
    path("admin/results/", admission_views.results, name="results"),
    path("admin/results.xlsx", admission_views.results_xlsx, name="results_xlsx"),
    path("training/", admission_views.training_home, name="training_home"),
    path("training/sessions/<int:session_id>/register", admission_views.register_class_view, name="register_class"),
    # Invigilation of theory sessions
    path("invigilate/", invigilation_views.sessions, name="invigilate"),
    path("invigilate/<int:session_id>/", invigilation_views.session_attempts, name="invigilate_session"),
    path("invigilate/attempts/<int:attempt_id>/extend", invigilation_views.extend, name="invigilate_extend"),
    path("invigilate/attempts/<int:attempt_id>/close", invigilation_views.close, name="invigilate_close"),
    path("invigilate/<int:session_id>/check-in", admission_views.theory_check_in, name="invigilate_check_in"),
    path(
        "invigilate/registrations/<int:registration_id>/photo",
        invigilation_views.candidate_photo,
        name="invigilate_photo",
    ),
    # Practice on the phone
    path("practice/", practice_views.home, name="practice"),
    path("practice/<str:code>/", practice_views.operation, name="practice_operation"),
    path("practice/<str:code>/question", practice_views.question, name="practice_question"),
    path("practice/<str:code>/answer/<int:question_id>", practice_views.answer, name="practice_answer"),
    path("practice/<str:code>/mock", practice_views.start_mock, name="practice_mock_start"),
    path("practice/mock/<int:mock_id>/", practice_views.mock, name="practice_mock"),
]
