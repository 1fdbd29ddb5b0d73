"""Results of an assessment event grouped by firm, district, department or post, and
their bar chart as SVG: pure functions over dataclasses, no database."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.translation import gettext_lazy as _


class GroupBy(enum.StrEnum):
    FIRM = "firm"
    DISTRICT = "district"
    DEPARTMENT = "department"
    POST = "post"


GROUP_LABELS = {
    GroupBy.FIRM: _("按企业"),
    GroupBy.DISTRICT: _("按区县"),
    GroupBy.DEPARTMENT: _("按部门"),
    GroupBy.POST: _("按岗位"),
}
UNKNOWN = "—"


@dataclass(frozen=True)
class PersonResult:
    """One invitee and their best attempt (None: not sat yet)."""

    name: str
    firm: str
    district: str
    department: str
    post: str
    score: Decimal | None
    passed: bool | None
    attempts: int

    def key(self, by: GroupBy) -> str:
        value = {
            GroupBy.FIRM: self.firm,
            GroupBy.DISTRICT: self.district,
            GroupBy.DEPARTMENT: self.department,
            GroupBy.POST: self.post,
        }[by]
        return value or UNKNOWN


@dataclass(frozen=True)
class GroupResult:
    name: str
    invited: int
    sat: int
    passed: int
    average: Decimal | None

    @property
    def participation(self) -> int:
        """Per cent of the invited who sat."""
        return self.sat * 100 // self.invited if self.invited else 0

    @property
    def pass_rate(self) -> int:
        """Per cent of those who sat who passed."""
        return self.passed * 100 // self.sat if self.sat else 0


def group_results(people: Iterable[PersonResult], *, by: GroupBy) -> list[GroupResult]:
    """One row per group, biggest first (then by name)."""
    groups: dict[str, list[PersonResult]] = defaultdict(list)
    for person in people:
        groups[person.key(by)].append(person)
    rows = []
    for name, members in groups.items():
        scores = [m.score for m in members if m.score is not None]
        rows.append(
            GroupResult(
                name=name,
                invited=len(members),
                sat=len(scores),
                passed=sum(1 for m in members if m.passed),
                average=(sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.1")) if scores else None,
            )
        )
    return sorted(rows, key=lambda row: (-row.invited, row.name))


def totals(people: Iterable[PersonResult]) -> GroupResult:
    people = list(people)
    rows = group_results(
        [PersonResult("", "", "", "", "", p.score, p.passed, p.attempts) for p in people], by=GroupBy.FIRM
    )
    return rows[0] if rows else GroupResult(name="", invited=0, sat=0, passed=0, average=None)


BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 120
CHART_WIDTH = 340


def bar_chart_svg(groups: list[GroupResult], *, title: str) -> str:
    """A horizontal bar chart, one bar pair per group: invited (light) and sat / passed
    (dark), with the numbers written out; fits a 360 px phone. Labels are escaped."""
    bar_space = CHART_WIDTH - LABEL_WIDTH - 50
    largest = max((group.invited for group in groups), default=0) or 1
    height = len(groups) * (BAR_HEIGHT + GAP) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, group in enumerate(groups):
        y = index * (BAR_HEIGHT + GAP) + 4
        label = group.name if len(group.name) <= 8 else group.name[:7] + "…"
        invited_width = round(bar_space * group.invited / largest)
        sat_width = round(bar_space * group.sat / largest)
        passed_width = round(bar_space * group.passed / largest)
        parts.append(
            f'<g class="bar" data-name="{escape(group.name)}">'
            f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{invited_width}" height="{BAR_HEIGHT}" fill="#dbe4f0"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{sat_width}" height="{BAR_HEIGHT}" fill="#7aa2d6"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{passed_width}" height="{BAR_HEIGHT}" fill="#1f5fae"/>'
            f'<text x="{LABEL_WIDTH + invited_width + 4}" y="{y + 15}" font-size="11">'
            f"{group.passed}/{group.sat}/{group.invited}</text></g>"
        )
    legend_y = height - 8
    parts.append(
        f'<text x="0" y="{legend_y}" font-size="11" fill="#555">'
        f"{escape(str(_('深色：合格；中色：已参加；浅色：应参加（合格/参加/应参加）')))}</text></svg>"
    )
    return "".join(parts)
