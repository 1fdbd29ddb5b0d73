"""Assessment events' pages: the organiser's (/events/, a regulator's or employer's staff)
and the invitee's (/events/e/<token>/, which anyone may open: it asks to sign in, and
shows nothing of the event's people).

Organisers see only their organisations' events (another's is 404); people who organise
nothing get 403 at /events/.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from exams.errors import ExamError

from . import selectors, services
from .forms import EventForm
from .models import AssessmentEvent
from .rules import GROUP_LABELS, GroupBy, bar_chart_svg, group_results, totals

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_AN_ORGANISER = services.NOT_AN_ORGANISER


def _organisations(request: HttpRequest):
    organisations = selectors.organiser_organisations(request.user)
    if not organisations:
        raise PermissionDenied(NOT_AN_ORGANISER)
    return organisations


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    organisations = _organisations(request)
    return render(
        request,
        "assessments/list.html",
        {"organisations": organisations, "events": list(selectors.events_of(organisations)), "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest, code: str) -> HttpResponse:
    organisation = next((o for o in _organisations(request) if o.code == code), None)
    if organisation is None:
        raise Http404
    form = EventForm(request.POST or None, organisation=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = services.EventSpec(
            name=data["name"],
            audience=data["audience"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            blueprint=data["blueprint"],
            time_limit_minutes=data["time_limit_minutes"],
            pass_mark=data["pass_mark"],
            attempts_allowed=data["attempts_allowed"],
            award=data.get("award") or "",
            firms=list(data.get("firms") or []),
            departments=list(data.get("departments") or []),
            region_code=(data.get("region_code") or "").strip(),
            people=data.get("people") or [],
            join_code=(data.get("join_code") or "").strip(),
        )
        try:
            event = services.create_event(organisation=organisation, actor=request.user, spec=spec)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, gettext("已创建考核活动，邀请 %(count)s 人。") % {"count": event.invitations.count()}
            )
            return redirect("assessments:detail", pk=event.pk)
    return render(request, "assessments/new.html", {"organisation": organisation, "form": form})


def _event(request: HttpRequest, pk: int) -> AssessmentEvent:
    _organisations(request)
    event = selectors.organised_event(request.user, pk)
    if event is None:
        raise Http404
    return event


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    by_value = request.GET.get("by", GroupBy.FIRM.value)
    by = GroupBy(by_value) if by_value in GroupBy._value2member_map_ else GroupBy.FIRM
    people = selectors.results(event)
    groups = group_results(people, by=by)
    title = f"{event.name} · {GROUP_LABELS[by]}"
    return render(
        request,
        "assessments/detail.html",
        {
            "event": event,
            "by": by,
            "groupings": [(g.value, GROUP_LABELS[g]) for g in GroupBy],
            "groups": groups,
            "total": totals(people),
            "chart": bar_chart_svg(groups, title=title),
            "link": request.build_absolute_uri(f"/events/e/{event.token}/"),
        },
    )


@login_required
def results_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    response = HttpResponse(selectors.results_workbook(event, selectors.results(event)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="assessment-{event.pk}-results.xlsx"'
    return response


# --- the invitee ------------------------------------------------------------------------------


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    return render(request, "assessments/mine.html", {"invitations": selectors.my_events(request.user)})


def _by_token(token: str) -> AssessmentEvent:
    event = selectors.event_by_token(token)
    if event is None:
        raise Http404
    return event


@login_required
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, token: str) -> HttpResponse:
    """The event's page for an invitee: join by code if it is open to anyone, then start."""
    event = _by_token(token)
    if request.method == "POST":
        try:
            services.join_with_code(event=event, user=request.user, code=request.POST.get("code", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("已加入考核活动。"))
        return redirect("assessments:take", token=token)
    invitation = selectors.invitation_of(request.user, event)
    if invitation is None and event.audience != AssessmentEvent.Audience.LINK:
        raise Http404
    attempts = selectors.attempts_of(event, request.user) if invitation else []
    best = max((a for a in attempts if a.score is not None), key=lambda a: a.score, default=None)
    return render(
        request,
        "assessments/take.html",
        {
            "event": event,
            "invitation": invitation,
            "attempts": attempts,
            "best": best,
            "is_open": selectors.is_open(event),
            "attempts_left": event.attempts_allowed - invitation.attempts_used if invitation else 0,
            "time_limit": event.blueprint.time_limit_minutes,
            "pass_mark": event.blueprint.pass_mark,
            "may_download": _may_download(event, best),
        },
    )


def _may_download(event: AssessmentEvent, best) -> bool:
    if not event.award or best is None or best.submitted_at is None:
        return False
    return event.award == AssessmentEvent.Award.PARTICIPATION or bool(best.passed)


@login_required
@require_POST
def start(request: HttpRequest, token: str) -> HttpResponse:
    event = _by_token(token)
    try:
        attempt = services.begin_attempt(event=event, user=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except (ValidationError, ExamError) as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("assessments:take", token=token)
    return redirect("exams:attempt", attempt_id=attempt.pk)


@login_required
def certificate_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """A participation (or pass) certificate: clearly not a statutory certificate."""
    from printing.render import render_pdf

    event = _by_token(token)
    if selectors.invitation_of(request.user, event) is None:
        raise Http404
    attempts = selectors.attempts_of(event, request.user)
    best = max((a for a in attempts if a.score is not None), key=lambda a: a.score, default=None)
    if not _may_download(event, best):
        raise Http404
    html = render_to_string(
        "assessments/certificate_pdf.html",
        {
            "event": event,
            "person": request.user,
            "best": best,
            "kind": _("合格证明") if best.passed else _("参加证明"),
            "today": timezone.localdate(),
        },
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="assessment-{event.pk}-certificate.pdf"'
    return response
