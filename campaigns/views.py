"""Pages of a quiz campaign. The participant's pages read the cached snapshot and signed
cookies only; organisers' pages check who runs the campaign."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.encryption import lookup_hash
from accounts.identity import mask_name, mask_phone
from accounts.models import SmsKind
from accounts.phone import InvalidPhone, normalize_phone
from accounts.sms import SmsNotSent, send_sms
from certificates.qr import qr_svg

from . import selectors, services
from .card import render_png
from .charts import bar_chart
from .exports import dashboard_xlsx
from .forms import CampaignForm, JoinForm, PhoneForm
from .models import Campaign, IdentityKind
from .selectors import Snapshot

DEVICE_COOKIE = "kzqd"
WHO_SALT = "campaigns.who"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_ip(request: HttpRequest) -> str:
    key = getattr(settings, "RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
    value = request.META.get(key) or request.META.get("REMOTE_ADDR") or "unknown"
    return value.split(",")[0].strip()


def _snapshot(slug: str) -> Snapshot:
    snapshot = selectors.campaign_snapshot(slug)
    if snapshot is None:
        raise Http404(_("没有这个答题活动。"))
    return snapshot


def _device(request: HttpRequest) -> tuple[str, bool]:
    device = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_COOKIE)
    if device:
        return device, False
    return services.new_device_id(), True


def _who_cookie(snapshot: Snapshot) -> str:
    return f"kzq{snapshot.id}"


def _who(request: HttpRequest, snapshot: Snapshot, device: str) -> services.Who | None:
    """Who is taking part: the signed-in account, else the phone or nickname in the cookie."""
    raw = request.get_signed_cookie(_who_cookie(snapshot), default="", salt=WHO_SALT)
    saved: dict[str, Any] = json.loads(raw) if raw else {}
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
    if has_session and request.user.is_authenticated:
        user = request.user
        return services.Who(
            kind=IdentityKind.ACCOUNT,
            identity=f"user:{user.pk}",
            nickname=saved.get("n") or mask_name(getattr(user, "real_name", "") or user.get_username()),
            user_id=user.pk,
            district_id=saved.get("d"),
            firm_id=saved.get("f"),
        )
    if not saved:
        return None
    if saved.get("k") == IdentityKind.PHONE:
        return services.Who(
            IdentityKind.PHONE, saved["i"], saved["n"], saved.get("m", ""), None, saved.get("d"), saved.get("f")
        )
    return services.Who(
        IdentityKind.ANONYMOUS, f"device:{device}", saved["n"], "", None, saved.get("d"), saved.get("f")
    )


def _remember(response: HttpResponse, snapshot: Snapshot, data: dict[str, Any]) -> None:
    response.set_signed_cookie(
        _who_cookie(snapshot),
        json.dumps(data, separators=(",", ":")),
        salt=WHO_SALT,
        max_age=90 * 86400,
        httponly=True,
        samesite="Lax",
    )


def _set_device(response: HttpResponse, device: str) -> None:
    response.set_signed_cookie(
        DEVICE_COOKIE, device, salt=DEVICE_COOKIE, max_age=365 * 86400, httponly=True, samesite="Lax"
    )


def _pick(snapshot: Snapshot, value: str, options: list[tuple[int, str]]) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    for pk, name in options:
        if name == value or str(pk) == value:
            return pk
    raise services.CampaignError(_("“%(v)s”不在列表中，请从列表中选择。") % {"v": value})


def _share_url(snapshot: Snapshot) -> str:
    return f"{settings.SITE_URL}{reverse('campaigns:landing', args=[snapshot.slug])}"


def landing(request: HttpRequest, slug: str) -> HttpResponse:
    """The page the QR code and the share link open: rules, dates, how to take part."""
    snapshot = _snapshot(slug)
    device, _new = _device(request)
    share = _share_url(snapshot)
    return render(
        request,
        "campaigns/landing.html",
        {
            "c": snapshot,
            "who": _who(request, snapshot, device),
            "is_open": snapshot.is_open(timezone.localdate()),
            "share_url": share,
            "qr": mark_safe(qr_svg(share, title=snapshot.title)),  # noqa: S308 - segno's own markup
            "join": JoinForm(),
        },
    )


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """Anonymous with a nickname, district and firm picked from the lists."""
    snapshot = _snapshot(slug)
    form = JoinForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            district = _pick(snapshot, form.cleaned_data["district"], snapshot.districts)
            firm = None if snapshot.firm else _pick(snapshot, form.cleaned_data["firm"], snapshot.firms)
        except services.CampaignError as exc:
            error = exc.message
        else:
            response = redirect("campaigns:paper", slug=slug)
            _remember(
                response,
                snapshot,
                {"k": IdentityKind.ANONYMOUS, "n": form.cleaned_data["nickname"].strip(), "d": district, "f": firm},
            )
            return response
    else:
        error = _("请填写昵称。")
    share = _share_url(snapshot)
    return render(
        request,
        "campaigns/landing.html",
        {
            "c": snapshot,
            "is_open": snapshot.is_open(timezone.localdate()),
            "share_url": share,
            "qr": mark_safe(qr_svg(share, title=snapshot.title)),
            "join": form,
            "error": error,
        },  # noqa: S308
        status=400,
    )


def phone(request: HttpRequest, slug: str) -> HttpResponse:
    """Taking part with a phone number: a code by SMS, then the history follows the number."""
    snapshot = _snapshot(slug)
    form = PhoneForm(request.POST or None)
    sent, error = False, ""
    if request.method == "POST" and form.is_valid():
        try:
            number = normalize_phone(form.cleaned_data["phone"])
        except InvalidPhone:
            error = _("手机号不正确。")
        else:
            code_key = f"campaigns:sms:{snapshot.id}:{lookup_hash(number)}"
            code = form.cleaned_data.get("code", "").strip()
            if not code:
                ip_count = services._count("ip-sms", client_ip(request), 3600)  # noqa: SLF001
                if settings.CAMPAIGN_IP_SMS_PER_HOUR and ip_count > settings.CAMPAIGN_IP_SMS_PER_HOUR:
                    error = _("请求验证码过于频繁，请稍后再试。")
                else:
                    import secrets

                    new_code = f"{secrets.randbelow(1_000_000):06d}"
                    try:
                        send_sms(phone=number, kind=SmsKind.VERIFICATION, params={"code": new_code, "minutes": 10})
                    except SmsNotSent as exc:
                        error = str(exc) or _("短信发送失败，请稍后再试。")
                    else:
                        cache.set(code_key, [lookup_hash(new_code), 0], 600)
                        sent = True
            else:
                stored = cache.get(code_key)
                if stored and stored[1] < 5 and stored[0] == lookup_hash(code):
                    cache.delete(code_key)
                    response = redirect("campaigns:paper", slug=slug)
                    _remember(
                        response,
                        snapshot,
                        {
                            "k": IdentityKind.PHONE,
                            "i": f"phone:{lookup_hash(number)}",
                            "n": form.cleaned_data["nickname"].strip(),
                            "m": mask_phone(number),
                        },
                    )
                    return response
                if stored:
                    cache.set(code_key, [stored[0], stored[1] + 1], 600)
                error = _("验证码错误或已过期。")
                sent = True
    return render(
        request,
        "campaigns/phone.html",
        {"c": snapshot, "form": form, "sent": sent, "error": error},
        status=400 if error else 200,
    )


def paper(request: HttpRequest, slug: str) -> HttpResponse:
    """A short random paper. With the snapshot cached, this runs no database query."""
    snapshot = _snapshot(slug)
    device, new_device = _device(request)
    who = _who(request, snapshot, device)
    if who is None:
        return redirect(f"{reverse('campaigns:landing', args=[slug])}#join")
    try:
        issued = services.issue_paper(snapshot=snapshot, device=device, ip=client_ip(request))
    except services.CampaignError as exc:
        return render(request, "campaigns/refused.html", {"c": snapshot, "message": exc.message}, status=exc.status)
    response = render(
        request,
        "campaigns/paper.html",
        {"c": snapshot, "who": who, "paper": issued, "paper_size": len(issued.questions)},
    )
    response["Cache-Control"] = "no-store"
    if new_device:
        _set_device(response, device)
    return response


@require_POST
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    snapshot = _snapshot(slug)
    device, _new = _device(request)
    who = _who(request, snapshot, device)
    if who is None:
        return redirect("campaigns:landing", slug=slug)
    token = request.POST.get("paper_token", "")
    answers = {
        name[2:]: request.POST.getlist(name) for name in request.POST if name.startswith("q-") and name[2:].isdigit()
    }
    try:
        result = services.submit_paper(
            snapshot=snapshot,
            token=token,
            answers=answers,
            who=who,
            device=device,
            ip=client_ip(request),
            idempotency_key=request.POST.get("idempotency_key", ""),
            challenge_answer=request.POST.get("challenge", ""),
        )
    except services.CampaignError as exc:
        return render(request, "campaigns/refused.html", {"c": snapshot, "message": exc.message}, status=exc.status)
    stems = {q[0]: q for q in snapshot.questions}
    rows = [
        {
            **item,
            "stem": stems[item["id"]][2],
            "options": stems[item["id"]][3],
            "given": answers.get(str(item["id"]), []),
        }
        for item in result["results"]
    ]
    return render(
        request,
        "campaigns/result.html",
        {"c": snapshot, "who": who, "result": result, "rows": rows, "identified": who.kind != IdentityKind.ANONYMOUS},
    )


def card(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The participation certificate, from the signed token alone (no database)."""
    snapshot = _snapshot(slug)
    try:
        card_slug, nickname, score, day, _nonce = services.read_card_token(token)
    except (signing.BadSignature, ValueError) as exc:
        raise Http404(_("证书链接无效。")) from exc
    if card_slug != slug:
        raise Http404(_("证书链接无效。"))
    key = f"campaigns:card:{token[-40:]}"
    png = cache.get(key)
    if png is None:
        png = render_png(
            title=snapshot.title, organisation=snapshot.organisation, nickname=nickname, score=score, day=day
        )
        cache.set(key, png, 86400)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


