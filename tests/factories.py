"""factory_boy factories and the data builders shared by every test module.

Tests import from here and from nowhere else in tests/ (tests/exams/hooks.py aside, which
settings name as a dotted path); shared fixtures live in the conftest.py files.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from accounts.encryption import lookup_hash
from accounts.identity import check_character
from accounts.models import Membership, Organisation, Role, User
from certificates.models import Certificate
from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage, Enrolment, LessonPage
from employers.models import Department, Post, StaffMember
from exams.admission.models import ExamKind, ExamSession, HealthCertificate, Registration
from exams.bank.models import Question, QuestionBank, QuestionKind
from exams.catalogue.models import Industry, OperationCategory, OperationType, QualificationKind, Subject
from exams.catalogue.services import subject_of
from exams.papers.models import Blueprint, BlueprintRule
from exams.practical.models import PracticalResult, PracticalRubric, RubricSubject
from exams.theory.models import Attempt

#: Every factory-made user's password, and seed_demo's.
PASSWORD = "Demo-2026!"


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
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def set_hash(obj, create, extracted, **kwargs):
        from accounts.encryption import lookup_hash

        obj.id_number_hash = lookup_hash(obj.id_number) if obj.id_number else None
        if create:
            obj.save(update_fields=["id_number_hash"])


class TOTPAuthenticatorFactory(factory.django.DjangoModelFactory):
    """A TOTP authenticator with a real secret: the second factor regulators, administrators
    and superusers need before any page opens (a test can compute its current code)."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(lambda: {"secret": encrypt(generate_totp_secret())})


def with_totp(user: User) -> User:
    """The user, given the second factor their role requires."""
    TOTPAuthenticatorFactory(user=user)
    return user


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
            types = extracted if extracted is not None else [OperationTypeFactory()]
            obj.operation_types.add(*types)
            obj.subjects.add(*(subject_of(t) for t in types))

    @factory.post_generation
    def subjects(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.subjects.add(*extracted)


def _subject_of_type(operation_type):
    return subject_of(operation_type) if operation_type is not None else None


class BlueprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Blueprint

    name = "低压电工理论考试"
    bank = factory.SubFactory(QuestionBankFactory)
    operation_type = factory.SubFactory(OperationTypeFactory)
    subject = factory.LazyAttribute(lambda o: _subject_of_type(o.operation_type))
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
            types = extracted if extracted is not None else [OperationTypeFactory()]
            obj.operation_types.add(*types)
            obj.subjects.add(*(subject_of(t) for t in types))


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(ExamSessionFactory)
    candidate = factory.SubFactory(UserFactory)
    operation_type = factory.SubFactory(OperationTypeFactory)
    subject = factory.LazyAttribute(lambda o: _subject_of_type(o.operation_type))
    status = Registration.Status.APPROVED
    #: An approved theory candidate has been checked in at the site (pass None to test the door).
    checked_in_at = factory.LazyAttribute(
        lambda o: (
            timezone.now() if o.status == Registration.Status.APPROVED and o.session.kind == ExamKind.THEORY else None
        )
    )


class AttemptFactory(factory.django.DjangoModelFactory):
    """A submitted, passed theory attempt (an empty paper), handed in three days ago."""

    class Meta:
        model = Attempt

    registration = factory.SubFactory(RegistrationFactory, session__kind=ExamKind.THEORY)
    candidate = factory.SelfAttribute("registration.candidate")
    submitted_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    started_at = factory.LazyAttribute(lambda o: (o.submitted_at or timezone.now()) - dt.timedelta(minutes=60))
    deadline = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(minutes=120))
    paper = factory.LazyFunction(lambda: {"pass_mark": 80, "questions": []})
    score = Decimal("90.00")
    passed = True


class PracticalResultFactory(factory.django.DjangoModelFactory):
    """A submitted, passed practical result on the session's rubric."""

    class Meta:
        model = PracticalResult

    registration = factory.SubFactory(RegistrationFactory, session__kind=ExamKind.PRACTICAL)
    examiner = factory.SubFactory(UserFactory)
    rubric = factory.SelfAttribute("registration.session.rubric")
    subject_scores = factory.LazyFunction(lambda: {"K1": "90.00", "K2": "90.00", "K3": "90.00", "K4": "90.00"})
    total = Decimal("90")
    passed = True
    submitted_at = factory.LazyFunction(timezone.now)


class HealthCertificateFactory(factory.django.DjangoModelFactory):
    """A health certificate (a tiny PDF) issued a month ago."""

    class Meta:
        model = HealthCertificate

    user = factory.SubFactory(UserFactory)
    file = factory.django.FileField(data=b"%PDF-1.4\n%%EOF\n", filename="health.pdf")
    content_type = "application/pdf"
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


