"""Benchmark: a Linzi-sized assessment event (考核活动) on the embedded database.

Run: .venv/bin/python bench/assessment_event.py [--invitees 1300] [--sitters 650]

Creates three firms with 1,300 consenting people (Linzi's 大考试: 400 trainers, 293
principal leaders, 607 small-firm workers), times creating the event for them, then has
half of them sit it one after another through the services the pages call (start, save
every answer, submit), and reads the results by firm. Prints p50/p95 of each step, the
sittings per minute one process sustains, and the load average (other work skews it).
Goal: half the invitees within 15 minutes, i.e. ≥ 44 sittings a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.test.utils import setup_databases, setup_test_environment, teardown_databases
from django.utils import timezone


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def line(label: str, values: list[float]) -> str:
    return f"{label:<10} p50 {statistics.median(values) * 1000:7.1f} ms   p95 {percentile(values, 0.95) * 1000:7.1f} ms"


def main(invitees: int, sitters: int) -> None:
    from accounts.models import Role
    from assessments import selectors, services
    from assessments.rules import GroupBy, group_results
    from exams.bank.models import QuestionBank, QuestionKind
    from exams.theory.services import save_answers, submit_attempt
    from tests.factories import (
        AuthorityFactory,
        BlueprintFactory,
        BlueprintRuleFactory,
        DepartmentFactory,
        EmployerFactory,
        MembershipFactory,
        OperationTypeFactory,
        QuestionBankFactory,
        QuestionFactory,
        StaffMemberFactory,
        make_id_number,
    )

    authority = AuthorityFactory(name="临淄区应急管理局", region_code="370305")
    regulator = MembershipFactory(organisation=authority, role=Role.REGULATOR).user
    operation_type = OperationTypeFactory()
    bank = QuestionBankFactory(level=QuestionBank.Level.NATIONAL)
    for _ in range(60):
        QuestionFactory(bank=bank, kind=QuestionKind.TRUE_FALSE, operation_types=[operation_type])
        QuestionFactory(bank=bank, kind=QuestionKind.SINGLE, operation_types=[operation_type])
    blueprint = BlueprintFactory(bank=bank, operation_type=operation_type)
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=50, points=Decimal(1))
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.SINGLE, count=50, points=Decimal(1))

    shares = [("培训师", 400), ("主要负责人", 293), ("小微企业", max(0, invitees - 693))]
    firms = []
    made = time.perf_counter()
    for index, (name, people) in enumerate(shares):
        firm = EmployerFactory(name=f"临淄{name}", code=f"lz{index}", region_code="370305")
        department = DepartmentFactory(organisation=firm, name=name)
        for serial in range(1, people + 1):
            StaffMemberFactory(
                organisation=firm,
                department=department,
                consented=True,
                id_number=make_id_number(
                    dt.date(1970 + index, 1, 1) + dt.timedelta(days=serial // 900),
                    serial=serial % 900 + 1,
                    region="370305",
                ),
            )
        firms.append(firm)
    print(f"fixture: {sum(p for _, p in shares)} people in {time.perf_counter() - made:.1f} s")

    now = timezone.now()
    started = time.perf_counter()
    event = services.create_event(
        organisation=authority,
        actor=regulator,
        spec=services.EventSpec(
            name="临淄区大考试",
            audience="firms",
            starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(hours=3),
            blueprint=blueprint,
            time_limit_minutes=60,
            pass_mark=60,
            firms=firms,
        ),
    )
    print(f"create event with {event.invitations.count()} invitations: {(time.perf_counter() - started) * 1000:.0f} ms")

    starts, saves, submits = [], [], []
    wall = time.perf_counter()
    for invitation in list(event.invitations.select_related("user")[:sitters]):
        t0 = time.perf_counter()
        attempt = services.begin_attempt(event=event, user=invitation.user)
        t1 = time.perf_counter()
        save_answers(attempt=attempt, answers={q["id"]: q["answer"] for q in attempt.paper["questions"]})
        t2 = time.perf_counter()
        submit_attempt(attempt=attempt)
        t3 = time.perf_counter()
        starts.append(t1 - t0)
        saves.append(t2 - t1)
        submits.append(t3 - t2)
    elapsed = time.perf_counter() - wall
    print(line("start", starts))
    print(line("save 100", saves))
    print(line("submit", submits))
    print(
        f"{sitters} sittings in {elapsed:.1f} s: {sitters / elapsed * 60:.0f} a minute in one process "
        f"(goal ≥ {sitters / 15:.0f})"
    )
    t0 = time.perf_counter()
    groups = group_results(selectors.results(event), by=GroupBy.FIRM)
    print(f"results by firm: {(time.perf_counter() - t0) * 1000:.0f} ms, {sum(g.sat for g in groups)} sat")
    print("load average: " + " ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitees", type=int, default=1300)
    parser.add_argument("--sitters", type=int, default=650)
    arguments = parser.parse_args()
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        main(arguments.invitees, arguments.sitters)
    finally:
        teardown_databases(databases, verbosity=0)
