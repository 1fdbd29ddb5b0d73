"""State changes in an employer's workspace: departments, posts, the staff register, the
person's consent, and the weekly digest. Each call is atomic, audited and safe to repeat.

Consent is the gate: ``invite_to_register`` records an entry as pending and sends the
invitation by SMS; only ``record_consent`` (the person, signed in with the same ID
number) opens their certificates to the employer, and ``withdraw_consent`` closes them
again. The entry's account link by ID hash is made at once, but nothing reads through it
until consent is given.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.encryption import lookup_hash
from accounts.identity import InvalidIdNumber, parse_id_number
from accounts.models import Organisation, Role, SmsKind, User
from accounts.on_commit import queue_task
from accounts.phone import InvalidPhone, normalize_phone
from accounts.selectors import has_role, user_by_id_number
from accounts.services import id_number_error
from accounts.sms import SmsNotSent, send_sms
from courses.models import CoursePage
from courses.services import enrol
from exams.catalogue.models import Subject
from spreadsheets import SpreadsheetRejected, read_rows

from . import selectors
from .models import Department, DigestSent, Post, StaffMember
from .tasks import send_invitation_task

logger = logging.getLogger(__name__)

NAME_REQUIRED = _("请填写姓名。")
NAME_TOO_LONG = _("姓名不能超过64个字。")
PHONE_INVALID = _("手机号应为11位中国大陆手机号码。")
ALREADY_REGISTERED = _("此人已在员工名册中。")
NOT_AN_EMPLOYER = _("只有本单位的用人单位管理人员可以操作员工名册。")
DEPARTMENT_NAME_REQUIRED = _("请填写部门名称。")
DEPARTMENT_TAKEN = _("已有同名部门。")
POST_NAME_REQUIRED = _("请填写岗位名称。")
POST_TAKEN = _("已有同名岗位。")
NOT_YOUR_INVITATION = _("这不是给您的邀请。")
OTHER_ORGANISATION = _("所选部门或岗位不属于本单位。")

#: An import holds at most this many people (a firm's whole staff in one file).
IMPORT_MAX_ROWS = 5000
IMPORT_COLUMNS = ("姓名", "身份证号", "手机号", "部门", "岗位", "入职日期")


def _require_employer(actor: User, organisation: Organisation) -> None:
    if organisation.kind != Organisation.Kind.EMPLOYER or not has_role(actor, Role.EMPLOYER, organisation):
        raise PermissionDenied(NOT_AN_EMPLOYER)


def _check_own(organisation: Organisation, *objects: Department | Post | None) -> None:
    if any(obj is not None and obj.organisation_id != organisation.pk for obj in objects):
        raise ValidationError(OTHER_ORGANISATION, code="other_organisation")


# --- departments and posts ---------------------------------------------------------------


@transaction.atomic
def create_department(*, organisation: Organisation, actor: User, name: str) -> Department:
    """A department; the same name again returns the one that exists."""
    _require_employer(actor, organisation)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": DEPARTMENT_NAME_REQUIRED}, code="required")
    existing = Department.objects.filter(organisation=organisation, name=name).first()
    if existing is not None:
        return existing
    department = Department.objects.create(organisation=organisation, name=name)
    record_event(actor=actor, action="employers.department.created", obj=department, data={"name": name})
    return department


@transaction.atomic
def save_post(
    *,
    organisation: Organisation,
    actor: User,
    name: str,
    new_worker_education: bool,
    high_risk: bool,
    required_subjects: list[Subject],
    post: Post | None = None,
    courses: list[CoursePage] | None = None,
) -> Post:
    """Create a post, or change one (``post``), with the training it requires."""
    _require_employer(actor, organisation)
    _check_own(organisation, post)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": POST_NAME_REQUIRED}, code="required")
    same_name = Post.objects.filter(organisation=organisation, name=name)
    if post is not None:
        same_name = same_name.exclude(pk=post.pk)
    if same_name.exists():
        raise ValidationError({"name": POST_TAKEN}, code="taken")
    if post is None:
        post = Post.objects.create(
            organisation=organisation, name=name, new_worker_education=new_worker_education, high_risk=high_risk
        )
        action = "employers.post.created"
    else:
        post = Post.objects.select_for_update().get(pk=post.pk)
        post.name, post.new_worker_education, post.high_risk = name, new_worker_education, high_risk
        post.save(update_fields=["name", "new_worker_education", "high_risk"])
        action = "employers.post.changed"
    post.required_subjects.set(required_subjects)
    if courses is not None:
        post.courses.set(courses)
    record_event(
        actor=actor,
        action=action,
        obj=post,
        data={
            "name": name,
            "new_worker_education": new_worker_education,
            "high_risk": high_risk,
            "subjects": sorted(subject.code for subject in required_subjects),
            "courses": sorted(course.pk for course in courses or []),
        },
    )
    if courses:
        enrol_post_staff(post=post, actor=actor)
    return post


def enrol_post_staff(*, post: Post, actor: User, entries: list[StaffMember] | None = None) -> int:
    """Enrol the consenting people on ``post`` (or just ``entries``) on the post's live
    courses; returns how many new enrolments were made. Enrolling again changes nothing."""
    courses = [course for course in post.courses.all() if course.live]
    if entries is None:
        entries = list(post.staff.filter(consent=StaffMember.Consent.GIVEN, user__isnull=False).select_related("user"))
    made = 0
    for entry in entries:
        if not entry.consented or entry.user is None:
            continue
        for course in courses:
            before = entry.user.enrolments.filter(course=course).exists()
            enrol(learner=entry.user, course=course, enrolled_by=actor)
            made += 0 if before else 1
    return made


# --- the staff register ------------------------------------------------------------------


@dataclass(frozen=True)
class NewStaff:
    """One person to add, checked: what a form or an import row gives."""

    name: str
    id_number: str
    phone: str
    department: Department | None = None
    post: Post | None = None
    hired_on: dt.date | None = None
    #: A department named in an imported file, made (or found) when the import is confirmed.
    department_name: str = ""


def clean_staff(
    *, name: str, id_number: str, phone: str, department=None, post=None, hired_on=None
) -> tuple[NewStaff | None, dict[str, str]]:
    """The person if every field is right, else the errors by field, in Chinese."""
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = str(NAME_REQUIRED)
    elif len(name) > 64:
        errors["name"] = str(NAME_TOO_LONG)
    parsed = None
    try:
        parsed = parse_id_number(id_number or "")
    except InvalidIdNumber as exc:
        errors["id_number"] = id_number_error(exc)
    number = ""
    if phone:
        try:
            number = normalize_phone(phone)
        except InvalidPhone:
            errors["phone"] = str(PHONE_INVALID)
    if errors or parsed is None:
        return None, errors
    return (
        NewStaff(name=name, id_number=parsed.value, phone=number, department=department, post=post, hired_on=hired_on),
        {},
    )


@transaction.atomic
def add_staff_member(*, organisation: Organisation, actor: User, person: NewStaff) -> StaffMember:
    """Add one person to the register and invite them (``invite_to_register``).

    The entry is linked at once to the account with the same ID number, if any; what
    the employer then sees of it waits for the person's consent.
    """
    _require_employer(actor, organisation)
    _check_own(organisation, person.department, person.post)
    digest = lookup_hash(person.id_number)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if StaffMember.objects.filter(organisation=organisation, id_number_hash=digest).exists():
        raise ValidationError({"id_number": ALREADY_REGISTERED}, code="taken")
    entry = _create_entry(organisation=organisation, actor=actor, person=person, digest=digest)
    invite_to_register(entry=entry, actor=actor)
    return entry


def _create_entry(*, organisation: Organisation, actor: User, person: NewStaff, digest: str) -> StaffMember:
    account = user_by_id_number(person.id_number)
    try:
        with transaction.atomic():
            entry = StaffMember.objects.create(
                organisation=organisation,
                name=person.name,
                id_number=person.id_number,
                id_number_hash=digest,
                phone=person.phone,
                department=person.department,
                post=person.post,
                hired_on=person.hired_on,
                user=account,
                created_by=actor,
            )
    except IntegrityError as exc:  # added meanwhile by another request
        raise ValidationError({"id_number": ALREADY_REGISTERED}, code="taken") from exc
    record_event(
        actor=actor,
        action="employers.staff_member.added",
        obj=entry,
        data={"organisation": organisation.code, "id_number": entry.id_number_masked},
    )
    return entry


def invite_to_register(*, entry: StaffMember, actor: User) -> StaffMember:
    """Ask the person to agree to be in the employer's register: the entry stays pending
    (the employer sees only what it typed) and an SMS invitation leaves after commit.

    The one place an invitation is made: the person answers at /employer/invitations/
    once signed in with the same ID number (``record_consent``). Safe to repeat: an
    entry already consented to is left as it is; otherwise the invitation is sent again.
    """
    with transaction.atomic():
        locked = StaffMember.objects.select_for_update().get(pk=entry.pk)
        if locked.consent == StaffMember.Consent.GIVEN:
            return locked
        locked.consent = StaffMember.Consent.PENDING
        locked.invitation = StaffMember.Invitation.QUEUED
        locked.invited_at = timezone.now()
        locked.save(update_fields=["consent", "invitation", "invited_at"])
        record_event(actor=actor, action="employers.staff_member.invited", obj=locked)
        queue_task(send_invitation_task, locked.pk)
    return locked


def send_invitation(*, entry_id: int) -> bool:
    """Send the invitation SMS of a pending entry (the Celery task's body); repeating is
    a no-op once it is sent. To the account's verified phone when the person has one,
    else to the number the employer gave."""
    with transaction.atomic():
        entry = (
            StaffMember.objects.select_for_update(of=("self",))
            .select_related("organisation", "user")
            .filter(pk=entry_id)
            .first()
        )
        if entry is None or entry.consent != StaffMember.Consent.PENDING:
            return False
        if entry.invitation != StaffMember.Invitation.QUEUED:
            return False
        account = entry.user
        phone = account.phone if account is not None and account.phone and account.phone_verified else entry.phone
        if not phone:
            entry.invitation = StaffMember.Invitation.NOT_SENT
            entry.save(update_fields=["invitation"])
            return False
        try:
            send_sms(phone, SmsKind.INVITATION, {"employer": entry.organisation.name}, user=account)
        except SmsNotSent:
            entry.invitation = StaffMember.Invitation.FAILED
            entry.save(update_fields=["invitation"])
            logger.warning("Invitation SMS for register entry %s not sent", entry_id, exc_info=True)
            return False
        entry.invitation = StaffMember.Invitation.SENT
        entry.save(update_fields=["invitation"])
    return True


@transaction.atomic
def assign_staff_member(
    *, entry: StaffMember, actor: User, department: Department | None, post: Post | None
) -> StaffMember:
    """Move a person to a department and post of the same employer."""
    _require_employer(actor, entry.organisation)
    _check_own(entry.organisation, department, post)
    locked = StaffMember.objects.select_for_update().get(pk=entry.pk)
    if (locked.department_id, locked.post_id) == (getattr(department, "pk", None), getattr(post, "pk", None)):
        return locked
    locked.department, locked.post = department, post
    locked.save(update_fields=["department", "post"])
    record_event(
        actor=actor,
        action="employers.staff_member.assigned",
        obj=locked,
        data={"department": getattr(department, "name", ""), "post": getattr(post, "name", "")},
    )
    if post is not None:
        enrol_post_staff(post=post, actor=actor, entries=[locked])
    return locked


# --- consent (the person) ----------------------------------------------------------------


@transaction.atomic
def record_consent(*, entry: StaffMember, user: User, accept: bool) -> StaffMember:
    """The person answers an employer's invitation. Only the holder of the entry's ID
    number may; accepting links the entry to their account and opens their certificates
    to the employer, declining keeps the entry at what the employer typed."""
    locked = StaffMember.objects.select_for_update().get(pk=entry.pk)
    if not user.is_authenticated or not user.id_number_hash or user.id_number_hash != locked.id_number_hash:
        raise PermissionDenied(NOT_YOUR_INVITATION)
    wanted = StaffMember.Consent.GIVEN if accept else StaffMember.Consent.DECLINED
    if locked.consent == wanted and (not accept or locked.user_id == user.pk):
        return locked
    locked.consent = wanted
    locked.user = user
    locked.consent_changed_at = timezone.now()
    locked.save(update_fields=["consent", "user", "consent_changed_at"])
    record_event(
        actor=user,
        action="employers.staff_member.consented" if accept else "employers.staff_member.declined",
        obj=locked,
        data={"organisation": locked.organisation.code},
    )
    if accept and locked.post is not None:
        enrol_post_staff(post=locked.post, actor=user, entries=[locked])
    return locked


@transaction.atomic
def withdraw_consent(*, entry: StaffMember, user: User) -> StaffMember:
    """The person takes their consent back: the employer sees only what it typed again."""
    locked = StaffMember.objects.select_for_update().get(pk=entry.pk)
    if locked.user_id != user.pk:
        raise PermissionDenied(NOT_YOUR_INVITATION)
    if locked.consent != StaffMember.Consent.GIVEN:
        return locked
    locked.consent = StaffMember.Consent.WITHDRAWN
    locked.consent_changed_at = timezone.now()
    locked.save(update_fields=["consent", "consent_changed_at"])
    record_event(
        actor=user,
        action="employers.staff_member.consent_withdrawn",
        obj=locked,
        data={"organisation": locked.organisation.code},
    )
    return locked


# --- importing the register from Excel ---------------------------------------------------


class StaffImportError(ValueError):
    """The file was refused; ``errors`` lists every problem, by row where there is one."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else ""


def _date_cell(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell(value).replace("/", "-").replace(".", "-")
    return dt.date.fromisoformat(text)


def read_staff_file(*, organisation: Organisation, data: bytes) -> list[NewStaff]:
    """Every person in an uploaded register (.xlsx), checked; StaffImportError lists
    every bad row. Reads the file through the guarded reader; writes nothing."""
    errors: list[str] = []
    people: list[NewStaff] = []
    seen: dict[str, int] = {}
    posts = {post.name: post for post in Post.objects.filter(organisation=organisation)}
    registered = set(StaffMember.objects.filter(organisation=organisation).values_list("id_number_hash", flat=True))
    columns: dict[str, int] = {}
    try:
        for number, values in read_rows(data, max_rows=IMPORT_MAX_ROWS + 1):
            cells = [_cell(value) for value in values]
            if not columns:
                columns = {name: index for index, name in enumerate(cells) if name in IMPORT_COLUMNS}
                missing = [name for name in ("姓名", "身份证号") if name not in columns]
                if missing:
                    raise StaffImportError(
                        [gettext("第1行须为表头，至少包含：%(columns)s。") % {"columns": "、".join(missing)}]
                    )
                continue
            if not any(cells):
                continue

            get = functools.partial(_column, cells, columns)
            row_errors: list[str] = []
            post = None
            if get("岗位"):
                post = posts.get(get("岗位"))
                if post is None:
                    row_errors.append(gettext("岗位“%(post)s”不存在，请先在“岗位与要求”中添加") % {"post": get("岗位")})
            hired_on = None
            index = columns.get("入职日期")
            try:
                hired_on = _date_cell(values[index]) if index is not None and index < len(values) else None
            except ValueError:
                row_errors.append(gettext("入职日期应写作 2026-03-01"))
            person, field_errors = clean_staff(
                name=get("姓名"), id_number=get("身份证号"), phone=get("手机号"), post=post, hired_on=hired_on
            )
            row_errors = list(field_errors.values()) + row_errors
            if person is not None:
                digest = lookup_hash(person.id_number)
                if digest in registered:
                    row_errors.append(str(ALREADY_REGISTERED))
                elif digest in seen:
                    row_errors.append(gettext("与第%(row)s行是同一个身份证号") % {"row": seen[digest]})
                seen.setdefault(digest, number)
            if row_errors:
                errors.append(gettext("第%(row)s行：%(errors)s") % {"row": number, "errors": "；".join(row_errors)})
            elif person is not None:
                people.append(replace(person, department_name=get("部门")[:100]))
    except SpreadsheetRejected as exc:
        raise StaffImportError([str(exc)]) from exc
    if errors:
        raise StaffImportError(errors)
    if not people:
        raise StaffImportError([gettext("文件中没有员工。")])
    return people


def import_staff(*, organisation: Organisation, actor: User, data: bytes) -> list[StaffMember]:
    """Add everyone in the file, or no one: a bad row refuses the whole file with every
    bad row named. Departments named in the file are made as needed; posts must exist
    (they carry the requirements). Each person is invited as if added by hand."""
    _require_employer(actor, organisation)
    people = read_staff_file(organisation=organisation, data=data)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        departments: dict[str, Department] = {}
        entries = []
        for person in people:
            if person.department_name and person.department_name not in departments:
                departments[person.department_name] = create_department(
                    organisation=organisation, actor=actor, name=person.department_name
                )
            digest = lookup_hash(person.id_number)
            if StaffMember.objects.filter(organisation=organisation, id_number_hash=digest).exists():
                raise StaffImportError([str(ALREADY_REGISTERED)])
            entry = _create_entry(
                organisation=organisation,
                actor=actor,
                person=replace(person, department=departments.get(person.department_name)),
                digest=digest,
            )
            entries.append(invite_to_register(entry=entry, actor=actor))
        record_event(
            actor=actor, action="accounts.organisation.staff_imported", obj=organisation, data={"people": len(entries)}
        )
    return entries


# --- the weekly digest -------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: a digest is sent once per employer and week."""
    return day - dt.timedelta(days=day.weekday())


def send_weekly_digests(*, today: dt.date | None = None) -> int:
    """Celery beat, Mondays: tell each employer's staff what falls due in 30/60/90 days,
    by e-mail (the list) and SMS (the counts). Once per employer and week: the row is
    written first in the same transaction, so a failure is retried on the next run."""
    today = today or timezone.localdate()
    monday = week_of(today)
    sent = 0
    for organisation in selectors.employers_with_staff():
        if DigestSent.objects.filter(organisation=organisation, week_of=monday).exists():
            continue
        rows = selectors.register(organisation, only_consented=True, today=today)
        summary = selectors.summary(rows)
        due = selectors.due_rows(rows, days=90)
        recipients = selectors.employer_members(organisation)
        try:
            with transaction.atomic():
                DigestSent.objects.create(organisation=organisation, week_of=monday, recipients=len(recipients))
                for person in recipients:
                    _send_digest(organisation=organisation, person=person, summary=summary, due=due)
        except IntegrityError:
            continue  # another run sent it meanwhile
        sent += 1
    return sent


def _send_digest(*, organisation: Organisation, person: User, summary, due) -> None:
    if person.email:
        lines = [
            gettext("%(employer)s 到期提醒（%(date)s）")
            % {"employer": organisation.name, "date": timezone.localdate().isoformat()},
            gettext("30天内 %(d30)s 项，60天内 %(d60)s 项，90天内 %(d90)s 项。")
            % {"d30": summary.due_counts[30], "d60": summary.due_counts[60], "d90": summary.due_counts[90]},
            "",
        ]
        for row, item in due:
            when = item.due_on.isoformat() if item.due_on else gettext("现在")
            department = row.entry.department.name if row.entry.department else "—"
            lines.append(f"{when}  {item.label}  {row.entry.name}（{department}）  {item.subject_name}")
        lines += ["", f"{settings.SITE_URL}/employer/{organisation.code}/due/"]
        send_mail(gettext("证书与培训到期提醒"), "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [person.email])
    if person.phone and person.phone_verified:
        try:
            send_sms(
                person.phone,
                SmsKind.DIGEST,
                {
                    "employer": organisation.name,
                    "due30": summary.due_counts[30],
                    "due60": summary.due_counts[60],
                    "due90": summary.due_counts[90],
                },
                user=person,
            )
        except SmsNotSent:
            logger.warning("Digest SMS for %s to user %s not sent", organisation.code, person.pk, exc_info=True)
