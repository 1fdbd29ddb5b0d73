"""Examiner scoring on a phone or tablet: the score sheet, marks saved as entered,
submission, the final result (and qualification), corrections and evidence photos.

Every tap is one small service call that writes one PracticalMark row, so a dropped
connection loses at most the tap in flight. Submitting computes the subject scores from
the marks with the pure rules and records the result through record_practical_result,
which locks the candidate's registration: two examiners submitting at once get one
result and one clear message. Submitted results change only through a correction that
a second examiner confirms.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.audit import record_event
from exams.admission.models import ExamKind, Registration
from exams.errors import PracticalResultError, ScoringRefused
from exams.papers.scoring import PASS_VALID_MONTHS, ScoringError, score_practical
from exams.theory.models import Attempt
from exams.theory.selectors import passed_theory_attempt

from .access import can_score_at
from .models import (
    PracticalCorrection,
    PracticalEvidence,
    PracticalMark,
    PracticalResult,
    PracticalScoreSheet,
)
from .rubrics import rubric_spec
from .rules import DEVICE, FULL_MARKS, ItemMark, MarkInvalid, Rubric, Subject, check_mark, score_task
from .uploads import UploadRejected, evidence_photo

if TYPE_CHECKING:
    from accounts.models import User

#: Evidence photos per subject: enough to document, not a photo album.
MAX_EVIDENCE_PER_SUBJECT = 6


# --- Pure summary of a sheet --------------------------------------------------------------


@dataclass(frozen=True)
class SubjectState:
    subject: Subject
    task_code: str
    score: Decimal | None
    vetoes: tuple[tuple[str, str], ...] = ()
    carried: bool = False


@dataclass(frozen=True)
class SheetSummary:
    subjects: list[SubjectState] = field(default_factory=list)

    @property
    def running_total(self) -> Decimal:
        """Weighted total so far; subjects not yet scored count as full marks until marked."""
        total = sum(
            ((s.score if s.score is not None else FULL_MARKS) * s.subject.weight for s in self.subjects), Decimal(0)
        )
        return (total / FULL_MARKS).quantize(Decimal("0.01"))

    @property
    def vetoes(self) -> list[tuple[str, str]]:
        return [veto for state in self.subjects for veto in state.vetoes]

    @property
    def missing(self) -> list[str]:
        return [s.subject.code for s in self.subjects if s.score is None]


def summarise_sheet(
    rubric: Rubric,
    tasks: Mapping[str, str],
    marks: Iterable[PracticalMark],
    *,
    sit: Iterable[str] | None = None,
    carried: Mapping[str, Decimal] | None = None,
) -> SheetSummary:
    """Each subject's score from the marks (untapped items keep their points)."""
    sit = set(sit) if sit is not None else {s.code for s in rubric.subjects}
    carried = carried or {}
    by_subject: dict[str, list[PracticalMark]] = {}
    for mark in marks:
        by_subject.setdefault(mark.subject_code, []).append(mark)
    states = []
    for subject in rubric.subjects:
        if subject.code not in sit:
            states.append(SubjectState(subject=subject, task_code="", score=carried.get(subject.code), carried=True))
            continue
        task = subject.task(tasks.get(subject.code, ""))
        if task is None:
            states.append(SubjectState(subject=subject, task_code="", score=None))
            continue
        rows = by_subject.get(subject.code, [])
        if subject.scoring_mode == DEVICE:
            device = next((row for row in rows if not row.item_code), None)
            score = device.score if device is not None else None
            states.append(SubjectState(subject=subject, task_code=task.code, score=score))
            continue
        result = score_task(
            task,
            [
                ItemMark(item_code=r.item_code, deductions=tuple(r.deductions), veto=r.veto, veto_reason=r.veto_reason)
                for r in rows
                if r.item_code
            ],
        )
        states.append(SubjectState(subject=subject, task_code=task.code, score=result.score, vetoes=result.vetoes))
    return SheetSummary(subjects=states)


# --- Services ---------------------------------------------------------------------------


