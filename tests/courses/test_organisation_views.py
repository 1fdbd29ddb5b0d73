"""Training organisations' and regulators' pages: one test per access branch."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.identity import mask_phone
from accounts.models import AuditEvent, Invitation, Organisation, Role
from cms.models import HomePage
from courses.classes import answer_class_invitation, enrol_class
from courses.models import CourseIndexPage, Enrolment, LessonProgress, StudyClass
from courses.oversight import grade_training_organisation
from courses.selectors import learners_of
from courses.services import enrol
from tests.factories import (
    AuthorityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    add_course,
    build_course_tree,
    with_totp,
)


@pytest.fixture
def authority(db):
    return AuthorityFactory()


@pytest.fixture
def tree(db, authority):
    tree = build_course_tree()
    Organisation.objects.filter(pk=tree.index.organisation_id).update(parent=authority)
    tree.index.organisation.refresh_from_db()
    return tree


@pytest.fixture
def organisation(tree):
    return tree.index.organisation


@pytest.fixture
def trainer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.TRAINER).user


@pytest.fixture
def regulator(authority):
    return with_totp(MembershipFactory(organisation=authority, role=Role.REGULATOR).user)


def _other_organisation_with_a_learner():
    other = OrganisationFactory()
    index = CourseIndexPage(title="他校", organisation=other)
    home = HomePage.objects.get()
    home.add_child(instance=index)
    course = add_course(index, title="他校课程").course
    outsider = UserFactory(real_name="外校学员")
    enrol(learner=outsider, course=course)
    return other, course


def test_a_trainer_sees_their_organisations_learners_with_hours(client, tree, organisation, trainer):
    # given
    learner = UserFactory(real_name="刘学员")
    enrolment = enrol(learner=learner, course=tree.course)
    LessonProgress.objects.create(enrolment=enrolment, lesson=tree.lessons[0], seconds=60)
    _other_organisation_with_a_learner()
    client.force_login(trainer)

    # when
    response = client.get(reverse("courses:organisation", args=[organisation.code]))

    # then
    assert response.status_code == 200
    assert [row.enrolment.learner for row in response.context["rows"]] == [learner]
    assert "刘学员" in response.text and "外校学员" not in response.text
    assert "学时 1 分 / 3 分" in response.text


def test_a_trainer_of_another_organisation_is_refused(client, tree, organisation):
    outsider = MembershipFactory(organisation=OrganisationFactory(), role=Role.TRAINER).user
    client.force_login(outsider)

    assert client.get(reverse("courses:organisation", args=[organisation.code])).status_code == 403
    assert client.get(reverse("courses:organisation_export", args=[organisation.code])).status_code == 403
    assert client.get(reverse("courses:class_new", args=[organisation.code])).status_code == 403


def test_a_worker_is_refused(client, tree, organisation):
    worker = MembershipFactory(organisation=organisation, role=Role.WORKER).user
    client.force_login(worker)

    assert client.get(reverse("courses:organisation", args=[organisation.code])).status_code == 403
    assert client.get(reverse("courses:my_organisations")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, tree, organisation):
    response = client.get(reverse("courses:organisation", args=[organisation.code]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_my_organisations_leads_a_trainer_to_their_organisation(client, tree, organisation, trainer):
    client.force_login(trainer)

    response = client.get(reverse("courses:my_organisations"))

    assert (response.status_code, response.url) == (302, reverse("courses:organisation", args=[organisation.code]))


def test_the_export_is_an_excel_workbook_of_the_organisations_learners(client, tree, organisation, trainer):
    # given
    learner = UserFactory(real_name="刘学员")
    enrol(learner=learner, course=tree.course)
    _other_organisation_with_a_learner()
    client.force_login(trainer)

    # when
    response = client.get(reverse("courses:organisation_export", args=[organisation.code]))

    # then
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert rows[0][:3] == ("姓名", "手机号", "课程")
    assert [row[:3] for row in rows[1:]] == [("刘学员", mask_phone(learner.phone), "低压电工作业")]
    assert rows[1][9] == "否"


def test_the_export_shows_the_full_phone_of_members_and_of_those_who_accepted(client, tree, organisation, trainer):
    member = UserFactory(real_name="甲成员")
    MembershipFactory(user=member, organisation=organisation, role=Role.WORKER)
    invited = UserFactory(real_name="乙学员")
    enrol(learner=member, course=tree.course)
    client.force_login(trainer)
    client.post(
        reverse("courses:class_new", args=[organisation.code]),
        {"name": "四月班", "course": tree.course.pk, "learners": invited.phone},
    )
    invitation = Invitation.objects.get(invitee=invited)
    answer_class_invitation(invitation_id=invitation.pk, user=invited, accept=True)

    response = client.get(reverse("courses:organisation_export", args=[organisation.code]))

    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted(row[:2] for row in rows[1:]) == sorted([("甲成员", member.phone), ("乙学员", invited.phone)])


def test_learners_of_runs_a_fixed_number_of_queries(tree, organisation, django_assert_num_queries):
    for _ in range(3):
        enrol(learner=UserFactory(), course=tree.course)

    with django_assert_num_queries(6):
        rows = learners_of(organisation=organisation)

    assert len(rows) == 3


def test_members_are_enrolled_at_once_by_id_number_and_phone(client, tree, organisation, trainer):
    # given two members of the organisation
    first, second = UserFactory(), UserFactory()
    for member in (first, second):
        MembershipFactory(user=member, organisation=organisation, role=Role.WORKER)
    client.force_login(trainer)

    # when
    response = client.post(
        reverse("courses:class_new", args=[organisation.code]),
        {"name": "2026年3月低压电工班", "course": tree.course.pk, "learners": f"{first.id_number}\n\n{second.phone}\n"},
    )

    # then
    study_class = StudyClass.objects.get()
    assert response.status_code == 302
    assert response.url == f"{reverse('courses:organisation', args=[organisation.code])}?class={study_class.pk}"
    assert sorted(Enrolment.objects.filter(study_class=study_class).values_list("learner_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    assert AuditEvent.objects.filter(action="courses.study_class.enrolled").count() == 1


def test_a_stranger_is_invited_not_enrolled_and_joins_on_accepting(client, tree, organisation, trainer):
    # given someone with no link to the organisation
    stranger = UserFactory()
    client.force_login(trainer)

    # when the trainer lists them
    client.post(
        reverse("courses:class_new", args=[organisation.code]),
        {"name": "三月班", "course": tree.course.pk, "learners": stranger.id_number},
    )

    # then they are not enrolled, and the trainer's page shows nothing of them
    assert not Enrolment.objects.filter(learner=stranger).exists()
    page = client.get(reverse("courses:organisation", args=[organisation.code])).content.decode()
    assert stranger.real_name not in page

    # when they accept on their own invitations page
    own = Client()
    own.force_login(stranger)
    listing = own.get(reverse("courses:invitations"))
    assert "三月班" in listing.content.decode()
    invitation = Invitation.objects.get(invitee=stranger)
    own.post(reverse("courses:invitations"), {"invitation": invitation.pk, "answer": "accept"})

    # then they join the class
    assert Enrolment.objects.get(learner=stranger).study_class.name == "三月班"


def test_nobody_else_can_answer_an_invitation(client, tree, organisation, trainer):
    stranger, other = UserFactory(), UserFactory()
    client.force_login(trainer)
    client.post(
        reverse("courses:class_new", args=[organisation.code]),
        {"name": "三月班", "course": tree.course.pk, "learners": stranger.phone},
    )
    invitation = Invitation.objects.get(invitee=stranger)

    client.force_login(other)
    client.post(reverse("courses:invitations"), {"invitation": invitation.pk, "answer": "accept"})

    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Enrolment.objects.exists()


def test_the_answer_is_the_same_whether_an_entry_is_registered_or_not(client, tree, organisation, trainer):
    known = UserFactory()
    client.force_login(trainer)

    answers = []
    for name, entry in (("甲班", known.phone), ("乙班", "13900000000")):
        response = client.post(
            reverse("courses:class_new", args=[organisation.code]),
            {"name": name, "course": tree.course.pk, "learners": entry},
            follow=True,
        )
        answers.append([str(m) for m in response.context["messages"]])

    assert answers[0] == answers[1]
    assert "找不到" not in str(answers)


def test_class_enrolments_are_rate_limited(client, tree, organisation, trainer):
    client.force_login(trainer)
    form = {"name": "班", "course": tree.course.pk, "learners": "13900000000"}
    statuses = [
        client.post(reverse("courses:class_new", args=[organisation.code]), form).status_code for _ in range(21)
    ]

    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_a_class_on_another_organisations_course_is_refused(tree, organisation, trainer):
    _other, foreign_course = _other_organisation_with_a_learner()
    learner = UserFactory()

    with pytest.raises(ValidationError) as excinfo:
        enrol_class(
            organisation=organisation, course=foreign_course, name="越权班", identifiers=[learner.phone], actor=trainer
        )

    assert excinfo.value.messages == ["只能为本机构栏目中的课程报名。"]
    assert StudyClass.objects.count() == 0
    assert not Enrolment.objects.filter(learner=learner).exists()


def test_a_regulator_sees_their_organisations_side_by_side_and_grades_one(client, tree, organisation, regulator):
    # given
    OrganisationFactory(name="外地机构")  # under no authority of theirs
    enrolment = enrol(learner=UserFactory(), course=tree.course)
    client.force_login(regulator)

    # when
    page = client.get(reverse("courses:oversight"))
    graded = client.post(reverse("courses:grade", args=[organisation.code]), {"grade": "B", "reason": "抽查合格率下降"})

    # then
    organisation.refresh_from_db()
    assert page.status_code == 200
    assert [item.organisation for item in page.context["outcomes"]] == [organisation]
    assert (page.context["outcomes"][0].enrolled, page.context["outcomes"][0].completed) == (1, 0)
    assert "外地机构" not in page.text
    assert graded.status_code == 302
    assert organisation.grade == "B"
    assert list(AuditEvent.objects.filter(action="accounts.organisation.graded").values_list("actor", "data")) == [
        (regulator.pk, {"from": "A", "to": "B", "reason": "抽查合格率下降"})
    ]
    assert enrolment.pk


def test_a_regulator_of_another_authority_cannot_grade(client, tree, organisation):
    stranger = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user
    with_totp(stranger)
    client.force_login(stranger)

    response = client.post(reverse("courses:grade", args=[organisation.code]), {"grade": "C", "reason": "越权"})

    organisation.refresh_from_db()
    assert response.status_code == 403
    assert organisation.grade == "A"
    assert not AuditEvent.objects.filter(action="accounts.organisation.graded").exists()


def test_a_trainer_cannot_see_oversight(client, tree, trainer):
    client.force_login(trainer)

    assert client.get(reverse("courses:oversight")).status_code == 403


def test_grading_without_a_reason_is_refused(tree, organisation, regulator):
    with pytest.raises(ValidationError) as excinfo:
        grade_training_organisation(organisation=organisation, grade="C", actor=regulator, reason=" ")

    organisation.refresh_from_db()
    assert excinfo.value.messages == ["请填写评定理由。"]
    assert organisation.grade == "A"


def test_the_catalogue_groups_courses_by_category_and_type(client, tree):
    response = client.get(reverse("courses:catalogue"))

    groups = response.context["groups"]
    assert response.status_code == 200
    assert [(g.category, [t.operation_type for t in g.types]) for g in groups] == [
        (tree.course.operation_type.category, [tree.course.operation_type])
    ]
    assert groups[0].types[0].courses[0].section.organisation == tree.index.organisation
    assert "低压电工作业" in response.text


def test_the_catalogue_lists_three_post_courses_by_group_and_audience(client, tree):
    from courses.models import CourseGroup
    from tests.factories import management_course, management_subject

    subject = management_subject(post="principal", industry_code="WHP")
    course = management_course(subject, theory_hours=48)
    course.group = CourseGroup.objects.get_or_create(name="安全管理", defaults={"sort_order": 10})[0]
    course.save_revision().publish()

    response = client.get(reverse("courses:catalogue"))
    groups = response.context["groups"]
    assert [g.category.name for g in groups][-1] == "安全管理"
    assert [t.operation_type.name for t in groups[-1].types] == [subject.name]
    assert subject.name in response.text
    only_group = client.get(reverse("courses:catalogue"), {"category": groups[-1].category.code})
    assert [g.category.name for g in only_group.context["groups"]] == ["安全管理"]


# --- class invitations by SMS ---------------------------------------------------------------


def _invite_by_phone(client, organisation, tree, phones, name="五月班"):
    response = client.post(
        reverse("courses:class_new", args=[organisation.code]),
        {"name": name, "course": tree.course.pk, "learners": "\n".join(phones)},
        follow=True,
    )
    return response


def test_a_registered_phone_gets_an_in_app_invitation_and_a_text(
    client, tree, organisation, trainer, sms_outbox, django_capture_on_commit_callbacks
):
    # given someone registered who is not the organisation's member
    known = UserFactory()
    client.force_login(trainer)

    # when the trainer invites them by phone
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, [known.phone])

    # then an in-app invitation waits for them, and a text with the acceptance link went out
    invitation = Invitation.objects.get()
    assert invitation.invitee == known
    assert invitation.sms_sent_at is not None and invitation.phone == ""  # the number is not kept
    assert [(m.phone, m.kind) for m in sms_outbox] == [(known.phone, "class_invitation")]
    assert organisation.name in sms_outbox[0].message
    assert "/learn/invitations/" in sms_outbox[0].message
    assert not Enrolment.objects.filter(learner=known).exists()


def test_an_unknown_phone_is_texted_and_whoever_signs_up_with_it_accepts(
    client, tree, organisation, trainer, sms_outbox, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, ["138 0013 8000"])
    invitation = Invitation.objects.get()
    assert invitation.invitee is None
    assert [(m.phone, m.kind) for m in sms_outbox] == [("13800138000", "class_invitation")]

    # when the person signs up with that phone (verified) and opens their invitations
    newcomer = UserFactory(phone="13800138000", phone_verified=True)
    own = Client()
    own.force_login(newcomer)
    assert "五月班" in own.get(reverse("courses:invitations")).content.decode()
    own.post(reverse("courses:invitations"), {"invitation": invitation.pk, "answer": "accept"})

    # then they join the class and the invitation is theirs
    invitation.refresh_from_db()
    assert invitation.invitee == newcomer and invitation.accepted_at is not None
    assert Enrolment.objects.get(learner=newcomer).study_class.name == "五月班"


def test_a_phone_invitation_is_not_answered_by_an_unverified_holder_or_anyone_else(
    client, tree, organisation, trainer, sms_outbox, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, ["13800138001"])
    invitation = Invitation.objects.get()

    for person in (UserFactory(phone="13800138001", phone_verified=False), UserFactory()):
        other = Client()
        other.force_login(person)
        assert "五月班" not in other.get(reverse("courses:invitations")).content.decode()
        other.post(reverse("courses:invitations"), {"invitation": invitation.pk, "answer": "accept"})

    invitation.refresh_from_db()
    assert invitation.invitee is None and invitation.accepted_at is None
    assert not Enrolment.objects.exists()


def test_the_trainer_is_told_the_same_and_both_phones_are_texted_whether_registered_or_not(
    client, tree, organisation, trainer, sms_outbox, django_capture_on_commit_callbacks
):
    known = UserFactory()
    client.force_login(trainer)

    answers = []
    for name, phone in (("甲班", known.phone), ("乙班", "13900000000")):
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite_by_phone(client, organisation, tree, [phone], name=name)
        answers.append([str(m) for m in response.context["messages"]])

    assert answers[0] == answers[1]
    assert "短信" in answers[0][0]
    assert sorted(m.phone for m in sms_outbox) == sorted([known.phone, "13900000000"])


def test_a_member_listed_by_phone_is_enrolled_and_not_texted(
    client, tree, organisation, trainer, sms_outbox, django_capture_on_commit_callbacks
):
    member = MembershipFactory(organisation=organisation, role=Role.WORKER).user
    client.force_login(trainer)

    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, [member.phone])

    assert Enrolment.objects.get(learner=member).study_class.name == "五月班"
    assert not Invitation.objects.exists()
    assert sms_outbox == []


def test_inviting_the_same_phone_again_does_not_text_it_again(
    client, tree, organisation, trainer, sms_outbox, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _invite_by_phone(client, organisation, tree, ["13800138002"])

    assert Invitation.objects.count() == 1
    assert len(sms_outbox) == 1


def test_texted_invitations_are_limited_per_trainer_per_day(
    client, tree, organisation, trainer, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.CLASS_INVITATION_SMS_PER_DAY = 2
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, ["13800138003", "13800138004"])

    # when the same trainer lists one more phone the same day
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite_by_phone(client, organisation, tree, ["13800138005"], name="六月班")

    # then nothing is done and they are told why
    assert "今天通过短信邀请的人数已达上限（2 人）" in response.content.decode()
    assert not StudyClass.objects.filter(name="六月班").exists()
    assert Invitation.objects.count() == 2
    assert len(sms_outbox) == 2
    # and another trainer of the organisation has their own budget
    other = MembershipFactory(organisation=organisation, role=Role.TRAINER).user
    client.force_login(other)
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, ["13800138005"], name="六月班")
    assert len(sms_outbox) == 3


def test_a_failed_text_is_kept_and_sent_when_the_phone_is_invited_again(
    client, tree, organisation, trainer, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.SMS_LIMIT_PER_NUMBER_HOUR = 1
    client.force_login(trainer)
    from accounts.sms import send_sms

    send_sms("13800138006", "account_exists")  # uses up the number's hourly texts
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, ["13800138006"])
    invitation = Invitation.objects.get()
    assert invitation.sms_sent_at is None and invitation.phone == "13800138006"
    assert [m.kind for m in sms_outbox] == ["account_exists"]

    settings.SMS_LIMIT_PER_NUMBER_HOUR = 0
    with django_capture_on_commit_callbacks(execute=True):
        _invite_by_phone(client, organisation, tree, ["13800138006"])

    invitation.refresh_from_db()
    assert invitation.sms_sent_at is not None and invitation.phone == ""
    assert [m.kind for m in sms_outbox] == ["account_exists", "class_invitation"]


def test_the_check_count_counts_the_live_questions_as_the_completion_rule_does(tree, organisation):
    # given: a learner answered check-1 right, which the course then replaced by check-2
    from courses.models import CheckAnswer
    from courses.services import answer_check_question
    from tests.factories import add_check_question

    learner = UserFactory()
    enrolment = enrol(learner=learner, course=tree.course)
    lesson = add_check_question(tree.lessons[0], block_id="check-1")
    answer_check_question(learner=learner, lesson=lesson, block_id="check-1", answer=[1])
    lesson.body = [block for block in lesson.body.raw_data if block["id"] != "check-1"]
    lesson.save_revision().publish()
    add_check_question(tree.lessons[1], block_id="check-2")

    # when
    [row] = learners_of(organisation=organisation)

    # then: the old right answer does not count for the new question
    assert CheckAnswer.objects.filter(enrolment=enrolment, correct=True).count() == 1
    assert (row.checks_correct, row.checks_total) == (0, 1)
    assert (row.ready_for_exam, row.checks_added_since_completion) == (False, 0)


def test_a_completed_training_shows_checks_added_after_it_as_such(client, tree, organisation, trainer):
    # given: a completed training, then the course gains a check question
    from django.utils import timezone

    from tests.factories import add_check_question

    enrolment = enrol(learner=UserFactory(real_name="周学员"), course=tree.course)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())
    add_check_question(tree.lessons[0])
    client.force_login(trainer)

    # when
    page = client.get(reverse("courses:organisation", args=[organisation.code])).text

    # then: the count and the completion do not contradict without a word
    assert "测验 0/1" in page
    assert "（其中 1 道为完成培训后新增）" in page
