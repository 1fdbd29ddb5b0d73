"""The employer's pages and the person's answer, as a phone sees them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from employers.models import Department, Post, StaffMember
from exams.catalogue.services import subject_of
from tests.factories import (
    CertificateFactory,
    EmployerFactory,
    OperationTypeFactory,
    UserFactory,
    employer_staff,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_employer_home_goes_straight_to_the_only_workspace(client_for, officer):
    response = client_for(officer).get("/employer/")
    assert response.status_code == 302
    assert response["Location"] == "/employer/zb-jia/"


def test_employer_home_lets_someone_of_two_firms_choose(client_for, officer):
    second = EmployerFactory(name="乙公司", code="zb-yi")
    employer_staff(second)  # someone else there
    from tests.factories import MembershipFactory

    MembershipFactory(user=officer, organisation=second, role="employer")
    html = client_for(officer).get("/employer/").content.decode()
    assert 'href="/employer/zb-jia/"' in html
    assert 'href="/employer/zb-yi/"' in html


def test_the_workspace_counts_people_and_what_falls_due(client_for, officer, consented, pending):
    # given the consented person's review falls due in 20 days
    certificate = consented.user.certificates.get()
    certificate.review_due = timezone.localdate() + dt.timedelta(days=20)
    certificate.save(update_fields=["review_due"])

    html = client_for(officer).get("/employer/zb-jia/").content.decode()

    assert "<h1>淄博甲化工有限公司</h1>" in html
    assert "<dt>人数</dt><dd>2</dd>" in html
    assert "<dt>已同意</dt><dd>1</dd>" in html
    assert '<a href="/employer/zb-jia/due/?within=30">30天内</a>：<strong>1</strong>' in html


def test_the_dashboard_links_an_employer_to_the_workspace(client_for, officer):
    html = client_for(officer).get("/me/").content.decode()
    assert 'href="/employer/"' in html
    assert "员工名册与到期提醒" in html


def test_adding_a_person_through_the_form(client_for, officer, workshop, electrician_post):
    new_id = make_id_number(dt.date(1992, 2, 2), serial=311, region="370303")

    response = client_for(officer).post(
        "/employer/zb-jia/staff/add/",
        {
            "name": "孙八",
            "id_number": new_id.lower(),
            "phone": "139 5555 7777",
            "department": workshop.pk,
            "post": electrician_post.pk,
        },
    )

    entry = StaffMember.objects.get(name="孙八")
    assert response.status_code == 302
    assert response["Location"] == f"/employer/zb-jia/staff/{entry.pk}/"
    assert (entry.id_number, entry.phone, entry.department, entry.post) == (
        new_id,
        "13955557777",
        workshop,
        electrician_post,
    )


def test_a_bad_id_number_is_shown_on_the_form_and_nothing_is_added(client_for, officer):
    response = client_for(officer).post("/employer/zb-jia/staff/add/", {"name": "孙八", "id_number": "123"})
    assert response.status_code == 200
    assert "身份证号应为18位：前17位是数字，最后一位是数字或X。" in response.content.decode()
    assert StaffMember.objects.count() == 0


def test_an_import_with_an_error_shows_every_row_and_adds_no_one(client_for, officer):
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append(["甲", "110101199001011234"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "staff.xlsx"

    response = client_for(officer).post("/employer/zb-jia/staff/import/", {"file": buffer})

    html = response.content.decode()
    assert response.status_code == 200
    assert "文件有 1 处错误，未导入任何人：" in html
    assert "<li>第2行：身份证号校验位不正确，请核对后重新输入。</li>" in html
    assert StaffMember.objects.count() == 0


def test_the_import_template_reimports_as_one_person(client_for, officer):
    from employers import services

    response = client_for(officer).get("/employer/zb-jia/staff/template.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "身份证号", "手机号", "部门", "岗位", "入职日期")
    with pytest.raises(services.StaffImportError) as excinfo:  # the example's post does not exist yet
        services.import_staff(organisation=officer.memberships.get().organisation, actor=officer, data=response.content)
    assert excinfo.value.errors == ["第2行：岗位“电工”不存在，请先在“岗位与要求”中添加"]


def test_the_due_page_lists_the_missing_certificate_of_a_post(client_for, officer, firm, workshop):
    from tests.factories import PostFactory, StaffMemberFactory

    welder = PostFactory(
        organisation=firm,
        name="焊工",
        required_subjects=[subject_of(OperationTypeFactory(code="0401", name="熔化焊接与热切割作业"))],
    )
    person = StaffMemberFactory(organisation=firm, department=workshop, post=welder, consented=True, name="周九")

    html = client_for(officer).get("/employer/zb-jia/due/?within=30").content.decode()

    assert "缺证" in html
    assert person.name in html
    assert "熔化焊接与热切割作业" in html


def test_departments_and_posts_are_made_from_their_pages(client_for, officer):
    client = client_for(officer)
    subject = subject_of(OperationTypeFactory())

    client.post("/employer/zb-jia/departments/", {"name": "仓储部"})
    client.post(
        "/employer/zb-jia/posts/",
        {"name": "仓管员", "new_worker_education": "on", "high_risk": "on", "required_subjects": [subject.pk]},
    )

    assert list(Department.objects.values_list("name", flat=True)) == ["仓储部"]
    post = Post.objects.get()
    assert (post.name, post.new_worker_education, post.high_risk, list(post.required_subjects.all())) == (
        "仓管员",
        True,
        True,
        [subject],
    )
    assert "三级安全教育 72 学时，每年 20 学时" in client.get("/employer/zb-jia/posts/").content.decode()


def test_the_training_record_pdf_of_a_consented_person(client_for, officer, consented):
    response = client_for(officer).get(f"/employer/zb-jia/staff/{consented.pk}/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_the_firm_excel_never_runs_a_typed_formula(client_for, officer, firm):
    from tests.factories import StaffMemberFactory

    StaffMemberFactory(organisation=firm, name='=HYPERLINK("http://evil")')
    response = client_for(officer).get("/employer/zb-jia/records.xlsx")
    cell = load_workbook(io.BytesIO(response.content)).active["C2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil")', "s")


def test_the_person_accepts_then_withdraws_on_their_page(client_for, pending):
    person = pending.user
    client = client_for(person)
    page = client.get("/me/employers/").content.decode()
    assert "淄博甲化工有限公司" in page and "同意" in page

    client.post(f"/me/employers/{pending.pk}/", {"action": "accept"})
    pending.refresh_from_db()
    assert pending.consent == "given"
    assert "可查看您证书的单位" in client.get("/me/employers/").content.decode()

    client.post(f"/me/employers/{pending.pk}/", {"action": "withdraw"})
    pending.refresh_from_db()
    assert pending.consent == "withdrawn"


def test_the_dashboard_tells_the_person_of_a_waiting_invitation(client_for, pending):
    html = client_for(pending.user).get("/me/").content.decode()
    assert "有 1 家用人单位邀请您加入员工名册，请确认。" in html


def test_a_person_without_an_identity_is_told_why_no_invitation_shows(client_for):
    person = UserFactory()
    type(person).objects.filter(pk=person.pk).update(id_number="", id_number_hash=None)
    person.refresh_from_db()
    html = client_for(person).get("/me/employers/").content.decode()
    assert "请先在账户中填写实名信息" in html


def test_a_certificate_number_of_a_person_shows_on_their_page_once_consented(client_for, officer, consented):
    CertificateFactory(
        holder=consented.user,
        operation_type=OperationTypeFactory(code="0301", name="高压电工作业"),
        number="ZB2025000009X",
    )
    html = client_for(officer).get(f"/employer/zb-jia/staff/{consented.pk}/").content.decode()
    assert "ZB2025000001X" in html and "ZB2025000009X" in html
