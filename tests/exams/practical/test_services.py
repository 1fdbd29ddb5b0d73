"""Examiner scoring services: the sheet, marks saved as entered, submission, corrections."""

from __future__ import annotations

import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import AuditEvent, Role
from exams.errors import PracticalResultError, ScoringRefused
from exams.practical.models import PracticalCorrection, PracticalEvidence, PracticalMark, PracticalResult, RubricSubject
from exams.practical.services import (
    add_evidence,
    choose_task,
    decide_correction,
    open_score_sheet,
    request_correction,
    save_mark,
    sheet_summary,
    submit_score_sheet,
)
from tests.exams import hooks
from tests.factories import (
    MembershipFactory,
    PracticalRubricFactory,
    RegistrationFactory,
    passed_theory_attempt,
    rubric_task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(practical):
    """The practical fixture with a theory pass and an open sheet."""
    passed_theory_attempt(practical.candidate, practical.operation_type)
    open_score_sheet(registration=practical.registration, examiner=practical.examiner, rng=random.Random(1))
    return practical


def mark(p, subject, item, deductions=(), **kwargs):
    return save_mark(
        registration=p.registration, examiner=p.examiner, subject_code=subject, item_code=item,
        deductions=deductions, **kwargs,
    )  # fmt: skip


def test_open_score_sheet_draws_one_task_per_subject_and_is_repeatable(ready):
    sheet = ready.registration.score_sheet

    again = open_score_sheet(registration=ready.registration, examiner=ready.examiner)

    assert sheet.tasks == {"K1": "K11", "K2": "K21", "K3": "K31", "K4": "K41"}
    assert again.pk == sheet.pk


def test_scoring_a_candidate_not_checked_in_is_refused_and_nothing_written(practical):
    practical.registration.checked_in_at = None
    practical.registration.save(update_fields=["checked_in_at"])

    with pytest.raises(ScoringRefused) as excinfo:
        open_score_sheet(registration=practical.registration, examiner=practical.examiner)
    assert excinfo.value.messages == ["考生尚未签到，不能评分。"]
    assert not hasattr(practical.registration, "score_sheet") or practical.registration.score_sheet is None


def test_a_tap_is_saved_as_entered_and_replaces_the_items_previous_marks(ready):
    mark(ready, "K2", "K21-1", ["a"], note="接线松动")
    mark(ready, "K2", "K21-1", ["a", "b"])

    row = PracticalMark.objects.get()
    assert (row.deductions, row.note, row.examiner) == (["a", "b"], "", ready.examiner)
    summary = sheet_summary(ready.registration.score_sheet)
    assert [s.score for s in summary.subjects] == [Decimal(100), Decimal(40), Decimal(100), Decimal(100)]
    assert summary.running_total == Decimal("76.00")  # 20 + 16 + 20 + 20


def test_a_veto_without_a_reason_is_refused_and_nothing_written(ready):
    with pytest.raises(ScoringRefused, match="标记否决项 K11-V 时须填写原因。"):
        mark(ready, "K1", "K11-V", veto=True, veto_reason="  ")
    assert PracticalMark.objects.count() == 0


def test_an_unknown_deduction_is_refused(ready):
    with pytest.raises(ScoringRefused, match="评分项 K11-1 没有扣分标准 x。"):
        mark(ready, "K1", "K11-1", ["x"])
    assert PracticalMark.objects.count() == 0


def test_submit_computes_the_weighted_total_and_qualifies_on_a_pass(ready):
    mark(ready, "K2", "K21-1", ["a"])  # K2: 90

    result = submit_score_sheet(registration=ready.registration, examiner=ready.examiner)

    assert (result.total, result.passed, result.veto) == (Decimal("96.00"), True, False)
    assert result.subject_scores == {"K1": "100.00", "K2": "90.00", "K3": "100.00", "K4": "100.00"}
    assert result.detail["tasks"] == {"K1": "K11", "K2": "K21", "K3": "K31", "K4": "K41"}
    assert len(hooks.CALLS) == 1
    # and the sheet is locked
    with pytest.raises(ScoringRefused, match="成绩已提交并锁定"):
        mark(ready, "K1", "K11-1", ["a"])


def test_a_marked_veto_fails_the_practical_whatever_the_points(ready):
    mark(ready, "K4", "K41-V", veto=True, veto_reason="未脱离电源直接接触触电者")

    result = submit_score_sheet(registration=ready.registration, examiner=ready.examiner)

    assert (result.total, result.passed, result.veto) == (Decimal("100.00"), False, True)
    assert result.veto_reason == "K41-V：未脱离电源直接接触触电者"
    assert hooks.CALLS == []


def test_a_second_examiner_submitting_the_same_candidate_is_told_who_did(ready):
    other = MembershipFactory(organisation=ready.site, role=Role.EXAMINER, user__real_name="钱七").user
    first = submit_score_sheet(registration=ready.registration, examiner=ready.examiner)

    with pytest.raises(PracticalResultError, match="该考生的成绩已由考评员.*提交，如需更改请申请更正。"):
        submit_score_sheet(registration=ready.registration, examiner=other)
    assert submit_score_sheet(registration=ready.registration, examiner=ready.examiner) == first
    assert PracticalResult.objects.count() == 1


def test_device_subject_takes_a_number_0_to_100(practical):
    rubric = PracticalRubricFactory(version=999, subjects={"K1": 50, "K2": 50})
    RubricSubject.objects.filter(rubric=rubric, code="K2").update(
        scoring_mode="device", tasks=[{"code": "K21", "name": "模拟人", "items": []}]
    )
    practical.session.rubric = rubric
    practical.session.save(update_fields=["rubric"])
    passed_theory_attempt(practical.candidate, practical.operation_type)
    open_score_sheet(registration=practical.registration, examiner=practical.examiner)

    with pytest.raises(ScoringRefused, match="以下科目尚未评分：K2。"):
        submit_score_sheet(registration=practical.registration, examiner=practical.examiner)
    for bad in ("101", "-1", "abc", "85.555"):
        with pytest.raises(ScoringRefused):
            mark(practical, "K2", "", score=bad)
    assert PracticalMark.objects.count() == 0
    mark(practical, "K2", "", score="85.5")
    result = submit_score_sheet(registration=practical.registration, examiner=practical.examiner)
    assert (result.subject_scores, result.total) == ({"K1": "100.00", "K2": "85.50"}, Decimal("92.75"))


def test_examiner_chooses_the_task_where_the_rubric_lets_them(practical):
    RubricSubject.objects.filter(rubric=practical.session.rubric, code="K2").update(
        task_selection="examiner", tasks=[rubric_task("K21"), rubric_task("K22")]
    )
    sheet = open_score_sheet(registration=practical.registration, examiner=practical.examiner)
    assert "K2" not in sheet.tasks

    sheet = choose_task(
        registration=practical.registration, examiner=practical.examiner, subject_code="K2", task_code="K22"
    )

    assert sheet.tasks["K2"] == "K22"
    with pytest.raises(ScoringRefused, match="随机抽取"):
        choose_task(
            registration=practical.registration, examiner=practical.examiner, subject_code="K1", task_code="K11"
        )


def test_scoring_at_another_site_is_refused(ready):
    stranger = MembershipFactory(role=Role.EXAMINER).user

    with pytest.raises(PermissionDenied):
        mark_as(ready, stranger)
    assert PracticalMark.objects.count() == 0


def mark_as(p, examiner):
    return save_mark(
        registration=p.registration, examiner=examiner, subject_code="K1", item_code="K11-1", deductions=["a"]
    )


def _jpeg_with_exif(size=(3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90°
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_evidence_photo_is_turned_upright_resized_and_stripped_of_exif(ready):
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_exif(), content_type="image/jpeg")

    evidence = add_evidence(registration=ready.registration, examiner=ready.examiner, subject_code="K2", upload=upload)

    with Image.open(evidence.image.path) as stored:
        assert stored.size == (1067, 1600)  # turned by the EXIF orientation, long side 1600
        assert dict(stored.getexif()) == {}
    assert AuditEvent.objects.filter(action="exams.practical_evidence.added").count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<?php echo 1; ?>", "无法识别的图片"),
        (b"\xff\xd8\xff\xe0" + b"0" * 100, "无法识别的图片"),
        (b"x" * (12 * 1024 * 1024 + 1), "文件过大"),
    ],
)
def test_a_non_image_or_oversized_photo_is_refused_and_nothing_stored(ready, content, message):
    upload = SimpleUploadedFile("p.jpg", content, content_type="image/jpeg")

    with pytest.raises(ScoringRefused, match=message):
        add_evidence(registration=ready.registration, examiner=ready.examiner, subject_code="K2", upload=upload)
    assert PracticalEvidence.objects.count() == 0


