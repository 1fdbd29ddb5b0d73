"""Idempotent demo data, exactly as CONTRACT.md describes.

Run it as often as you like: every object is looked up before it is created, and a new
day gets its own "today" exam sessions.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from accounts.models import Education, Membership, Organisation, Role, User
from accounts.services import set_identity
from certificates.models import Certificate
from certificates.services import issue_certificate
from cms.models import HomePage
from courses.models import CheckAnswer, CourseIndexPage, CoursePage, Enrolment, LessonPage, LessonProgress
from courses.services import answer_check_question, check_questions
from exams.admission.models import ExamKind, ExamSession, ExamSiteProfile, HealthCertificate, Registration
from exams.admission.services import check_in_candidate, decide_registration, register_candidate
from exams.bank.models import Question, QuestionBank, QuestionKind
from exams.catalogue.models import OperationType
from exams.catalogue.services import load_catalogue
from exams.papers.models import Blueprint, BlueprintRule
from exams.practical.models import PracticalRubric
from exams.practical.rubrics import seed_rubrics

DEMO_PASSWORD = "Demo-2026!"  # noqa: S105 - documented demo password, refused when DEBUG is off
DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"

# (username, real name, ID number, phone, role, organisation key)
DEMO_USERS = [
    ("worker", "李明", "110101199003071233", "13800000001", Role.WORKER, "training"),
    ("trainer", "王芳", "110101198507150029", "13800000002", Role.TRAINER, "training"),
    ("examiner", "赵强", "110101197811200030", "13800000003", Role.EXAMINER, "site"),
    ("regulator", "陈静", "110101198202280041", "13800000004", Role.REGULATOR, "authority"),
    ("admin", "系统管理员", "", "13800000005", Role.ADMINISTRATOR, "authority"),
    ("employer", "孙丽", "370303198604180029", "13800000006", Role.EMPLOYER, "employer"),
    # Three-post personnel of the chemicals firm: a safety manager holding the management
    # certificate, and the principal leader half-way through the 48-hour initial training.
    ("manager", "周华", "370303198005120032", "13800000008", Role.WORKER, "training"),
    ("principal", "吴刚", "370303197509230011", "13800000009", Role.WORKER, "training"),
]


class Command(BaseCommand):
    help = "Load the demo data and accounts (refused when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password; it refuses to run when DEBUG is off."
            )
        with transaction.atomic():
            load_catalogue()
            seed_rubrics()
            orgs = self._organisations()
            users = self._users(orgs)
            home = self._home_page()
            course = self._course(home, orgs["training"])
            self._course_authoring(orgs, users)
            self._complete_training(users["worker"], course)
            blueprint = self._bank_and_blueprint()
            self._bank_layers(orgs, users)
            theory, practical = self._sessions_today(orgs, blueprint)
            self._exam_site_and_health(orgs, users["worker"], practical)
        # Registration and issuance run their own transactions (and queue the PDF).
        self._register(users["worker"], theory, orgs["training"], users["trainer"])
        self._check_in(users["worker"], theory, users["examiner"])
        self._register(users["worker"], practical, orgs["training"], users["trainer"])
        self._existing_certificate(users["worker"], orgs["authority"], users["regulator"])
        self._certificate_due_for_review(users["worker"], orgs["authority"], users["regulator"])
        self._staff_register(orgs["employer"], users["employer"], users["worker"])
        self._quiz_campaign(orgs["authority"], users["regulator"])
        self._assessment_event(orgs, users["regulator"], blueprint)
        self._three_posts(orgs, users)
        self._three_posts_in_register(orgs["employer"], users["employer"], [users["manager"], users["principal"]])
        self.stdout.write(
            self.style.SUCCESS(
                "demo data ready: users worker, trainer, examiner, regulator, admin, employer, manager, principal"
            )
        )

    # --- organisations and people -------------------------------------------------------

    def _organisations(self) -> dict[str, Organisation]:
        authority, _ = Organisation.objects.get_or_create(
            code="bj-yjj",
            defaults={
                "kind": Organisation.Kind.AUTHORITY,
                "name": "北京市应急管理局",
                "region": "北京市",
                "region_code": "110000",
            },
        )
        training, _ = Organisation.objects.get_or_create(
            code="anda-training",
            defaults={
                "kind": Organisation.Kind.TRAINING,
                "name": "安达安全技术培训学校",
                "grade": "A",
                "parent": authority,
            },
        )
        site, _ = Organisation.objects.get_or_create(
            code="bj-site-01",
            defaults={"kind": Organisation.Kind.EXAM_SITE, "name": "北京市特种作业实操考点(朝阳)", "parent": authority},
        )
        employer, _ = Organisation.objects.get_or_create(
            code="zb-antai",
            defaults={"kind": Organisation.Kind.EMPLOYER, "name": "淄博安泰化工有限公司", "region": "山东省淄博市"},
        )
        return {"authority": authority, "training": training, "site": site, "employer": employer}

    def _users(self, orgs: dict[str, Organisation]) -> dict[str, User]:
        users = {}
        for username, real_name, id_number, phone, role, org_key in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username, email=f"{username}@demo.kaozheng.local", phone=phone, phone_verified=True
                )
                user.set_password(DEMO_PASSWORD)
                user.is_staff = role not in (Role.WORKER, Role.EMPLOYER)
                user.is_superuser = role == Role.ADMINISTRATOR
                user.real_name = real_name
                user.save()
                if id_number:
                    set_identity(user=user, real_name=real_name, id_number=id_number, education=Education.COLLEGE)
                EmailAddress.objects.get_or_create(
                    user=user, email=user.email, defaults={"verified": True, "primary": True}
                )
            Membership.objects.get_or_create(user=user, organisation=orgs[org_key], role=role)
            users[username] = user
        return users

    # --- content --------------------------------------------------------------------------

    def _home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node() or self._page_tree_root()
            home = HomePage(
                title="考证 · 特种作业培训考试",
                slug="home",
                intro="<p>学习、考试、即考即领证书，随时核验。</p>",
            )
            # Wagtail's installer leaves a "Welcome" page (slug "home") at the site root;
            # it goes, and the default site is pointed at the new home page below.
            Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
            root.add_child(instance=home)
            home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="考证")
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = "考证"
            site.save(update_fields=["root_page", "site_name"])
        return home

    def _page_tree_root(self) -> Page:
        """Wagtail's migrations create the root page; a flushed database has none."""
        locale, _ = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        return Page.add_root(instance=Page(title="Root", slug="root", locale=locale))

    def _course(self, home: HomePage, training: Organisation) -> CoursePage:
        index = CourseIndexPage.objects.filter(organisation=training).first()
        if index is None:
            index = CourseIndexPage(title="安达安全技术培训学校 · 课程", slug="anda", organisation=training)
            home.add_child(instance=index)
            index.save_revision().publish()
        course = CoursePage.objects.child_of(index).filter(slug="low-voltage-initial").first()
        if course is None:
            course = CoursePage(
                title="低压电工作业(初训)",
                slug="low-voltage-initial",
                operation_type=OperationType.objects.get(code="0102"),
                theory_hours=1,
                practical_hours=0,
                outline="<p>安全生产法律法规、电工基础、电气安全技术、触电急救与电气防火。</p>",
            )
            index.add_child(instance=course)
            course.save_revision().publish()
        lessons = [
            (
                "第一课 电气安全基础",
                "lesson-1",
                [
                    ("heading", "安全电压与触电防护"),
                    (
                        "paragraph",
                        "<p>我国安全电压额定值的等级为 42 V、36 V、24 V、12 V 和 6 V。"
                        "在潮湿、狭窄的金属容器内作业，应使用 12 V 安全电压。</p>"
                        "<p>停电检修必须执行<b>停电、验电、装设接地线、悬挂标示牌和装设遮栏</b>的安全技术措施。</p>",
                    ),
                ],
            ),
            (
                "第二课 触电急救与电气防火",
                "lesson-2",
                [
                    ("heading", "发现有人触电怎么办"),
                    (
                        "paragraph",
                        "<p>首先迅速使触电者脱离电源：拉闸断电，或用干燥的绝缘物挑开电线，切不可徒手拉扯。</p>"
                        "<p>心肺复苏按压与通气之比为 30:2。带电设备着火应使用二氧化碳或干粉灭火器。</p>",
                    ),
                ],
            ),
        ]
        for title, slug, body in lessons:
            if not LessonPage.objects.child_of(course).filter(slug=slug).exists():
                lesson = LessonPage(title=title, slug=slug, minutes=30, body=body)
                course.add_child(instance=lesson)
                lesson.save_revision().publish()
        return course

    def _course_authoring(self, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
        """The training organisation's CMS section, its trainer as editor, the regulator as reviewer."""
        from courses.sections import grant_review_access, grant_section_access

        section = grant_section_access(user=users["trainer"], organisation=orgs["training"])
        grant_review_access(user=users["regulator"])
        self._lesson_media(section)
        self._notice()

    def _lesson_media(self, section) -> None:
        """An illustrated first lesson and a check question in the second (added once)."""
        from io import BytesIO

        from django.core.files.images import ImageFile
        from PIL import Image as PILImage
        from PIL import ImageDraw
        from wagtail.images import get_image_model

        lessons = list(LessonPage.objects.descendant_of(section.index_page).filter(slug__in=["lesson-1", "lesson-2"]))
        by_slug = {lesson.slug: lesson for lesson in lessons}
        first, second = by_slug.get("lesson-1"), by_slug.get("lesson-2")
        if first is not None and not any(block.block_type == "image" for block in first.body):
            canvas = PILImage.new("RGB", (960, 540), (255, 214, 0))
            draw = ImageDraw.Draw(canvas)
            draw.polygon([(480, 60), (820, 480), (140, 480)], fill=(20, 20, 20))
            draw.polygon([(480, 130), (740, 445), (220, 445)], fill=(255, 214, 0))
            draw.polygon([(500, 190), (420, 330), (480, 330), (450, 420), (550, 280), (490, 280)], fill=(20, 20, 20))
            buffer = BytesIO()
            canvas.save(buffer, "PNG", optimize=True)
            image = get_image_model().objects.create(
                title="当心触电", file=ImageFile(buffer, name="danger-electric.png"), collection=section.collection
            )
            raw = list(first.body.raw_data)
            raw.insert(1, {"type": "image", "value": {"image": image.pk, "caption": "当心触电警告标志"}})
            first.body = raw
            first.save_revision().publish()
        if second is not None and not any(
            block.block_type == "check" and all(option["text"] for option in block.value["options"])
            for block in second.body
        ):
            # An earlier seed wrote the options without their item ids, which Wagtail reads as
            # blank options ("None"); such a block is replaced by a well-formed one.
            raw = [block for block in second.body.raw_data if block["type"] != "check"]
            options = [("30:2", True), ("15:2", False), ("5:1", False)]
            raw.append(
                {
                    "type": "check",
                    "id": "demo-cpr-ratio",
                    "value": {
                        "question": "成人心肺复苏时，胸外按压与人工呼吸的比例是多少？",
                        "options": [
                            {"type": "item", "id": f"demo-cpr-ratio-{n}", "value": {"text": t, "correct": c}}
                            for n, (t, c) in enumerate(options)
                        ],
                        "explanation": "按压与通气之比为 30:2。",
                    },
                }
            )
            second.body = raw
            second.save_revision().publish()

    def _notice(self) -> None:
        from cms.models import NoticePage

        home = HomePage.objects.first()
        if home is None or NoticePage.objects.filter(slug="exam-notice-demo").exists():
            return
        notice = NoticePage(
            title="关于本月特种作业操作证理论考试安排的公告",
            slug="exam-notice-demo",
            kind=NoticePage.Kind.EXAM,
            published_on=timezone.localdate(),
            body=[("paragraph", "<p>理论考试在考点机房进行，请携带身份证提前 30 分钟到场。</p>")],
        )
        home.add_child(instance=notice)
        notice.save_revision().publish()

    def _complete_training(self, worker: User, course: CoursePage) -> None:
        """The demo worker has studied every lesson to its full length."""
        enrolment, _ = Enrolment.objects.get_or_create(learner=worker, course=course)
        now = timezone.now()
        for lesson in LessonPage.objects.child_of(course).live():
            LessonProgress.objects.update_or_create(
                enrolment=enrolment,
                lesson=lesson,
                defaults={"seconds": lesson.minutes * 60, "completed_at": now, "last_heartbeat_at": now},
            )
        self._answer_checks(worker, course)
        if enrolment.completed_at is None:
            enrolment.completed_at = now
            enrolment.save(update_fields=["completed_at"])

    # --- exams ---------------------------------------------------------------------------

    def _bank_and_blueprint(self) -> Blueprint:
        data = json.loads((DEMO_DIR / "questions.json").read_text(encoding="utf-8"))
        operation_type = OperationType.objects.get(code=data["operation_type"])
        bank, _ = QuestionBank.objects.get_or_create(
            slug="demo",
            # The demo authority publishes its bank for practice (as national banks commonly are).
            defaults={
                "name": "低压电工作业演示题库",
                "level": QuestionBank.Level.PROVINCIAL,
                "public_for_practice": True,
            },
        )
        if not bank.questions.exists():
            for question in _seed_questions(bank, data):
                question.operation_types.add(operation_type)
        blueprint, created = Blueprint.objects.get_or_create(
            bank=bank,
            operation_type=operation_type,
            name="低压电工作业理论考试(演示)",
            defaults={"time_limit_minutes": 120, "pass_mark": 80},
        )
        if created:
            BlueprintRule.objects.create(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=6, points=Decimal(10))
            BlueprintRule.objects.create(blueprint=blueprint, kind=QuestionKind.SINGLE, count=4, points=Decimal(10))
        return blueprint

    def _bank_layers(self, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
        """The demo bank is the authority's provincial bank, with multiple choice too; the
        training organisation has its own bank; trainer and regulator reach the admin."""
        from django.contrib.auth.models import Permission

        from exams.bank.importers.records import build_record
        from exams.bank.selectors import bank_fingerprints
        from exams.bank.services import import_questions

        data = json.loads((DEMO_DIR / "questions.json").read_text(encoding="utf-8"))
        bank = QuestionBank.objects.get(slug="demo")
        if bank.organisation_id is None:
            bank.organisation = orgs["authority"]
            bank.save(update_fields=["organisation"])
        records = [
            build_record(
                number,
                kind="multiple",
                stem=stem,
                options=[f"{key}. {text}" for key, text in zip("ABCD", options, strict=True)],
                answer=key,
                knowledge_point=point,
                explanation=explanation,
                operation_types=data["operation_type"],
            )
            for number, (stem, options, key, point, explanation) in enumerate(data.get("multiple", []), start=1)
        ]
        existing = bank_fingerprints(bank)
        if any(record.fingerprint not in existing for record in records):
            import_questions(bank=bank, records=records, actor=None, skip_duplicates=True, source="seed_demo")
        QuestionBank.objects.get_or_create(
            slug="anda-training",
            defaults={
                "name": "安达安全技术培训学校题库",
                "level": QuestionBank.Level.ORGANISATION,
                "organisation": orgs["training"],
            },
        )
        access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        for username in ("trainer", "regulator"):
            users[username].user_permissions.add(access_admin)

    def _sessions_today(self, orgs: dict[str, Organisation], blueprint: Blueprint) -> tuple[ExamSession, ExamSession]:
        today = timezone.localdate()
        start = timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0)))
        end = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 59)))
        operation_type = blueprint.operation_type
        rubric = PracticalRubric.objects.filter(operation_type=operation_type, is_published=True).latest("version")
        sessions = []
        for kind, title, capacity, paper in [
            (ExamKind.THEORY, "低压电工作业理论考试", 200, {"blueprint": blueprint}),
            (ExamKind.PRACTICAL, "低压电工作业实操考试", 40, {"rubric": rubric}),
        ]:
            session, created = ExamSession.objects.get_or_create(
                kind=kind,
                name=f"{today:%Y-%m-%d} {title}",
                defaults={
                    "authority": orgs["authority"],
                    "site": orgs["site"],
                    "starts_at": start,
                    "ends_at": end,
                    "capacity": capacity,
                    **paper,
                },
            )
            if created:
                session.operation_types.add(operation_type)
            sessions.append(session)
        theory, practical = sessions
        return theory, practical

    def _register(self, worker: User, session: ExamSession, training: Organisation, trainer: User) -> None:
        if Registration.objects.filter(session=session, candidate=worker).exists():
            return
        registration = register_candidate(
            session=session,
            candidate=worker,
            operation_type=session.operation_types.get(),
            registered_by=trainer,
            training_organisation=training,
        )
        if registration.status != Registration.Status.APPROVED:
            regulator = User.objects.get(username="regulator")
            decide_registration(registration=registration, approve=True, actor=regulator)

    def _check_in(self, worker: User, session: ExamSession, examiner: User) -> None:
        """The examiner has checked the worker in at the site, so today's theory exam can start."""
        registration = Registration.objects.get(session=session, candidate=worker)
        if registration.checked_in_at is None:
            check_in_candidate(examiner=examiner, ticket_code=registration.ticket_code or "", session=session)

    def _exam_site_and_health(self, orgs: dict[str, Organisation], worker: User, practical: ExamSession) -> None:
        """The demo site's practical equipment, and the worker's health certificate."""
        profile, _created = ExamSiteProfile.objects.get_or_create(
            organisation=orgs["site"], defaults={"address": "北京市朝阳区安全路 1 号", "capacity": 40}
        )
        profile.operation_types.add(*practical.operation_types.all())
        if not HealthCertificate.objects.filter(user=worker).exists():
            HealthCertificate.objects.create(
                user=worker,
                file=ContentFile(b"%PDF-1.4\n% demo health certificate\n%%EOF\n", name="health.pdf"),
                content_type="application/pdf",
                issued_on=timezone.localdate() - dt.timedelta(days=30),
            )

    def _existing_certificate(self, worker: User, authority: Organisation, regulator: User) -> None:
        """A certificate issued two years ago, so verification can be tried at once."""
        operation_type = OperationType.objects.get(code="0302")
        if Certificate.objects.filter(holder=worker, operation_type=operation_type).exists():
            return
        today = timezone.localdate()
        issued_on = (
            today.replace(year=today.year - 2)
            if not (today.month == 2 and today.day == 29)
            else today - dt.timedelta(days=730)
        )
        issue_certificate(
            holder=worker, operation_type=operation_type, authority=authority, issued_on=issued_on, actor=regulator
        )

    def _certificate_due_for_review(self, worker: User, authority: Organisation, regulator: User) -> None:
        """Certificates: one whose review falls due in 20 days, so the wallet offers
        "申请复审" and the regulator's desk (/authority/certificates/) has a review to decide."""
        operation_type = OperationType.objects.exclude(code__in=["0102", "0302"]).order_by("code").first()
        if operation_type is None or Certificate.objects.filter(holder=worker, operation_type=operation_type).exists():
            return
        from accounts.dates import add_years

        issued_on = add_years(timezone.localdate() + dt.timedelta(days=20), -3)
        issue_certificate(
            holder=worker, operation_type=operation_type, authority=authority, issued_on=issued_on, actor=regulator
        )

    def _staff_register(self, firm: Organisation, officer: User, worker: User) -> None:
        """The employer's workspace: two departments, two posts with their requirements,
        ``worker`` in the register (agreed) and one person still invited."""
        from employers import services as employer_services
        from employers.models import StaffMember
        from exams.catalogue.services import subject_of

        if StaffMember.objects.filter(organisation=firm).exists():
            return
        production = employer_services.create_department(organisation=firm, actor=officer, name="生产部")
        employer_services.create_department(organisation=firm, actor=officer, name="设备部")
        electrician = employer_services.save_post(
            organisation=firm,
            actor=officer,
            name="电工",
            new_worker_education=True,
            high_risk=True,
            required_subjects=[subject_of(OperationType.objects.get(code="0102"))],
        )
        height = employer_services.save_post(
            organisation=firm,
            actor=officer,
            name="高处作业",
            new_worker_education=True,
            high_risk=True,
            required_subjects=[subject_of(OperationType.objects.get(code="0302"))],
        )
        entry = employer_services.add_staff_member(
            organisation=firm,
            actor=officer,
            person=employer_services.NewStaff(
                name=worker.real_name,
                id_number=worker.id_number,
                phone=worker.phone or "",
                department=production,
                post=height,
                hired_on=timezone.localdate() - dt.timedelta(days=400),
            ),
        )
        employer_services.record_consent(entry=entry, user=worker, accept=True)
        employer_services.add_staff_member(
            organisation=firm,
            actor=officer,
            person=employer_services.NewStaff(
                name="周强",
                id_number="370303199107120011",
                phone="13800000007",
                department=production,
                post=electrician,
            ),
        )

    def _three_posts_in_register(self, firm: Organisation, officer: User, people: list[User]) -> None:
        """``manager`` and ``principal`` in the employer's register (agreed), on a post that
        requires their management-ability certificate, so their refresher shows as due."""
        from employers import services as employer_services
        from employers.models import StaffMember
        from exams.catalogue.models import Subject

        if StaffMember.objects.filter(organisation=firm, user__in=people).exists():
            return
        post = employer_services.save_post(
            organisation=firm,
            actor=officer,
            name="安全管理",
            new_worker_education=False,
            high_risk=True,
            required_subjects=list(Subject.objects.filter(code__in=["WHP.safety_manager", "WHP.principal"])),
        )
        for person in people:
            entry = employer_services.add_staff_member(
                organisation=firm,
                actor=officer,
                person=employer_services.NewStaff(
                    name=person.real_name, id_number=person.id_number, phone=person.phone or "", post=post
                ),
            )
            employer_services.record_consent(entry=entry, user=person, accept=True)

    def _quiz_campaign(self, authority: Organisation, regulator: User) -> None:
        """The public quiz campaign anquan-demo, open for 30 days from today, over the demo
        bank, with the districts of Cangzhou to pick from."""
        from campaigns.models import Campaign
        from campaigns.services import CampaignInput, create_campaign, save_districts

        save_districts(rows=CANGZHOU_DISTRICTS)
        if Campaign.objects.filter(slug="anquan-demo").exists():
            return
        today = timezone.localdate()
        create_campaign(
            actor=regulator,
            organisation=authority,
            data=CampaignInput(
                slug="anquan-demo",
                title="安全生产月安全知识网络答题",
                starts_on=today,
                ends_on=today + dt.timedelta(days=30),
                banks=[QuestionBank.objects.get(slug="demo")],
                rules=(
                    "每卷 10 题，限时 10 分钟，每人每天可答 3 次，取最高分。\n"
                    "匿名参加请填写昵称并选择所在区县和单位；用手机号参加可查看答题记录。"
                ),
                prizes="活动结束后，按总榜前 100 名颁发纪念证书。",
                paper_size=10,
                time_limit_minutes=10,
                attempts_per_day=3,
            ),
        )

    def _assessment_event(self, orgs: dict[str, Organisation], regulator: User, blueprint: Blueprint) -> None:
        """An assessment event (考核活动) open for a week, for the employer's consenting
        staff (the worker is invited) and anyone else with the link and code KZ2026."""
        from assessments import services as assessment_services
        from assessments.models import AssessmentEvent

        name = "全员安全生产知识考试（演示）"
        if AssessmentEvent.objects.filter(name=name).exists():
            return
        now = timezone.now()
        event = assessment_services.create_event(
            organisation=orgs["authority"],
            actor=regulator,
            spec=assessment_services.EventSpec(
                name=name,
                audience=AssessmentEvent.Audience.FIRMS,
                starts_at=now - dt.timedelta(hours=1),
                ends_at=now + dt.timedelta(days=7),
                blueprint=blueprint,
                time_limit_minutes=30,
                pass_mark=60,
                attempts_allowed=2,
                award=AssessmentEvent.Award.PARTICIPATION,
                firms=[orgs["employer"]],
            ),
        )
        self.stdout.write(f"assessment event: /events/e/{event.token}/")

    # --- three-post personnel (主要负责人, 安全管理人员) ------------------------------------------

    def _three_posts(self, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
        """Hazardous-chemicals courses for principal leaders and safety managers (48 h,
        order No. 3 art. 9) and a 16-hour refresher; their bank, blueprint and today's
        computer exam; ``manager`` holds the management certificate (issued ten months
        ago: the yearly refresher falls due within 60 days, 6 of 16 hours done) and
        ``principal`` is half-way through the initial training."""
        from courses.models import CourseGroup
        from exams.catalogue.models import Subject

        manager_subject = Subject.objects.get(code="WHP.safety_manager")
        leader_subject = Subject.objects.get(code="WHP.principal")
        group = CourseGroup.objects.get_or_create(name="安全管理", defaults={"sort_order": 10})[0]
        index = CourseIndexPage.objects.get(organisation=orgs["training"])
        lessons = [
            (
                "第一课 安全生产法律法规与主体责任",
                "law",
                1440,
                "<p>安全生产法规定生产经营单位主要负责人是本单位安全生产第一责任人。</p>",
            ),
            ("第二课 重大危险源与特殊作业管理", "hazards", 1440, "<p>重大危险源应登记建档，定期检测、评估、监控。</p>"),
        ]
        manager_course = self._management_course(
            index, group, manager_subject, "危险化学品生产经营单位安全管理人员(初训)", "whp-safety-manager", 48, lessons
        )
        leader_course = self._management_course(
            index, group, leader_subject, "危险化学品生产经营单位主要负责人(初训)", "whp-principal", 48, lessons
        )
        refresher = self._management_course(
            index,
            group,
            manager_subject,
            "危险化学品安全管理人员(年度再培训)",
            "whp-safety-manager-refresher",
            16,
            [("再培训 新法规与典型事故案例", "cases", 960, "<p>近年危险化学品典型事故案例分析。</p>")],
            purpose=CoursePage.Purpose.REFRESHER,
        )
        self._management_exam(orgs, manager_subject)
        manager, leader = users["manager"], users["principal"]
        if not Certificate.objects.filter(holder=manager, subject=manager_subject).exists():
            self._study(manager, manager_course, fraction=1.0)
            issue_certificate(
                holder=manager,
                subject=manager_subject,
                authority=orgs["authority"],
                issued_on=timezone.localdate() - dt.timedelta(days=305),
                actor=users["regulator"],
            )
            self._study(manager, refresher, fraction=6 / 16)
        if not Enrolment.objects.filter(learner=leader, course=leader_course).exists():
            self._study(leader, leader_course, fraction=0.5)

    def _management_course(
        self, index, group, subject, title: str, slug: str, hours: int, lessons, *, purpose=CoursePage.Purpose.INITIAL
    ) -> CoursePage:
        course = CoursePage.objects.child_of(index).filter(slug=slug).first()
        if course is None:
            course = CoursePage(
                title=title,
                slug=slug,
                group=group,
                audience_kind=subject.kind,
                audience_subject=subject,
                purpose=purpose,
                theory_hours=hours,
                outline="<p>安全生产法律法规、安全管理、重大危险源、特殊作业、应急管理与事故报告。</p>",
            )
            index.add_child(instance=course)
            course.save_revision().publish()
        for lesson_title, lesson_slug, minutes, text in lessons:
            if not LessonPage.objects.child_of(course).filter(slug=lesson_slug).exists():
                lesson = LessonPage(title=lesson_title, slug=lesson_slug, minutes=minutes, body=[("paragraph", text)])
                course.add_child(instance=lesson)
                lesson.save_revision().publish()
        return course

    def _study(self, learner: User, course: CoursePage, *, fraction: float) -> None:
        """Credit ``fraction`` of every lesson; a full course is a completed training."""
        enrolment, _ = Enrolment.objects.get_or_create(learner=learner, course=course)
        now = timezone.now()
        for lesson in LessonPage.objects.child_of(course).live():
            LessonProgress.objects.update_or_create(
                enrolment=enrolment,
                lesson=lesson,
                defaults={
                    "seconds": int(lesson.minutes * 60 * fraction),
                    "completed_at": now if fraction >= 1 else None,
                    "last_heartbeat_at": now,
                },
            )
        if fraction >= 1:
            self._answer_checks(learner, course)
        if fraction >= 1 and enrolment.completed_at is None:
            enrolment.completed_at = now
            enrolment.save(update_fields=["completed_at"])

    def _answer_checks(self, learner: User, course: CoursePage) -> None:
        """A completed training has every check question answered right (the completion
        rule asks for it), so no page shows "测验 0/1" beside "已完成培训"."""
        answered = set(
            CheckAnswer.objects.filter(enrolment__learner=learner, enrolment__course=course, correct=True).values_list(
                "lesson_id", "block_id"
            )
        )
        for lesson in LessonPage.objects.child_of(course).live().specific():
            for block_id, question in check_questions(lesson).items():
                if (lesson.pk, block_id) in answered:
                    continue  # seeding again adds nothing
                keys = [n for n, option in enumerate(question["options"]) if option["correct"]]
                answer_check_question(learner=learner, lesson=lesson, block_id=block_id, answer=keys)

    def _management_exam(self, orgs: dict[str, Organisation], subject) -> None:
        """The management bank and blueprint, and today's computer exam for the subject."""
        data = json.loads((DEMO_DIR / "three_posts_questions.json").read_text(encoding="utf-8"))
        bank, _ = QuestionBank.objects.get_or_create(
            slug="demo-whp-management",
            defaults={
                "name": "危险化学品主要负责人和安全管理人员演示题库",
                "level": QuestionBank.Level.PROVINCIAL,
                "organisation": orgs["authority"],
            },
        )
        if not bank.questions.exists():
            for question in _seed_questions(bank, data):
                question.subjects.add(subject)
        blueprint, created = Blueprint.objects.get_or_create(
            bank=bank,
            subject=subject,
            defaults={"name": "危险化学品安全管理人员考核(演示)", "time_limit_minutes": 90, "pass_mark": 80},
        )
        if created:
            BlueprintRule.objects.create(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=6, points=Decimal(10))
            BlueprintRule.objects.create(blueprint=blueprint, kind=QuestionKind.SINGLE, count=4, points=Decimal(10))
        today = timezone.localdate()
        session, created = ExamSession.objects.get_or_create(
            kind=ExamKind.THEORY,
            name=f"{today:%Y-%m-%d} 危险化学品安全管理人员安全生产知识和管理能力考核",
            defaults={
                "authority": orgs["authority"],
                "site": orgs["site"],
                "starts_at": timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0))),
                "ends_at": timezone.make_aware(dt.datetime.combine(today, dt.time(23, 59))),
                "capacity": 100,
                "blueprint": blueprint,
            },
        )
        if created:
            session.subjects.add(subject)