# --- the Wagtail page tree (pages are made with Wagtail's tree helpers, not factories) -------


@dataclass
class CourseTree:
    home: HomePage
    index: CourseIndexPage
    course: CoursePage
    lessons: list[LessonPage]


def root_page() -> Page:
    """The tree's root: Wagtail's migrations make it, but a flushed (transactional-test) database has none."""
    root = Page.get_first_root_node()
    if root is None:
        locale, _created = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def build_home() -> HomePage:
    """Root → HomePage, made the default site's root."""
    home = root_page().add_child(instance=HomePage(title="考证首页", slug="kaozheng"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


def add_course(
    index: CourseIndexPage, *, title: str, operation_type=None, lesson_minutes=(1, 2), theory_hours=0
) -> CourseTree:
    course = index.add_child(
        instance=CoursePage(
            title=title,
            operation_type=operation_type or OperationTypeFactory(),
            theory_hours=theory_hours,
            practical_hours=1,
        )
    )
    lessons = [
        course.add_child(instance=LessonPage(title=f"{title} 第{n}课", minutes=minutes))
        for n, minutes in enumerate(lesson_minutes, start=1)
    ]
    return CourseTree(home=index.get_parent().specific, index=index, course=course, lessons=lessons)


def build_course_tree(*, lesson_minutes=(1, 2)) -> CourseTree:
    """Root → HomePage → CourseIndexPage → CoursePage → LessonPage × len(lesson_minutes)."""
    home = build_home()
    index = home.add_child(instance=CourseIndexPage(title="低压电工培训", organisation=OrganisationFactory()))
    return add_course(index, title="低压电工作业", lesson_minutes=lesson_minutes)


def add_check_question(lesson: LessonPage, *, block_id: str = "check-1", correct=(1,)) -> LessonPage:
    """Append a check question (options A–C, ``correct`` by index) to a lesson and publish it."""
    raw = list(lesson.body.raw_data)
    raw.append(
        {
            "type": "check",
            "id": block_id,
            "value": {
                "question": "停电检修的第一步是什么？",
                "options": [
                    {"type": "item", "id": f"{block_id}-{n}", "value": {"text": text, "correct": n in correct}}
                    for n, text in enumerate(["验电", "停电", "挂牌"])
                ],
                "explanation": "先停电，再验电。",
            },
        }
    )
    lesson.body = raw
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)


def training_course(operation_type: OperationType) -> CoursePage:
    """A course of the operation type, in a new training organisation's course index under the root."""
    organisation = OrganisationFactory()
    index = root_page().add_child(
        instance=CourseIndexPage(
            title=f"{organisation.name} 课程", slug=f"idx-{organisation.code}", organisation=organisation
        )
    )
    return index.add_child(
        instance=CoursePage(
            title="低压电工作业(初训)", slug=f"course-{organisation.code}", operation_type=operation_type
        )
    )


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """An enrolment on a course of its own (of ``operation_type``, 0102 unless given);
    ``completed=True`` for training completed now."""

    class Meta:
        model = Enrolment

    class Params:
        operation_type = None
        completed = factory.Trait(completed_at=factory.LazyFunction(timezone.now))

    learner = factory.SubFactory(UserFactory)
    course = factory.LazyAttribute(lambda o: training_course(o.operation_type or OperationTypeFactory()))
    completed_at = None


# --- exams: an open theory session, eligibility, a passed theory part ------------------------


@dataclass
class Theory:
    operation_type: OperationType
    blueprint: Blueprint
    session: ExamSession
    registration: Registration

    @property
    def candidate(self):
        return self.registration.candidate


def make_theory(*, candidate=None, tf: int = 12, single: int = 8) -> Theory:
    """A theory session open now: 5 true/false + 5 single choice of 10 points each."""
    operation_type = OperationTypeFactory()
    bank = QuestionBankFactory()
    for _ in range(tf):
        QuestionFactory(bank=bank, kind=QuestionKind.TRUE_FALSE, operation_types=[operation_type])
    for _ in range(single):
        QuestionFactory(bank=bank, kind=QuestionKind.SINGLE, operation_types=[operation_type])
    blueprint = BlueprintFactory(bank=bank, operation_type=operation_type)
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=5, points=Decimal(10))
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.SINGLE, count=5, points=Decimal(10))
    session = ExamSessionFactory(
        kind=ExamKind.THEORY,
        blueprint=blueprint,
        operation_types=[operation_type],
        starts_at=timezone.now() - dt.timedelta(hours=4),
    )
    registration = RegistrationFactory(
        session=session, candidate=candidate or UserFactory(), operation_type=operation_type
    )
    return Theory(operation_type=operation_type, blueprint=blueprint, session=session, registration=registration)