def test_a_correction_needs_a_second_examiner_and_is_audited_with_both_names(ready):
    mark(ready, "K2", "K21-1", ["b"])  # K2: 40 → total 76, failed
    result = submit_score_sheet(registration=ready.registration, examiner=ready.examiner)
    assert result.passed is False
    second = MembershipFactory(organisation=ready.site, role=Role.EXAMINER, user__real_name="孙八").user

    correction = request_correction(
        result=result,
        examiner=ready.examiner,
        subject_scores={"K1": Decimal(100), "K2": Decimal(90), "K3": Decimal(100), "K4": Decimal(100)},
        reason="误点“未完成”",
    )
    with pytest.raises(ScoringRefused, match="更正须由另一名考评员复核确认。"):
        decide_correction(correction=correction, examiner=ready.examiner, confirm=True)
    result.refresh_from_db()
    assert (result.total, result.passed) == (Decimal("76.00"), False)

    decide_correction(correction=correction, examiner=second, confirm=True)

    result.refresh_from_db()
    assert (result.total, result.passed) == (Decimal("96.00"), True)
    correction.refresh_from_db()
    assert (correction.status, correction.confirmed_by) == (PracticalCorrection.Status.APPLIED, second)
    event = AuditEvent.objects.get(action="exams.practical_result.corrected")
    assert (event.actor, event.data["requested_by"], event.data["confirmed_by"]) == (
        second,
        ready.examiner.real_name,
        "孙八",
    )
    assert len(hooks.CALLS) == 1  # the corrected pass qualifies the candidate


