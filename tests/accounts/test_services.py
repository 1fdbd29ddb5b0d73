"""Identity, phone and role services: encryption at rest, uniqueness, audit, failure leaves nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import selectors, services
from accounts.encryption import lookup_hash
from accounts.models import AuditEvent, Membership, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def _blank_user(**kwargs) -> User:
    return UserFactory(real_name="", id_number="", birth_date=None, sex="", education="", **kwargs)


def _raw_id_number_column(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {User._meta.db_table} WHERE id = %s", [user.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_set_identity_stores_the_id_number_encrypted_with_derived_facts():
    # given
    user = _blank_user()

    # when
    services.set_identity(user=user, real_name=" 张  三 ", id_number="110105194912310 02x", education="junior_middle")

    # then the database column holds ciphertext, the model gives the plain text back
    raw = _raw_id_number_column(user)
    assert raw != VALID_ID
    assert VALID_ID not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    fresh = User.objects.get(pk=user.pk)
    assert fresh.id_number == VALID_ID
    assert fresh.id_number_hash == lookup_hash(VALID_ID)
    assert fresh.real_name == "张 三"
    assert fresh.birth_date == dt.date(1949, 12, 31)
    assert fresh.sex == "F"
    assert fresh.education == "junior_middle"
    assert fresh.id_number_masked == "110***********002X"


def test_set_identity_is_audited_without_the_plain_id_number():
    # given
    user = _blank_user()

    # when
    services.set_identity(user=user, real_name="张三", id_number=VALID_ID, education="college")

    # then
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(user.pk))
    assert (event.actor, event.action, event.data) == (
        user,
        "accounts.user.identity_set",
        {"id_number": "110***********002X", "reserved": True},
    )


def test_set_identity_lookup_by_hash_finds_the_user():
    # given
    user = _blank_user()
    services.set_identity(user=user, real_name="张三", id_number=VALID_ID, education="college")

    # when / then: typed in any form, the same number finds the same account
    assert selectors.user_by_id_number(VALID_ID) == user
    assert selectors.user_by_id_number("11010519491231002x") == user
    assert User.objects.get(id_number_hash=lookup_hash(VALID_ID)) == user
    assert selectors.user_by_id_number(make_id_number(dt.date(1990, 1, 1), serial=777)) is None
    assert selectors.user_by_id_number("not a number") is None


def test_set_identity_repeated_with_the_same_data_is_safe():
    # given
    user = _blank_user()
    services.set_identity(user=user, real_name="张三", id_number=VALID_ID, education="college")

    # when
    services.set_identity(user=user, real_name="张三", id_number=VALID_ID, education="college")

    # then
    assert User.objects.get(pk=user.pk).id_number == VALID_ID
    assert AuditEvent.objects.filter(action="accounts.user.identity_set").count() == 1


def test_set_identity_refuses_an_id_number_used_by_another_user():
    # given
    owner = _blank_user()
    services.set_identity(user=owner, real_name="张三", id_number=VALID_ID, education="college")
    other = _blank_user()
    events_before = AuditEvent.objects.count()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.set_identity(user=other, real_name="李四", id_number="11010519491231002x", education="college")

    # then
    assert excinfo.value.message_dict == {
        "id_number": ["该身份证号已被其他账户使用。如果这是您的身份证号，请使用原账户登录或联系管理员。"]
    }
    fresh = User.objects.get(pk=other.pk)
    assert (fresh.real_name, fresh.id_number, fresh.id_number_hash, fresh.birth_date, fresh.sex) == (
        "",
        "",
        None,
        None,
        "",
    )
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("110105194912310021", "身份证号校验位不正确，请核对后重新输入。"),
        ("11010519491231002", "身份证号应为18位：前17位是数字，最后一位是数字或X。"),
        ("11010119900230000X", "身份证号中的出生日期无效，请核对。"),  # 30 February
    ],
)
def test_set_identity_refuses_an_invalid_id_number(id_number, message):
    # given
    user = _blank_user()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.set_identity(user=user, real_name="张三", id_number=id_number, education="college")

    # then
    assert excinfo.value.message_dict == {"id_number": [message]}
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.real_name, fresh.id_number, fresh.id_number_hash) == ("", "", None)
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("real_name", "education", "expected"),
    [
        ("  ", "college", {"real_name": ["请输入与身份证一致的真实姓名。"]}),
        ("张三", "phd", {"education": ["请选择文化程度。"]}),
    ],
)
def test_set_identity_refuses_missing_name_or_unknown_education(real_name, education, expected):
    # given
    user = _blank_user()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.set_identity(user=user, real_name=real_name, id_number=VALID_ID, education=education)

    # then
    assert excinfo.value.message_dict == expected
    assert User.objects.get(pk=user.pk).id_number_hash is None


def test_set_phone_normalises_and_records_verification_state():
    # given
    user = UserFactory(phone=None, phone_verified=False)

    # when
    services.set_phone(user=user, phone="+86 139-0000-1111", verified=False)

    # then
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.phone, fresh.phone_verified) == ("13900001111", False)
    assert selectors.user_by_phone("139 0000 1111") == user


def test_set_phone_refuses_a_number_of_another_user():
    # given
    UserFactory(phone="13900001111")
    user = UserFactory(phone="13900002222", phone_verified=True)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.set_phone(user=user, phone="13900001111", verified=False)

    # then
    assert excinfo.value.message_dict == {"phone": ["该手机号已被其他账户使用。"]}
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.phone, fresh.phone_verified) == ("13900002222", True)


def test_set_phone_refuses_a_non_mainland_number():
    # given
    user = UserFactory(phone="13900002222", phone_verified=True)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.set_phone(user=user, phone="+14155550100", verified=True)

    # then
    assert excinfo.value.message_dict == {"phone": ["请输入11位中国大陆手机号码。"]}
    assert User.objects.get(pk=user.pk).phone == "13900002222"


def test_verify_phone_marks_the_users_number_verified():
    # given
    user = UserFactory(phone="13900003333", phone_verified=False)

    # when
    services.verify_phone(user=user, phone="+8613900003333")

    # then
    assert User.objects.get(pk=user.pk).phone_verified is True
    assert AuditEvent.objects.filter(action="accounts.user.phone_verified", object_id=str(user.pk)).count() == 1


def test_verify_phone_refuses_a_number_that_is_not_the_users():
    # given
    user = UserFactory(phone="13900003333", phone_verified=False)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.verify_phone(user=user, phone="13900004444")

    # then
    assert excinfo.value.message_dict == {"phone": ["该手机号不是此账户的手机号。"]}
    assert User.objects.get(pk=user.pk).phone_verified is False


def test_grant_membership_gives_the_role_once_and_audits_it_once():
    # given a person, an organisation and the administrator granting the role
    person, organisation, admin = UserFactory(), OrganisationFactory(code="px-02"), UserFactory()

    # when the role is granted twice
    first = services.grant_membership(user=person, organisation=organisation, role=Role.TRAINER, granted_by=admin)
    again = services.grant_membership(user=person, organisation=organisation, role=Role.TRAINER, granted_by=admin)

    # then one membership exists and one event records who granted what
    assert again == first
    assert selectors.roles_of(person) == {"trainer"}
    events = AuditEvent.objects.filter(action="accounts.membership.granted")
    assert list(events.values_list("actor_id", "object_type", "object_id", "data")) == [
        (
            admin.pk,
            "accounts.membership",
            str(first.pk),
            {"user": person.pk, "organisation": "px-02", "role": "trainer"},
        )
    ]


def test_grant_membership_refuses_an_unknown_role():
    # given a person and an organisation
    person, organisation = UserFactory(), OrganisationFactory()

    # when a role that does not exist is granted
    with pytest.raises(ValidationError) as excinfo:
        services.grant_membership(user=person, organisation=organisation, role="owner", granted_by=None)

    # then it is refused and nothing changed
    assert excinfo.value.message_dict == {"role": ["请选择角色。"]}
    assert not Membership.objects.exists()
    assert not AuditEvent.objects.exists()


def test_revoke_membership_takes_the_role_away_once_and_audits_it_once():
    # given a regulator
    membership = MembershipFactory(role=Role.REGULATOR, organisation=OrganisationFactory(code="bj-ajj"))
    person, admin = membership.user, UserFactory()

    # when the role is revoked twice (the second time from a stale copy)
    services.revoke_membership(membership=membership, revoked_by=admin)
    services.revoke_membership(membership=membership, revoked_by=admin)

    # then the role is gone and one event keeps who held which role where
    assert selectors.roles_of(person) == set()
    events = AuditEvent.objects.filter(action="accounts.membership.revoked")
    assert list(events.values_list("actor_id", "object_id", "data")) == [
        (admin.pk, str(membership.pk), {"user": person.pk, "organisation": "bj-ajj", "role": "regulator"})
    ]
