"""Campaign endpoints of the JSON API: public paper and submission, figures for organisers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from . import selectors, services
from .models import Campaign, IdentityKind
from .views import client_ip

router = Router(tags=["campaigns"])


class SubmissionIn(Schema):
    paper_token: str
    answers: dict[str, Any]
    nickname: str
    district: int | None = None
    firm: int | None = None
    challenge: str = ""


def _snapshot(slug: str) -> selectors.Snapshot:
    snapshot = selectors.campaign_snapshot(slug)
    if snapshot is None:
        raise HttpError(404, _("没有这个答题活动。"))
    return snapshot


def _device(request: HttpRequest) -> str:
    return (request.headers.get("X-Device-Id") or "")[:40]


@router.get("/campaigns/{slug}/paper", auth=None)
def paper(request: HttpRequest, slug: str):
    """A short random paper, without answer keys. Send the returned ``device_id`` back as
    the ``X-Device-Id`` header with the submission."""
    snapshot = _snapshot(slug)
    device = _device(request) or services.new_device_id()
    try:
        issued = services.issue_paper(snapshot=snapshot, device=device, ip=client_ip(request))
    except services.CampaignError as exc:
        raise HttpError(exc.status, exc.message) from exc
    return {
        "paper_token": issued.token,
        "device_id": device,
        "expires_at": issued.expires_at,
        "challenge": issued.challenge,
        "questions": [{"id": q[0], "kind": q[1], "stem": q[2], "options": q[3]} for q in issued.questions],
    }


@router.post("/campaigns/{slug}/submissions", auth=None)
def submit(request: HttpRequest, slug: str, body: SubmissionIn):
    """Score at once; the same paper or Idempotency-Key submitted again counts once."""
    snapshot = _snapshot(slug)
    device = _device(request)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who = services.Who(
            IdentityKind.ACCOUNT, f"user:{user.pk}", body.nickname, "", user.pk, body.district, body.firm
        )
    else:
        who = services.Who(
            IdentityKind.ANONYMOUS, f"device:{device}", body.nickname, "", None, body.district, body.firm
        )
    try:
        return services.submit_paper(
            snapshot=snapshot,
            token=body.paper_token,
            answers=body.answers,
            who=who,
            device=device,
            ip=client_ip(request),
            idempotency_key=request.headers.get("Idempotency-Key", "")[:200],
            challenge_answer=body.challenge,
        )
    except services.CampaignError as exc:
        raise HttpError(exc.status, exc.message) from exc


@router.get("/campaigns/{slug}/leaderboard", auth=None)
def leaderboard(request: HttpRequest, slug: str, by: str = "person", day: str = ""):
    from django.utils import timezone

    snapshot = _snapshot(slug)
    on = timezone.localdate() if day == "today" else None
    if by == "firm":
        rows = selectors.firm_rows(snapshot.id, day=on, limit=20)
    elif by == "district":
        rows = selectors.district_rows(snapshot.id, day=on)
    else:
        rows = selectors.person_leaderboard(snapshot.id, day=on)
    return {
        "by": by,
        "rows": [
            {"name": r.label, "participations": r.participations, "average": r.average, "score": r.score} for r in rows
        ],
    }


@router.get("/campaigns/{slug}/stats")
def stats(request: HttpRequest, slug: str):
    """The dashboard's figures: for the organiser, its regulators and administrators."""
    campaign = Campaign.objects.select_related("organisation").filter(slug=slug).first()
    if campaign is None:
        raise HttpError(404, _("没有这个答题活动。"))
    if not selectors.can_watch(request.user, campaign):
        raise HttpError(403, _("只有主办单位和监管人员可以查看。"))
    f = selectors.dashboard(campaign)
    return {
        "participations": f.participations,
        "participants": f.participants,
        "average": f.average,
        "days": [{"day": d.isoformat(), "participations": n, "average": a} for d, n, a in f.days],
        "districts": [{"name": r.label, "participations": r.participations, "average": r.average} for r in f.districts],
        "firms": [{"name": r.label, "participations": r.participations, "average": r.average} for r in f.firms],
        "questions": [
            {"id": q.question_id, "shown": q.shown, "correct": q.correct, "rate": q.rate} for q in f.questions
        ],
    }