def card_pdf(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    snapshot = _snapshot(slug)
    try:
        card_slug, nickname, score, day, _nonce = services.read_card_token(token)
    except (signing.BadSignature, ValueError) as exc:
        raise Http404(_("证书链接无效。")) from exc
    if card_slug != slug:
        raise Http404(_("证书链接无效。"))
    from django.template.loader import render_to_string

    from printing.render import render_pdf

    html = render_to_string(
        "campaigns/card_pdf.html", {"c": snapshot, "nickname": nickname, "score": score, "day": day}
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="certificate.pdf"'
    return response


def history(request: HttpRequest, slug: str) -> HttpResponse:
    """My history: for a phone number or an account (an anonymous device has none)."""
    snapshot = _snapshot(slug)
    device, _new = _device(request)
    who = _who(request, snapshot, device)
    if who is None or who.kind == IdentityKind.ANONYMOUS:
        return render(request, "campaigns/history.html", {"c": snapshot, "who": who, "rows": None})
    key = services.who_key(snapshot, who)
    return render(
        request,
        "campaigns/history.html",
        {
            "c": snapshot,
            "who": who,
            "rows": selectors.history(snapshot.id, key),
            "me": selectors.participant_by_key(snapshot.id, key),
        },
    )


def _day_param(request: HttpRequest) -> dt.date | None:
    return timezone.localdate() if request.GET.get("day") == "today" else None


def leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    snapshot = _snapshot(slug)
    by = request.GET.get("by", "person")
    if by not in {"person", "firm", "district"}:
        by = "person"
    day = _day_param(request)
    key = f"campaigns:board:{snapshot.id}:{by}:{day}"
    rows = cache.get(key)
    if rows is None:
        if by == "person":
            rows = selectors.person_leaderboard(snapshot.id, day=day)
        elif by == "firm":
            rows = selectors.firm_rows(snapshot.id, day=day, limit=20)
        else:
            rows = selectors.district_rows(snapshot.id, day=day)
        cache.set(key, rows, 30)
    return render(
        request, "campaigns/leaderboard.html", {"c": snapshot, "rows": rows, "by": by, "today": day is not None}
    )


def _watched(request: HttpRequest, slug: str) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("organisation"), slug=slug)
    if not selectors.can_watch(request.user, campaign):
        raise PermissionDenied(_("只有主办单位和监管人员可以查看。"))
    return campaign


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _watched(request, slug)
    figures = selectors.dashboard(campaign)
    charts = {
        "days": bar_chart([(d.strftime("%m-%d"), n) for d, n, _avg in figures.days[-14:]], title=_("每日参与人次")),
        "districts": bar_chart(
            [(r.label, r.participations) for r in figures.districts[:12]], title=_("各区县参与人次")
        ),
        "questions": bar_chart(
            [(f"#{q.question_id}", q.rate) for q in figures.questions[:10]], title=_("正确率最低的试题"), unit="%"
        ),
    }
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "c": campaign,
            "f": figures,
            "charts": {k: mark_safe(v) for k, v in charts.items()},  # noqa: S308 - escaped in charts
            "can_edit": selectors.can_edit(request.user, campaign),
        },
    )


