import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from certificates.models import Certificate
from cms.selectors import dashboard_for
from courses.models import LessonProgress
from courses.services import enrol
from exams.catalogue.services import subject_of
from tests.factories import AuthorityFactory, MembershipFactory, OperationTypeFactory, RegistrationFactory, add_course

#: session, user, the MFA middleware's roles; the site; registrations, certificates,
#: roles; enrolments with courses, their lessons, the learner's progress on them; employers' invitations.
DASHBOARD_QUERIES = 11


def dashboard_queries(settings) -> int:
    """With Redis, sessions are read from the cache (``cached_db``): one query fewer. On
    PostgreSQL the user is read with their roles (accounts.backends): the MFA rule's and the
    dashboard's role reads are not queries of their own, two fewer."""
    cached = settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    queries = DASHBOARD_QUERIES - 1 if cached else DASHBOARD_QUERIES
    return queries - 2 if connection.vendor == "postgresql" else queries


def make_certificate(holder, n: int) -> Certificate:
    issued = dt.date(2024, 5, 1)
    operation_type = OperationTypeFactory(code=f"09{n:02d}", name=f"作业{n}")
    return Certificate.objects.create(
        number=f"KZ2024{n:06d}",
        holder=holder,
        subject=subject_of(operation_type),
        operation_type=operation_type,
        authority=AuthorityFactory(),
        first_issued_on=issued,
        issued_on=issued,
        valid_until=issued.replace(year=2030),
        review_due=issued.replace(year=2027),
        holder_name=holder.real_name,
    )


def given_learner_with(tree, learner, count: int) -> None:
    """``count`` enrolled courses, exam registrations and certificates."""
    courses = [tree] + [
        add_course(tree.index, title=f"课程{n}", operation_type=tree.course.operation_type) for n in range(count - 1)
    ]
    for course in courses:
        enrolment = enrol(learner=learner, course=course.course)
        LessonProgress.objects.create(
            enrolment=enrolment, lesson=course.lessons[0], seconds=60, completed_at=timezone.now()
        )
    for n in range(count):
        RegistrationFactory(candidate=learner, session__name=f"理论考试场次{n}")
        make_certificate(learner, n)


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_dashboard_shows_courses_exams_and_certificates(client, tree, learner):
    # given
    given_learner_with(tree, learner, 1)
    client.force_login(learner)

    # when
    response = client.get(reverse("dashboard"))

    # then
    text = response.text
    assert response.status_code == 200
    assert "低压电工作业" in text
    assert "已计学时 1 分，共需 3 分" in text
    assert f'href="{tree.lessons[1].url}"' in text
    assert "理论考试场次0" in text
    assert "已批准" in text
    assert 'href="/exams/"' in text
    assert "KZ2024000000" in text
    assert 'href="/me/certificates/"' in text
    assert 'href="/admin/"' not in text
    assert 'href="/exams/practical/"' not in text
    assert f'href="{reverse("exams:practice")}"' in text


def test_dashboard_of_a_newcomer_says_there_is_nothing_yet(client, learner):
    client.force_login(learner)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "您还没有报名课程。" in response.text
    assert "暂无考试报名。" in response.text
    assert "暂无证书。" in response.text
    assert reverse("exams:practice") not in response.text.split("<main", 1)[1]  # the menu lists it for everyone


def _may_use_the_admin(user) -> None:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))


def test_dashboard_links_an_examiner_to_practical_scoring_and_not_to_an_admin_they_cannot_enter(client, learner):
    MembershipFactory(user=learner, role=Role.EXAMINER)
    client.force_login(learner)

    response = client.get(reverse("dashboard"))

    assert 'href="/exams/practical/"' in response.text
    assert 'href="/admin/"' not in response.text
    assert client.get("/admin/", follow=True).status_code == 403  # the link would have led nowhere


