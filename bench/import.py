"""Benchmark: import N questions from one Excel file (goal: 10,000 in ≤ 10 s).

Run: .venv/bin/python bench/import.py [N]            (default 10000; SQLite)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/kz_bank .venv/bin/python bench/import.py

Works in a throw-away test database (Django's test-database creation: "test_" + the
name, migrated first, dropped at the end), never in the real one. Prints the time to
read and check the file, to store it, the total, and an export of the same bank.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection

from exams.bank.importers import read_questions, write_questions
from exams.bank.importers.records import QuestionRecord
from exams.bank.models import QuestionBank
from exams.bank.selectors import question_records
from exams.bank.services import import_questions
from exams.catalogue.services import load_catalogue

POINTS = ["安全电压", "触电急救", "电气防火", "停电作业", "安全用具", "电气保护", "接地与接零", "电工仪表"]
TYPES = ["0102", "0101", "0102、0101"]


def _record(index: int) -> QuestionRecord:
    """A realistic row: mostly true/false and single choice, some multiple choice."""
    kind = ("true_false", "single", "single", "multiple", "true_false")[index % 5]
    stem = f"第 {index} 题：在{POINTS[index % len(POINTS)]}方面，下列关于低压电气设备安全操作的说法中，正确的是哪一项？"
    options: tuple[tuple[str, str], ...] = ()
    answer: tuple[str, ...] = ("T",) if index % 2 else ("F",)
    if kind != "true_false":
        options = tuple((key, f"选项{key}：第 {index} 题的一个说法，长度接近真实题库中的选项。") for key in "ABCD")
        answer = ("B",) if kind == "single" else ("A", "C", "D")
    return QuestionRecord(
        line=index + 2,
        kind=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation="依据《特种作业人员安全技术培训考核管理规定》及低压电工作业培训大纲。",
        knowledge_point=POINTS[index % len(POINTS)],
        difficulty=1 + index % 5,
        operation_types=tuple(TYPES[index % len(TYPES)].split("、")),
    )


def main(count: int) -> None:
    started = time.perf_counter()
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} ({test_name}), migrated in {time.perf_counter() - started:.1f} s")
    try:
        load_catalogue()
        bank = QuestionBank.objects.create(slug="bench", name="基准题库")

        started = time.perf_counter()
        data = write_questions([_record(index) for index in range(count)], "xlsx")
        print(f"file: {count} questions, {len(data) / 1024 / 1024:.1f} MB xlsx, written in "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip

        started, cpu = time.perf_counter(), time.process_time()
        parsed = read_questions(data, "xlsx")
        read_seconds, read_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not parsed.errors, parsed.errors[:3]

        started, cpu = time.perf_counter(), time.process_time()
        outcome = import_questions(bank=bank, records=parsed.records, actor=None, source="bench.xlsx")
        store_seconds, store_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert outcome.imported == count

        total = read_seconds + store_seconds
        print(f"read and check file: {read_seconds:.2f} s (CPU {read_cpu:.2f} s)")
        print(f"check duplicates, catalogue and store: {store_seconds:.2f} s (CPU {store_cpu:.2f} s)")
        print(f"import total: {total:.2f} s wall, {read_cpu + store_cpu:.2f} s CPU ({count / total:,.0f} questions/s)")
        print(f"load average while running: {os.getloadavg()[0]:.1f} (wall time grows when others share the cores)")
        print(f"goal (10,000 in ≤ 10 s, i.e. ≥ 1,000 questions/s): {'met' if count / total >= 1000 else 'NOT met'}")

        started = time.perf_counter()
        exported = write_questions(question_records(bank), "xlsx")
        seconds = time.perf_counter() - started
        print(f"export of the same bank to xlsx: {seconds:.2f} s ({len(exported) / 1024 / 1024:.1f} MB)")
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
