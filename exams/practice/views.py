"""Practice pages (练习) for the phone: one question per page, plain forms, no JavaScript needed.

A learner practises any active operation type; everything they see and change is
their own (mock exams of others are 404).
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exams.catalogue.models import OperationType
from exams.papers.drawing import image_urls
from exams.papers.scoring import KIND_LABELS, MULTIPLE, PaperQuestion, ScoringError, is_correct

from .models import MockExam
from .services import (
    FORMAL_EXAM_OPEN,
    MODES,
    PracticeError,
    has_open_formal_attempt,
    next_question,
    operation_types_for,
    practice_counter,
    practice_progress,
    practice_question,
    practice_questions,
    record_practice_answer,
    save_mock_answers,
    start_mock_exam,
    submit_mock_exam,
)


def _operation_type(code: str) -> OperationType:
    return get_object_or_404(OperationType, code=code, is_active=True)


def _mode(request: HttpRequest) -> tuple[str, str]:
    mode = request.GET.get("mode") or request.POST.get("mode") or "sequential"
    if mode not in MODES:
        raise Http404
    return mode, (request.GET.get("kp") or request.POST.get("kp") or "").strip()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    mine = list(operation_types_for(request.user))
    code = request.GET.get("type", "").strip()
    if code:
        # Only a real code is put into a URL: "a/b" would not reverse (and was a 500).
        return redirect("exams:practice_operation", code=_operation_type(code).code)
    if len(mine) == 1:
        return redirect("exams:practice_operation", code=mine[0].code)
    others = OperationType.objects.filter(is_active=True, questions__is_active=True).exclude(
        pk__in=[ot.pk for ot in mine]
    )
    return render(
        request,
        "exams/practice/home.html",
        {"mine": mine, "others": others.distinct().order_by("code")},
    )


@login_required
def operation(request: HttpRequest, code: str) -> HttpResponse:
    operation_type = _operation_type(code)
    progress = practice_progress(request.user, operation_type)
    return render(request, "exams/practice/operation.html", {"progress": progress, "operation_type": operation_type})


def _formal_exam_open(request: HttpRequest) -> HttpResponse | None:
    """While the learner sits a formal exam, practice and mock exams send them back to it."""
    if not has_open_formal_attempt(request.user):
        return None
    messages.error(request, str(FORMAL_EXAM_OPEN))
    return redirect("exams:index")


def _question_context(question: PaperQuestion, *, given: tuple[str, ...] = (), show_key: bool = False) -> dict:
    return {
        "id": question.id,
        "kind": question.kind,
        "kind_label": KIND_LABELS[question.kind],
        "stem": question.stem,
        "input_type": "checkbox" if question.kind == MULTIPLE else "radio",
        "options": [
            {
                "key": option.key,
                "text": option.text,
                "checked": option.key in given,
                "right": show_key and option.key in question.answer,
                "wrong": show_key and option.key in given and option.key not in question.answer,
            }
            for option in question.options
        ],
    }


def _next_url(code: str, mode: str, kp: str) -> str:
    query = {"mode": mode} | ({"kp": kp} if kp else {})
    return reverse("exams:practice_question", kwargs={"code": code}) + "?" + urlencode(query)


@login_required
def question(request: HttpRequest, code: str) -> HttpResponse:
    operation_type = _operation_type(code)
    if refused := _formal_exam_open(request):
        return refused
    mode, kp = _mode(request)
    row = next_question(request.user, operation_type, mode=mode, knowledge_point=kp)
    context = {"operation_type": operation_type, "mode": mode, "kp": kp, "question": None}
    if row is not None:
        context["question"] = _question_context(practice_question(row))
        context["knowledge_point"] = row.knowledge_point
        context["image_url"] = image_urls([row.image_id]).get(row.image_id)
        context["counter"] = practice_counter(
            request.user, operation_type, mode=mode, question_id=row.pk, knowledge_point=kp
        )
    return render(request, "exams/practice/question.html", context)


@login_required
@require_POST
def answer(request: HttpRequest, code: str, question_id: int) -> HttpResponse:
    operation_type = _operation_type(code)
    if refused := _formal_exam_open(request):
        return refused
    mode, kp = _mode(request)
    row = practice_questions(operation_type).filter(pk=question_id).first()
    if row is None:
        raise Http404
    given = request.POST.getlist("answer")
    shown = practice_question(row)
    try:
        correct, record = record_practice_answer(
            learner=request.user,
            operation_type=operation_type,
            question=row,
            answer=given,
            advance_sequential=mode == "sequential",
        )
    except PracticeError as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "exams/practice/question.html",
            {
                "operation_type": operation_type,
                "mode": mode,
                "kp": kp,
                "question": _question_context(shown),
                "knowledge_point": row.knowledge_point,
            },
            status=422,
        )
    keys = tuple(sorted({key.strip().upper() for key in given}))
    return render(
        request,
        "exams/practice/question.html",
        {
            "operation_type": operation_type,
            "mode": mode,
            "kp": kp,
            "question": _question_context(shown, given=keys, show_key=True),
            "knowledge_point": row.knowledge_point,
            "answered": True,
            "image_url": image_urls([row.image_id]).get(row.image_id),
            "correct": correct,
            "record": record,
            "explanation": row.explanation,
            "next_url": _next_url(code, mode, kp),
            "counter": practice_counter(
                request.user, operation_type, mode=mode, question_id=row.pk, knowledge_point=kp
            ),
        },
    )


@login_required
@require_POST
def start_mock(request: HttpRequest, code: str) -> HttpResponse:
    operation_type = _operation_type(code)
    if refused := _formal_exam_open(request):
        return refused
    try:
        mock = start_mock_exam(learner=request.user, operation_type=operation_type)
    except ScoringError as exc:  # no blueprint, or a bank that cannot fill it (PaperShortfall)
        messages.error(request, str(exc))
        return redirect("exams:practice_operation", code=code)
    return redirect("exams:practice_mock", mock_id=mock.pk)


@login_required
@require_http_methods(["GET", "POST"])
def mock(request: HttpRequest, mock_id: int) -> HttpResponse:
    exam = get_object_or_404(MockExam.objects.select_related("operation_type"), pk=mock_id, learner=request.user)
    if refused := _formal_exam_open(request):
        return refused
    now = timezone.now()
    if request.method == "POST" and exam.submitted_at is None:
        answers = {int(q["id"]): request.POST.getlist(f"q_{q['id']}") for q in exam.paper["questions"]}
        if request.POST.get("action") == "save" and now < exam.deadline:
            save_mock_answers(mock=exam, answers=answers)
            messages.success(request, _("答案已保存。"))
        else:
            exam = submit_mock_exam(mock=exam, answers=answers, now=now)
        return redirect("exams:practice_mock", mock_id=exam.pk)
    if exam.submitted_at is None and now >= exam.deadline:
        exam = submit_mock_exam(mock=exam, now=now)
    submitted = exam.submitted_at is not None
    questions = []
    for number, data in enumerate(exam.paper["questions"], start=1):
        shown = PaperQuestion.from_snapshot(data)
        given = tuple(exam.answers.get(str(shown.id), []))
        context = _question_context(shown, given=given, show_key=submitted)
        context["number"] = number
        context["answered"] = bool(given)
        context["correct"] = submitted and is_correct(shown, given)
        questions.append(context)
    remaining = max(0, math.floor((exam.deadline - now).total_seconds())) if not submitted else 0
    return render(
        request,
        "exams/practice/mock.html",
        {
            "mock": exam,
            "questions": questions,
            "submitted": submitted,
            "answered": sum(1 for q in questions if q["answered"]),
            "wrong": sum(1 for q in questions if submitted and q["answered"] and not q["correct"]),
            "unanswered": sum(1 for q in questions if not q["answered"]),
            "remaining_seconds": remaining,
            "remaining_minutes": math.ceil(remaining / 60),
            "pass_mark": exam.paper["pass_mark"],
        },
    )