def test_a_correction_with_scores_out_of_range_is_refused_and_nothing_written(ready):
    result = submit_score_sheet(registration=ready.registration, examiner=ready.examiner)

    with pytest.raises(ScoringRefused, match="科目 K2 的成绩应在 0 到 100 之间。"):
        request_correction(
            result=result,
            examiner=ready.examiner,
            subject_scores={"K1": 100, "K2": 120, "K3": 100, "K4": 100},
            reason="x",
        )
    assert PracticalCorrection.objects.count() == 0


def test_a_subject_only_retake_sits_the_failed_subject_and_carries_the_others(practical):
    # given: a rubric whose retakes repeat only the failed subject, and a failed first sitting
    rubric = practical.session.rubric
    rubric.retake_failed_subject_only = True
    rubric.save(update_fields=["retake_failed_subject_only"])
    passed_theory_attempt(practical.candidate, practical.operation_type)
    open_score_sheet(registration=practical.registration, examiner=practical.examiner)
    mark(practical, "K3", "K31-1", ["b"])  # K3: 40 < 80
    first = submit_score_sheet(registration=practical.registration, examiner=practical.examiner)
    assert (first.passed, first.failed_subjects) == (False, ["K3"])

    # when: the retake registration sits K3 only
    retake = RegistrationFactory(
        session=practical.session.__class__.objects.create(
            kind="practical", name="补考", authority=practical.session.authority, site=practical.site,
            starts_at=practical.session.starts_at, ends_at=practical.session.ends_at, capacity=5, rubric=rubric,
        ),
        candidate=practical.candidate, operation_type=practical.operation_type, is_retake=True,
        retake_subjects=["K3"], checked_in_at=practical.registration.checked_in_at,
    )  # fmt: skip
    sheet = open_score_sheet(registration=retake, examiner=practical.examiner)
    assert sheet.tasks == {"K3": "K31"}
    with pytest.raises(ScoringRefused, match="考生本次不考科目 K1。"):
        save_mark(registration=retake, examiner=practical.examiner, subject_code="K1", item_code="K11-1")
    result = submit_score_sheet(registration=retake, examiner=practical.examiner)

    # then
    assert result.carried_subjects == {"K1": "100.00", "K2": "100.00", "K4": "100.00"}
    assert (result.total, result.passed) == (Decimal("100.00"), True)
