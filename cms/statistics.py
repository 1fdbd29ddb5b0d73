"""The regulator's statistics: exam pass rates, certificates and training, each as a small
table that the page draws as a bar chart and the workbook lists (a fixed number of queries).

Read only; the figures of the authorities a regulator works for (every authority for an
administrator). Training figures count every organisation, as /learn/oversight/ does.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateEvent
from certificates.selectors import regulated_authorities
from courses.models import CourseIndexPage, CoursePage, Enrolment
from exams.admission.models import ExamKind
from exams.practical.models import PracticalResult
from exams.theory.models import Attempt


@dataclass(frozen=True)
class Table:
    """One figure: rows of numbers under named columns; ``chart`` names the column drawn."""

    key: str
    title: str
    by: str
    columns: list[str]
    rows: list[tuple[str, list[float | int]]]
    chart: int = 0
    percent: bool = False

    @property
    def chart_column(self) -> str:
        return self.columns[self.chart]

    @property
    def bars(self) -> list[tuple[str, float | int, int]]:
        """(label, value, width in % of the largest) of the charted column."""
        values = [row[1][self.chart] for row in self.rows]
        top = max(values, default=0) or 1
        scale = 100 if self.percent else top
        labels = [row[0] for row in self.rows]
        return [(label, value, round(100 * value / scale)) for label, value in zip(labels, values, strict=True)]


@dataclass(frozen=True)
class Statistics:
    start: dt.date
    end: dt.date
    tables: list[Table] = field(default_factory=list)


def _rate(passed: int, sat: int) -> float:
    return round(100 * passed / sat, 1) if sat else 0.0


def _pass_table(key: str, title: str, by: str, grouped: dict[str, tuple[int, int]]) -> Table:
    rows = [(label, [sat, passed, _rate(passed, sat)]) for label, (sat, passed) in sorted(grouped.items())]
    return Table(key, title, by, [_("参考人次"), _("合格人次"), _("合格率 %")], rows, chart=2, percent=True)


def statistics_for(*, user, start: dt.date, end: dt.date) -> Statistics:
    """Everything the statistics page shows for [start, end] (local dates, both included)."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    authorities = list(regulated_authorities(user).values_list("pk", flat=True))
    tables: list[Table] = []

    # theory: submitted attempts of the authorities' sessions
    theory = (
        Attempt.objects.filter(
            submitted_at__gte=since, submitted_at__lt=until, registration__session__authority_id__in=authorities
        )
        .values(
            "registration__operation_type__name",
            "registration__session__site__name",
            "registration__session__authority__name",
        )
        .annotate(sat=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    )
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_site: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_authority: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in theory:
        for bucket, name in (
            (by_type, row["registration__operation_type__name"]),
            (by_site, row["registration__session__site__name"]),
            (by_authority, row["registration__session__authority__name"]),
        ):
            bucket[name][0] += row["sat"]
            bucket[name][1] += row["passed"]
    theory_title = _("理论考试合格率")
    for key, by, bucket in (
        ("theory_type", _("操作项目"), by_type),
        ("theory_site", _("考点"), by_site),
        ("theory_authority", _("发证机关"), by_authority),
    ):
        tables.append(_pass_table(key, theory_title, by, {k: (v[0], v[1]) for k, v in bucket.items()}))

    practical = (
        PracticalResult.objects.filter(
            registration__session__starts_at__gte=since,
            registration__session__starts_at__lt=until,
            registration__session__kind=ExamKind.PRACTICAL,
            registration__session__authority_id__in=authorities,
        )
        .values("registration__operation_type__name")
        .annotate(sat=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    )
    tables.append(
        _pass_table(
            "practical_type",
            _("实操考试合格率"),
            _("操作项目"),
            {row["registration__operation_type__name"]: (row["sat"], row["passed"]) for row in practical},
        )
    )

    # certificates by qualification kind: issued, due for review, lapsed, extended
    certificates = Certificate.objects.filter(authority_id__in=authorities)
    today = timezone.localdate()
    kinds = certificates.values("subject__kind__name").annotate(
        issued=Count("pk", filter=Q(issued_on__gte=start, issued_on__lte=end)),
        due=Count("pk", filter=Q(review_due__gte=start, review_due__lte=end)),
        lapsed=Count("pk", filter=Q(valid_until__gte=start, valid_until__lte=min(end, today))),
        extended=Count(
            "events",
            filter=Q(events__action=CertificateEvent.Action.EXTEND, events__at__gte=since, events__at__lt=until),
            distinct=True,
        ),
    )
    tables.append(
        Table(
            "certificates_kind",
            _("证书"),
            _("资格类别"),
            [_("发证"), _("应复审"), _("到期失效"), _("延期")],
            sorted(
                (row["subject__kind__name"] or "—", [row["issued"], row["due"], row["lapsed"], row["extended"]])
                for row in kinds
            ),
        )
    )
    months = (
        certificates.filter(issued_on__gte=start, issued_on__lte=end)
        .values_list("issued_on", flat=True)
        .order_by("issued_on")
    )
    per_month: dict[str, int] = defaultdict(int)
    for issued_on in months:
        per_month[f"{issued_on:%Y-%m}"] += 1
    monthly: list[tuple[str, list[float | int]]] = sorted((k, [v]) for k, v in per_month.items())
    tables.append(Table("certificates_month", _("发证数量"), _("月份"), [_("发证")], monthly))

    # training services (enrolments) and learners, by organisation and by operation type
    enrolments = list(
        Enrolment.objects.filter(enrolled_at__gte=since, enrolled_at__lt=until).values_list("course_id", "learner_id")
    )
    course_ids = {course_id for course_id, _learner in enrolments}
    courses = {c.pk: c for c in CoursePage.objects.filter(pk__in=course_ids).select_related("operation_type")}
    indexes = {i.path: i for i in CourseIndexPage.objects.select_related("organisation")}
    by_org: dict[str, tuple[int, set[int]]] = defaultdict(lambda: (0, set()))
    by_op: dict[str, tuple[int, set[int]]] = defaultdict(lambda: (0, set()))
    for course_id, learner_id in enrolments:
        course = courses.get(course_id)
        if course is None:
            continue
        index = indexes.get(course.path[: -CoursePage.steplen])
        org = index.organisation.name if index is not None and index.organisation_id else "—"
        op = course.operation_type.name if course.operation_type_id else "—"
        for bucket, name in ((by_org, org), (by_op, op)):
            count, learners = bucket[name]
            learners.add(learner_id)
            bucket[name] = (count + 1, learners)
    for key, by, bucket in (("training_org", _("培训机构"), by_org), ("training_type", _("操作项目"), by_op)):
        tables.append(
            Table(
                key,
                _("培训人次与学员"),
                by,
                [_("培训人次"), _("学员人数")],
                sorted((name, [count, len(learners)]) for name, (count, learners) in bucket.items()),
            )
        )
    return Statistics(start=start, end=end, tables=tables)
