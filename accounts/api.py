"""The caller's own profile for app clients; personal data leaves only masked."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .identity import mask_phone
from .selectors import roles_of

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    real_name: str
    name_masked: str
    id_number_masked: str
    phone_masked: str
    roles: list[str]


@router.get("/me", response=MeOut, summary="The caller's profile (ID number masked)")
def me(request: HttpRequest) -> MeOut:
    user = request.auth
    return MeOut(
        username=user.username,
        real_name=user.real_name,
        name_masked=user.name_masked,
        id_number_masked=user.id_number_masked,
        phone_masked=mask_phone(user.phone or ""),
        roles=sorted(roles_of(user)),
    )
