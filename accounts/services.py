"""State changes to accounts: identity, phone, exam bans and roles. The only code that
writes a User's personal data or grants a role; each call is atomic, audited and safe
to repeat."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .audit import record_event
from .dates import add_years
from .encryption import lookup_hash
from .identity import InvalidIdNumber, parse_id_number
from .models import Education, ExamBan, Membership, Organisation, Role, User
from .phone import InvalidPhone, normalize_phone

#: What the user is told for each reason `parse_id_number` gives.
ID_NUMBER_ERRORS = {
    "format": _("身份证号应为18位：前17位是数字，最后一位是数字或X。"),
    "birth_date": _("身份证号中的出生日期无效，请核对。"),
    "checksum": _("身份证号校验位不正确，请核对后重新输入。"),
}
#: How long a sign-up may wait for its phone to be verified before it is removed.
UNVERIFIED_SIGNUP_TTL = dt.timedelta(days=2)
ID_NUMBER_TAKEN = _("该身份证号已被其他账户使用。如果这是您的身份证号，请使用原账户登录或联系管理员。")
REAL_NAME_REQUIRED = _("请输入与身份证一致的真实姓名。")
EDUCATION_INVALID = _("请选择文化程度。")
PHONE_INVALID = _("请输入11位中国大陆手机号码。")
PHONE_TAKEN = _("该手机号已被其他账户使用。")
PHONE_MISMATCH = _("该手机号不是此账户的手机号。")
BAN_REASON_INVALID = _("请选择禁考原因。")
ROLE_INVALID = _("请选择角色。")


def id_number_error(exc: InvalidIdNumber) -> str:
    return str(ID_NUMBER_ERRORS.get(str(exc), ID_NUMBER_ERRORS["format"]))


def _id_number_taken(*, digest: str, user: User) -> bool:
    return User.objects.filter(id_number_hash=digest).exclude(pk=user.pk).exists()


@transaction.atomic
def set_identity(*, user: User, real_name: str, id_number: str, education: str) -> User:
    """Record who the user is: real name, ID number (encrypted), the birth date and sex it
    encodes, and education.

    One ID number belongs to one account, and only to one whose phone is verified: until
    then the number is kept as the person's claim without its look-up hash, so a stranger
    who types someone's ID at sign-up reserves nothing (reserve_id_number, on verification).
    """
    real_name = " ".join((real_name or "").split())
    if not real_name:
        raise ValidationError({"real_name": REAL_NAME_REQUIRED}, code="required")
    if education not in Education.values:
        raise ValidationError({"education": EDUCATION_INVALID}, code="invalid")
    try:
        parsed = parse_id_number(id_number)
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": id_number_error(exc)}, code=str(exc)) from exc
    digest = lookup_hash(parsed.value)

    # Lock the account row so that two concurrent calls for it apply one after the other.
    User.objects.select_for_update().filter(pk=user.pk).first()
    reserve = user.phone_verified
    if reserve and _id_number_taken(digest=digest, user=user):
        raise ValidationError({"id_number": ID_NUMBER_TAKEN}, code="taken")

    new_hash = digest if reserve else None
    changed = (user.real_name, user.id_number, user.id_number_hash, user.education) != (
        real_name,
        parsed.value,
        new_hash,
        education,
    )
    user.real_name = real_name
    user.id_number = parsed.value
    user.id_number_hash = new_hash
    user.birth_date = parsed.birth_date
    user.sex = parsed.sex
    user.education = education
    try:
        with transaction.atomic():
            user.save(update_fields=["real_name", "id_number", "id_number_hash", "birth_date", "sex", "education"])
    except IntegrityError as exc:  # another account took the number since the check above
        raise ValidationError({"id_number": ID_NUMBER_TAKEN}, code="taken") from exc
    if changed:
        record_event(
            actor=user,
            action="accounts.user.identity_set",
            obj=user,
            data={"id_number": user.id_number_masked, "reserved": reserve},
        )
    return user


@transaction.atomic
def reserve_id_number(*, user: User) -> bool:
    """Give the verified user's claimed ID number its look-up hash, so that it is theirs.

    An account that holds the number without a verified phone (a stranger's sign-up, or
    one from before this rule) gives it up: the person who proved their phone takes it
    over. One held by a verified account stays there; the claim waits for staff.
    Returns whether the number is now reserved for the user.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.phone_verified or not locked.id_number:
        return False
    digest = lookup_hash(locked.id_number)
    if locked.id_number_hash == digest:
        return True
    holder = User.objects.select_for_update().filter(id_number_hash=digest).exclude(pk=user.pk).first()
    if holder is not None and holder.phone_verified:
        record_event(actor=user, action="accounts.user.id_number_contested", obj=user, data={"holder": holder.pk})
        return False
    if holder is not None:
        holder.id_number = ""
        holder.id_number_hash = None
        holder.birth_date = None
        holder.sex = ""
        holder.save(update_fields=["id_number", "id_number_hash", "birth_date", "sex"])
        record_event(actor=user, action="accounts.user.id_number_released", obj=holder, data={"to": user.pk})
    locked.id_number_hash = digest
    try:
        with transaction.atomic():
            locked.save(update_fields=["id_number_hash"])
    except IntegrityError:  # a verified account reserved it a moment ago
        return False
    user.id_number_hash = digest
    record_event(
        actor=user, action="accounts.user.id_number_reserved", obj=user, data={"id_number": user.id_number_masked}
    )
    return True


