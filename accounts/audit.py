"""The audit trail: one append-only row per state change, written in the change's transaction.

Actions are named ``<app>.<model>.<past verb>`` (``exams.attempt.submitted``,
``certificates.certificate.revoked``): the app and model of the object changed, then
what happened to it. Events stored before that scheme keep their old names; readers go
through ``action_names``/``events_named`` so both are found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import models as db_models

from .models import AuditEvent, User

ACTION_NAME = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+$")

#: Names of stored events written before the naming scheme, and what they are now.
LEGACY_ACTIONS = {
    "certificate.bulk_extension.requested": "certificates.bulk_extension.requested",
    "certificate.cancel": "certificates.certificate.cancelled",
    "certificate.extend": "certificates.certificate.extended",
    "certificate.interval": "certificates.certificate.interval_extended",
    "certificate.issue": "certificates.certificate.issued",
    "certificate.issued": "certificates.certificate.issued",
    "certificate.lapse": "certificates.certificate.lapsed",
    "certificate.reinstate": "certificates.certificate.reinstated",
    "certificate.replace": "certificates.certificate.replaced",
    "certificate.review": "certificates.certificate.reviewed",
    "certificate.review_applied": "certificates.certificate.review_applied",
    "certificate.revoke": "certificates.certificate.revoked",
    "certificate.suspend": "certificates.certificate.suspended",
    "certificate.update": "certificates.certificate.updated",
    "course.check_answered": "courses.check_answer.recorded",
    "course.class_enrolled": "courses.study_class.enrolled",
    "course.completed": "courses.enrolment.completed",
    "course.enrolled": "courses.enrolment.created",
    "course.lesson_completed": "courses.lesson_progress.completed",
    "course.review_access_granted": "accounts.user.review_access_granted",
    "course.section_access_granted": "courses.training_section.access_granted",
    "course.section_created": "courses.training_section.created",
    "exam_ban.imposed": "accounts.exam_ban.imposed",
    "exams.bank.created": "exams.question_bank.created",
    "exams.evidence.added": "exams.practical_evidence.added",
    "exams.practical_result.correction_rejected": "exams.practical_correction.rejected",
    "exams.practical_result.correction_requested": "exams.practical_correction.requested",
    "exams.questions.exported": "exams.question_bank.exported",
    "exams.questions.import_checked": "exams.question_import.checked",
    "exams.questions.import_confirmed": "exams.question_import.confirmed",
    "exams.questions.imported": "exams.question_bank.imported",
    "exams.rubric.imported": "exams.practical_rubric.imported",
    "exams.rubric.published": "exams.practical_rubric.published",
    "exams.score_sheet.opened": "exams.practical_score_sheet.opened",
    "exams.score_sheet.task_chosen": "exams.practical_score_sheet.task_chosen",
    "exams.session.planned": "exams.exam_session.planned",
    "identity_set": "accounts.user.identity_set",
    "organisation.created": "accounts.organisation.created",
    "organisation.graded": "accounts.organisation.graded",
    "phone_set": "accounts.user.phone_set",
    "phone_verified": "accounts.user.phone_verified",
}


def record_event(
    *, actor: User | None, action: str, obj: db_models.Model, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append an audit event; call inside the transaction that made the change."""
    if not ACTION_NAME.match(action):
        raise ValueError(f"audit action {action!r} is not named <app>.<model>.<past verb>")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )


def canonical_action(name: str) -> str:
    """The current name of a stored action (old names map to the scheme's)."""
    return LEGACY_ACTIONS.get(name, name)


def action_names(action: str) -> list[str]:
    """Every name under which events of ``action`` may be stored: the current one first."""
    return [action, *sorted(old for old, new in LEGACY_ACTIONS.items() if new == action)]


def events_named(action: str) -> db_models.QuerySet[AuditEvent]:
    """Audit events of ``action``, whether stored under its current name or an old one."""
    return AuditEvent.objects.filter(action__in=action_names(action))


def record_events(*, action: str, events: Sequence[tuple[User | None, db_models.Model, dict[str, Any]]]) -> None:
    """Append one event per (actor, object, data) in one statement: for batch work (the
    deadline sweep of thousands of attempts); call inside the transaction that made them."""
    if not ACTION_NAME.match(action):
        raise ValueError(f"audit action {action!r} is not named <app>.<model>.<past verb>")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if actor is not None and actor.pk else None,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                data=data or {},
            )
            for actor, obj, data in events
        ]
    )
