from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from certificates import selectors
from certificates.models import Certificate
from certificates.rules import DisplayStatus
from tests.factories import HOLDER_NAME, MembershipFactory, OperationCategoryFactory, OperationTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_wallet_of_three_certificates_reads_in_one_query(issue, django_assert_num_queries):
    # given a holder with three certificates of different types
    category = OperationCategoryFactory(code="04", name="高处作业")
    issue(issued_on=dt.date(2024, 5, 1))
    issue(operation_type=OperationTypeFactory(code="0401", name="登高架设作业", category=category))
    issue(operation_type=OperationTypeFactory(code="0402", name="高处安装、维护、拆除作业", category=category))
    holder = Certificate.objects.first().holder

    # when the wallet and each public record are read
    with django_assert_num_queries(1):
        records = [
            selectors.public_record(c, today=dt.date(2026, 6, 1)) for c in selectors.certificates_for_holder(holder)
        ]

    # then all three come back, newest first, in one query
    assert [record.operation_type_name for record in records][-1] == "低压电工作业"
    assert len(records) == 3
    assert all(record.holder_masked == "王**" for record in records)


def test_find_by_number_and_name_needs_the_exact_name(issue):
    certificate = issue()
    assert selectors.find_by_number_and_name(certificate.number.lower(), f"  {HOLDER_NAME} ") == certificate
    assert selectors.find_by_number_and_name(certificate.number, HOLDER_NAME[:2]) is None
    assert selectors.find_by_number_and_name(certificate.number, HOLDER_NAME + "一") is None
    assert selectors.find_by_number_and_name(certificate.number, "") is None
    assert selectors.find_by_number_and_name("", HOLDER_NAME) is None
    assert selectors.find_by_number_and_name("X" * 41, HOLDER_NAME) is None


def test_find_by_token(issue, django_assert_num_queries):
    certificate = issue()
    with django_assert_num_queries(1):
        found = selectors.find_by_token(certificate.token)
        assert found.authority.name == "北京市应急管理局"
    assert selectors.find_by_token("") is None
    assert selectors.find_by_token("x" * 65) is None


def test_public_record_reflects_the_status_on_the_day(issue):
    certificate = issue(issued_on=dt.date(2026, 3, 10))
    assert selectors.public_record(certificate, today=dt.date(2026, 3, 10)).status == DisplayStatus.VALID
    assert selectors.public_record(certificate, today=dt.date(2029, 1, 10)).status == DisplayStatus.REVIEW_DUE_SOON
    assert selectors.public_record(certificate, today=dt.date(2029, 3, 11)).status == DisplayStatus.LAPSED


def test_download_access_is_one_query_for_staff(issue, authority, django_assert_num_queries):
    certificate = issue()
    regulator = MembershipFactory(organisation=authority, role=Role.REGULATOR).user
    with django_assert_num_queries(1):
        assert selectors.can_download(regulator, certificate) is True
    with django_assert_num_queries(0):
        assert selectors.can_download(certificate.holder, certificate) is True


def test_an_inactive_holder_cannot_download(issue):
    certificate = issue()
    holder = certificate.holder
    holder.is_active = False
    assert selectors.can_download(holder, certificate) is False
    assert selectors.can_download(UserFactory(), certificate) is False
