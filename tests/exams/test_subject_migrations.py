"""The migrations that make subjects generic carry every existing certificate, course,
blueprint, question, session and registration over unchanged (special operations all).

The rows are the shape of today's demo data (seed_demo): a theory and a practical
session for 0102, its bank and blueprint, a registration, a course with its operation
type, certificates of 0302 and 0102; one operation type has no subject yet.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("exams", "0011_papers_drawn_ahead"),
    ("courses", "0003_authoring_and_study"),
    ("certificates", "0003_certificate_subject"),
]


def _migrate(targets=None):
    """Migrate to ``targets`` (default: every app's latest, so the database is left whole)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_carried_over_unchanged():
    apps = _migrate(BEFORE)
    Organisation = apps.get_model("accounts", "Organisation")
    User = apps.get_model("accounts", "User")
    Category = apps.get_model("exams", "OperationCategory")
    OperationType = apps.get_model("exams", "OperationType")
    Kind = apps.get_model("exams", "QualificationKind")
    Subject = apps.get_model("exams", "Subject")
    Bank = apps.get_model("exams", "QuestionBank")
    Question = apps.get_model("exams", "Question")
    Blueprint = apps.get_model("exams", "Blueprint")
    Session = apps.get_model("exams", "ExamSession")
    Registration = apps.get_model("exams", "Registration")
    Rubric = apps.get_model("exams", "PracticalRubric")
    Certificate = apps.get_model("certificates", "Certificate")
    CoursePage = apps.get_model("courses", "CoursePage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")

    authority = Organisation.objects.create(kind="authority", name="北京市应急管理局", code="bj-yjj")
    site = Organisation.objects.create(kind="exam_site", name="考点", code="bj-site-01")
    worker = User.objects.create(username="worker", real_name="李明")
    category = Category.objects.create(code="01", name="电工作业")
    height = Category.objects.create(code="03", name="高处作业")
    low_voltage = OperationType.objects.create(code="0102", name="低压电工作业", category=category)
    scaffold = OperationType.objects.create(code="0302", name="高处安装、维护、拆除作业", category=height)
    kind = Kind.objects.get_or_create(code="special_operation", defaults={"name": "特种作业操作证"})[0]
    Subject.objects.create(code="0302", kind=kind, name=scaffold.name, operation_type=scaffold)
    # 0102 has no subject yet: the migration makes it
    bank = Bank.objects.create(name="低压电工作业演示题库", slug="demo", level="provincial")
    questions = [
        Question.objects.create(bank=bank, kind="true_false", stem=f"判断{n}", options=[], answer=["T"])
        for n in range(3)
    ]
    for question in questions:
        question.operation_types.add(low_voltage)
    blueprint = Blueprint.objects.create(name="低压电工作业理论考试(演示)", bank=bank, operation_type=low_voltage)
    rubric = Rubric.objects.create(operation_type=low_voltage, version=1, total_minutes=60, pass_mark=80)
    now = timezone.now()
    theory = Session.objects.create(
        kind="theory",
        name="理论",
        authority=authority,
        site=site,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=8),
        capacity=200,
        blueprint=blueprint,
    )
    practical = Session.objects.create(
        kind="practical",
        name="实操",
        authority=authority,
        site=site,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=8),
        capacity=40,
        rubric=rubric,
    )
    theory.operation_types.add(low_voltage)
    practical.operation_types.add(low_voltage)
    registration = Registration.objects.create(session=theory, candidate=worker, operation_type=low_voltage)
    issued = dt.date(2024, 12, 7)
    certificate = Certificate.objects.create(
        number="BJYJJ2024000001X",
        token="t1",
        holder=worker,
        subject=Subject.objects.get(code="0302"),
        operation_type=scaffold,
        authority=authority,
        first_issued_on=issued,
        issued_on=issued,
        valid_until=dt.date(2030, 12, 7),
        review_due=dt.date(2027, 12, 7),
        holder_name="李明",
    )
    course = CoursePage.objects.create(
        title="低压电工作业(初训)",
        slug="low-voltage-initial",
        path="0001ZZZZ",
        depth=2,
        operation_type=low_voltage,
        theory_hours=1,
        content_type=ContentType.objects.get_or_create(app_label="courses", model="coursepage")[0],
        locale=Locale.objects.first() or Locale.objects.create(language_code="zh-hans"),
    )
    before = {
        "certificate": Certificate.objects.filter(pk=certificate.pk).values().get(),
        "blueprint": Blueprint.objects.filter(pk=blueprint.pk).values().get(),
        "registration": Registration.objects.filter(pk=registration.pk).values().get(),
        "sessions": list(Session.objects.order_by("pk").values()),
    }

    apps = _migrate()
    Subject = apps.get_model("exams", "Subject")
    Certificate = apps.get_model("certificates", "Certificate")
    Blueprint = apps.get_model("exams", "Blueprint")
    Registration = apps.get_model("exams", "Registration")
    Session = apps.get_model("exams", "ExamSession")
    Question = apps.get_model("exams", "Question")
    CoursePage = apps.get_model("courses", "CoursePage")
    subject_0102 = Subject.objects.get(operation_type_id=low_voltage.pk)
    assert (subject_0102.code, subject_0102.kind.code) == ("0102", "special_operation")

    # every old column keeps its value; the new ones say the same thing by subject
    after = Certificate.objects.filter(pk=certificate.pk).values().get()
    assert {key: after[key] for key in before["certificate"]} == before["certificate"]
    blueprint_after = Blueprint.objects.filter(pk=blueprint.pk).values().get()
    assert {key: blueprint_after[key] for key in before["blueprint"]} == before["blueprint"]
    assert blueprint_after["subject_id"] == subject_0102.pk
    registration_after = Registration.objects.filter(pk=registration.pk).values().get()
    assert {key: registration_after[key] for key in before["registration"]} == before["registration"]
    assert registration_after["subject_id"] == subject_0102.pk
    sessions_after = list(Session.objects.order_by("pk").values())
    assert [{key: row[key] for key in before["sessions"][0]} for row in sessions_after] == before["sessions"]
    for session in Session.objects.all():
        assert list(session.subjects.values_list("pk", flat=True)) == [subject_0102.pk]
        assert list(session.operation_types.values_list("pk", flat=True)) == [low_voltage.pk]
    for question in Question.objects.all():
        assert list(question.subjects.values_list("pk", flat=True)) == [subject_0102.pk]
    course_after = CoursePage.objects.get(pk=course.pk)
    assert course_after.operation_type_id == low_voltage.pk and course_after.theory_hours == 1
    assert course_after.audience_subject_id == subject_0102.pk
    assert course_after.group.name == "特种作业"
    assert course_after.purpose == "initial"
