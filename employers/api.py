"""The employer's staff register for app clients: GET /api/v1/employer/staff."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import HttpError

from accounts.models import User

from . import selectors

router = Router(tags=["employers"])


class StaffCertificateOut(Schema):
    number: str
    kind: str
    subject: str
    status: str
    status_label: str
    review_due: dt.date
    valid_until: dt.date


class StaffOut(Schema):
    organisation: str
    name: str
    id_masked: str
    department: str
    post: str
    certificates: list[StaffCertificateOut]


class ErrorOut(Schema):
    detail: str


def _caller(request: HttpRequest) -> User:
    return request.auth if isinstance(getattr(request, "auth", None), User) else request.user


@router.get(
    "/employer/staff",
    response={200: list[StaffOut], 403: ErrorOut, 404: ErrorOut},
    url_name="employer_staff",
    summary="The employer's staff register (people who consented), with their certificates",
)
def employer_staff(request: HttpRequest, organisation: str = ""):
    """Everyone who agreed to be in the register of the caller's employer(s), or of the
    one named by its code; 403 without the employer role. People who have not consented
    are not listed at all."""
    user = _caller(request)
    organisations = selectors.employer_organisations(user)
    if not organisations.exists():
        raise HttpError(403, gettext("只有用人单位管理人员可以查看员工名册。"))
    if organisation:
        organisations = organisations.filter(code=organisation)
        if not organisations.exists():
            raise HttpError(404, gettext("没有这个单位。"))
    out: list[StaffOut] = []
    for firm in organisations:
        for row in selectors.register(firm, only_consented=True):
            entry = row.entry
            out.append(
                StaffOut(
                    organisation=firm.code,
                    name=entry.name,
                    id_masked=entry.id_number_masked,
                    department=entry.department.name if entry.department else "",
                    post=entry.post.name if entry.post else "",
                    certificates=[
                        StaffCertificateOut(
                            number=certificate.number,
                            kind=certificate.kind,
                            subject=certificate.subject_name,
                            status=certificate.status,
                            status_label=certificate.status_label,
                            review_due=certificate.review_due,
                            valid_until=certificate.valid_until,
                        )
                        for certificate in row.certificates
                    ],
                )
            )
    return out
