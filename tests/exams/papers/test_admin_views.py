"""Blueprints in the Wagtail admin: inline rules, 100 points, shortfalls named, scoped to own banks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import Role
from exams.bank.models import QuestionKind
from exams.papers.models import Blueprint, BlueprintRule
from tests.factories import (
    BlueprintFactory,
    MembershipFactory,
    OperationTypeFactory,
    OrganisationFactory,
    QuestionBankFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    operation_type = OperationTypeFactory()
    bank = QuestionBankFactory(organisation=OrganisationFactory())
    for _ in range(7):
        QuestionFactory(bank=bank, kind=QuestionKind.TRUE_FALSE, operation_types=[operation_type])
    for difficulty in (2, 2, 4):
        QuestionFactory(
            bank=bank,
            kind=QuestionKind.SINGLE,
            operation_types=[operation_type],
            knowledge_point="触电急救",
            difficulty=difficulty,
        )
    return bank


def form_data(bank, rules, **overrides):
    data = {
        "name": "低压电工理论考试",
        "bank": str(bank.pk),
        "operation_type": str(bank.questions.first().operation_types.first().pk),
        "time_limit_minutes": "120",
        "pass_mark": "80",
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, rule in enumerate(rules):
        for key, value in rule.items():
            data[f"rules-{index}-{key}"] = value
        data.setdefault(f"rules-{index}-id", "")
    data.update(overrides)
    return data


def rule(kind, count, points, knowledge_point="", difficulty=""):
    return {
        "kind": kind,
        "count": str(count),
        "points": str(points),
        "knowledge_point": knowledge_point,
        "difficulty": str(difficulty),
    }


def test_a_blueprint_of_100_points_the_bank_can_fill_is_saved_with_its_rules(admin_client, bank):
    # given: 5 × 10 true/false + 2 × 25 single choice of 触电急救 at difficulty 2
    data = form_data(bank, [rule("true_false", 5, 10), rule("single", 2, 25, "触电急救", 2)])

    # when
    response = admin_client.post("/admin/snippets/exams/blueprint/add/", data)

    # then
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    blueprint = Blueprint.objects.get()
    assert list(
        blueprint.rules.order_by("pk").values_list("kind", "count", "points", "knowledge_point", "difficulty")
    ) == [
        ("true_false", 5, Decimal("10.00"), "", None),
        ("single", 2, Decimal("25.00"), "触电急救", 2),
    ]


def test_a_blueprint_whose_points_are_not_100_is_refused(admin_client, bank):
    data = form_data(bank, [rule("true_false", 5, 10), rule("single", 2, 20)])

    response = admin_client.post("/admin/snippets/exams/blueprint/add/", data)

    assert response.status_code == 200
    assert "各题型分值合计应为 100 分，现为 90 分。" in response.content.decode()
    assert not Blueprint.objects.exists()


def test_a_blueprint_the_bank_cannot_fill_is_refused_with_the_shortfall_named(admin_client, bank):
    data = form_data(bank, [rule("true_false", 5, 10), rule("single", 2, 25, "触电急救", 4)])

    response = admin_client.post("/admin/snippets/exams/blueprint/add/", data)

    assert response.status_code == 200
    assert "单选题（知识点“触电急救”，难度 4）需要 2 道，题库仅有 1 道" in response.content.decode()
    assert not Blueprint.objects.exists()
    assert not BlueprintRule.objects.exists()


def staff_of(organisation):
    user = MembershipFactory(organisation=organisation, role=Role.TRAINER).user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="exams", codename__in=["add_blueprint", "change_blueprint", "view_blueprint"]
        ),
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
    )
    client = Client()
    client.force_login(user)
    return client


def test_organisation_staff_list_and_edit_only_their_own_banks_blueprints(bank):
    # given: one blueprint on the staff's bank, one on another organisation's bank
    own = BlueprintFactory(bank=bank, name="本机构组卷规则")
    other = BlueprintFactory(bank=QuestionBankFactory(organisation=OrganisationFactory()), name="他人组卷规则")
    client = staff_of(bank.organisation)

    # when
    listing = client.get("/admin/snippets/exams/blueprint/")
    own_edit = client.get(f"/admin/snippets/exams/blueprint/edit/{own.pk}/")
    other_edit = client.get(f"/admin/snippets/exams/blueprint/edit/{other.pk}/")

    # then
    html = listing.content.decode()
    assert "本机构组卷规则" in html
    assert "他人组卷规则" not in html
    assert own_edit.status_code == 200
    assert other_edit.status_code == 404


def test_organisation_staff_cannot_put_a_blueprint_on_another_organisations_bank(bank):
    other_bank = QuestionBankFactory(organisation=OrganisationFactory())
    client = staff_of(bank.organisation)
    data = form_data(bank, [rule("true_false", 5, 10), rule("single", 2, 25)])
    data["bank"] = str(other_bank.pk)

    response = client.post("/admin/snippets/exams/blueprint/add/", data)

    assert response.status_code == 200
    assert not Blueprint.objects.exists()


def test_blueprint_banks_follow_the_bank_rule_examiners_and_workers_edit_none(bank):
    # given: an examiner and a worker of the bank's organisation (no bank role)
    from exams.papers.admin_views import editable_banks

    examiner = MembershipFactory(organisation=bank.organisation, role=Role.EXAMINER).user
    trainer = MembershipFactory(organisation=bank.organisation, role=Role.TRAINER).user
    QuestionBankFactory(organisation=OrganisationFactory())

    # then: the blueprint form offers exactly the banks the bank rule lets them edit
    assert list(editable_banks(examiner)) == []
    assert list(editable_banks(trainer)) == [bank]