def _locked_registration(registration: Registration, examiner: User) -> Registration:
    """Lock the registration and check the examiner may score it now. Call in a transaction."""
    reg = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__site", "session__rubric", "candidate", "operation_type")
        .get(pk=registration.pk)
    )
    if not can_score_at(examiner, reg.session.site):
        raise PermissionDenied(_("只有本考点的考评员可以评分。"))
    if reg.session.kind != ExamKind.PRACTICAL or reg.session.rubric is None:
        raise ScoringRefused(_("这不是实操考试场次的报名。"), code="not_practical")
    if reg.status != Registration.Status.APPROVED:
        raise ScoringRefused(_("报名尚未审核通过，不能评分。"), code="not_approved")
    if reg.checked_in_at is None:
        raise ScoringRefused(_("考生尚未签到，不能评分。"), code="not_checked_in")
    if PracticalResult.objects.filter(registration=reg).exists():
        raise ScoringRefused(_("成绩已提交并锁定，如需更改请申请更正。"), code="locked")
    return reg


def _session_rubric(reg: Registration) -> Rubric:
    """The rubric the registration's session was planned with, as rules."""
    if reg.session.rubric is None:
        raise ScoringRefused(_("这不是实操考试场次的报名。"), code="not_practical")
    return rubric_spec(reg.session.rubric)


def subjects_to_sit(reg: Registration, rubric: Rubric) -> list[str]:
    codes = [subject.code for subject in rubric.subjects]
    if reg.retake_subjects:
        return [code for code in codes if code in reg.retake_subjects]
    return codes


def open_score_sheet(
    *, registration: Registration, examiner: User, rng: random.Random | None = None
) -> PracticalScoreSheet:
    """The candidate's sheet, drawing one task per drawn subject the first time it is opened."""
    rng = rng or random.SystemRandom()
    with transaction.atomic():
        reg = _locked_registration(registration, examiner)
        sheet = PracticalScoreSheet.objects.filter(registration=reg).first()
        if sheet is not None:
            return sheet
        rubric = _session_rubric(reg)
        tasks = {}
        for subject in rubric.subjects:
            if subject.code not in subjects_to_sit(reg, rubric):
                continue
            if subject.task_selection == "draw" or len(subject.tasks) == 1:
                tasks[subject.code] = rng.choice(subject.tasks).code
        sheet = PracticalScoreSheet.objects.create(registration=reg, tasks=tasks)
        record_event(actor=examiner, action="exams.practical_score_sheet.opened", obj=sheet, data={"tasks": tasks})
    return sheet


def choose_task(
    *, registration: Registration, examiner: User, subject_code: str, task_code: str
) -> PracticalScoreSheet:
    """The examiner sets the task of a subject whose rubric lets the examiner choose it.

    Changing it is allowed only while nothing has been marked on that subject.
    """
    with transaction.atomic():
        reg = _locked_registration(registration, examiner)
        sheet = PracticalScoreSheet.objects.select_for_update().get(registration=reg)
        subject = _session_rubric(reg).subject(subject_code)
        if subject is None or subject.task(task_code) is None:
            raise ScoringRefused(_("评分标准中没有该考题。"), code="unknown_task")
        if subject.task_selection != "examiner":
            raise ScoringRefused(_("科目 %(subject)s 的考题是随机抽取的。") % {"subject": subject.code}, code="drawn")
        if sheet.tasks.get(subject_code) == task_code:
            return sheet
        if sheet.marks.filter(subject_code=subject_code).exists():
            raise ScoringRefused(_("该科目已开始评分，不能更换考题。"), code="already_marked")
        sheet.tasks = {**sheet.tasks, subject_code: task_code}
        sheet.save(update_fields=["tasks", "updated_at"])
        record_event(
            actor=examiner,
            action="exams.practical_score_sheet.task_chosen",
            obj=sheet,
            data={"subject": subject_code, "task": task_code},
        )
    return sheet


