"""The pure rules of what a post requires and what falls due (no database)."""

from __future__ import annotations

import datetime as dt

from employers.rules import (
    DueKind,
    HeldCertificate,
    Requirement,
    counts_by_horizon,
    due_items,
    new_worker_hours,
    within,
)

TODAY = dt.date(2026, 12, 2)
ELECTRICIAN = Requirement(subject_code="0102", subject_name="低压电工作业")
WELDER = Requirement(subject_code="0401", subject_name="熔化焊接与热切割作业")


def _held(code="0102", name="低压电工作业", *, status="valid", review_in=400, valid_in=1500) -> HeldCertificate:
    return HeldCertificate(
        subject_code=code,
        subject_name=name,
        number="N1",
        status=status,
        review_due=TODAY + dt.timedelta(days=review_in),
        valid_until=TODAY + dt.timedelta(days=valid_in),
    )


def test_new_worker_education_is_24_hours_or_72_in_high_risk_sectors():
    assert new_worker_hours(high_risk=False) == 24
    assert new_worker_hours(high_risk=True) == 72


def test_nothing_is_due_when_every_required_certificate_is_far_off():
    assert due_items(required=[ELECTRICIAN], held=[_held()], today=TODAY) == []


def test_a_review_within_90_days_is_due_with_its_days_left():
    [item] = due_items(required=[ELECTRICIAN], held=[_held(review_in=45)], today=TODAY)
    assert (item.kind, item.due_on, item.days_left, item.number) == (
        DueKind.REVIEW,
        TODAY + dt.timedelta(days=45),
        45,
        "N1",
    )
    assert item.label == "复审"


def test_a_certificate_whose_validity_ends_before_its_review_is_due_for_renewal():
    [item] = due_items(required=[], held=[_held(review_in=80, valid_in=80)], today=TODAY)
    assert (item.kind, item.days_left) == (DueKind.RENEWAL, 80)


def test_a_required_certificate_not_held_in_force_is_missing_now():
    items = due_items(required=[ELECTRICIAN, WELDER], held=[_held(status="lapsed")], today=TODAY)
    assert [(item.kind, item.subject_name, item.due_on, item.overdue) for item in items] == [
        (DueKind.MISSING, "低压电工作业", None, True),
        (DueKind.MISSING, "熔化焊接与热切割作业", None, True),
    ]


def test_a_certificate_due_soon_still_counts_as_held():
    items = due_items(required=[ELECTRICIAN], held=[_held(status="review_due_soon", review_in=20)], today=TODAY)
    assert [item.kind for item in items] == [DueKind.REVIEW]


def test_counts_are_cumulative_over_30_60_and_90_days():
    items = due_items(
        required=[WELDER],
        held=[_held("a", "甲", review_in=10), _held("b", "乙", review_in=50), _held("c", "丙", review_in=85)],
        today=TODAY,
    )
    assert counts_by_horizon(items) == {30: 2, 60: 3, 90: 4}
    assert [item.subject_name for item in within(items, 30)] == ["熔化焊接与热切割作业", "甲"]


# Order No. 3 art. 9: the yearly refresher of a management certificate is due (or missed).
def test_a_management_refresher_is_due_with_its_year_end():
    held = HeldCertificate(
        subject_code="WHP.safety_manager",
        subject_name="危险化学品生产经营单位安全管理人员",
        number="BJ2026000001X",
        status="valid",
        review_due=TODAY + dt.timedelta(days=900),
        valid_until=TODAY + dt.timedelta(days=900),
        refresher_due_on=TODAY + dt.timedelta(days=40),
    )
    (item,) = due_items(required=[], held=[held], today=TODAY)
    assert (item.kind, item.days_left, item.label) == (DueKind.REFRESHER, 40, "年度再培训")
    missed = HeldCertificate(**{**held.__dict__, "refresher_due_on": TODAY - dt.timedelta(days=5)})
    (item,) = due_items(required=[], held=[missed], today=TODAY)
    assert item.overdue
