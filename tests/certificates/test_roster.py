"""Employers check a roster (Excel): validated, size-limited, results on the page and as Excel."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.identity import mask_id_number
from certificates import lifecycle
from certificates.models import VerificationLog
from tests.factories import HOLDER_ID, HOLDER_NAME, UserFactory

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("roster.xlsx", buffer.getvalue())


@pytest.fixture
def employer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_roster_gives_each_persons_status_and_an_excel(client, employer, issue, regulator):
    # given a valid certificate and a revoked one, and a person with none
    valid = issue()
    other = UserFactory(real_name="李四")
    revoked = lifecycle.revoke_certificate(certificate=issue(holder=other), actor=regulator, ground="unfit", reason="x")
    roster = _xlsx(
        [["姓名", "身份证号"], [HOLDER_NAME, HOLDER_ID], ["李四", revoked.number], ["赵六", "110101199001011237"]]
    )
    # when the employer uploads the roster
    response = client.post("/verify/roster/", {"roster": roster})
    # then each row has its answer, with the ID masked
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="card roster-row"') == 3
    assert '<span class="status valid">有效</span>' in page
    assert '<span class="status revoked">撤销</span>' in page
    assert "未找到匹配的证书" in page
    assert HOLDER_ID not in page
    assert mask_id_number(HOLDER_ID) in page
    assert valid.number in page
    # and every lookup is logged for the employer
    assert list(VerificationLog.objects.order_by("pk").values_list("channel", "result", "user")) == [
        ("roster", "valid", employer.pk),
        ("roster", "revoked", employer.pk),
        ("roster", "not_found", employer.pk),
    ]
    # and the same results come as Excel
    excel = client.get("/verify/roster/result.xlsx")
    assert excel.status_code == 200
    rows = list(load_workbook(io.BytesIO(excel.content)).active.iter_rows(values_only=True))
    assert rows[1][:6] == (2, HOLDER_NAME, mask_id_number(HOLDER_ID), "低压电工作业", valid.number, "有效")
    assert rows[3][5] == "未找到"
    assert HOLDER_ID not in str(rows)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["名字", "编号"], ["王", "1"]], "第1行须为表头"),
        ([["姓名", "身份证号"], ["王小明", ""]], "第2行：姓名和身份证号/证号都要填写"),
        ([["姓名", "身份证号"], ["王小明", "证号!!"]], "第2行：身份证号或证号格式不正确"),
        ([["姓名", "身份证号"]], "文件中没有要核验的人员"),
    ],
)
def test_a_bad_roster_is_refused_row_by_row_and_nothing_is_looked_up(client, employer, rows, message):
    response = client.post("/verify/roster/", {"roster": _xlsx(rows)})
    assert message in response.content.decode()
    assert VerificationLog.objects.count() == 0


def test_a_file_that_is_not_excel_or_too_large_is_refused(client, employer):
    not_excel = client.post("/verify/roster/", {"roster": SimpleUploadedFile("a.xlsx", b"hello")})
    assert "不是有效的 Excel" in not_excel.content.decode()
    big = client.post("/verify/roster/", {"roster": SimpleUploadedFile("a.xlsx", b"0" * (1024 * 1024 + 1))})
    assert "不能超过 1 MB" in big.content.decode()
    assert VerificationLog.objects.count() == 0


def test_a_small_file_of_a_million_empty_rows_is_refused_before_it_is_walked(client, employer):
    # given a roster of a header, one person and a cell a million rows down
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append([HOLDER_NAME, HOLDER_ID])
    workbook.active.cell(row=1_000_000, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(buffer.getvalue()) < 1024 * 1024

    # when it is uploaded
    response = client.post("/verify/roster/", {"roster": SimpleUploadedFile("roster.xlsx", buffer.getvalue())})

    # then it is refused by its row count, with nothing looked up
    assert "表格行数过多" in response.content.decode()
    assert VerificationLog.objects.count() == 0


def test_blank_rows_count_against_the_cap_even_when_the_sheet_hides_its_size(client, employer):
    from certificates.roster import RosterError, max_rows, parse_roster

    rows = [["姓名", "身份证号"]] + [[None, None]] * (2 * max_rows() + 6) + [[HOLDER_NAME, HOLDER_ID]]
    workbook = Workbook()
    for row in rows:
        workbook.active.append([value if value is not None else "" for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(RosterError) as excinfo:
        parse_roster(SimpleUploadedFile("roster.xlsx", buffer.getvalue()))

    assert "表格行数过多" in excinfo.value.errors[0]


def test_roster_needs_a_login(client):
    assert client.get("/verify/roster/").status_code == 302
    assert client.get("/verify/roster/result.xlsx").status_code == 302


def test_each_person_counts_against_the_users_roster_budget(client, employer, settings):
    settings.ROSTER_RATE = "3/h"
    rows = [["姓名", "身份证号"], *[[f"人{i}", "110101199001011237"] for i in range(2)]]
    assert client.post("/verify/roster/", {"roster": _xlsx(rows)}).status_code == 200
    assert client.post("/verify/roster/", {"roster": _xlsx(rows)}).status_code == 429
    assert VerificationLog.objects.count() == 2


# --- large rosters: a task with its progress on the page ------------------------------------


def _people(count: int) -> list[list]:
    return [["姓名", "身份证号"], [HOLDER_NAME, HOLDER_ID], *[[f"人{i}", f"TEST{i:08d}"] for i in range(count - 1)]]


def test_a_roster_up_to_the_sync_size_is_checked_within_the_request(client, employer, settings, issue):
    from certificates.models import RosterCheck

    settings.ROSTER_SYNC_ROWS = 3
    issue()

    response = client.post("/verify/roster/", {"roster": _xlsx(_people(3))})

    assert response.status_code == 200
    assert RosterCheck.objects.count() == 0
    assert VerificationLog.objects.count() == 3
    assert "未找到匹配的证书" in response.content.decode()


def test_a_large_roster_is_checked_by_a_task_and_the_uploader_follows_it_on_the_page(
    client, employer, settings, issue, django_capture_on_commit_callbacks
):
    from django.core.files.storage import storages

    from certificates.models import RosterCheck

    settings.ROSTER_SYNC_ROWS = 3
    issue()

    # when a roster of five is uploaded, the request only stores it and queues the check
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/verify/roster/", {"roster": _xlsx(_people(5))})
    job = RosterCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/verify/roster/{job.pk}/"
    assert (job.status, job.total, job.done, job.requested_by) == ("queued", 5, 0, employer)
    assert job.file.name.startswith("rosters/") and job.file.storage is storages["private"]
    assert VerificationLog.objects.count() == 0
    waiting = client.get(f"/verify/roster/{job.pk}/")
    assert '<meta http-equiv="refresh" content="3">' in waiting.content.decode()
    assert client.get(f"/verify/roster/{job.pk}/status").json() == {
        "status": "queued",
        "done": 0,
        "total": 5,
        "percent": 0,
    }
    assert client.get(f"/verify/roster/{job.pk}/result.xlsx").status_code == 404
    stored = job.file.name

    # then the (eager) task checks it in chunks, logs every lookup and drops the file
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    job.refresh_from_db()
    assert (job.status, job.done, job.found) == ("done", 5, 1)
    assert not job.file and not storages["private"].exists(stored)
    assert VerificationLog.objects.filter(channel=VerificationLog.Channel.ROSTER).count() == 5
    page = client.get(f"/verify/roster/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in page
    assert page.count('<span class="status ') == 1  # the holder's one certificate
    assert page.count("未找到匹配的证书") == 4
    assert HOLDER_ID not in page
    excel = client.get(f"/verify/roster/{job.pk}/result.xlsx")
    rows = list(load_workbook(io.BytesIO(excel.content)).active.iter_rows(values_only=True))
    assert excel.status_code == 200 and len(rows) == 6
    assert rows[1][:3] == (2, HOLDER_NAME, mask_id_number(HOLDER_ID))


def test_another_user_gets_a_404_for_someone_elses_roster_check(
    client, employer, settings, client_for, django_capture_on_commit_callbacks
):
    from certificates.models import RosterCheck

    settings.ROSTER_SYNC_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/verify/roster/", {"roster": _xlsx(_people(5))})
    job = RosterCheck.objects.get()
    assert job.status == RosterCheck.Status.DONE
    other = client_for(UserFactory())

    for url in (f"/verify/roster/{job.pk}/", f"/verify/roster/{job.pk}/status", f"/verify/roster/{job.pk}/result.xlsx"):
        assert other.get(url).status_code == 404
    assert client.get(f"/verify/roster/{job.pk}/result.xlsx").status_code == 200
    # and the roster page links the uploader's own checks only
    assert f'href="/verify/roster/{job.pk}/"' in client.get("/verify/roster/").content.decode()
    assert f'href="/verify/roster/{job.pk}/"' not in other.get("/verify/roster/").content.decode()


def test_a_redelivered_roster_task_does_not_check_again(employer, django_capture_on_commit_callbacks):
    from certificates.models import RosterCheck
    from certificates.roster import run_roster_check, start_roster_check

    content = _xlsx(_people(5)).read()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_roster_check(user=employer, content=content, total=5, client="c")
    job.refresh_from_db()
    assert job.status == RosterCheck.Status.DONE
    logs = VerificationLog.objects.count()

    again = run_roster_check(job_id=job.pk)

    assert again.status == RosterCheck.Status.DONE and again.done == 5
    assert VerificationLog.objects.count() == logs == 5


def test_a_roster_above_the_maximum_is_refused_before_anything_is_stored(client, employer, settings):
    from certificates.models import RosterCheck

    settings.ROSTER_SYNC_ROWS = 3
    settings.ROSTER_MAX_ROWS = 4

    response = client.post("/verify/roster/", {"roster": _xlsx(_people(5))})

    assert "一次最多核验 4 人" in response.content.decode()
    assert RosterCheck.objects.count() == 0
    assert VerificationLog.objects.count() == 0


def test_a_roster_task_stopped_half_way_checks_only_the_rest(employer, django_capture_on_commit_callbacks):
    from certificates.models import RosterCheck
    from certificates.roster import run_roster_check, start_roster_check

    with django_capture_on_commit_callbacks(execute=False):
        job = start_roster_check(user=employer, content=_xlsx(_people(5)).read(), total=5, client="c")
    first_two = [{"line": 2, "name": HOLDER_NAME, "key_masked": "x", "found": False, "certificates": []}] * 2
    RosterCheck.objects.filter(pk=job.pk).update(status=RosterCheck.Status.RUNNING, done=2, results=first_two)

    finished = run_roster_check(job_id=job.pk, chunk_size=2)

    finished.refresh_from_db()
    assert (finished.status, finished.done, len(finished.results)) == ("done", 5, 5)
    assert [result["line"] for result in finished.results[2:]] == [4, 5, 6]
    assert VerificationLog.objects.count() == 3


def test_roster_checks_older_than_30_days_are_purged_with_their_files(employer, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from certificates.models import RosterCheck
    from certificates.roster import purge_roster_checks, start_roster_check

    with django_capture_on_commit_callbacks(execute=False):
        old = start_roster_check(user=employer, content=b"old", total=1, client="c")
        fresh = start_roster_check(user=employer, content=b"new", total=1, client="c")
    RosterCheck.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    storage = old.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_roster_checks() == 1

    assert list(RosterCheck.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not storage.exists(old.file.name)
    assert storage.exists(fresh.file.name)
