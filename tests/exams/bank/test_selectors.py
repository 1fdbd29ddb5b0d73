"""Who reads and edits which bank (one test per branch), and the bank reads' query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from exams.bank.access import can_edit_bank, can_read_bank, is_bank_staff
from exams.bank.models import QuestionBank
from exams.bank.selectors import editable_banks, question_records, readable_banks, readable_questions
from exams.bank.services import revise_question
from exams.theory.item_statistics import NEGATIVE
from exams.theory.selectors import item_report
from exams.theory.services import save_answers, start_attempt, submit_attempt
from tests.factories import (
    AuthorityFactory,
    MembershipFactory,
    OrganisationFactory,
    QuestionBankFactory,
    QuestionFactory,
    UserFactory,
    make_theory,
    wrong_answer,
)

pytestmark = pytest.mark.django_db
Level = QuestionBank.Level


@pytest.fixture
def layers():
    """A province with a training organisation under it, and another province and organisation."""
    province = AuthorityFactory()
    organisation = OrganisationFactory(parent=province)
    other_province = AuthorityFactory()
    other_organisation = OrganisationFactory(parent=other_province)
    return {
        "province": province,
        "organisation": organisation,
        "national": QuestionBankFactory(level=Level.NATIONAL),
        "provincial": QuestionBankFactory(level=Level.PROVINCIAL, organisation=province),
        "own": QuestionBankFactory(level=Level.ORGANISATION, organisation=organisation),
        "other_provincial": QuestionBankFactory(level=Level.PROVINCIAL, organisation=other_province),
        "other": QuestionBankFactory(level=Level.ORGANISATION, organisation=other_organisation),
    }


def trainer_of(organisation, role=Role.TRAINER):
    return MembershipFactory(organisation=organisation, role=role).user


def test_anonymous_reads_and_edits_nothing(layers):
    user = AnonymousUser()
    assert not readable_banks(user).exists()
    assert not can_read_bank(user, layers["national"])
    assert is_bank_staff(user) is False


def test_a_worker_member_reads_no_bank(layers):
    worker = trainer_of(layers["organisation"], role=Role.WORKER)
    assert not readable_banks(worker).exists()
    assert is_bank_staff(worker) is False


def test_organisation_staff_edit_their_own_bank(layers):
    trainer = trainer_of(layers["organisation"])
    assert can_read_bank(trainer, layers["own"]) and can_edit_bank(trainer, layers["own"])
    assert list(editable_banks(trainer)) == [layers["own"]]


def test_organisation_staff_read_the_national_bank_but_do_not_edit_it(layers):
    trainer = trainer_of(layers["organisation"])
    assert can_read_bank(trainer, layers["national"]) and not can_edit_bank(trainer, layers["national"])


def test_organisation_staff_read_their_provinces_bank_but_do_not_edit_it(layers):
    trainer = trainer_of(layers["organisation"])
    assert can_read_bank(trainer, layers["provincial"]) and not can_edit_bank(trainer, layers["provincial"])


def test_organisation_staff_do_not_see_another_provinces_bank(layers):
    trainer = trainer_of(layers["organisation"])
    assert not can_read_bank(trainer, layers["other_provincial"])


def test_organisation_staff_do_not_see_another_organisations_bank(layers):
    trainer = trainer_of(layers["organisation"])
    assert not can_read_bank(trainer, layers["other"]) and not can_edit_bank(trainer, layers["other"])
    assert set(readable_banks(trainer)) == {layers["own"], layers["national"], layers["provincial"]}


def test_regulators_edit_their_provinces_bank(layers):
    regulator = trainer_of(layers["province"], role=Role.REGULATOR)
    assert can_edit_bank(regulator, layers["provincial"])
    assert set(readable_banks(regulator)) == {layers["provincial"], layers["national"]}


def test_staff_of_an_inactive_organisation_see_nothing(layers):
    trainer = trainer_of(layers["organisation"])
    layers["organisation"].is_active = False
    layers["organisation"].save(update_fields=["is_active"])
    assert not readable_banks(trainer).exists()


def test_administrators_read_and_edit_every_bank(layers):
    admin = UserFactory(is_superuser=True)
    assert readable_banks(admin).count() == 5
    assert all(can_edit_bank(admin, bank) for bank in QuestionBank.objects.all())


def test_system_administrators_by_role_read_and_edit_every_bank(layers):
    # given: a system administrator who is not a superuser
    admin = trainer_of(layers["province"], role=Role.ADMINISTRATOR)

    # then: the one bank rule lets them read and edit every bank, as superusers do
    assert readable_banks(admin).count() == 5
    assert all(can_edit_bank(admin, bank) for bank in QuestionBank.objects.all())


def test_an_administrator_of_an_inactive_organisation_reads_no_bank(layers):
    admin = trainer_of(layers["province"], role=Role.ADMINISTRATOR)
    layers["province"].is_active = False
    layers["province"].save(update_fields=["is_active"])

    assert not readable_banks(admin).exists()


def test_readable_questions_follow_the_banks(layers):
    trainer = trainer_of(layers["organisation"])
    mine = QuestionFactory(bank=layers["own"])
    QuestionFactory(bank=layers["other"])
    assert list(readable_questions(trainer)) == [mine]


def test_bank_list_runs_a_fixed_number_of_queries(layers, django_assert_num_queries):
    trainer = trainer_of(layers["organisation"])
    for bank in QuestionBank.objects.all():
        QuestionFactory(bank=bank)

    with django_assert_num_queries(2):  # the user's organisations, then the banks with counts
        banks = list(readable_banks(trainer))

    assert [bank.current_questions for bank in banks] == [1, 1, 1]


def test_question_records_run_two_queries_whatever_the_bank_size(django_assert_num_queries):
    bank = QuestionBankFactory()
    for _ in range(5):
        QuestionFactory(bank=bank)

    with django_assert_num_queries(2):
        records = question_records(bank)

    assert len(records) == 5


# --- Item statistics ---------------------------------------------------------------------


def test_item_report_reads_attempt_snapshots_and_flags_a_question_with_a_wrong_key(django_assert_num_queries):
    # given: one bank, four candidates whose papers hold all ten questions; the two strong
    # candidates (90 points) get the tricky question wrong, the two weak ones (10) only it right
    theory = make_theory(tf=5, single=5)
    bank = theory.blueprint.bank
    attempts = [start_attempt(registration=theory.registration)]
    for _ in range(3):
        other = make_theory(tf=0, single=0)
        other.session.blueprint = theory.blueprint
        other.session.save(update_fields=["blueprint"])
        other.session.operation_types.set([theory.operation_type])
        other.registration.operation_type = theory.operation_type
        other.registration.save(update_fields=["operation_type"])
        attempts.append(start_attempt(registration=other.registration))
    # each paper numbers its questions its own way: match them by the bank version
    versions = sorted(q["q"] for q in attempts[0].paper["questions"])
    tricky = versions[0]
    for attempt, strong in zip(attempts, (True, True, False, False), strict=True):
        good = set(versions) - {tricky} if strong else {tricky}
        answers = {q["id"]: q["answer"] if q["q"] in good else wrong_answer(q) for q in attempt.paper["questions"]}
        save_answers(attempt=attempt, answers=answers)
        submit_attempt(attempt=attempt)
    # an edit after the exam changes nothing in the statistics
    revise_question(question=bank.questions.get(pk=tricky), actor=None, stem="修订后的题干")

    # when
    with django_assert_num_queries(3):
        rows = item_report(bank)

    # then
    assert len(rows) == 10
    first = rows[0]
    assert first.question.pk == tricky
    assert (first.statistics.attempts, first.statistics.correct) == (4, 2)
    assert first.statistics.discrimination == -1.0
    assert NEGATIVE in first.statistics.flags


def test_bank_composition_counts_current_questions_by_knowledge_point_and_kind(django_assert_num_queries):
    # given
    from exams.bank.selectors import CompositionRow, bank_composition
    from exams.bank.services import retire_question

    bank = QuestionBankFactory()
    QuestionFactory(bank=bank, kind="single", knowledge_point="安全电压")
    QuestionFactory(bank=bank, kind="single", knowledge_point="安全电压")
    QuestionFactory(bank=bank, kind="true_false", knowledge_point="安全电压")
    QuestionFactory(bank=bank, kind="multiple", knowledge_point="触电急救", answer=["A", "B"])
    retired = QuestionFactory(bank=bank, kind="single", knowledge_point="触电急救")
    retire_question(question=retired, actor=None, reason="x")

    # when
    with django_assert_num_queries(1):
        rows = bank_composition(bank)

    # then
    assert rows == [CompositionRow("安全电压", 2, 0, 1), CompositionRow("触电急救", 0, 1, 0)]
    assert rows[0].total == 3


def test_item_report_can_be_limited_to_recent_attempts():
    # given: one attempt submitted long ago
    import datetime as dt

    from django.utils import timezone

    from exams.theory.models import Attempt

    theory = make_theory(tf=5, single=5)
    attempt = start_attempt(registration=theory.registration)
    submit_attempt(attempt=attempt)
    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() - dt.timedelta(days=100))
    bank = theory.blueprint.bank

    # when
    recent = item_report(bank, since=timezone.now() - dt.timedelta(days=90))
    everything = item_report(bank)

    # then
    assert recent == []
    assert len(everything) == 10
