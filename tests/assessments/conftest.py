"""A district authority's regulator, two firms with consenting staff, a national bank and
its blueprint: what an assessment event is made of."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from assessments.services import EventSpec
from exams.bank.models import QuestionBank, QuestionKind
from tests.factories import (
    AuthorityFactory,
    BlueprintFactory,
    BlueprintRuleFactory,
    DepartmentFactory,
    EmployerFactory,
    MembershipFactory,
    OperationTypeFactory,
    PostFactory,
    QuestionBankFactory,
    QuestionFactory,
    StaffMemberFactory,
    with_totp,
)


@pytest.fixture
def authority(db):
    return AuthorityFactory(name="临淄区应急管理局", code="linzi", region="临淄区", region_code="370305")


@pytest.fixture
def regulator(authority):
    return with_totp(MembershipFactory(organisation=authority, role=Role.REGULATOR, user__username="linzi-reg").user)


@pytest.fixture
def blueprint(db):
    """A national bank's blueprint: 5 true/false and 5 single choice, 10 points each."""
    operation_type = OperationTypeFactory()
    bank = QuestionBankFactory(level=QuestionBank.Level.NATIONAL, name="安全生产知识")
    for _ in range(6):
        QuestionFactory(bank=bank, kind=QuestionKind.TRUE_FALSE, operation_types=[operation_type])
        QuestionFactory(bank=bank, kind=QuestionKind.SINGLE, operation_types=[operation_type])
    blueprint = BlueprintFactory(bank=bank, operation_type=operation_type, name="全员安全知识")
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=5, points=Decimal(10))
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.SINGLE, count=5, points=Decimal(10))
    return blueprint


def _firm(name: str, code: str, people: int):
    firm = EmployerFactory(name=name, code=code, region="临淄区", region_code="370305")
    workshop = DepartmentFactory(organisation=firm, name="生产车间")
    post = PostFactory(organisation=firm, name="操作工")
    entries = [
        StaffMemberFactory(organisation=firm, department=workshop, post=post, consented=True) for _ in range(people)
    ]
    return firm, entries


@pytest.fixture
def firm_a(db):
    return _firm("齐鲁甲化工", "ql-jia", 3)


@pytest.fixture
def firm_b(db):
    return _firm("齐鲁乙机械", "ql-yi", 2)


@pytest.fixture
def not_consented(firm_a):
    firm, _entries = firm_a
    return StaffMemberFactory(organisation=firm, consented=True, consent="declined")


@pytest.fixture
def spec(blueprint, firm_a, firm_b):
    """An event for the two firms, open now for two hours, 30 minutes, pass at 60."""
    now = timezone.now()
    return EventSpec(
        name="临淄区全员安全知识大考试",
        audience="firms",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
        blueprint=blueprint,
        time_limit_minutes=30,
        pass_mark=60,
        attempts_allowed=2,
        award="participation",
        firms=[firm_a[0], firm_b[0]],
    )