def _seed_questions(bank: QuestionBank, data: dict) -> list[Question]:
    """The true/false and single-choice questions of a demo question file, in ``bank``."""
    questions = [
        Question.objects.create(
            bank=bank, kind=QuestionKind.TRUE_FALSE, stem=stem, options=[], answer=[key], knowledge_point=point
        )
        for stem, key, point in data["true_false"]
    ]
    questions += [
        Question.objects.create(
            bank=bank,
            kind=QuestionKind.SINGLE,
            stem=stem,
            options=[{"key": k, "text": text} for k, text in zip("ABCD", options, strict=True)],
            answer=[key],
            knowledge_point=point,
        )
        for stem, options, key, point in data["single"]
    ]
    return questions


#: County-level divisions of Cangzhou (沧州市), for the demo campaign's district picker.
CANGZHOU_DISTRICTS = [
    ("130902", "新华区"),
    ("130903", "运河区"),
    ("130921", "沧县"),
    ("130922", "青县"),
    ("130923", "东光县"),
    ("130924", "海兴县"),
    ("130925", "盐山县"),
    ("130926", "肃宁县"),
    ("130927", "南皮县"),
    ("130928", "吴桥县"),
    ("130929", "献县"),
    ("130930", "孟村回族自治县"),
    ("130981", "泊头市"),
    ("130982", "任丘市"),
    ("130983", "黄骅市"),
    ("130984", "河间市"),
]