def expire_unverified_signups(*, now: dt.datetime | None = None) -> int:
    """Sign-ups whose phone was never verified go after UNVERIFIED_SIGNUP_TTL: they never
    logged in, hold no role and reserve nothing. Returns how many went."""
    from django.utils import timezone

    cutoff = (now or timezone.now()) - UNVERIFIED_SIGNUP_TTL
    stale = User.objects.filter(
        phone_verified=False,
        last_login__isnull=True,
        is_staff=False,
        is_superuser=False,
        date_joined__lt=cutoff,
        memberships__isnull=True,
    )
    removed = 0
    for pk in list(stale.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=pk, phone_verified=False, last_login__isnull=True).first()
            if user is None:
                continue
            record_event(actor=None, action="accounts.user.signup_expired", obj=user, data={})
            user.delete()
            removed += 1
    return removed


@transaction.atomic
def set_phone(*, user: User, phone: str, verified: bool) -> User:
    """Attach a mainland mobile number to the account (normalised to 11 digits)."""
    try:
        value = normalize_phone(phone)
    except InvalidPhone as exc:
        raise ValidationError({"phone": PHONE_INVALID}, code="invalid") from exc
    if User.objects.filter(phone=value).exclude(pk=user.pk).exists():
        raise ValidationError({"phone": PHONE_TAKEN}, code="taken")
    if (user.phone, user.phone_verified) == (value, verified):
        return user
    user.phone = value
    user.phone_verified = verified
    try:
        with transaction.atomic():
            user.save(update_fields=["phone", "phone_verified"])
    except IntegrityError as exc:
        raise ValidationError({"phone": PHONE_TAKEN}, code="taken") from exc
    record_event(actor=user, action="accounts.user.phone_set", obj=user, data={"verified": verified})
    if verified:
        reserve_id_number(user=user)
    return user


@transaction.atomic
def verify_phone(*, user: User, phone: str) -> User:
    """Mark the user's phone number as verified once they typed the code sent to it."""
    try:
        value = normalize_phone(phone)
    except InvalidPhone as exc:
        raise ValidationError({"phone": PHONE_INVALID}, code="invalid") from exc
    if user.phone != value:
        raise ValidationError({"phone": PHONE_MISMATCH}, code="mismatch")
    if user.phone_verified:
        return user
    user.phone_verified = True
    user.save(update_fields=["phone_verified"])
    record_event(actor=user, action="accounts.user.phone_verified", obj=user)
    reserve_id_number(user=user)
    return user