def save_mark(
    *,
    registration: Registration,
    examiner: User,
    subject_code: str,
    item_code: str = "",
    deductions: Iterable[str] = (),
    veto: bool = False,
    veto_reason: str = "",
    note: str = "",
    score: str | Decimal | None = None,
    now: dt.datetime | None = None,
) -> PracticalMark:
    """Save one item's marks (or a device subject's score) as entered; replaces the item's previous marks."""
    now = now or timezone.now()
    veto_reason = (veto_reason or "").strip()[:500]
    note = (note or "").strip()[:500]
    with transaction.atomic():
        reg = _locked_registration(registration, examiner)
        sheet = PracticalScoreSheet.objects.filter(registration=reg).first()
        if sheet is None:
            raise ScoringRefused(_("请先打开评分表。"), code="no_sheet")
        rubric = _session_rubric(reg)
        subject = rubric.subject(subject_code)
        if subject is None or subject_code not in subjects_to_sit(reg, rubric):
            raise ScoringRefused(
                _("考生本次不考科目 %(subject)s。") % {"subject": subject_code}, code="unknown_subject"
            )
        task = subject.task(sheet.tasks.get(subject_code, ""))
        if task is None:
            raise ScoringRefused(_("请先为科目 %(subject)s 选择考题。") % {"subject": subject_code}, code="no_task")
        value = None
        codes: list[str] = []
        if subject.scoring_mode == DEVICE:
            item_code = ""
            value = _device_score(score, subject_code)
            if veto:
                raise ScoringRefused(_("设备评分科目没有否决项。"), code="veto_on_device")
        else:
            codes = sorted({str(code) for code in deductions})
            try:
                check_mark(
                    task, ItemMark(item_code=item_code, deductions=tuple(codes), veto=veto, veto_reason=veto_reason)
                )
            except MarkInvalid as exc:
                raise ScoringRefused(str(exc), code="invalid_mark") from exc
        mark, _created = PracticalMark.objects.update_or_create(
            sheet=sheet,
            subject_code=subject_code,
            item_code=item_code,
            defaults={
                "deductions": codes,
                "score": value,
                "veto": veto,
                "veto_reason": veto_reason if veto else "",
                "note": note,
                "examiner": examiner,
                "saved_at": now,
            },
        )
        sheet.save(update_fields=["updated_at"])
    return mark


