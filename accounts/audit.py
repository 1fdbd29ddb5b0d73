from __future__ import annotations

from typing import Any

from django.db import models as db_models

from .models import AuditEvent, User


def record_event(
    *, actor: User | None, action: str, obj: db_models.Model, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append an audit event; call inside the transaction that made the change."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )
