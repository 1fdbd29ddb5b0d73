"""Certificate fixtures: an issuing authority, an operation type and a qualified holder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from certificates.models import Certificate
from certificates.services import issue_certificate
from exams.admission.models import ExamKind
from tests.factories import (
    HOLDER_ID,
    HOLDER_NAME,
    AuthorityFactory,
    ExamSessionFactory,
    MembershipFactory,
    OperationTypeFactory,
    PracticalResultFactory,
    RegistrationFactory,
    UserFactory,
    passed_theory_attempt,
    with_totp,
)


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


@pytest.fixture(autouse=True)
def _signing_key(settings, signing_key_pem):
    """Tests run with DEBUG off, where an empty SIGNING_KEY is refused: sign with a test key."""
    settings.SIGNING_KEY = signing_key_pem


@pytest.fixture
def authority():
    return AuthorityFactory(name="北京市应急管理局", code="bj-ajj")


@pytest.fixture
def operation_type():
    return OperationTypeFactory()


@pytest.fixture
def holder():
    return UserFactory(real_name=HOLDER_NAME, id_number=HOLDER_ID, sex="M")


@pytest.fixture
def issue(authority, operation_type, holder, django_capture_on_commit_callbacks):
    """Issue a certificate (running on-commit callbacks, so the PDF is rendered)."""

    def _issue(*, execute: bool = False, **overrides) -> Certificate:
        arguments = {
            "holder": holder,
            "operation_type": operation_type,
            "authority": authority,
            "issued_on": dt.date.today(),
            "actor": None,
            **overrides,
        }
        with django_capture_on_commit_callbacks(execute=execute):
            return issue_certificate(**arguments)

    return _issue


@pytest.fixture
def regulator(authority):
    membership = MembershipFactory(organisation=authority, role=Role.REGULATOR)
    return with_totp(membership.user)


@pytest.fixture
def qualification(holder, operation_type, authority):
    """A passed theory attempt and a passed practical result of the holder."""
    now = timezone.now()
    attempt = passed_theory_attempt(
        holder, operation_type, authority=authority, submitted_at=now - dt.timedelta(hours=1), score=Decimal("92")
    )
    practical_session = ExamSessionFactory(
        kind=ExamKind.PRACTICAL, authority=authority, operation_types=[operation_type]
    )
    practical = RegistrationFactory(candidate=holder, operation_type=operation_type, session=practical_session)
    examiner = UserFactory(real_name="考评员")
    result = PracticalResultFactory(
        registration=practical,
        examiner=examiner,
        subject_scores={"K1": "90.00", "K2": "85.00", "K3": "90.00", "K4": "100.00"},
        total=Decimal("90"),
        submitted_at=now,
    )
    return attempt, result, examiner
