"""Practical and administration pages: each access branch, and the main flows through HTTP."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from exams.admission.models import Registration
from exams.practical.models import PracticalMark, PracticalResult
from exams.practical.services import open_score_sheet, submit_score_sheet
from tests.factories import AuthorityFactory, MembershipFactory, OrganisationFactory, UserFactory, passed_theory_attempt

pytestmark = pytest.mark.django_db


def regulator_of(session):
    return MembershipFactory(organisation=session.authority, role=Role.REGULATOR).user


# --- examiner pages ------------------------------------------------------------------


def test_roster_is_for_examiners_only(practical, client):
    client.force_login(UserFactory())
    assert client.get(reverse("exams:practical_roster")).status_code == 403


def test_roster_lists_todays_candidates_with_their_ticket_and_check_in(practical, client):
    client.force_login(practical.examiner)
    response = client.get(reverse("exams:practical_roster"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "TESTCODE23" in html and "已签到" in html
    assert 'name="code"' in html  # the manual entry fallback is always there


def test_check_in_view_checks_in_and_opens_the_sheet(practical, client):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    Registration.objects.filter(pk=practical.registration.pk).update(checked_in_at=None)

    client.force_login(practical.examiner)
    response = client.post(reverse("exams:practical_check_in"), {"code": "testcode23"})

    assert response["Location"] == reverse("exams:practical_score", args=[practical.registration.pk])
    assert Registration.objects.get(pk=practical.registration.pk).checked_in_by == practical.examiner


def test_check_in_view_with_an_unknown_code_says_so(practical, client):
    client.force_login(practical.examiner)
    response = client.post(reverse("exams:practical_check_in"), {"code": "NOPE"}, follow=True)

    assert "准考证号 NOPE 不是本考点的考生。" in response.content.decode()


def test_score_page_for_a_candidate_not_checked_in_says_so_and_opens_nothing(practical, client):
    Registration.objects.filter(pk=practical.registration.pk).update(checked_in_at=None)

    client.force_login(practical.examiner)
    response = client.get(reverse("exams:practical_score", args=[practical.registration.pk]))

    assert response.status_code == 409
    assert "尚未签到" in response.content.decode()


def test_score_page_shows_the_drawn_tasks_items_and_deductions(practical, client):
    client.force_login(practical.examiner)
    response = client.get(reverse("exams:practical_score", args=[practical.registration.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-autosave") == 12  # 4 subjects × (2 scored items + 1 veto item)
    assert 'value="a"' in html and "步骤错误 <b>−10</b>" in html
    assert 'data-total data-number="100.00"' in html and ">100.00</strong>" in html


def test_score_page_at_another_site_is_404(practical, client):
    stranger = MembershipFactory(role=Role.EXAMINER).user

    client.force_login(stranger)
    assert client.get(reverse("exams:practical_score", args=[practical.registration.pk])).status_code == 404


def test_score_page_by_a_non_examiner_is_403(practical, client):
    client.force_login(practical.candidate)
    response = client.get(reverse("exams:practical_score", args=[practical.registration.pk]))

    assert response.status_code == 403


def test_a_tap_saved_through_json_returns_the_running_total(practical, client):
    client.force_login(practical.examiner)
    client.get(reverse("exams:practical_score", args=[practical.registration.pk]))

    response = client.post(
        reverse("exams:practical_mark", args=[practical.registration.pk]),
        {"subject": "K2", "item": "K21-1", "deduction": ["a"]},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "saved": True,
        "running_total": "96.00",
        "subjects": {"K1": "100", "K2": "90", "K3": "100", "K4": "100"},
        "vetoes": 0,
    }


def test_a_veto_without_reason_through_json_is_409_and_nothing_saved(practical, client):
    client.force_login(practical.examiner)
    client.get(reverse("exams:practical_score", args=[practical.registration.pk]))

    response = client.post(
        reverse("exams:practical_mark", args=[practical.registration.pk]),
        {"subject": "K1", "item": "K11-V", "veto": "on"},
        HTTP_ACCEPT="application/json",
    )

    assert (response.status_code, response.json()) == (409, {"detail": "标记否决项 K11-V 时须填写原因。"})
    assert PracticalMark.objects.count() == 0


def test_submit_shows_the_result_page(practical, client):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    client.force_login(practical.examiner)
    client.get(reverse("exams:practical_score", args=[practical.registration.pk]))

    response = client.post(reverse("exams:practical_submit", args=[practical.registration.pk]), follow=True)

    assert 'class="total">100.00<' in response.content.decode()
    assert PracticalResult.objects.get().passed is True


# --- regulator pages ------------------------------------------------------------------------


def test_session_pages_are_for_regulators_only(practical, client):
    client.force_login(practical.examiner)
    assert client.get(reverse("exams:session_list")).status_code == 403


def test_regulator_sees_only_their_authoritys_sessions(practical, client_for):
    own = client_for(regulator_of(practical.session), mfa=True)
    other = client_for(MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user, mfa=True)

    assert practical.session.name in own.get(reverse("exams:session_list")).content.decode()
    assert practical.session.name not in other.get(reverse("exams:session_list")).content.decode()
    assert other.get(reverse("exams:session_detail", args=[practical.session.pk])).status_code == 404


def test_regulator_approves_from_the_roster(practical, client_for):
    from tests.factories import make_eligible

    make_eligible(practical.candidate, practical.operation_type)
    passed_theory_attempt(practical.candidate, practical.operation_type)
    Registration.objects.filter(pk=practical.registration.pk).update(status="pending", ticket_code=None)
    client = client_for(regulator_of(practical.session), mfa=True)

    response = client.post(reverse("exams:decide", args=[practical.registration.pk]), {"decision": "approve"})

    assert response.status_code == 302
    assert Registration.objects.get(pk=practical.registration.pk).ticket_code


def test_approving_someone_no_longer_eligible_says_why_and_changes_nothing(practical, client_for):
    Registration.objects.filter(pk=practical.registration.pk).update(status="pending", ticket_code=None)
    client = client_for(regulator_of(practical.session), mfa=True)

    response = client.post(
        reverse("exams:decide", args=[practical.registration.pk]), {"decision": "approve"}, follow=True
    )

    html = response.content.decode()
    assert "考生已不符合报考条件，不能批准：" in html and "身体条件：须上传体检合格证明（图片或 PDF）。" in html
    assert Registration.objects.get(pk=practical.registration.pk).status == "pending"


def test_roster_export_is_a_workbook_with_one_row_per_registration(practical, client_for):
    client = client_for(regulator_of(practical.session), mfa=True)

    response = client.get(reverse("exams:roster_xlsx", args=[practical.session.pk]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("准考证号", "姓名", "身份证号")
    assert rows[1][0] == "TESTCODE23"
    assert len(rows) == 2


def scored(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    open_score_sheet(registration=practical.registration, examiner=practical.examiner)
    return submit_score_sheet(registration=practical.registration, examiner=practical.examiner)


def test_results_page_shows_pass_rates_and_workloads_to_the_regulator(practical, client_for):
    scored(practical)
    response = client_for(regulator_of(practical.session), mfa=True).get(reverse("exams:results"))

    html = response.content.decode()
    assert practical.site.name in html and "100.0%" in html
    assert practical.examiner.real_name in html


def test_results_page_is_refused_to_workers(practical, client):
    client.force_login(practical.candidate)
    assert client.get(reverse("exams:results")).status_code == 403


def test_training_organisation_sees_its_own_candidates_only(practical, client_for):
    training = OrganisationFactory()
    Registration.objects.filter(pk=practical.registration.pk).update(training_organisation=training)
    scored(practical)
    own = client_for(MembershipFactory(organisation=training, role=Role.TRAINER).user)
    other = client_for(MembershipFactory(organisation=OrganisationFactory(), role=Role.TRAINER).user)

    own_rows = list(load_workbook(io.BytesIO(own.get(reverse("exams:results_xlsx")).content)).active.values)
    other_rows = list(load_workbook(io.BytesIO(other.get(reverse("exams:results_xlsx")).content)).active.values)
    assert [row[0] for row in own_rows[1:]] == [practical.candidate.real_name]
    assert other_rows[1:] == []
    assert practical.candidate.real_name in own.get(reverse("exams:training_home")).content.decode()
    assert practical.candidate.real_name not in other.get(reverse("exams:training_home")).content.decode()


def test_training_home_is_refused_to_non_trainers(practical, client):
    client.force_login(practical.examiner)
    assert client.get(reverse("exams:training_home")).status_code == 403


# --- admission ticket -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("candidate", 200), ("examiner", 200), ("regulator", 200), ("trainer", 200), ("stranger", 404)],
)
def test_ticket_pdf_access(practical, who, status, client_for):
    training = OrganisationFactory()
    Registration.objects.filter(pk=practical.registration.pk).update(training_organisation=training)
    users = {
        "candidate": practical.candidate,
        "examiner": practical.examiner,
        "regulator": regulator_of(practical.session),
        "trainer": MembershipFactory(organisation=training, role=Role.TRAINER).user,
        "stranger": UserFactory(),
    }
    response = client_for(users[who], mfa=who == "regulator").get(
        reverse("exams:ticket_pdf", args=[practical.registration.pk])
    )

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


def test_ticket_pdf_holds_the_code_in_text_and_qr(practical, client):
    import subprocess

    client.force_login(practical.candidate)
    response = client.get(reverse("exams:ticket_pdf", args=[practical.registration.pk]))

    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    assert "TESTCODE23" in text.decode()
    assert "特种作业考试准考证" in text.decode()


def test_the_ticket_is_rendered_once_per_content_and_again_when_it_changes(practical, client, monkeypatch):
    from exams.admission import tickets

    renders = []
    real = tickets.render_pdf
    monkeypatch.setattr(tickets, "render_pdf", lambda html, **kw: renders.append(html) or real(html, **kw))
    client.force_login(practical.candidate)
    url = reverse("exams:ticket_pdf", args=[practical.registration.pk])

    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert len(renders) == 1

    type(practical.candidate).objects.filter(pk=practical.candidate.pk).update(real_name="改名后")
    third = client.get(url)
    assert len(renders) == 2
    assert third.content != first.content


def test_a_pending_registration_has_no_ticket_yet(practical, client):
    Registration.objects.filter(pk=practical.registration.pk).update(status="pending", ticket_code=None)

    client.force_login(practical.candidate)
    response = client.get(reverse("exams:ticket_pdf", args=[practical.registration.pk]))

    assert response.status_code == 302


def test_rubric_pages_show_published_rubrics_to_trainers_and_drafts_to_regulators(practical, client_for):
    rubric = practical.session.rubric
    draft = type(rubric).objects.create(operation_type=rubric.operation_type, version=rubric.version + 50)
    trainer = client_for(MembershipFactory(role=Role.TRAINER).user)
    regulator = client_for(regulator_of(practical.session), mfa=True)

    assert trainer.get(reverse("exams:rubric_detail", args=[rubric.pk])).status_code == 200
    assert trainer.get(reverse("exams:rubric_detail", args=[draft.pk])).status_code == 404
    assert regulator.get(reverse("exams:rubric_detail", args=[draft.pk])).status_code == 200


@pytest.mark.parametrize(
    ("who", "links"),
    [("candidate", []), ("examiner", ["实操评分"]), ("trainer", ["学员报名"]), ("regulator", ["考试场次"])],
)
def test_the_exams_page_links_the_pages_each_role_opens(practical, who, links, client_for):
    users = {
        "candidate": practical.candidate,
        "examiner": practical.examiner,
        "trainer": MembershipFactory(role=Role.TRAINER).user,
        "regulator": regulator_of(practical.session),
    }
    html = client_for(users[who], mfa=who == "regulator").get(reverse("exams:index")).content.decode()

    shown = [label for label in ("实操评分", "学员报名", "考试场次") if f">{label}</a>" in html]
    assert shown == links
    assert ">报名考试</a>" in html


@pytest.mark.parametrize(
    ("who", "status"), [("examiner", 200), ("regulator", 200), ("candidate", 404), ("stranger", 404)]
)
def test_evidence_photos_are_served_only_to_the_sites_examiners_and_regulators(practical, who, status, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from exams.practical.services import add_evidence

    open_score_sheet(registration=practical.registration, examiner=practical.examiner)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(buffer, format="PNG")
    evidence = add_evidence(
        registration=practical.registration, examiner=practical.examiner, subject_code="K1",
        upload=SimpleUploadedFile("p.png", buffer.getvalue()),
    )  # fmt: skip
    users = {
        "examiner": practical.examiner,
        "regulator": regulator_of(practical.session),
        "candidate": practical.candidate,
        "stranger": MembershipFactory(role=Role.EXAMINER).user,
    }

    response = client_for(users[who], mfa=who == "regulator").get(reverse("exams:evidence_photo", args=[evidence.pk]))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # re-encoded as JPEG


@pytest.mark.parametrize(("who", "status"), [("candidate", 200), ("regulator", 200), ("stranger", 404)])
def test_health_certificate_file_is_shown_to_the_candidate_and_the_regulator_only(practical, who, status, client_for):
    from tests.factories import HealthCertificateFactory

    HealthCertificateFactory(user=practical.candidate)
    users = {"candidate": practical.candidate, "regulator": regulator_of(practical.session), "stranger": UserFactory()}

    response = client_for(users[who], mfa=who == "regulator").get(
        reverse("exams:health_file", args=[practical.registration.pk])
    )

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"


def test_a_worker_registers_themselves_or_reads_why_not(practical, client_for):
    from tests.factories import ExamSessionFactory, make_eligible

    session = ExamSessionFactory(kind="theory", operation_types=[practical.operation_type])
    ready, unready = UserFactory(), UserFactory()
    make_eligible(ready, practical.operation_type)
    as_ready, as_unready = client_for(ready), client_for(unready)

    assert as_ready.post(reverse("exams:register_self", args=[session.pk]))["Location"] == reverse("exams:index")
    refused = as_unready.post(reverse("exams:register_self", args=[session.pk]), follow=True)

    assert Registration.objects.get(session=session).candidate == ready
    assert "培训条件：须完成该操作项目的安全技术理论和实际操作培训。" in refused.content.decode()


def test_health_certificate_upload_page_refuses_a_fake_file_with_the_reason(client):
    user = UserFactory()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user)
    response = client.post(
        reverse("exams:health_certificate"),
        {"file": SimpleUploadedFile("x.pdf", b"GIF89a not really"), "issued_on": "2026-01-05"},
    )

    assert response.status_code == 422
    assert "体检证明须为图片（JPEG、PNG、WebP）或 PDF 文件。" in response.content.decode()


def test_session_plan_form_shows_every_problem(practical, client_for):
    client = client_for(regulator_of(practical.session), mfa=True)

    response = client.post(
        reverse("exams:session_plan"),
        {
            "kind": "practical", "name": "x", "authority": practical.session.authority.pk, "site": practical.site.pk,
            "operation_type": practical.operation_type.pk, "starts_at": "2030-01-01T09:00",
            "ends_at": "2030-01-01T08:00", "capacity": 5,
        },
    )  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 422
    assert "结束时间须晚于开始时间。" in html and "该考点尚未登记实操考试条件。" in html


def test_ticket_qr_code_reads_back_as_the_ticket_code(practical, tmp_path, client):
    import subprocess

    from PIL import Image
    from pyzbar.pyzbar import decode

    client.force_login(practical.candidate)
    response = client.get(reverse("exams:ticket_pdf", args=[practical.registration.pk]))
    (tmp_path / "ticket.pdf").write_bytes(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "ticket.pdf"), str(tmp_path / "page")], check=True)

    (png,) = sorted(tmp_path.glob("page*.png"))
    assert [symbol.data for symbol in decode(Image.open(png))] == [b"TESTCODE23"]