def test_dashboard_links_staff_who_may_enter_it_to_the_admin(client, learner):
    MembershipFactory(user=learner, role=Role.EXAMINER)
    _may_use_the_admin(learner)
    client.force_login(learner)

    response = client.get(reverse("dashboard"))

    assert 'href="/admin/"' in response.text
    assert 'href="/exams/practical/"' in response.text
    assert client.get("/admin/").status_code == 200


def test_dashboard_links_a_trainer_to_the_admin_only(client, learner):
    MembershipFactory(user=learner, role=Role.TRAINER)
    _may_use_the_admin(learner)
    client.force_login(learner)

    response = client.get(reverse("dashboard"))

    assert 'href="/admin/"' in response.text
    assert 'href="/exams/practical/"' not in response.text


@pytest.mark.parametrize("count", [1, 3])
def test_dashboard_runs_a_fixed_number_of_queries(client, tree, learner, count, django_assert_num_queries, settings):
    # given
    given_learner_with(tree, learner, count)
    client.force_login(learner)
    client.get(reverse("dashboard"))  # warms the cached site root paths

    # when / then
    with django_assert_num_queries(dashboard_queries(settings)):
        response = client.get(reverse("dashboard"))
    assert len(response.context["dashboard"].courses) == count
    assert len(response.context["dashboard"].registrations) == count
    assert len(response.context["dashboard"].certificates) == count


def test_dashboard_selector_runs_seven_queries(tree, learner, django_assert_num_queries):
    # given
    given_learner_with(tree, learner, 2)

    # when (the seventh: employers' invitations waiting for the person)
    with django_assert_num_queries(7):
        dashboard = dashboard_for(user=learner)

    # then
    assert [c.course.title for c in dashboard.courses] == ["课程0", "低压电工作业"]
    assert dashboard.roles == frozenset()
    assert dashboard.shows_admin is False


def test_dashboard_shows_the_status_a_certificate_has_today(learner):
    # given: stored as valid, but its review fell due on 2027-05-01
    make_certificate(learner, 1)

    # when
    dashboard = dashboard_for(user=learner, today=dt.date(2027, 5, 2))

    # then
    assert [(e.certificate.number, e.status, e.status_label) for e in dashboard.certificates] == [
        ("KZ2024000001", "lapsed", "失效")
    ]


def test_dashboard_shows_what_to_do_next(client, tree, learner):
    # given: a course under way, two upcoming exams and a certificate inside its review window
    enrolment = enrol(learner=learner, course=tree.course)
    LessonProgress.objects.create(enrolment=enrolment, lesson=tree.lessons[0], seconds=60, completed_at=timezone.now())
    now = timezone.now()
    later = RegistrationFactory(
        candidate=learner,
        session__name="下月理论考试",
        session__starts_at=now + dt.timedelta(days=30),
        session__ends_at=now + dt.timedelta(days=30, hours=2),
    )
    RegistrationFactory(
        candidate=learner,
        session__name="已结束的考试",
        session__starts_at=now - dt.timedelta(days=3),
        session__ends_at=now - dt.timedelta(days=3) + dt.timedelta(hours=2),
    )
    certificate = make_certificate(learner, 1)
    Certificate.objects.filter(pk=certificate.pk).update(review_due=timezone.localdate() + dt.timedelta(days=20))
    client.force_login(learner)

    # when
    response = client.get(reverse("dashboard"))

    # then
    board = response.context["dashboard"]
    assert board.continue_lesson[1].lesson == tree.lessons[1]
    assert board.next_exam == later
    assert [entry.certificate.pk for entry in board.reviews_due] == [certificate.pk]
    assert f"开始学习：{tree.lessons[1].title}" in response.text
    assert "下月理论考试" in response.text
    assert "应于" in response.text and "前复审" in response.text


def test_dashboard_without_next_steps_offers_the_catalogue(client, learner):
    client.force_login(learner)

    response = client.get(reverse("dashboard"))

    assert response.context["dashboard"].has_next_steps is False
    assert reverse("courses:catalogue") in response.text
