"""An employer (a hazardous-chemicals firm), its safety officer, a post that needs the
low-voltage electrician certificate, and people in its register."""

from __future__ import annotations

import pytest

from tests.factories import (
    CertificateFactory,
    DepartmentFactory,
    EmployerFactory,
    OperationTypeFactory,
    PostFactory,
    StaffMemberFactory,
    employer_staff,
)


@pytest.fixture(autouse=True)
def _outbox(sms_outbox):
    return sms_outbox


@pytest.fixture
def firm(db):
    return EmployerFactory(name="淄博甲化工有限公司", code="zb-jia")


@pytest.fixture
def officer(firm):
    return employer_staff(firm, username="officer")


@pytest.fixture
def electrician_post(firm):
    from exams.catalogue.services import subject_of

    return PostFactory(organisation=firm, name="电工", required_subjects=[subject_of(OperationTypeFactory())])


@pytest.fixture
def workshop(firm):
    return DepartmentFactory(organisation=firm, name="一车间")


@pytest.fixture
def consented(firm, workshop, electrician_post):
    """A person who agreed, with a valid 0102 certificate."""
    entry = StaffMemberFactory(organisation=firm, department=workshop, post=electrician_post, consented=True)
    CertificateFactory(holder=entry.user, number="ZB2025000001X")
    return entry


@pytest.fixture
def pending(firm, workshop):
    """A person who has an account and a certificate but has not agreed."""
    entry = StaffMemberFactory(organisation=firm, department=workshop, consented=True)
    entry.consent = "pending"
    entry.save(update_fields=["consent"])
    CertificateFactory(holder=entry.user, number="ZB2025000002X")
    return entry
