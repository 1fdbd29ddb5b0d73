from django.urls import path

from . import invigilation, practice_views, views

app_name = "exams"
urlpatterns = [
    path("", views.index, name="index"),
    path("registrations/<int:registration_id>/start", views.start, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/result", views.result, name="result"),
    path("practical/", views.practical_roster, name="practical_roster"),
    path("practical/<int:registration_id>/score", views.practical_score, name="practical_score"),
    # Invigilation of theory sessions
    path("invigilate/", invigilation.sessions, name="invigilate"),
    path("invigilate/<int:session_id>/", invigilation.session_attempts, name="invigilate_session"),
    path("invigilate/attempts/<int:attempt_id>/extend", invigilation.extend, name="invigilate_extend"),
    path("invigilate/attempts/<int:attempt_id>/close", invigilation.close, name="invigilate_close"),
    # Practice on the phone
    path("practice/", practice_views.home, name="practice"),
    path("practice/<str:code>/", practice_views.operation, name="practice_operation"),
    path("practice/<str:code>/question", practice_views.question, name="practice_question"),
    path("practice/<str:code>/answer/<int:question_id>", practice_views.answer, name="practice_answer"),
    path("practice/<str:code>/mock", practice_views.start_mock, name="practice_mock_start"),
    path("practice/mock/<int:mock_id>/", practice_views.mock, name="practice_mock"),
]
