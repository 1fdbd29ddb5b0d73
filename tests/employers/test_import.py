"""Importing a staff register from Excel: all or nothing, every bad row named."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from employers import services
from employers.models import Department, StaffMember
from tests.factories import StaffMemberFactory, make_id_number

pytestmark = pytest.mark.django_db
HEADER = ["姓名", "身份证号", "手机号", "部门", "岗位", "入职日期"]


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _id(n: int) -> str:
    return make_id_number(dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28), serial=100 + n, region="370303")


def test_fifty_people_are_imported_with_departments_made_and_everyone_invited(
    firm, officer, electrician_post, sms_outbox, django_capture_on_commit_callbacks
):
    rows = [
        [f"员工{n}", _id(n), f"1390000{n:04d}", "一车间" if n % 2 else "二车间", "电工", dt.date(2026, 3, 1)]
        for n in range(50)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        entries = services.import_staff(organisation=firm, actor=officer, data=_xlsx(rows))

    assert len(entries) == 50
    assert StaffMember.objects.filter(organisation=firm, consent="pending", post=electrician_post).count() == 50
    assert sorted(Department.objects.filter(organisation=firm).values_list("name", flat=True)) == ["一车间", "二车间"]
    first = StaffMember.objects.get(name="员工0")
    assert (first.department.name, first.hired_on, first.phone) == ("二车间", dt.date(2026, 3, 1), "13900000000")
    assert len(sms_outbox) == 50


def test_a_file_with_bad_rows_is_refused_whole_with_each_row_named(firm, officer, electrician_post, sms_outbox):
    StaffMemberFactory(organisation=firm, id_number=_id(3))
    bad_checksum = _id(2)[:-1] + ("0" if _id(2)[-1] != "0" else "1")
    rows = [
        ["员工1", _id(1), "13900000001", "一车间", "电工", "2026-03-01"],
        ["员工2", bad_checksum, "", "", "", ""],
        ["员工3", _id(3), "", "", "", ""],
        ["", _id(4), "12", "", "焊工", "三月"],
        ["员工5", _id(1), "", "", "", ""],
    ]

    with pytest.raises(services.StaffImportError) as excinfo:
        services.import_staff(organisation=firm, actor=officer, data=_xlsx(rows))

    assert excinfo.value.errors == [
        "第3行：身份证号校验位不正确，请核对后重新输入。",
        "第4行：此人已在员工名册中。",
        "第5行：请填写姓名。；手机号应为11位中国大陆手机号码。；岗位“焊工”不存在，请先在“岗位与要求”中添加；"
        "入职日期应写作 2026-03-01",
        "第6行：与第2行是同一个身份证号",
    ]
    assert StaffMember.objects.filter(organisation=firm).count() == 1
    assert Department.objects.count() == 0
    assert sms_outbox == []


def test_a_file_without_the_header_is_refused(firm, officer):
    with pytest.raises(services.StaffImportError) as excinfo:
        services.import_staff(organisation=firm, actor=officer, data=_xlsx([["张三", _id(1)]], header=["名字", "号码"]))
    assert excinfo.value.errors == ["第1行须为表头，至少包含：姓名、身份证号。"]


def test_something_that_is_not_excel_is_refused(firm, officer):
    with pytest.raises(services.StaffImportError) as excinfo:
        services.import_staff(organisation=firm, actor=officer, data=b"%PDF-1.4 not a spreadsheet")
    assert excinfo.value.errors == ["不是有效的 Excel（.xlsx）文件。"]
    assert StaffMember.objects.count() == 0


def test_an_empty_register_is_refused(firm, officer):
    with pytest.raises(services.StaffImportError) as excinfo:
        services.import_staff(organisation=firm, actor=officer, data=_xlsx([]))
    assert excinfo.value.errors == ["文件中没有员工。"]
