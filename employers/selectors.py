"""Reading an employer's workspace: who may, the register with each person's certificates
and what falls due, per person and per department, in a fixed number of queries.

Every read is scoped by the caller's employer role in the organisation, and a person's
certificates are read only for entries whose person has consented.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation, Role, User
from accounts.selectors import organisations_of
from certificates.refreshers import RefresherStatus, refresher_statuses
from certificates.rules import DISPLAY_STATUS_CLASSES, DISPLAY_STATUS_LABELS, display_status
from certificates.selectors import certificate_state, certificates_for_holders
from exams.catalogue.models import Subject

from .models import Department, Post, StaffMember
from .rules import HORIZONS, DueItem, HeldCertificate, Requirement, counts_by_horizon, due_items


def employer_organisations(user: User | AnonymousUser | None) -> QuerySet[Organisation]:
    """The active employers in which ``user`` holds the employer role."""
    return organisations_of(user, role=Role.EMPLOYER).filter(kind=Organisation.Kind.EMPLOYER).order_by("name")


def workspace(user: User | AnonymousUser | None, code: str) -> Organisation | None:
    """The employer ``code`` if ``user`` works in it; None looks like "no such"."""
    return employer_organisations(user).filter(code=code).first()


def departments(organisation: Organisation) -> list[Department]:
    """The departments with how many people each has (one query)."""
    return list(organisation.departments.annotate(people=Count("staff")).order_by("name", "pk"))


def posts(organisation: Organisation) -> list[Post]:
    """The posts with their required subjects (two queries)."""
    return list(
        organisation.posts.prefetch_related(
            Prefetch("required_subjects", queryset=Subject.objects.select_related("kind").order_by("code"))
        ).order_by("name", "pk")
    )


def required_subject_choices() -> QuerySet[Subject]:
    """The subjects a post may require: active ones of both kinds."""
    return Subject.objects.filter(is_active=True).select_related("kind").order_by("kind__code", "code")


@dataclass(frozen=True)
class CertificateLine:
    number: str
    kind: str
    kind_name: str
    subject_name: str
    status: str
    status_label: str
    status_class: str
    issued_on: dt.date
    valid_until: dt.date
    review_due: dt.date
    last_reviewed_on: dt.date | None


@dataclass
class StaffRow:
    """One register entry as the employer may see it: certificates and due items only
    when the person has consented (``entry.consented``)."""

    entry: StaffMember
    certificates: list[CertificateLine] = field(default_factory=list)
    due: list[DueItem] = field(default_factory=list)

    @property
    def due_counts(self) -> dict[int, int]:
        return counts_by_horizon(self.due)


def _register_entries(organisation: Organisation) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(organisation=organisation)
        .select_related("department", "post")
        .prefetch_related(
            Prefetch("post__required_subjects", queryset=Subject.objects.select_related("kind").order_by("code"))
        )
        .order_by("department__name", "name", "pk")
    )


def register(
    organisation: Organisation,
    *,
    department: Department | None = None,
    only_consented: bool = False,
    today: dt.date | None = None,
) -> list[StaffRow]:
    """The register (or one department of it) with certificates and due items: three
    queries whatever its size (entries, the posts' subjects, the certificates)."""
    today = today or timezone.localdate()
    entries = _register_entries(organisation)
    if department is not None:
        entries = entries.filter(department=department)
    if only_consented:
        entries = entries.filter(consent=StaffMember.Consent.GIVEN, user__isnull=False)
    return _rows(list(entries), today=today)


def staff_row(organisation: Organisation, pk: int, *, today: dt.date | None = None) -> StaffRow | None:
    """One entry of ``organisation``'s register; None for anyone else's."""
    entry = _register_entries(organisation).filter(pk=pk).first()
    if entry is None:
        return None
    return _rows([entry], today=today or timezone.localdate())[0]


def _refresher_due_on(status: RefresherStatus | None) -> dt.date | None:
    """A missed year's end (overdue), else the running year's end while its hours are not done."""
    if status is None:
        return None
    if status.missed:
        return status.missed[0].ends_on
    if status.current is not None and not status.current.done:
        return status.current.ends_on
    return None


def _rows(entries: list[StaffMember], *, today: dt.date) -> list[StaffRow]:
    consented = [entry.user_id for entry in entries if entry.consented and entry.user_id is not None]
    by_holder: dict[int, list[CertificateLine]] = defaultdict(list)
    held: dict[int, list[HeldCertificate]] = defaultdict(list)
    if consented:
        certificates = list(certificates_for_holders(consented))
        refreshers = refresher_statuses(certificates, today=today)
        for certificate in certificates:
            status = display_status(certificate_state(certificate), today)
            by_holder[certificate.holder_id].append(
                CertificateLine(
                    number=certificate.number,
                    kind=certificate.subject.kind.code,
                    kind_name=certificate.subject.kind.name,
                    subject_name=certificate.subject.name,
                    status=str(status),
                    status_label=str(DISPLAY_STATUS_LABELS[status]),
                    status_class=DISPLAY_STATUS_CLASSES[status],
                    issued_on=certificate.issued_on,
                    valid_until=certificate.valid_until,
                    review_due=certificate.review_due,
                    last_reviewed_on=certificate.last_reviewed_on,
                )
            )
            held[certificate.holder_id].append(
                HeldCertificate(
                    subject_code=certificate.subject.code,
                    subject_name=certificate.subject.name,
                    number=certificate.number,
                    status=str(status),
                    review_due=certificate.review_due,
                    valid_until=certificate.valid_until,
                    refresher_due_on=_refresher_due_on(refreshers.get(certificate.pk)),
                )
            )
    rows = []
    for entry in entries:
        if not entry.consented or entry.user_id is None:
            rows.append(StaffRow(entry=entry))
            continue
        required = (
            [Requirement(subject_code=s.code, subject_name=s.name) for s in entry.post.required_subjects.all()]
            if entry.post is not None
            else []
        )
        rows.append(
            StaffRow(
                entry=entry,
                certificates=by_holder.get(entry.user_id, []),
                due=due_items(required=required, held=held.get(entry.user_id, []), today=today),
            )
        )
    return rows


@dataclass(frozen=True)
class WorkspaceSummary:
    people: int
    consented: int
    pending: int
    due_counts: dict[int, int]


def summary(rows: list[StaffRow]) -> WorkspaceSummary:
    """Counts for the workspace's home page and the weekly digest."""
    due: dict[int, int] = dict.fromkeys(HORIZONS, 0)
    for row in rows:
        for days, count in row.due_counts.items():
            due[days] += count
    return WorkspaceSummary(
        people=len(rows),
        consented=sum(1 for row in rows if row.entry.consented),
        pending=sum(1 for row in rows if row.entry.consent == StaffMember.Consent.PENDING),
        due_counts=due,
    )


def due_rows(rows: list[StaffRow], *, days: int) -> list[tuple[StaffRow, DueItem]]:
    """Every item due within ``days``, with its person, soonest first."""
    found = [(row, item) for row in rows for item in row.due if item.days_left <= days]
    return sorted(found, key=lambda pair: (pair[1].days_left, pair[0].entry.name, pair[1].subject_name))


# --- the person's side -------------------------------------------------------------------


def invitations_for(user: User) -> list[StaffMember]:
    """Register entries naming this person (by ID number) that await their answer."""
    if not user.is_authenticated or not user.id_number_hash:
        return []
    return list(
        StaffMember.objects.filter(id_number_hash=user.id_number_hash, consent=StaffMember.Consent.PENDING)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def employers_of(user: User) -> list[StaffMember]:
    """The registers this person agreed to be in (they may withdraw)."""
    if not user.is_authenticated:
        return []
    return list(
        StaffMember.objects.filter(user=user, consent=StaffMember.Consent.GIVEN)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )


def person_entry(user: User, pk: int) -> StaffMember | None:
    """An entry naming this person (by ID number or account); None for anyone else's."""
    if not user.is_authenticated:
        return None
    clauses = Q(user=user)
    if user.id_number_hash:
        clauses |= Q(id_number_hash=user.id_number_hash)
    return StaffMember.objects.filter(clauses, pk=pk).select_related("organisation").first()


def employer_members(organisation: Organisation) -> list[User]:
    """The people who hold the employer role there: who receives the weekly digest."""
    return list(
        User.objects.filter(
            is_active=True, memberships__organisation=organisation, memberships__role=Role.EMPLOYER
        ).distinct()
    )


def employers_with_staff() -> QuerySet[Organisation]:
    """Active employers that have a register and someone to read the digest."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.EMPLOYER, is_active=True, memberships__role=Role.EMPLOYER)
        .filter(staff__isnull=False)
        .distinct()
        .order_by("pk")
    )


# --- training: the courses each post is assigned, hours and completion ---------------------


@dataclass(frozen=True)
class CourseLine:
    course_id: int
    title: str
    enrolled: bool
    completed: bool
    credited_minutes: int
    required_minutes: int

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        return min(100, self.credited_minutes * 100 // self.required_minutes) if self.required_minutes else 0


@dataclass
class TrainingRow:
    """One consenting person's assigned courses (those of their post)."""

    entry: StaffMember
    lines: list[CourseLine] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return round(sum(line.credited_minutes for line in self.lines) / 60, 1)

    @property
    def required_hours(self) -> float:
        return round(sum(line.required_minutes for line in self.lines) / 60, 1)

    @property
    def completed(self) -> int:
        return sum(1 for line in self.lines if line.completed)

    @property
    def done(self) -> bool:
        return bool(self.lines) and self.completed == len(self.lines)


@dataclass(frozen=True)
class DepartmentTraining:
    name: str
    people: int
    done: int
    hours: float
    required_hours: float

    @property
    def percent(self) -> int:
        return self.done * 100 // self.people if self.people else 0


def training(
    organisation: Organisation, *, department: Department | None = None, entry: StaffMember | None = None
) -> list[TrainingRow]:
    """Each consenting person with the courses of their post and their progress on each:
    a fixed number of queries (entries, the posts' courses, enrolments, lessons, progress)."""
    from courses.selectors import progress_of

    entries = (
        StaffMember.objects.filter(organisation=organisation, consent=StaffMember.Consent.GIVEN, user__isnull=False)
        .select_related("department", "post")
        .prefetch_related("post__courses")
        .order_by("department__name", "name", "pk")
    )
    if department is not None:
        entries = entries.filter(department=department)
    if entry is not None:
        entries = entries.filter(pk=entry.pk)
    entries_list = list(entries)
    course_ids = {course.pk for entry in entries_list if entry.post for course in entry.post.courses.all()}
    progress = progress_of(
        learner_ids=[entry.user_id for entry in entries_list if entry.user_id], course_ids=sorted(course_ids)
    )
    rows = []
    for entry in entries_list:
        lines = []
        for course in entry.post.courses.all() if entry.post else []:
            found = progress.get((entry.user_id or 0, course.pk))
            lines.append(
                CourseLine(
                    course_id=course.pk,
                    title=course.title,
                    enrolled=found is not None,
                    completed=bool(found and found.is_completed),
                    credited_minutes=found.credited_minutes if found else 0,
                    required_minutes=found.required_minutes if found else course.theory_hours * 60,
                )
            )
        rows.append(TrainingRow(entry=entry, lines=lines))
    return rows


def training_by_department(rows: list[TrainingRow]) -> list[DepartmentTraining]:
    """Per department: people with assigned courses, how many completed all, hours."""
    groups: dict[str, list[TrainingRow]] = defaultdict(list)
    for row in rows:
        if row.lines:
            groups[row.entry.department.name if row.entry.department else "—"].append(row)
    return [
        DepartmentTraining(
            name=name,
            people=len(group),
            done=sum(1 for row in group if row.done),
            hours=round(sum(row.hours for row in group), 1),
            required_hours=round(sum(row.required_hours for row in group), 1),
        )
        for name, group in sorted(groups.items())
    ]


def assignable_courses():
    """Live courses an employer may assign to a post."""
    from courses.models import CoursePage

    return CoursePage.objects.live().order_by("title")
