"""Benchmark: admission-ticket PDFs and score-sheet summaries; prints p50/p95 and sizes.

Run: .venv/bin/python bench/practical.py [N]

Works on unsaved instances (no database): N ticket PDFs rendered by WeasyPrint, and N
summaries of a full 0102 score sheet (4 subjects, every item tapped) by the pure rules
the running total and the submission use. The first ticket (font lookup, WeasyPrint
warm-up) is reported separately.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.utils import timezone

from accounts.models import Organisation, User
from exams.admission.models import ExamKind, ExamSession, Registration
from exams.admission.tickets import render_ticket_pdf
from exams.catalogue.models import OperationType
from exams.practical.models import PracticalMark
from exams.practical.rubrics import RUBRICS_DIR
from exams.practical.rules import parse_rubric
from exams.practical.services import summarise_sheet


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(count: int) -> None:
    site = Organisation(name="北京市特种作业实操考点(朝阳)", kind="exam_site", code="s")
    operation_type = OperationType(code="0102", name="低压电工作业")
    start = timezone.now()
    session = ExamSession(
        kind=ExamKind.PRACTICAL, name="2026-11-24 低压电工作业实操考试", site=site, starts_at=start,
        ends_at=start + dt.timedelta(hours=8), capacity=40,
    )  # fmt: skip
    timings, sizes = [], []
    first = None
    for n in range(count + 1):
        candidate = User(real_name=f"考生{n}", sex="M", id_number="110101199003071233")
        registration = Registration(
            session=session, candidate=candidate, operation_type=operation_type, ticket_code=f"AB{n:08d}"
        )
        began = time.perf_counter()
        pdf = render_ticket_pdf(registration)
        elapsed = (time.perf_counter() - began) * 1000
        if first is None:
            first = elapsed
            continue
        timings.append(elapsed)
        sizes.append(len(pdf))
    print(
        f"ticket PDF: first {first:.0f} ms; then p50 {statistics.median(timings):.0f} ms, "
        f"p95 {percentile(timings, 0.95):.0f} ms, size p50 {statistics.median(sizes) / 1024:.1f} KiB (n={count})"
    )

    rubric = parse_rubric(json.loads((RUBRICS_DIR / "0102.json").read_text(encoding="utf-8")))
    tasks = {subject.code: subject.tasks[-1].code for subject in rubric.subjects}
    marks = [
        PracticalMark(subject_code=s.code, item_code=item.code, deductions=[d.code for d in item.deductions[:1]])
        for s in rubric.subjects
        for item in s.task(tasks[s.code]).items
        if not item.veto
    ]
    began = time.perf_counter()
    for _ in range(count * 100):
        summary = summarise_sheet(rubric, tasks, marks)
    per = (time.perf_counter() - began) * 1_000_000 / (count * 100)
    print(f"score-sheet summary ({len(marks)} marks): {per:.0f} µs each; total {summary.running_total}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
