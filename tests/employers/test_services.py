"""The register's services: adding a person, the invitation, consent, posts, departments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.audit import events_named
from accounts.models import SmsDelivery
from employers import services
from employers.models import Department, Post, StaffMember
from exams.catalogue.services import subject_of
from tests.factories import (
    DepartmentFactory,
    EmployerFactory,
    OperationTypeFactory,
    StaffMemberFactory,
    UserFactory,
    make_id_number,
    management_subject,
)

pytestmark = pytest.mark.django_db
NEW_ID = make_id_number(dt.date(1990, 1, 2), serial=211, region="370303")


def _person(**fields) -> services.NewStaff:
    values = {"name": "赵六", "id_number": NEW_ID, "phone": "13955556666", **fields}
    person, errors = services.clean_staff(**values)
    assert errors == {}
    return person


def test_adding_a_person_records_a_pending_entry_and_texts_the_invitation(
    firm, officer, sms_outbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.add_staff_member(organisation=firm, actor=officer, person=_person())

    # then
    entry.refresh_from_db()
    assert (entry.name, entry.id_number, entry.consent, entry.invitation, entry.user) == (
        "赵六",
        NEW_ID,
        "pending",
        "sent",
        None,
    )
    assert [(sms.phone, sms.kind, sms.params) for sms in sms_outbox] == [
        ("13955556666", "invitation", ("淄博甲化工有限公司",))
    ]
    assert events_named("employers.staff_member.added").filter(object_id=str(entry.pk)).count() == 1
    assert events_named("employers.staff_member.invited").filter(object_id=str(entry.pk)).count() == 1


def test_a_person_with_an_account_is_linked_and_invited_on_their_verified_phone(
    firm, officer, sms_outbox, django_capture_on_commit_callbacks
):
    # given
    account = UserFactory(id_number=NEW_ID, phone="13811112222")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.add_staff_member(organisation=firm, actor=officer, person=_person(phone="13955556666"))

    # then linked, still pending: nothing of the account is shown before consent
    assert (entry.user, entry.consent, entry.consented) == (account, "pending", False)
    assert [sms.phone for sms in sms_outbox] == ["13811112222"]


def test_the_same_person_twice_is_refused_and_nothing_changes(
    firm, officer, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.add_staff_member(organisation=firm, actor=officer, person=_person())

    with pytest.raises(ValidationError) as excinfo:
        services.add_staff_member(organisation=firm, actor=officer, person=_person(name="赵六六"))

    assert excinfo.value.message_dict == {"id_number": ["此人已在员工名册中。"]}
    assert list(StaffMember.objects.values_list("name", flat=True)) == ["赵六"]
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": " "}, {"name": "请填写姓名。"}),
        (
            {"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")},
            {"id_number": "身份证号校验位不正确，请核对后重新输入。"},
        ),
        ({"id_number": "12345"}, {"id_number": "身份证号应为18位：前17位是数字，最后一位是数字或X。"}),
        ({"phone": "123"}, {"phone": "手机号应为11位中国大陆手机号码。"}),
    ],
)
def test_bad_fields_are_named_in_chinese(fields, errors):
    values = {"name": "赵六", "id_number": NEW_ID, "phone": "", **fields}
    person, found = services.clean_staff(**values)
    assert (person, found) == (None, errors)


def test_someone_without_the_employer_role_there_cannot_add_anyone(firm, sms_outbox):
    other_firm_officer = UserFactory()
    with pytest.raises(PermissionDenied):
        services.add_staff_member(organisation=firm, actor=other_firm_officer, person=_person())
    assert StaffMember.objects.count() == 0
    assert sms_outbox == []


def test_a_department_of_another_firm_is_refused(firm, officer):
    elsewhere = DepartmentFactory(organisation=EmployerFactory())
    with pytest.raises(ValidationError):
        services.add_staff_member(organisation=firm, actor=officer, person=_person(department=elsewhere))
    assert StaffMember.objects.count() == 0


def test_an_invitation_the_gateway_refuses_is_marked_failed(
    firm, officer, settings, django_capture_on_commit_callbacks
):
    settings.SMS_LIMIT_PER_NUMBER_HOUR = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.add_staff_member(organisation=firm, actor=officer, person=_person(phone="13955556666"))
    with django_capture_on_commit_callbacks(execute=True):
        second = services.add_staff_member(
            organisation=firm,
            actor=officer,
            person=_person(name="钱七", id_number=make_id_number(dt.date(1991, 1, 2), serial=213), phone="13955556666"),
        )

    second.refresh_from_db()
    assert second.invitation == "failed"
    assert SmsDelivery.objects.filter(status="refused").count() == 1


def test_the_person_consents_and_only_then_is_linked_as_consented(firm, officer):
    entry = services.add_staff_member(organisation=firm, actor=officer, person=_person())
    person = UserFactory(id_number=NEW_ID)

    services.record_consent(entry=entry, user=person, accept=True)

    entry.refresh_from_db()
    assert (entry.consent, entry.user, entry.consented) == ("given", person, True)
    assert events_named("employers.staff_member.consented").count() == 1


def test_someone_else_cannot_consent_for_the_person(firm, officer):
    entry = services.add_staff_member(organisation=firm, actor=officer, person=_person())
    stranger = UserFactory()

    with pytest.raises(PermissionDenied):
        services.record_consent(entry=entry, user=stranger, accept=True)

    entry.refresh_from_db()
    assert (entry.consent, entry.user) == ("pending", None)


def test_declining_and_withdrawing_close_the_register_again(consented):
    person = consented.user

    services.withdraw_consent(entry=consented, user=person)

    consented.refresh_from_db()
    assert (consented.consent, consented.consented) == ("withdrawn", False)
    # and a renewed invitation can be accepted again
    services.record_consent(entry=consented, user=person, accept=True)
    consented.refresh_from_db()
    assert consented.consented is True


def test_a_new_invitation_leaves_a_consented_entry_as_it_is(consented, officer, sms_outbox):
    services.invite_to_register(entry=consented, actor=officer)
    consented.refresh_from_db()
    assert consented.consent == "given"
    assert sms_outbox == []


def test_a_post_names_its_training_and_certificates(firm, officer):
    electrician = subject_of(OperationTypeFactory())
    manager = management_subject()

    post = services.save_post(
        organisation=firm,
        actor=officer,
        name="安全员",
        new_worker_education=True,
        high_risk=True,
        required_subjects=[electrician, manager],
    )

    assert (post.name, post.new_worker_education, post.high_risk) == ("安全员", True, True)
    assert set(post.required_subjects.all()) == {electrician, manager}
    with pytest.raises(ValidationError) as excinfo:
        services.save_post(
            organisation=firm,
            actor=officer,
            name="安全员",
            new_worker_education=False,
            high_risk=False,
            required_subjects=[],
        )
    assert excinfo.value.message_dict == {"name": ["已有同名岗位。"]}
    assert Post.objects.count() == 1


def test_a_department_of_the_same_name_is_the_same_department(firm, officer):
    first = services.create_department(organisation=firm, actor=officer, name=" 一车间 ")
    again = services.create_department(organisation=firm, actor=officer, name="一车间")
    assert first == again
    assert Department.objects.count() == 1


def test_assigning_moves_a_person_within_the_firm_only(consented, officer, firm):
    welding = DepartmentFactory(organisation=firm, name="焊接车间")
    services.assign_staff_member(entry=consented, actor=officer, department=welding, post=None)
    consented.refresh_from_db()
    assert (consented.department, consented.post) == (welding, None)

    with pytest.raises(ValidationError):
        services.assign_staff_member(entry=consented, actor=officer, department=DepartmentFactory(), post=None)
    consented.refresh_from_db()
    assert consented.department == welding


def test_entries_of_one_id_number_are_separate_per_firm(firm, officer):
    other = EmployerFactory()
    StaffMemberFactory(organisation=other, id_number=NEW_ID)
    entry = services.add_staff_member(organisation=firm, actor=officer, person=_person())
    assert StaffMember.objects.filter(id_number_hash=entry.id_number_hash).count() == 2
