"""Benchmark: render N certificate PDFs and print render time (p50/p95) and size.

Run: .venv/bin/python bench/certificates.py [N]      (goal: render p95 ≤ 60 ms, PDF ≤ 60 KB)

Renders from unsaved model instances, so it needs no database; the first render (font
lookup, WeasyPrint warm-up) is reported separately and left out of the percentiles.
"""

from __future__ import annotations

import datetime as dt
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

from accounts.identity import check_character
from accounts.models import Organisation, User
from certificates.models import Certificate
from certificates.pdf import render_certificate_pdf
from certificates.rules import certificate_dates, format_certificate_number
from exams.catalogue.models import OperationCategory, OperationType, QualificationKind, Subject
from printing.fonts import cjk_font, harfbuzz_subset_available

SPECIAL_OPERATION = QualificationKind(code=QualificationKind.Code.SPECIAL_OPERATION, name="特种作业操作证")
FAMILY_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗欧阳司马"
GIVEN_NAMES = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华志国"
TYPES = [
    ("01", "电工作业", "0102", "低压电工作业"),
    ("01", "电工作业", "0101", "高压电工作业"),
    ("03", "焊接与热切割作业", "0301", "熔化焊接与热切割作业"),
    ("04", "高处作业", "0401", "登高架设作业"),
    ("04", "高处作业", "0402", "高处安装、维护、拆除作业"),
]


def _certificate(index: int) -> Certificate:
    """A varied, realistic certificate (different names and types change the glyph set)."""
    first17 = f"110105{1970 + index % 30}{1 + index % 12:02d}{1 + index % 28:02d}{100 + index:03d}"[:17]
    name = FAMILY_NAMES[index % len(FAMILY_NAMES)] + GIVEN_NAMES[(index * 7) % len(GIVEN_NAMES)]
    name += GIVEN_NAMES[(index * 11) % len(GIVEN_NAMES)] if index % 2 else ""
    category_code, category_name, type_code, type_name = TYPES[index % len(TYPES)]
    issued_on = dt.date(2026, 1, 1) + dt.timedelta(days=index * 9)
    dates = certificate_dates(issued_on)
    holder = User(real_name=name, id_number=first17 + check_character(first17), sex="M" if index % 2 else "F")
    category = OperationCategory(code=category_code, name=category_name)
    authority = Organisation(kind=Organisation.Kind.AUTHORITY, name="北京市应急管理局", code="bj-ajj")
    return Certificate(
        number=format_certificate_number(authority_code=authority.code, year=issued_on.year, serial=index + 1),
        holder=holder,
        subject=Subject(code=type_code, name=type_name, kind=SPECIAL_OPERATION),
        operation_type=OperationType(code=type_code, name=type_name, category=category),
        authority=authority,
        first_issued_on=issued_on,
        issued_on=issued_on,
        valid_until=dates.valid_until,
        review_due=dates.review_due,
        holder_name=name,
        holder_sex=holder.sex,
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work on the machine inflates wall time)"
    )
    print(f"HarfBuzz subset: {'yes' if harfbuzz_subset_available() else 'NO (slow fallback)'}; font: {cjk_font()}")
    started = time.perf_counter()
    render_certificate_pdf(_certificate(count))
    print(f"first render (cold): {(time.perf_counter() - started) * 1000:.0f} ms")

    times_ms: list[float] = []
    cpu_ms: list[float] = []
    sizes_kb: list[float] = []
    for index in range(count):
        certificate = _certificate(index)
        started, cpu_started = time.perf_counter(), time.process_time()
        content = render_certificate_pdf(certificate)
        times_ms.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - cpu_started) * 1000)
        sizes_kb.append(len(content) / 1024)
        assert content.startswith(b"%PDF-")

    print(f"rendered {count} certificate PDFs")
    print(
        f"render ms: p50 {statistics.median(times_ms):.0f}, p95 {_percentile(times_ms, 0.95):.0f}, "
        f"max {max(times_ms):.0f}"
    )
    print(
        f"render CPU ms (less sensitive to other load): p50 {statistics.median(cpu_ms):.0f}, "
        f"p95 {_percentile(cpu_ms, 0.95):.0f}"
    )
    print(
        f"size KB:   p50 {statistics.median(sizes_kb):.1f}, p95 {_percentile(sizes_kb, 0.95):.1f}, "
        f"max {max(sizes_kb):.1f}"
    )


if __name__ == "__main__":
    main()