def _device_score(raw: object, subject_code: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ScoringRefused(_("科目 %(subject)s 的成绩不是数字。") % {"subject": subject_code}, code="nan") from exc
    if not value.is_finite() or value < 0 or value > FULL_MARKS:
        raise ScoringRefused(
            _("科目 %(subject)s 的成绩应在 0 到 100 之间。") % {"subject": subject_code}, code="out_of_range"
        )
    if value != value.quantize(Decimal("0.01")):
        raise ScoringRefused(_("成绩最多保留两位小数。"), code="decimals")
    return value


def add_evidence(
    *, registration: Registration, examiner: User, subject_code: str, upload, now: dt.datetime | None = None
) -> PracticalEvidence:
    """Store an evidence photo, re-encoded without EXIF; refuse non-images and oversized files."""
    now = now or timezone.now()
    try:
        photo = evidence_photo(upload)
    except UploadRejected as exc:
        raise ScoringRefused(str(exc), code="bad_photo") from exc
    with transaction.atomic():
        reg = _locked_registration(registration, examiner)
        sheet = PracticalScoreSheet.objects.filter(registration=reg).first()
        if sheet is None:
            raise ScoringRefused(_("请先打开评分表。"), code="no_sheet")
        if _session_rubric(reg).subject(subject_code) is None:
            raise ScoringRefused(
                _("评分标准中没有科目 %(subject)s。") % {"subject": subject_code}, code="unknown_subject"
            )
        if sheet.evidence.filter(subject_code=subject_code).count() >= MAX_EVIDENCE_PER_SUBJECT:
            raise ScoringRefused(
                _("每个科目最多上传 %(count)s 张照片。") % {"count": MAX_EVIDENCE_PER_SUBJECT}, code="too_many"
            )
        evidence = PracticalEvidence(sheet=sheet, subject_code=subject_code, uploaded_by=examiner, uploaded_at=now)
        # A random name: media URLs must not be guessable from a registration number.
        evidence.image.save(f"{secrets.token_urlsafe(16)}.jpg", photo, save=False)
        evidence.save()
        record_event(
            actor=examiner, action="exams.practical_evidence.added", obj=evidence, data={"subject": subject_code}
        )
    return evidence


def sheet_summary(sheet: PracticalScoreSheet) -> SheetSummary:
    reg = sheet.registration
    rubric = _session_rubric(reg)
    return summarise_sheet(rubric, sheet.tasks, sheet.marks.all(), sit=subjects_to_sit(reg, rubric))


def submit_score_sheet(
    *, registration: Registration, examiner: User, now: dt.datetime | None = None
) -> PracticalResult:
    """Turn the sheet into the final result; locked from then on.

    The same examiner submitting again gets the recorded result; a second examiner
    submitting the same candidate, even at the same moment, is told who submitted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__site", "session__rubric")
            .get(pk=registration.pk)
        )
        if PracticalResult.objects.filter(registration=reg).exists():
            # record_practical_result returns it (same examiner) or names who submitted it.
            return record_practical_result(registration=reg, examiner=examiner, subject_scores={}, veto=False, now=now)
        reg = _locked_registration(reg, examiner)
        sheet = PracticalScoreSheet.objects.filter(registration=reg).first()
        if sheet is None:
            raise ScoringRefused(_("请先打开评分表。"), code="no_sheet")
        rubric = _session_rubric(reg)
        sit = subjects_to_sit(reg, rubric)
        marks = list(sheet.marks.all())
        summary = summarise_sheet(rubric, sheet.tasks, marks, sit=sit)
        missing = [state.subject.code for state in summary.subjects if not state.carried and state.score is None]
        if missing:
            raise ScoringRefused(
                _("以下科目尚未评分：%(subjects)s。") % {"subjects": "、".join(missing)}, code="incomplete"
            )
        vetoes = summary.vetoes
        detail = {
            "tasks": sheet.tasks,
            "marks": [
                {
                    "subject": m.subject_code,
                    "item": m.item_code,
                    "deductions": m.deductions,
                    "score": str(m.score) if m.score is not None else None,
                    "veto": m.veto,
                    "veto_reason": m.veto_reason,
                    "note": m.note,
                    "examiner": m.examiner_id,
                }
                for m in marks
            ],
            "evidence": sheet.evidence.count(),
        }
        return record_practical_result(
            registration=reg,
            examiner=examiner,
            subject_scores={
                state.subject.code: state.score
                for state in summary.subjects
                if not state.carried and state.score is not None
            },
            veto=bool(vetoes),
            veto_reason="；".join(f"{code}：{reason}" for code, reason in vetoes),
            detail=detail,
            now=now,
        )


# --- Corrections ------------------------------------------------------------------------


def request_correction(
    *,
    result: PracticalResult,
    examiner: User,
    subject_scores: Mapping[str, Decimal],
    reason: str,
    veto: bool = False,
    veto_reason: str = "",
    now: dt.datetime | None = None,
) -> PracticalCorrection:
    """Propose corrected subject scores; nothing changes until a second examiner confirms."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    veto_reason = (veto_reason or "").strip()
    with transaction.atomic():
        locked = (
            PracticalResult.objects.select_for_update(of=("self",))
            .select_related("registration__session__site", "rubric")
            .get(pk=result.pk)
        )
        if not can_score_at(examiner, locked.registration.session.site):
            raise PermissionDenied(_("只有本考点的考评员可以申请更正成绩。"))
        if not reason:
            raise ScoringRefused(_("请填写更正原因。"), code="reason_required")
        if veto and not veto_reason:
            raise ScoringRefused(_("触发否决项时须填写否决原因。"), code="veto_needs_reason")
        _rescore(locked, subject_scores, veto)  # validates the scores now, not at confirmation
        try:
            with transaction.atomic():
                correction = PracticalCorrection.objects.create(
                    result=locked,
                    requested_by=examiner,
                    reason=reason,
                    subject_scores={code: str(Decimal(str(v))) for code, v in subject_scores.items()},
                    veto=veto,
                    veto_reason=veto_reason if veto else "",
                    previous={
                        "subject_scores": locked.subject_scores,
                        "total": str(locked.total),
                        "passed": locked.passed,
                        "veto": locked.veto,
                        "veto_reason": locked.veto_reason,
                    },
                    created_at=now,
                )
        except IntegrityError as exc:
            raise ScoringRefused(_("该成绩已有待复核的更正申请。"), code="pending_exists") from exc
        record_event(
            actor=examiner,
            action="exams.practical_correction.requested",
            obj=locked,
            data={"correction": correction.pk, "reason": reason, "subject_scores": correction.subject_scores},
        )
    return correction


def _rescore(result: PracticalResult, subject_scores: Mapping[str, Decimal], veto: bool):
    rubric = result.rubric
    weights = {subject.code: subject.weight for subject in rubric.subjects.all()}
    given = {**{code: Decimal(v) for code, v in (result.carried_subjects or {}).items()}, **subject_scores}
    try:
        return score_practical(
            weights=weights,
            subject_scores=given,
            veto=veto,
            pass_mark=rubric.pass_mark,
            each_subject_must_pass=rubric.retake_failed_subject_only,
        )
    except ScoringError as exc:
        raise ScoringRefused(str(exc), code="invalid_scores") from exc


def decide_correction(
    *, correction: PracticalCorrection, examiner: User, confirm: bool, now: dt.datetime | None = None
) -> PracticalCorrection:
    """A second examiner of the site confirms (applies) or rejects a correction; audited with both names."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            PracticalCorrection.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .get(pk=correction.pk)
        )
        result = (
            PracticalResult.objects.select_for_update(of=("self",))
            .select_related("registration__session__site", "registration__session__authority", "rubric")
            .get(pk=pending.result_id)
        )
        if not can_score_at(examiner, result.registration.session.site):
            raise PermissionDenied(_("只有本考点的考评员可以复核更正。"))
        if pending.status != PracticalCorrection.Status.PENDING:
            return pending
        if examiner.pk == pending.requested_by_id:
            raise ScoringRefused(_("更正须由另一名考评员复核确认。"), code="same_examiner")
        names = {
            "requested_by": pending.requested_by.real_name or pending.requested_by.username,
            "confirmed_by": examiner.real_name or examiner.username,
        }
        if not confirm:
            pending.status = PracticalCorrection.Status.REJECTED
            pending.confirmed_by = examiner
            pending.decided_at = now
            pending.save(update_fields=["status", "confirmed_by", "decided_at"])
            record_event(
                actor=examiner,
                action="exams.practical_correction.rejected",
                obj=result,
                data={"correction": pending.pk, **names},
            )
            return pending
        score = _rescore(result, {c: Decimal(v) for c, v in pending.subject_scores.items()}, pending.veto)
        if result.passed and not score.passed:
            raise ScoringRefused(
                _("该考生已合格并取得证书，不能改为不合格；请由发证机关依法处理证书。"), code="already_qualified"
            )
        was_passed = result.passed
        result.subject_scores = {code: str(value) for code, value in score.subject_scores.items()}
        result.total = score.total
        result.passed = score.passed
        result.failed_subjects = list(score.failed_subjects)
        result.veto = pending.veto
        result.veto_reason = pending.veto_reason
        result.save(update_fields=["subject_scores", "total", "passed", "failed_subjects", "veto", "veto_reason"])
        pending.status = PracticalCorrection.Status.APPLIED
        pending.confirmed_by = examiner
        pending.decided_at = now
        pending.save(update_fields=["status", "confirmed_by", "decided_at"])
        record_event(
            actor=examiner,
            action="exams.practical_result.corrected",
            obj=result,
            data={
                "correction": pending.pk,
                "reason": pending.reason,
                "previous": pending.previous,
                "subject_scores": result.subject_scores,
                "total": str(result.total),
                "passed": result.passed,
                **names,
            },
        )
        if result.passed and not was_passed:
            reg = result.registration
            theory = passed_theory_attempt(candidate=reg.candidate, operation_type=reg.operation_type, now=now)
            if theory is None:
                raise PracticalResultError(_("考生没有有效的理论考试合格成绩。"), code="no_theory_pass")
            qualify_candidate(registration=reg, theory=theory, result=result, actor=examiner)
    return pending


# --- Results -------------------------------------------------------------------------------


def record_practical_result(
    *,
    registration: Registration,
    examiner: User,
    subject_scores: Mapping[str, Decimal],
    veto: bool,
    veto_reason: str = "",
    detail: Mapping | None = None,
    now: dt.datetime | None = None,
) -> PracticalResult:
    """Record the final practical result, audited; on a pass, qualify the candidate.

    The result is final: a repeat by the same examiner returns the recorded one
    unchanged; another examiner is told who submitted it (a change is a correction,
    below). Only a checked-in candidate is scored. On a retake of a rubric
    that repeats only failed subjects, the other subjects are carried over from the
    failed result. When it passes and the theory part passed within 12 months, every
    hook in settings.KAOZHENG_ON_QUALIFIED runs in this same transaction (exams never
    imports the certificates app), so a failing hook leaves no result behind either.
    """
    now = now or timezone.now()
    veto_reason = (veto_reason or "").strip()
    with transaction.atomic():
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__rubric", "session__site", "session__authority", "candidate", "operation_type")
            .get(pk=registration.pk)
        )
        session = reg.session
        if not can_score_at(examiner, session.site):
            raise PermissionDenied(_("只有本考点的考评员可以录入实操成绩。"))
        existing = PracticalResult.objects.select_related("examiner").filter(registration=reg).first()
        if existing is not None:
            if existing.examiner_id == examiner.pk:
                return existing
            raise PracticalResultError(
                _("该考生的成绩已由考评员%(name)s于 %(time)s 提交，如需更改请申请更正。")
                % {
                    "name": existing.examiner.real_name or existing.examiner.username,
                    "time": timezone.localtime(existing.submitted_at).strftime("%H:%M"),
                },
                code="already_submitted",
            )
        if session.kind != ExamKind.PRACTICAL or session.rubric is None:
            raise PracticalResultError(_("这不是实操考试场次的报名。"), code="not_practical")
        if reg.status != Registration.Status.APPROVED:
            raise PracticalResultError(_("报名尚未审核通过，不能录入成绩。"), code="not_approved")
        if now < session.starts_at:
            raise PracticalResultError(_("考试尚未开始，不能录入成绩。"), code="not_started")
        if reg.checked_in_at is None:
            raise PracticalResultError(_("考生尚未签到，不能录入成绩。"), code="not_checked_in")
        rubric = session.rubric
        if veto and not veto_reason:
            raise PracticalResultError(_("触发否决项时须填写否决原因。"), code="veto_needs_reason")
        theory = passed_theory_attempt(candidate=reg.candidate, operation_type=reg.operation_type, now=now)
        if theory is None:
            raise PracticalResultError(
                _("考生在 %(months)s 个月内没有通过“%(operation_type)s”理论考试，不能录入实操成绩。")
                % {"months": PASS_VALID_MONTHS, "operation_type": reg.examined_name},
                code="no_theory_pass",
            )
        weights = {subject.code: subject.weight for subject in rubric.subjects.all()}
        given = dict(subject_scores)
        carried = _carried_subjects(reg, weights) if reg.retake_subjects else {}
        for code, value in carried.items():
            given.setdefault(code, value)
        try:
            score = score_practical(
                weights=weights,
                subject_scores=given,
                veto=veto,
                pass_mark=rubric.pass_mark,
                each_subject_must_pass=rubric.retake_failed_subject_only,
            )
        except ScoringError as exc:
            raise PracticalResultError(str(exc), code="invalid_scores") from exc
        result = PracticalResult.objects.create(
            registration=reg,
            examiner=examiner,
            rubric=rubric,
            subject_scores={code: str(value) for code, value in score.subject_scores.items()},
            veto=veto,
            veto_reason=veto_reason if veto else "",
            total=score.total,
            passed=score.passed,
            failed_subjects=list(score.failed_subjects),
            carried_subjects={code: str(value) for code, value in carried.items()},
            detail=dict(detail or {}),
            submitted_at=now,
        )
        record_event(
            actor=examiner,
            action="exams.practical_result.recorded",
            obj=result,
            data={
                "registration": reg.pk,
                "subject_scores": result.subject_scores,
                "carried_subjects": result.carried_subjects,
                "veto": veto,
                "veto_reason": result.veto_reason,
                "total": str(score.total),
                "passed": score.passed,
                "theory_attempt": theory.pk,
            },
        )
        if result.passed:
            qualify_candidate(registration=reg, theory=theory, result=result, actor=examiner)
    return result


def _carried_subjects(reg: Registration, weights: Mapping[str, int]) -> dict[str, Decimal]:
    """Subject scores a subject-only retake keeps from the candidate's failed result."""
    previous = (
        PracticalResult.objects.filter(
            registration__candidate_id=reg.candidate_id,
            registration__operation_type_id=reg.operation_type_id,
            passed=False,
        )
        .exclude(registration=reg)
        .order_by("-submitted_at")
        .first()
    )
    if previous is None:
        return {}
    return {
        code: Decimal(value)
        for code, value in previous.subject_scores.items()
        if code in weights and code not in reg.retake_subjects
    }


def qualify_candidate(*, registration: Registration, theory: Attempt, result: PracticalResult, actor: User) -> None:
    """Run every KAOZHENG_ON_QUALIFIED hook; call inside the transaction that passed the result."""
    for path in getattr(settings, "KAOZHENG_ON_QUALIFIED", []):
        import_string(path)(
            candidate=registration.candidate,
            operation_type=registration.operation_type,
            authority=registration.session.authority,
            theory_attempt=theory,
            practical_result=result,
            actor=actor,
        )
