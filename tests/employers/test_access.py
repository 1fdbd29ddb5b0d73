"""Who may see the register: one test per branch. An employer sees only its own staff,
never another firm's people, never anything of a person who did not consent; the public
and people without the employer role never see it."""

from __future__ import annotations

import pytest

from tests.factories import EmployerFactory, StaffMemberFactory, UserFactory, employer_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_firm_entry():
    other = EmployerFactory(name="乙公司", code="zb-yi")
    return StaffMemberFactory(organisation=other, name="外人甲", consented=True)


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/employer/",
        "/employer/zb-jia/",
        "/employer/zb-jia/staff/",
        "/employer/zb-jia/records.xlsx",
        "/employer/zb-jia/training/",
        "/employer/zb-jia/gate/",
        "/me/employers/",
    ],
)
def test_the_public_is_sent_to_log_in(client, firm, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path",
    [
        "/employer/",
        "/employer/zb-jia/",
        "/employer/zb-jia/staff/",
        "/employer/zb-jia/due/",
        "/employer/zb-jia/training/",
        "/employer/zb-jia/gate/",
    ],
)
def test_someone_without_the_employer_role_gets_a_styled_403(client_for, firm, consented, path):
    response = client_for(consented.user).get(path)
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>无权访问</h1>" in html
    assert "只有本单位的用人单位管理人员可以操作员工名册。" in html
    assert consented.name not in html


def test_an_employer_of_another_firm_gets_404_for_this_one(client_for, firm, consented):
    outsider = employer_staff(EmployerFactory(code="zb-bing"))
    client = client_for(outsider)
    assert client.get("/employer/zb-jia/").status_code == 404
    assert client.get(f"/employer/zb-jia/staff/{consented.pk}/").status_code == 404
    assert client.get(f"/employer/zb-jia/staff/{consented.pk}/record.pdf").status_code == 404
    assert client.get("/employer/zb-jia/training/").status_code == 404
    assert client.get("/employer/zb-jia/gate/").status_code == 404
    certificate = consented.user.certificates.get()
    applied = client.post(
        f"/employer/zb-jia/staff/{consented.pk}/", {"action": "apply_review", "certificate": certificate.pk}
    )
    assert applied.status_code == 404
    assert not certificate.reviews.exists()


def test_another_firms_person_is_not_found_through_our_workspace(client_for, officer, other_firm_entry):
    client = client_for(officer)
    assert client.get(f"/employer/zb-jia/staff/{other_firm_entry.pk}/").status_code == 404
    assert "外人甲" not in client.get("/employer/zb-jia/staff/").content.decode()


def test_the_register_lists_our_people_and_shows_certificates_only_for_those_who_consented(
    client_for, officer, consented, pending, other_firm_entry
):
    html = client_for(officer).get("/employer/zb-jia/staff/").content.decode()
    assert consented.name in html
    assert pending.name in html
    assert "ZB2025000001X" not in html  # numbers are on the person's page, statuses here
    assert "低压电工作业：有效" in html
    assert html.count("待本人同意") >= 1
    assert "外人甲" not in html


def test_a_pending_persons_page_shows_only_what_the_employer_typed(client_for, officer, pending):
    html = client_for(officer).get(f"/employer/zb-jia/staff/{pending.pk}/").content.decode()
    assert pending.id_number_masked in html
    assert "ZB2025000002X" not in html
    assert "本人同意之前，这里只显示您填写的信息。" in html


def test_a_pending_persons_training_record_does_not_exist(client_for, officer, pending):
    assert client_for(officer).get(f"/employer/zb-jia/staff/{pending.pk}/record.pdf").status_code == 404


def test_the_firm_excel_has_no_certificate_of_a_person_who_did_not_consent(client_for, officer, consented, pending):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for(officer).get("/employer/zb-jia/records.xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    numbers = {row[8] for row in rows[1:]}
    assert "ZB2025000001X" in numbers
    assert "ZB2025000002X" not in numbers
    assert {row[2] for row in rows[1:]} == {consented.name, pending.name}


def test_a_person_answers_only_their_own_invitations(client_for, pending):
    stranger = client_for(UserFactory())
    assert stranger.post(f"/me/employers/{pending.pk}/", {"action": "accept"}).status_code == 404
    pending.refresh_from_db()
    assert pending.consent == "pending"


# --- the API ----------------------------------------------------------------------------------


def test_the_api_needs_a_login(client):
    response = client.get("/api/v1/employer/staff")
    assert response.status_code == 401
    assert response.json() == {"detail": "需要登录。"}


def test_the_api_refuses_anyone_without_the_employer_role(client_for, consented):
    response = client_for(consented.user).get("/api/v1/employer/staff")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有用人单位管理人员可以查看员工名册。"}


def test_the_api_lists_only_our_consented_people(client_for, officer, consented, pending, other_firm_entry):
    response = client_for(officer).get("/api/v1/employer/staff")

    assert response.status_code == 200
    assert response.json() == [
        {
            "organisation": "zb-jia",
            "name": consented.name,
            "id_masked": consented.id_number_masked,
            "department": "一车间",
            "post": "电工",
            "certificates": [
                {
                    "number": "ZB2025000001X",
                    "kind": "special_operation",
                    "subject": "低压电工作业",
                    "status": "valid",
                    "status_label": "有效",
                    "review_due": consented.user.certificates.get().review_due.isoformat(),
                    "valid_until": consented.user.certificates.get().valid_until.isoformat(),
                }
            ],
        }
    ]


def test_the_api_does_not_open_another_firm_by_its_code(client_for, officer, other_firm_entry):
    response = client_for(officer).get("/api/v1/employer/staff?organisation=zb-yi")
    assert response.status_code == 404
    assert "外人甲" not in response.content.decode()


def test_no_application_form_for_a_person_who_did_not_consent(client_for, officer, pending):
    page = client_for(officer).get(f"/employer/zb-jia/staff/{pending.pk}/").content.decode()
    assert "代为申请复审" not in page and "代为报名考试" not in page
    response = client_for(officer).post(
        f"/employer/zb-jia/staff/{pending.pk}/",
        {"action": "apply_review", "certificate": pending.user.certificates.get().pk},
    )
    assert response.status_code == 200
    assert not pending.user.certificates.get().reviews.exists()


def test_a_worker_sees_only_applications_made_for_them(client_for, officer, consented, pending):
    import datetime as dt

    from django.utils import timezone

    from employers import applications

    certificate = consented.user.certificates.get()
    certificate.review_due = timezone.localdate() + dt.timedelta(days=20)
    certificate.save(update_fields=["review_due"])
    application = applications.apply_review_on_behalf(entry=consented, certificate=certificate, actor=officer)

    assert "单位代您提出的申请" in client_for(consented.user).get("/me/employers/").content.decode()
    assert application.title in client_for(consented.user).get("/me/employers/").content.decode()
    other = client_for(pending.user)
    assert application.title not in other.get("/me/employers/").content.decode()
    assert other.post(f"/me/employers/applications/{application.pk}/withdraw").status_code == 404
    assert client_for(officer).post(f"/me/employers/applications/{application.pk}/withdraw").status_code == 404
