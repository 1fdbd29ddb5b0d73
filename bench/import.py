"""Benchmark: import N questions from one file.

Goals: Kaozheng's Excel template 10,000 in ≤ 10 s; the national layout (作业种类 | 试题类型 |
题目内容 | 题目选项 | 题目答案, written with the irregularities real banks have) 10,000 in
≤ 5 s; a Word document of 2,000 questions in ≤ 5 s.

Run: .venv/bin/python bench/import.py [N]                          (template, xlsx; default 10000; SQLite)
     .venv/bin/python bench/import.py 10000 --layout national
     .venv/bin/python bench/import.py 2000 --format docx
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/kz_bank .venv/bin/python bench/import.py …

Works in a throw-away test database (Django's test-database creation: "test_" + the
name, migrated first, dropped at the end), never in the real one. Prints the time to
read and check the file, to store it, the total, and an export of the same bank.
"""

from __future__ import annotations

import argparse
import io
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
from openpyxl import Workbook

from exams.bank.importers import read_questions, write_questions
from exams.bank.importers.examples import NATIONAL_HEADER, national_row
from exams.bank.importers.records import QuestionRecord
from exams.bank.models import QuestionBank
from exams.bank.selectors import question_records
from exams.bank.services import import_questions
from exams.catalogue.models import OperationType
from exams.catalogue.services import load_catalogue

POINTS = ["安全电压", "触电急救", "电气防火", "停电作业", "安全用具", "电气保护", "接地与接零", "电工仪表"]
TYPES = ["0102", "0101", "0102、0101"]


def _record(index: int) -> QuestionRecord:
    """A realistic row: mostly true/false and single choice, some multiple choice."""
    kind = ("true_false", "single", "single", "multiple", "true_false")[index % 5]
    stem = (
        f"在{POINTS[index % len(POINTS)]}方面（编号 {index}），下列关于低压电气设备安全操作的说法中，正确的是哪一项？"
    )
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


#: How real national-layout banks write options and true/false answers, in turn.
_OPTION_STYLES = (
    lambda pairs: "##".join(f"{key}.{text}" for key, text in pairs),
    lambda pairs: "".join(f"**{key}.{text}" for key, text in pairs),
    lambda pairs: "\n".join(f"{key}、{text}" for key, text in pairs),
    lambda pairs: "".join(f"{key}、{text}" for key, text in pairs),
    lambda pairs: "|".join(f"({key}){text}" for key, text in pairs),
)
_TRUE_FALSE_WORDS = (("正确", "错误"), ("对", "错"), ("√", "×"), ("T", "F"))
_TYPE_NAMES = ("低压电工作业", "0102", "低压电工", "电焊")


def national_file(records: list[QuestionRecord]) -> bytes:
    """The national layout with a title row, an empty first column, numbered stems, options
    written five ways, true/false answers four ways and colloquial operation-type names.

    Written as Excel and WPS write (with the sheet's dimension up front, which openpyxl's
    streaming writer leaves out, making any reader scan such a sheet twice)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["", "低压电工作业理论考试题库"])
    sheet.append([])
    sheet.append(["", *NATIONAL_HEADER])
    for index, record in enumerate(records):
        row = national_row(record, _TYPE_NAMES[index % len(_TYPE_NAMES)])
        row[2] = f"{index + 1}、{row[2]}"
        if record.options:
            row[3] = _OPTION_STYLES[index % len(_OPTION_STYLES)](record.options)
        else:
            yes, no = _TRUE_FALSE_WORDS[index % len(_TRUE_FALSE_WORDS)]
            row[4] = yes if record.answer == ("T",) else no
        sheet.append(["", *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main(count: int, layout: str, fmt: str) -> None:
    goal_seconds = {"template": 10.0, "national": 5.0}[layout] if fmt == "xlsx" else 5.0
    goal_count = 10_000 if fmt == "xlsx" else 2_000
    started = time.perf_counter()
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} ({test_name}), migrated in {time.perf_counter() - started:.1f} s")
    try:
        load_catalogue()
        bank = QuestionBank.objects.create(slug="bench", name="基准题库")

        started = time.perf_counter()
        records = [_record(index) for index in range(count)]
        if fmt == "docx":
            # A Word bank holds its questions by kind, under 一、判断题 / 二、单项选择题 / …
            records = sorted(
                (QuestionRecord(**{**record.__dict__, "operation_types": ()}) for record in records),
                key=lambda record: ("true_false", "single", "multiple").index(record.kind),
            )
            data = write_questions(records, "docx")
        elif layout == "national":
            data = national_file(records)
        else:
            data = write_questions(records, "xlsx")
        name = layout if fmt == "xlsx" else "Word"
        print(f"file: {count} questions, {name} layout, {len(data) / 1024 / 1024:.1f} MB {fmt}, "
              f"written in {time.perf_counter() - started:.2f} s")  # fmt: skip

        started, cpu = time.perf_counter(), time.process_time()
        parsed = read_questions(data, fmt)
        read_seconds, read_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not parsed.errors, parsed.errors[:3]

        started, cpu = time.perf_counter(), time.process_time()
        default = OperationType.objects.get(code="0102") if fmt == "docx" else None
        outcome = import_questions(
            bank=bank, records=parsed.records, actor=None, default_operation_type=default, source=f"bench.{fmt}"
        )
        store_seconds, store_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert outcome.imported == count

        total = read_seconds + store_seconds
        rate = goal_count / goal_seconds
        print(f"read and check file: {read_seconds:.2f} s (CPU {read_cpu:.2f} s)")
        print(f"check duplicates, catalogue and store: {store_seconds:.2f} s (CPU {store_cpu:.2f} s)")
        print(f"import total: {total:.2f} s wall, {read_cpu + store_cpu:.2f} s CPU ({count / total:,.0f} questions/s)")
        print(f"notices: {len(outcome.notices)} (operation types matched by a name banks use)")
        print(f"load average while running: {os.getloadavg()[0]:.1f} (wall time grows when others share the cores)")
        print(f"goal ({goal_count:,} in ≤ {goal_seconds:.0f} s, i.e. ≥ {rate:,.0f} questions/s): "
              f"{'met' if count / total >= rate else 'NOT met'}")  # fmt: skip

        started = time.perf_counter()
        exported = write_questions(question_records(bank), "xlsx")
        seconds = time.perf_counter() - started
        print(f"export of the same bank to xlsx: {seconds:.2f} s ({len(exported) / 1024 / 1024:.1f} MB)")
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=None, help="questions (10000; 2000 for docx)")
    parser.add_argument("--layout", choices=["template", "national"], default="template")
    parser.add_argument("--format", choices=["xlsx", "docx"], default="xlsx")
    arguments = parser.parse_args()
    main(arguments.count or (2_000 if arguments.format == "docx" else 10_000), arguments.layout, arguments.format)
