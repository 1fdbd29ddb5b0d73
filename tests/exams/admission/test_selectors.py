"""Administration selectors read in a fixed number of queries, however many rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from exams.admission import selectors
from exams.admission.models import ExamKind
from tests.factories import (
    ExamSessionFactory,
    MembershipFactory,
    OrganisationFactory,
    PracticalResultFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def results(count: int, *, session, training, examiner):
    for _ in range(count):
        registration = RegistrationFactory(session=session, training_organisation=training)
        PracticalResultFactory(
            registration=registration, examiner=examiner, subject_scores={}, total=85, submitted_at=session.starts_at
        )


@pytest.mark.parametrize("rows", [1, 6])
def test_session_list_and_roster_take_a_fixed_number_of_queries(rows):
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL)
    regulator = MembershipFactory(organisation=session.authority, role=Role.REGULATOR).user
    results(rows, session=session, training=OrganisationFactory(), examiner=UserFactory())

    with CaptureQueriesContext(connection) as queries:
        sessions = list(selectors.sessions_for_regulator(regulator))
        names = [t.name for s in sessions for t in s.operation_types.all()]
        roster = [(r.candidate.real_name, r.practical_result.total) for r in selectors.session_roster(session)]

    assert (len(sessions), len(names), len(roster)) == (1, 1, rows)
    assert len(queries) == 4  # authorities, sessions, operation types, roster


@pytest.mark.parametrize("rows", [1, 6])
def test_pass_rates_and_workloads_take_a_fixed_number_of_queries(rows):
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL)
    training = OrganisationFactory()
    trainer = MembershipFactory(organisation=training, role=Role.TRAINER).user
    results(rows, session=session, training=training, examiner=UserFactory(real_name="赵考评"))
    results(2, session=session, training=OrganisationFactory(), examiner=UserFactory())  # another school's

    with CaptureQueriesContext(connection) as queries:
        by_site = selectors.pass_rates(trainer, by="site")
        workloads = selectors.examiner_workloads(trainer)

    assert [(r.sat, r.passed, r.rate) for r in by_site] == [(rows, rows, 100)]
    assert workloads == [{"examiner": "赵考评", "scored": rows, "passed": rows}]
    assert len(queries) == 6  # per selector: regulator authorities, training organisations, the aggregate