@transaction.atomic
def impose_exam_ban(
    *,
    user: User,
    reason: str,
    starts_on: dt.date,
    years: int = 3,
    detail: str = "",
    actor: User | None = None,
    source: str = "",
) -> ExamBan:
    """Bar `user` from exams for `years` from `starts_on`.

    Safe to repeat: a second call for the same `source` returns the ban it made.
    """
    if reason not in ExamBan.Reason.values:
        raise ValidationError({"reason": BAN_REASON_INVALID}, code="invalid")
    if source:
        existing = ExamBan.objects.filter(user=user, source=source).first()
        if existing is not None:
            return existing
    ends_on = add_years(starts_on, years)
    ban = ExamBan.objects.create(
        user=user,
        reason=reason,
        detail=detail,
        starts_on=starts_on,
        ends_on=ends_on,
        imposed_by=actor if actor is not None and actor.pk else None,
        source=source,
    )
    record_event(
        actor=actor,
        action="accounts.exam_ban.imposed",
        obj=ban,
        data={"user": user.pk, "reason": reason, "until": ends_on.isoformat(), "source": source},
    )
    return ban


@transaction.atomic
def grant_membership(*, user: User, organisation: Organisation, role: str, granted_by: User | None) -> Membership:
    """Give ``user`` ``role`` in ``organisation``: what every permission check reads.

    Role grants decide who may see candidates' data or decide on certificates, so each
    one is audited with who granted it. Safe to repeat: a role already held is
    returned as it is, with no second event. The user's row is locked first, so two
    grants for one person apply one after the other.
    """
    if role not in Role.values:
        raise ValidationError({"role": ROLE_INVALID}, code="invalid")
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a savepoint: a lost race must not spoil the caller's transaction
            membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    except IntegrityError:  # unique_membership_role: granted meanwhile (where row locks do nothing)
        return Membership.objects.get(user=user, organisation=organisation, role=role)
    record_event(
        actor=granted_by, action="accounts.membership.granted", obj=membership, data=_membership_data(membership)
    )
    return membership


@transaction.atomic
def revoke_membership(*, membership: Membership, revoked_by: User | None) -> None:
    """Take a role away. The audit event keeps who held which role where, since the row
    itself is deleted. Safe to repeat: a membership already gone is left alone."""
    User.objects.select_for_update().filter(pk=membership.user_id).first()
    locked = Membership.objects.select_related("organisation").filter(pk=membership.pk).first()
    if locked is None:
        return
    record_event(actor=revoked_by, action="accounts.membership.revoked", obj=locked, data=_membership_data(locked))
    locked.delete()


def _membership_data(membership: Membership) -> dict[str, object]:
    return {
        "user": membership.user_id,
        "organisation": membership.organisation.code,
        "role": membership.role,
    }


def phone_digest(phone: str) -> str:
    """The keyed hash invitations by phone are kept under ("" for a number that is not one)."""
    try:
        return lookup_hash(normalize_phone(phone))
    except InvalidPhone:
        return ""


def verified_phone_digest(user: User) -> str:
    """The hash of the user's phone if they verified it, else "" (nobody answers for a
    number they have not proved they hold)."""
    return phone_digest(user.phone or "") if user.phone_verified and user.phone else ""


def send_invitation_sms(*, invitation_id: int) -> bool:
    """Send the text of an invitation made by phone (the Celery task's body); repeating
    is a no-op once it is sent. The number is forgotten once the text has gone (a failure
    keeps it for another try); the inviter is never told which."""
    import logging

    from django.utils import timezone

    from .models import Invitation, SmsKind
    from .sms import SmsNotSent, send_sms

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation", "invitee")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sms_sent_at is not None or not invitation.phone:
            return False
        try:
            send_sms(
                invitation.phone,
                SmsKind.CLASS_INVITATION,
                {"organisation": invitation.organisation.name},
                user=invitation.invitee,
            )
        except SmsNotSent:
            # Kept for another try: inviting the same number again queues the text again.
            logging.getLogger(__name__).warning("Invitation SMS %s not sent", invitation_id, exc_info=True)
            return False
        invitation.sms_sent_at = timezone.now()
        invitation.phone = ""
        invitation.save(update_fields=["sms_sent_at", "phone"])
    return True