def answer_key(attempt: Attempt) -> dict[int, list[str]]:
    """The right answer to every question of the attempt's paper."""
    return {q["id"]: q["answer"] for q in attempt.paper["questions"]}


def wrong_answer(question: dict) -> list[str]:
    """A wrong answer to a question of a paper (either snapshot form)."""
    if "options" in question:
        keys = [o["key"] for o in question["options"]]
    else:
        keys = list("ABCDEFGH"[: len(question["o"])]) or ["T", "F"]
    return [next(k for k in keys if k not in question["answer"])]


def make_eligible(learner, operation_type: OperationType) -> Enrolment:
    """Training completed and a health certificate: what every registration needs."""
    HealthCertificateFactory(user=learner)
    return EnrolmentFactory(learner=learner, operation_type=operation_type, completed=True)


def passed_theory_attempt(candidate, operation_type: OperationType, *, authority=None, **fields) -> Attempt:
    """A submitted, passed theory attempt for the candidate, in a theory session of its own
    (planned by ``authority`` if given); ``fields`` override the attempt's (submitted_at, score)."""
    planned_by = {"authority": authority} if authority else {}
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type], **planned_by)
    registration = RegistrationFactory(session=session, candidate=candidate, operation_type=operation_type)
    return AttemptFactory(registration=registration, **fields)


# --- question files for the importers ------------------------------------------------------


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def moodle_with_file(content: str, name: str = "电路图.png") -> bytes:
    """A Moodle XML quiz of one true/false question whose text embeds the file (base64 ``content``)."""
    return (
        "<quiz><question type='truefalse'><questiontext format='html'>"
        f"<text><![CDATA[<p>看图判断</p><img src='@@PLUGINFILE@@/{name}'>]]></text>"
        f"<file name='{name}' path='/' encoding='base64'>{content}</file>"
        "</questiontext><answer fraction='100'><text>true</text></answer></question></quiz>"
    ).encode()


# --- certificates: the qualified holder ------------------------------------------------------

HOLDER_NAME = "王小明"
HOLDER_ID = make_id_number(dt.date(1988, 8, 8), serial=135, region="110105")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """An .xlsx whose first sheet holds ``rows``, as an upload would carry it."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- certificates of both kinds, made directly (issuing is tested in tests/certificates) -----


def management_subject(*, post: str = "safety_manager", industry_code: str = "hazchem") -> Subject:
    """The three-post subject for ``post`` in an industry (hazardous chemicals: high risk)."""
    kind, _created = QualificationKind.objects.get_or_create(
        code=QualificationKind.Code.MANAGEMENT, defaults={"name": "安全生产知识和管理能力考核合格证"}
    )
    industry, _created = Industry.objects.get_or_create(
        code=industry_code, defaults={"name": "危险化学品", "high_risk": True}
    )
    names = {"principal": "主要负责人", "safety_manager": "安全管理人员"}
    subject, _created = Subject.objects.get_or_create(
        post=post,
        industry=industry,
        defaults={"code": f"{industry_code}-{post}", "kind": kind, "name": f"{industry.name}{names[post]}"},
    )
    return subject


class CertificateFactory(factory.django.DjangoModelFactory):
    """A valid special-operations certificate of 0102 issued a year ago (pass ``subject``
    of the management kind and ``operation_type=None`` for a three-post certificate)."""

    class Meta:
        model = Certificate

    holder = factory.SubFactory(UserFactory)
    operation_type = factory.SubFactory(OperationTypeFactory)
    subject = factory.LazyAttribute(lambda o: subject_of(o.operation_type))
    authority = factory.SubFactory(AuthorityFactory)
    number = factory.Sequence(lambda n: f"TEST2026{n:06d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    first_issued_on = factory.SelfAttribute("issued_on")
    valid_until = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=6 * 365))
    review_due = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=3 * 365))
    holder_name = factory.LazyAttribute(lambda o: o.holder.real_name)


# --- employers: the workspace and its staff register -----------------------------------------


class EmployerFactory(OrganisationFactory):
    kind = Organisation.Kind.EMPLOYER
    name = factory.Sequence(lambda n: f"化工企业{n}")
    code = factory.Sequence(lambda n: f"firm{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    organisation = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"车间{n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    organisation = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"岗位{n}")
    new_worker_education = True
    high_risk = False

    @factory.post_generation
    def required_subjects(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.required_subjects.set(extracted)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    """A register entry awaiting the person's consent; ``consented=True`` gives them an
    account (same ID number) that agreed."""

    class Meta:
        model = StaffMember

    class Params:
        consented = factory.Trait(
            user=factory.SubFactory(
                UserFactory, id_number=factory.SelfAttribute("..id_number"), real_name=factory.SelfAttribute("..name")
            ),
            consent=StaffMember.Consent.GIVEN,
            consent_changed_at=factory.LazyFunction(timezone.now),
        )

    organisation = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"李{'一二三四五六七八九'[n % 9]}")
    id_number = factory.Sequence(lambda n: make_id_number(dt.date(1986, 6, 6), serial=(n % 999) + 1, region="370303"))
    id_number_hash = factory.LazyAttribute(lambda o: lookup_hash(o.id_number))
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    consent = StaffMember.Consent.PENDING


def employer_staff(organisation: Organisation, **user_fields) -> User:
    """A person with the employer role (safety officer, HR) in ``organisation``."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=organisation, role=Role.EMPLOYER)
    return user


