"""Races that only a real database shows: the last seat, and two examiners submitting at once.

Each side runs in its own thread with its own PostgreSQL connection, released together
by a barrier; the row locks in the services must serialise them.
"""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Role
from exams.admission.models import ExamKind, Registration
from exams.admission.services import register_candidate
from exams.errors import ExamError
from exams.practical.models import PracticalResult
from exams.practical.services import open_score_sheet, submit_score_sheet
from tests.factories import (
    ExamSessionFactory,
    MembershipFactory,
    OperationTypeFactory,
    UserFactory,
    make_eligible,
    passed_theory_attempt,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_candidates_racing_for_the_last_seat_get_one_seat(race):
    assert connection.vendor == "postgresql"
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type], capacity=1)
    candidates = [UserFactory(), UserFactory()]
    for candidate in candidates:
        make_eligible(candidate, operation_type)

    outcomes = race(
        *[
            (
                lambda c=c: register_candidate(
                    session=session, candidate=c, operation_type=operation_type, registered_by=None
                )
            )
            for c in candidates
        ]
    )
    results = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, ExamError)]

    assert (len(results), [e.messages for e in errors]) == (1, [["本场次名额已满。"]])
    assert Registration.objects.filter(session=session).count() == 1


def test_two_examiners_submitting_the_same_candidate_at_once_make_one_result(practical, race):
    assert connection.vendor == "postgresql"
    passed_theory_attempt(practical.candidate, practical.operation_type)
    open_score_sheet(registration=practical.registration, examiner=practical.examiner)
    second = MembershipFactory(organisation=practical.site, role=Role.EXAMINER).user

    outcomes = race(
        lambda: submit_score_sheet(registration=practical.registration, examiner=practical.examiner),
        lambda: submit_score_sheet(registration=practical.registration, examiner=second),
    )
    results = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, ExamError)]

    assert len(results) == 1
    assert [e.code for e in errors] == ["already_submitted"]
    assert "如需更改请申请更正" in errors[0].messages[0]
    assert PracticalResult.objects.filter(registration=practical.registration).count() == 1
