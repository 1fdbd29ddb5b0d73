"""Practical rubrics: versions, import/export as JSON, publishing, and the seeded rubrics.

A version that a session uses is never changed: importing always makes a new version,
and a session keeps the version that was current when it was planned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Role
from accounts.selectors import has_role
from exams.catalogue.models import OperationType

from .models import PracticalRubric, RubricSubject
from .rules import Rubric, RubricInvalid, Subject, parse_rubric, parse_tasks, task_to_dict

if TYPE_CHECKING:
    from accounts.models import User

RUBRICS_DIR = Path(__file__).resolve().parent / "data" / "rubrics"


class RubricError(RubricInvalid):
    """The rubric cannot be imported or published as given."""


def rubric_to_dict(rubric: PracticalRubric) -> dict:
    """The rubric as JSON-ready data: what export_rubric prints and import_rubric reads."""
    subjects = []
    for subject in sorted(rubric.subjects.all(), key=lambda s: s.code):
        subjects.append(
            {
                "code": subject.code,
                "name": subject.name,
                "weight": subject.weight,
                "minutes": subject.minutes,
                "scoring_mode": subject.scoring_mode,
                "task_selection": subject.task_selection,
                "tasks": subject.tasks,
            }
        )
    return {
        "operation": rubric.operation_type.code,
        "version": rubric.version,
        "total_minutes": rubric.total_minutes,
        "pass_mark": rubric.pass_mark,
        "retake_failed_subject_only": rubric.retake_failed_subject_only,
        "subjects": subjects,
    }


def rubric_spec(rubric: PracticalRubric) -> Rubric:
    """The pure form of a stored rubric (for scoring); RubricInvalid if it was stored broken."""
    return parse_rubric(rubric_to_dict(rubric))


def subject_spec(subject: RubricSubject) -> Subject:
    return Subject(
        code=subject.code,
        name=subject.name,
        weight=subject.weight,
        minutes=subject.minutes,
        scoring_mode=subject.scoring_mode,
        task_selection=subject.task_selection,
        tasks=parse_tasks(subject.tasks, subject_code=subject.code, scoring_mode=subject.scoring_mode),
    )


def current_rubric(operation_type: OperationType) -> PracticalRubric | None:
    """The latest published version: the one a session planned now will use."""
    return PracticalRubric.objects.filter(operation_type=operation_type, is_published=True).order_by("-version").first()


def can_publish_rubrics(user: User) -> bool:
    return bool(user.is_superuser) or has_role(user, Role.REGULATOR)


def import_rubric(*, data: dict, actor: User | None, publish: bool = False) -> PracticalRubric:
    """Store ``data`` as the operation type's next rubric version, all or nothing.

    Importing the same content as the latest version returns that version (safe to repeat).
    """
    spec = parse_rubric(data)
    try:
        operation_type = OperationType.objects.get(code=spec.operation)
    except OperationType.DoesNotExist as exc:
        raise RubricError([_("操作项目 %(code)s 不存在。") % {"code": spec.operation}]) from exc
    with transaction.atomic():
        # Lock the operation type: two imports must not take the same version number.
        OperationType.objects.select_for_update().get(pk=operation_type.pk)
        latest = PracticalRubric.objects.filter(operation_type=operation_type).order_by("-version").first()
        if latest is not None and _same_content(rubric_to_dict(latest), data):
            if publish and not latest.is_published:
                _publish(latest, actor)
            return latest
        version = (
            PracticalRubric.objects.filter(operation_type=operation_type).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        rubric = PracticalRubric.objects.create(
            operation_type=operation_type,
            version=version,
            total_minutes=spec.total_minutes,
            pass_mark=spec.pass_mark,
            retake_failed_subject_only=spec.retake_failed_subject_only,
        )
        for subject in spec.subjects:
            RubricSubject.objects.create(
                rubric=rubric,
                code=subject.code,
                name=subject.name,
                weight=subject.weight,
                minutes=subject.minutes,
                scoring_mode=subject.scoring_mode,
                task_selection=subject.task_selection,
                tasks=[task_to_dict(task) for task in subject.tasks],
            )
        record_event(
            actor=actor,
            action="exams.practical_rubric.imported",
            obj=rubric,
            data={"operation": spec.operation, "version": version},
        )
        if publish:
            _publish(rubric, actor)
    return rubric


def _same_content(stored: dict, data: dict) -> bool:
    def canonical(value: dict) -> str:
        spec = parse_rubric(value)
        body = {
            "operation": spec.operation,
            "total_minutes": spec.total_minutes,
            "pass_mark": spec.pass_mark,
            "retake": spec.retake_failed_subject_only,
            "subjects": [
                [s.code, s.name, s.weight, s.minutes, s.scoring_mode, s.task_selection]
                + [task_to_dict(t) for t in s.tasks]
                for s in spec.subjects
            ],
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False)

    try:
        return canonical(stored) == canonical(data)
    except RubricInvalid:
        return False


def _publish(rubric: PracticalRubric, actor: User | None) -> None:
    rubric.is_published = True
    rubric.published_at = timezone.now()
    rubric.published_by = actor if actor is not None and actor.pk else None
    rubric.save(update_fields=["is_published", "published_at", "published_by"])
    record_event(actor=actor, action="exams.practical_rubric.published", obj=rubric, data={"version": rubric.version})


def publish_rubric(*, rubric: PracticalRubric, actor: User) -> PracticalRubric:
    """Publish a version (regulators only) after checking it whole; repeating is harmless."""
    if not can_publish_rubrics(actor):
        raise PermissionDenied(_("只有考核发证机关可以发布评分标准。"))
    with transaction.atomic():
        locked = PracticalRubric.objects.select_for_update().get(pk=rubric.pk)
        if locked.is_published:
            return locked
        rubric_spec(locked)  # raises RubricInvalid naming every problem
        _publish(locked, actor)
    return locked


def seed_rubrics(*, directory: Path = RUBRICS_DIR) -> list[PracticalRubric]:
    """Publish the shipped rubrics for types whose current rubric is missing or has no items."""
    created = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        operation_type = OperationType.objects.filter(code=data["operation"]).first()
        if operation_type is None:
            continue
        current = current_rubric(operation_type)
        if current is not None:
            try:
                rubric_spec(current)
                continue
            except RubricInvalid:
                pass  # a rubric loaded before tasks had items: replace it with a full version
        created.append(import_rubric(data=data, actor=None, publish=True))
    return created