# --- campaigns: public quiz campaigns -------------------------------------------------------


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "campaigns.District"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"1309{n:02d}")
    name = factory.Sequence(lambda n: f"区县{n}")


def make_campaign(*, questions: int = 12, organisation: Organisation | None = None, **fields):
    """An open campaign (today ± 10 days) over a bank of single-choice questions (key B),
    created through the service by a regulator of ``organisation`` (an authority)."""
    from campaigns.services import CampaignInput, create_campaign

    organisation = organisation or AuthorityFactory()
    actor = MembershipFactory(organisation=organisation, role=Role.REGULATOR).user
    bank = QuestionBankFactory(level=QuestionBank.Level.NATIONAL)
    for _ in range(questions):
        QuestionFactory(bank=bank, explanation="因为B正确。")
    today = timezone.localdate()
    data = {
        "slug": f"quiz-{bank.slug}",
        "title": "安全生产月知识竞赛",
        "starts_on": today - dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=10),
        "banks": [bank],
        "paper_size": 10,
        **fields,
    }
    return create_campaign(actor=actor, organisation=organisation, data=CampaignInput(**data))


# --- three-post personnel (principal leaders, safety managers): the management kind ---------


def management_course(subject: Subject, *, theory_hours: int = 48, purpose: str = "initial", lesson_minutes=(1,)):
    """A course for a three-post subject (no operation type), with its lessons."""
    organisation = OrganisationFactory()
    index = root_page().add_child(
        instance=CourseIndexPage(
            title=f"{organisation.name} 课程", slug=f"idx-{organisation.code}", organisation=organisation
        )
    )
    course = index.add_child(
        instance=CoursePage(
            title=f"{subject.name}({purpose})",
            slug=f"course-{organisation.code}",
            audience_kind=subject.kind,
            audience_subject=subject,
            purpose=purpose,
            theory_hours=theory_hours,
        )
    )
    for number, minutes in enumerate(lesson_minutes, start=1):
        course.add_child(instance=LessonPage(title=f"第{number}课", slug=f"lesson-{number}", minutes=minutes))
    return course


def make_management_theory(*, candidate=None, subject: Subject | None = None, purpose: str = "certification") -> Theory:
    """A computer exam for a three-post subject open now (no operation type): 5 true/false
    + 5 single choice of 10 points each, from questions of the subject only."""
    subject = subject or management_subject()
    bank = QuestionBankFactory()
    for _ in range(8):
        QuestionFactory(bank=bank, kind=QuestionKind.TRUE_FALSE, operation_types=[], subjects=[subject])
        QuestionFactory(bank=bank, kind=QuestionKind.SINGLE, operation_types=[], subjects=[subject])
    blueprint = BlueprintFactory(bank=bank, operation_type=None, subject=subject)
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=5, points=Decimal(10))
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.SINGLE, count=5, points=Decimal(10))
    session = ExamSessionFactory(
        kind=ExamKind.THEORY,
        purpose=purpose,
        blueprint=blueprint,
        operation_types=[],
        starts_at=timezone.now() - dt.timedelta(hours=4),
    )
    session.subjects.add(subject)
    registration = RegistrationFactory(
        session=session, candidate=candidate or UserFactory(), operation_type=None, subject=subject
    )
    return Theory(operation_type=None, blueprint=blueprint, session=session, registration=registration)  # type: ignore[arg-type]


def lose_this_database_connection() -> int:
    """PostgreSQL ends this thread's kept connection (a restart, a pooler's idle timeout),
    as seen from another connection; returns the ended backend's pid."""
    from django.db import connection, connections

    backend_pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    other.close()
    return backend_pid
