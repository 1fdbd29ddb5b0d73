"""The issuing authority's desk: its verification log, bulk extensions with progress,
one certificate's life (suspend, revoke, cancel, replace, update, review decisions).

Regulators see and act on their own authority's certificates only; administrators on
all. Everyone else gets 403 (a page that exists) or 404 (a certificate that is not
theirs looks like one that does not exist).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from . import bulk, lifecycle, reviews, selectors
from .desk_forms import BulkExtensionForm, CancelForm, ReasonForm, ReplaceForm, ReviewDecisionForm, RevokeForm
from .models import BulkExtension, Certificate, Review
from .rules import (
    CANCELLATION_GROUND_LABELS,
    REPLACEMENT_REASON_LABELS,
    REVIEW_FAIL_GROUND_LABELS,
    REVOCATION_GROUND_LABELS,
    TransitionNotAllowed,
    review_decision_deadline,
    working_days_left,
)
from .views import NOT_FOUND_MESSAGE

GROUND_LABELS = {
    **REVOCATION_GROUND_LABELS,
    **CANCELLATION_GROUND_LABELS,
    **REPLACEMENT_REASON_LABELS,
    **REVIEW_FAIL_GROUND_LABELS,
}
STATUS_LABELS = dict(Certificate.Status.choices)


def _authorities(request: HttpRequest) -> QuerySet:
    authorities = selectors.regulated_authorities(request.user)
    if not authorities.exists():
        raise PermissionDenied(gettext("只有发证机关的监管人员可以访问此页面。"))
    return authorities


@login_required
def verifications(request: HttpRequest) -> HttpResponse:
    """Who looked up the authority's certificates, when, how, and what they were told."""
    authorities = _authorities(request)
    log = selectors.verification_log(authorities=authorities)
    return render(request, "certificates/desk/verifications.html", {"log": log})


@login_required
@require_http_methods(["GET", "POST"])
def bulk_extensions(request: HttpRequest) -> HttpResponse:
    """Extend a selected group at once, in two steps: the preview says what would change
    (and which typed numbers were not found) before anything is done; confirming starts
    the job through the audited service. Jobs are listed with progress."""
    authorities = _authorities(request)
    authority = authorities.order_by("pk").first()
    form = BulkExtensionForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        selection = bulk.bulk_selection(
            authority,
            numbers=data["numbers"],
            operation_type=data["operation_type"],
            review_due_from=data["review_due_from"],
            review_due_to=data["review_due_to"],
            windowed=bool(data["window_start"] or data["window_end"]),
        )
        try:
            bulk.check_bulk_request(
                reason=data["reason"],
                until=data["until"],
                window_start=data["window_start"],
                window_end=data["window_end"],
            )
            preview = bulk.preview_bulk_extension(
                authority=authority,
                certificate_ids=selection.values_list("pk", flat=True),
                until=data["until"],
                numbers=data["numbers"],
                window_start=data["window_start"],
                window_end=data["window_end"],
            )
            if "confirm" in request.POST:
                if request.POST.get("expected") != preview.digest:
                    raise ValidationError(gettext("所选证书在预览后有变化，请核对新的预览后再确认。"))
                job = bulk.start_bulk_extension(
                    authority=authority,
                    certificate_ids=selection.values_list("pk", flat=True),
                    until=data["until"],
                    reason=data["reason"],
                    actor=request.user,
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                )
                messages.success(request, gettext("已开始批量延期 %(total)s 本证书。") % {"total": job.total})
                return redirect("certificates:desk_bulk")
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                for message in exc.messages:
                    form.add_error(None, message)
    jobs = list(BulkExtension.objects.filter(authority__in=authorities).select_related("requested_by")[:20])
    running = any(job.status in (BulkExtension.Status.PENDING, BulkExtension.Status.RUNNING) for job in jobs)
    return render(
        request,
        "certificates/desk/bulk.html",
        {"form": form, "jobs": jobs, "running": running, "preview": preview},
    )