@login_required
def dashboard_xlsx_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _watched(request, slug)
    response = HttpResponse(dashboard_xlsx(campaign, selectors.dashboard(campaign)), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="campaign-{campaign.slug}-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """A regulator (or an employer for its own staff) creates and lists campaigns."""
    organisations = list(selectors.running_organisations(request.user))
    if not organisations:
        raise PermissionDenied(_("只有监管人员和用人单位管理人员可以发起答题活动。"))
    banks = list(selectors.banks_for(request.user))
    form = CampaignForm(request.POST or None, organisations=organisations, banks=banks)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen_banks = [b for b in banks if b.pk in set(data["banks"])]
        organisation = next(o for o in organisations if o.pk == data["organisation"])
        try:
            campaign = services.create_campaign(
                actor=request.user,
                organisation=organisation,
                data=services.CampaignInput(
                    slug=data["slug"],
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    banks=chosen_banks,
                    rules=data["rules"],
                    prizes=data["prizes"],
                    knowledge_points=[p.strip() for p in data["knowledge_points"].replace("，", ",").split(",")],
                    paper_size=data["paper_size"],
                    time_limit_minutes=data["time_limit_minutes"],
                    attempts_per_day=data["attempts_per_day"],
                    score_rule=data["score_rule"],
                ),
            )
        except services.CampaignError as exc:
            error = exc.message
        else:
            return redirect("campaigns:dashboard", slug=campaign.slug)
    return render(
        request,
        "campaigns/manage.html",
        {"form": form, "error": error, "campaigns": selectors.campaigns_for(request.user)},
        status=400 if (error or form.errors) else 200,
    )


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The organiser edits a campaign through the same audited service as creating one."""
    campaign = get_object_or_404(Campaign.objects.select_related("organisation"), slug=slug)
    if not selectors.can_edit(request.user, campaign):
        raise PermissionDenied(_("只有主办单位的管理人员可以修改该活动。"))
    banks = list(selectors.banks_for(request.user))
    banks += [bank for bank in campaign.banks.all() if bank.pk not in {b.pk for b in banks}]
    initial = {
        "title": campaign.title,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "banks": list(campaign.banks.values_list("pk", flat=True)),
        "knowledge_points": "，".join(campaign.knowledge_points or []),
        "paper_size": campaign.paper_size,
        "time_limit_minutes": campaign.time_limit_minutes,
        "attempts_per_day": campaign.attempts_per_day,
        "score_rule": campaign.score_rule,
        "rules": campaign.rules,
        "prizes": campaign.prizes,
    }
    form = CampaignForm(request.POST or None, initial=initial, organisations=[campaign.organisation], banks=banks)
    del form.fields["organisation"], form.fields["slug"]  # in every QR code and share link: they stay
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_campaign(
                actor=request.user,
                campaign=campaign,
                data=services.CampaignInput(
                    slug=campaign.slug,
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    banks=[b for b in banks if b.pk in set(data["banks"])],
                    rules=data["rules"],
                    prizes=data["prizes"],
                    knowledge_points=[p.strip() for p in data["knowledge_points"].replace("，", ",").split(",")],
                    paper_size=data["paper_size"],
                    time_limit_minutes=data["time_limit_minutes"],
                    attempts_per_day=data["attempts_per_day"],
                    score_rule=data["score_rule"],
                ),
            )
        except services.CampaignError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            error = exc.message
        else:
            return redirect("campaigns:dashboard", slug=campaign.slug)
    return render(
        request,
        "campaigns/edit.html",
        {"c": campaign, "form": form, "error": error},
        status=400 if (error or form.errors) else 200,
    )
