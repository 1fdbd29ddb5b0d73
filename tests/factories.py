"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.identity import check_character
from accounts.models import Membership, Organisation, Role, User
from exams.admission.models import ExamKind, ExamSession, Registration
from exams.bank.models import Question, QuestionBank, QuestionKind
from exams.catalogue.models import OperationCategory, OperationType
from exams.papers.models import Blueprint, BlueprintRule
from exams.practical.models import PracticalRubric, RubricSubject


def make_id_number(birth: dt.date, serial: int = 123, region: str = "110101") -> str:
    """A checksum-valid ID number for a birth date; odd serial → male."""
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"张{'三四五六七八九'[n % 7]}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    phone_verified = True
    birth_date = dt.date(1990, 5, 17)
    id_number = factory.Sequence(lambda n: make_id_number(dt.date(1990, 5, 17), serial=(n % 999) + 1))
    sex = factory.LazyAttribute(lambda o: "M" if int(o.id_number[16]) % 2 else "F")
    education = "senior_middle"
    password = factory.django.Password("Demo-2026!")

    @factory.post_generation
    def set_hash(obj, create, extracted, **kwargs):
        from accounts.encryption import lookup_hash

        obj.id_number_hash = lookup_hash(obj.id_number) if obj.id_number else None
        if create:
            obj.save(update_fields=["id_number_hash"])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.TRAINING
    name = factory.Sequence(lambda n: f"机构{n}")
    code = factory.Sequence(lambda n: f"org{n}")
    grade = factory.LazyAttribute(lambda o: "A" if o.kind == Organisation.Kind.TRAINING else "")


class AuthorityFactory(OrganisationFactory):
    kind = Organisation.Kind.AUTHORITY
    name = factory.Sequence(lambda n: f"应急管理局{n}")
    code = factory.Sequence(lambda n: f"auth{n}")
    region = "北京市"
    region_code = "110000"


class ExamSiteFactory(OrganisationFactory):
    kind = Organisation.Kind.EXAM_SITE
    name = factory.Sequence(lambda n: f"考点{n}")
    code = factory.Sequence(lambda n: f"site{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.WORKER


class OperationCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationCategory
        django_get_or_create = ("code",)

    code = "01"
    name = "电工作业"


class OperationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationType
        django_get_or_create = ("code",)

    code = "0102"
    name = "低压电工作业"
    category = factory.SubFactory(OperationCategoryFactory)


class QuestionBankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionBank

    slug = factory.Sequence(lambda n: f"bank{n}")
    name = factory.Sequence(lambda n: f"题库{n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    bank = factory.SubFactory(QuestionBankFactory)
    kind = QuestionKind.SINGLE
    stem = factory.Sequence(lambda n: f"第{n}题：下列哪一项正确？")
    options = factory.LazyAttribute(
        lambda o: [] if o.kind == QuestionKind.TRUE_FALSE else [{"key": k, "text": f"选项{k}"} for k in "ABCD"]
    )
    answer = factory.LazyAttribute(lambda o: ["T"] if o.kind == QuestionKind.TRUE_FALSE else ["B"])

    @factory.post_generation
    def operation_types(obj, create, extracted, **kwargs):
        if create:
            obj.operation_types.add(*(extracted or [OperationTypeFactory()]))


class BlueprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Blueprint

    name = "低压电工理论考试"
    bank = factory.SubFactory(QuestionBankFactory)
    operation_type = factory.SubFactory(OperationTypeFactory)
    time_limit_minutes = 120
    pass_mark = 80


class BlueprintRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlueprintRule

    blueprint = factory.SubFactory(BlueprintFactory)
    kind = QuestionKind.SINGLE
    count = 5
    points = Decimal("10")


class PracticalRubricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticalRubric
        skip_postgeneration_save = True

    operation_type = factory.SubFactory(OperationTypeFactory)
    version = factory.Sequence(lambda n: n + 1)
    total_minutes = 60
    pass_mark = 80
    is_published = True

    @factory.post_generation
    def subjects(obj, create, extracted, **kwargs):
        if not create:
            return
        weights = extracted or {"K1": 20, "K2": 40, "K3": 20, "K4": 20}
        for code, weight in weights.items():
            RubricSubject.objects.create(
                rubric=obj, code=code, name=code, weight=weight, minutes=15, tasks=[rubric_task(f"{code}1")]
            )


def rubric_task(code: str) -> dict:
    """A task of two scored items (60 + 40 points) and one veto item."""
    return {
        "code": code,
        "name": f"考题{code}",
        "items": [
            {
                "code": f"{code}-1",
                "name": "操作",
                "points": 60,
                "deductions": [
                    {"code": "a", "text": "步骤错误", "points": 10},
                    {"code": "b", "text": "未完成", "points": 60},
                ],
            },
            {
                "code": f"{code}-2",
                "name": "安全",
                "points": 40,
                "deductions": [{"code": "a", "text": "未戴手套", "points": 20}],
            },
            {"code": f"{code}-V", "name": "带电作业", "veto": True},
        ],
    }


class ExamSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamSession
        skip_postgeneration_save = True

    kind = ExamKind.THEORY
    name = factory.Sequence(lambda n: f"场次{n}")
    authority = factory.SubFactory(AuthorityFactory)
    site = factory.SubFactory(ExamSiteFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=8))
    capacity = 50
    blueprint = factory.LazyAttribute(lambda o: BlueprintFactory() if o.kind == ExamKind.THEORY else None)
    rubric = factory.LazyAttribute(lambda o: PracticalRubricFactory() if o.kind == ExamKind.PRACTICAL else None)

    @factory.post_generation
    def operation_types(obj, create, extracted, **kwargs):
        if create:
            obj.operation_types.add(*(extracted or [OperationTypeFactory()]))


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(ExamSessionFactory)
    candidate = factory.SubFactory(UserFactory)
    operation_type = factory.SubFactory(OperationTypeFactory)
    status = Registration.Status.APPROVED