@login_required
def certificate_desk(request: HttpRequest) -> HttpResponse:
    """Find one certificate by number; its history, reviews and the actions that apply."""
    authorities = _authorities(request)
    number = request.GET.get("number", "").strip()
    certificate = selectors.managed_certificate(user=request.user, number=number) if number else None
    people = []
    if number and certificate is None:
        people = selectors.managed_certificates_of_person(user=request.user, id_number=number)
        if len(people) == 1:
            certificate = people[0]
        elif not people:
            messages.error(request, NOT_FOUND_MESSAGE)
    pending = list(
        Review.objects.filter(certificate__authority__in=authorities, status=Review.Status.APPLIED)
        .select_related("certificate__operation_type", "certificate__subject")
        .order_by("applied_at")[:50]
    )
    today = timezone.localdate()
    pending_rows = []
    for review in pending:
        # Order No. 30 art. 24: decided within 20 working days of the application.
        decide_by = review_decision_deadline(timezone.localtime(review.applied_at).date())
        left = working_days_left(decide_by, today)
        pending_rows.append({"review": review, "decide_by": decide_by, "left": left, "overdue": -left})
    context = {"certificate": certificate, "number": number, "pending_reviews": pending_rows, "people": people}
    if certificate is not None:
        context.update(
            record=selectors.public_record(certificate),
            events=[
                {
                    "event": event,
                    "grounds": "、".join(
                        str(GROUND_LABELS.get(code, code)) for code in event.ground.split(",") if code
                    ),
                    "from_label": STATUS_LABELS.get(event.from_status, event.from_status),
                    "to_label": STATUS_LABELS.get(event.to_status, event.to_status),
                }
                for event in certificate.events.select_related("actor")
            ],
            reviews=list(certificate.reviews.all()),
            forms={
                "suspend": ReasonForm(prefix="suspend"),
                "reinstate": ReasonForm(prefix="reinstate"),
                "revoke": RevokeForm(prefix="revoke"),
                "cancel": CancelForm(prefix="cancel"),
                "replace": ReplaceForm(prefix="replace"),
                "update": ReasonForm(prefix="update"),
                "review": ReviewDecisionForm(prefix="review"),
            },
        )
    return render(request, "certificates/desk/certificate.html", context)


_ACTIONS = {
    "suspend": (ReasonForm, lambda c, u, d: lifecycle.suspend_certificate(certificate=c, actor=u, reason=d["reason"])),
    "reinstate": (
        ReasonForm,
        lambda c, u, d: lifecycle.reinstate_certificate(certificate=c, actor=u, reason=d["reason"]),
    ),
    "revoke": (
        RevokeForm,
        lambda c, u, d: lifecycle.revoke_certificate(certificate=c, actor=u, ground=d["ground"], reason=d["reason"]),
    ),
    "cancel": (
        CancelForm,
        lambda c, u, d: lifecycle.cancel_certificate(certificate=c, actor=u, ground=d["ground"], reason=d["reason"]),
    ),
    "replace": (
        ReplaceForm,
        lambda c, u, d: lifecycle.replace_certificate(certificate=c, actor=u, reason=d["reason"], detail=d["detail"]),
    ),
    "update": (
        ReasonForm,
        lambda c, u, d: lifecycle.update_certificate_details(certificate=c, actor=u, reason=d["reason"]),
    ),
}


@login_required
@require_POST
def certificate_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One lifecycle step on a certificate of the user's authority."""
    _authorities(request)
    certificate = selectors.managed_certificate(user=request.user, number=number)
    if certificate is None:
        raise Http404(NOT_FOUND_MESSAGE)
    if action == "review":
        return _decide_review(request, certificate)
    if action not in _ACTIONS:
        raise Http404(NOT_FOUND_MESSAGE)
    form_class, perform = _ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, gettext("请填写完整：") + " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            perform(certificate, request.user, form.cleaned_data)
        except (ValidationError, TransitionNotAllowed) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, gettext("已保存。"))
    return redirect(f"{reverse('certificates:desk_certificate')}?number={certificate.number}")


def _decide_review(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    review = certificate.reviews.filter(status=Review.Status.APPLIED).first()
    form = ReviewDecisionForm(request.POST, prefix="review")
    if review is None:
        messages.error(request, gettext("没有待决定的复审申请。"))
    elif not form.is_valid():
        messages.error(request, gettext("请填写完整的复审结论。"))
    else:
        data = form.cleaned_data
        try:
            reviews.decide_review(
                review=review,
                actor=request.user,
                approve=data["approve"],
                health_check_passed=data["health_check_passed"],
                verified_violations=data["verified_violations"],
                administrative_penalty=data["administrative_penalty"],
                obstructed_inspection=data["obstructed_inspection"],
                exam_score=data["exam_score"],
                note=data["note"],
            )
        except (ValidationError, TransitionNotAllowed) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, gettext("复审结论已保存。"))
    return redirect(f"{reverse('certificates:desk_certificate')}?number={certificate.number}")


__all__ = ["bulk_extensions", "certificate_action", "certificate_desk", "verifications"]
