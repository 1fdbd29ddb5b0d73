"""The contractors' gate check: a roster of any size checked by a task in chunks, with its
progress, masked results and Excel, kept 30 days; only the firm's own staff see it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.identity import mask_id_number
from certificates.models import VerificationLog
from employers import gate
from employers.models import GateCheck
from employers.services import StaffImportError
from tests.factories import EmployerFactory, employer_staff, make_id_number, xlsx_bytes

pytestmark = pytest.mark.django_db


def _roster(consented, people: int) -> bytes:
    certificate = consented.user.certificates.get()
    rows: list[list[object]] = [["姓名", "身份证号"], [consented.name, consented.id_number]]
    rows.append([certificate.holder_name, certificate.number])
    for serial in range(people - 2):
        rows.append(
            [
                "承包商人员",
                make_id_number(dt.date(1975, 1, 1) + dt.timedelta(days=serial // 900), serial=serial % 900 + 1),
            ]
        )
    return xlsx_bytes(rows)


def test_a_roster_larger_than_the_old_cap_is_checked_in_chunks_with_masked_results(
    firm, officer, consented, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check = gate.start_gate_check(
            organisation=firm, actor=officer, data=_roster(consented, 1200), name="承包商.xlsx"
        )

    check.refresh_from_db()
    assert (check.status, check.total, check.done, check.found) == ("done", 1200, 1200, 2)
    assert check.pending_rows == ""  # the ID numbers are not kept once checked
    assert check.results[0]["key_masked"] == mask_id_number(consented.id_number)
    assert consented.id_number not in str(check.results)
    assert check.results[0]["certificates"][0]["number"] == "ZB2025000001X"
    assert VerificationLog.objects.filter(channel=VerificationLog.Channel.ROSTER).count() == 1200


def test_the_task_resumes_where_a_stopped_worker_left_off(firm, officer, consented, monkeypatch):
    check = gate.start_gate_check(organisation=firm, actor=officer, data=_roster(consented, 450), name="r.xlsx")
    calls = []
    real = gate.check_roster

    def stop_after_one_chunk(**kwargs):
        if calls:
            raise RuntimeError("worker killed")
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(gate, "check_roster", stop_after_one_chunk)
    with pytest.raises(RuntimeError):
        gate.run_gate_check(check_id=check.pk)
    check.refresh_from_db()
    assert (check.status, check.done) == ("running", gate.CHUNK)

    monkeypatch.setattr(gate, "check_roster", real)
    gate.run_gate_check(check_id=check.pk)
    check.refresh_from_db()
    assert (check.status, check.done, len(check.results)) == ("done", 450, 450)


def test_a_file_with_bad_rows_is_refused_whole_with_every_row_named(firm, officer):
    data = xlsx_bytes([["姓名", "身份证号"], ["甲", "#@!"], ["", "110101199001011237"], ["乙", "110101199001011237"]])
    with pytest.raises(StaffImportError) as error:
        gate.start_gate_check(organisation=firm, actor=officer, data=data, name="bad.xlsx")
    assert [e[:3] for e in error.value.errors] == ["第2行", "第3行"]
    assert not GateCheck.objects.exists()


def test_checks_are_kept_thirty_days(firm, officer, consented):
    old = gate.start_gate_check(organisation=firm, actor=officer, data=_roster(consented, 3), name="old.xlsx")
    recent = gate.start_gate_check(organisation=firm, actor=officer, data=_roster(consented, 3), name="new.xlsx")
    GateCheck.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))

    assert gate.purge_gate_checks() == 1
    assert list(GateCheck.objects.values_list("pk", flat=True)) == [recent.pk]


def test_only_the_firms_staff_see_its_checks_and_results(
    client_for, firm, officer, consented, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check = gate.start_gate_check(organisation=firm, actor=officer, data=_roster(consented, 5), name="r.xlsx")
    own = client_for(officer)
    page = own.get(reverse("employers:gate_check", args=[firm.code, check.pk]))
    assert page.status_code == 200 and "已核验 5 / 5 人" in page.content.decode()
    workbook = own.get(reverse("employers:gate_check_xlsx", args=[firm.code, check.pk]))
    rows = list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))
    assert rows[1][2] == mask_id_number(consented.id_number)

    other_firm = EmployerFactory()
    stranger = client_for(employer_staff(other_firm))
    assert stranger.get(reverse("employers:gate_check", args=[firm.code, check.pk])).status_code == 404
    assert stranger.get(reverse("employers:gate_check", args=[other_firm.code, check.pk])).status_code == 404
    assert stranger.get(reverse("employers:gate_check_xlsx", args=[other_firm.code, check.pk])).status_code == 404
    assert client_for(consented.user).get(reverse("employers:gate", args=[firm.code])).status_code == 403


def test_uploading_through_the_page_starts_the_check(client_for, firm, officer, consented):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(officer).post(
        reverse("employers:gate", args=[firm.code]),
        {"file": SimpleUploadedFile("r.xlsx", _roster(consented, 4))},
    )
    check = GateCheck.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/gate/{check.pk}/")
    assert check.total == 4
