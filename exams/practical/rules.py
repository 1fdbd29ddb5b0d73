"""Pure rules of a practical rubric: its shape, and a task's score from the marks given.

Tasks, items and deductions are JSON on RubricSubject (validated here) rather than
three more tables because a rubric version is a document: it is written once, imported
and exported whole, published whole and never edited after a session uses it. Keeping
it one validated value makes export/import a round trip, keeps a version immutable in
one place, and lets every rule below be tested without a database.

Shape of one task::

    {"code": "K11", "name": "电工仪表安全使用",
     "items": [{"code": "K11-1", "name": "仪表检查", "points": 20,
                "deductions": [{"code": "a", "text": "未检查外观", "points": 5}]},
               {"code": "K11-V1", "name": "带电测量电阻", "veto": true}]}

Scored items of an examiner-scored subject add up to 100; a veto item (否决项) carries no
points and, when marked, fails the whole practical. Device-scored subjects take one
number 0–100 and need no items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

FULL_MARKS = Decimal(100)
EXAMINER = "examiner"
DEVICE = "device"
SUBJECT_CODES = ("K1", "K2", "K3", "K4")


class RubricInvalid(ValueError):
    """The rubric breaks a rule; ``problems`` lists each one in the user's language."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Deduction:
    code: str
    text: str
    points: Decimal


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    points: Decimal
    deductions: tuple[Deduction, ...] = ()
    veto: bool = False

    def deduction(self, code: str) -> Deduction | None:
        return next((d for d in self.deductions if d.code == code), None)


@dataclass(frozen=True)
class Task:
    code: str
    name: str
    items: tuple[Item, ...]

    def item(self, code: str) -> Item | None:
        return next((item for item in self.items if item.code == code), None)


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    weight: int
    minutes: int
    scoring_mode: str
    task_selection: str
    tasks: tuple[Task, ...]

    def task(self, code: str) -> Task | None:
        return next((task for task in self.tasks if task.code == code), None)


@dataclass(frozen=True)
class Rubric:
    operation: str
    total_minutes: int
    pass_mark: int
    retake_failed_subject_only: bool
    subjects: tuple[Subject, ...]

    def subject(self, code: str) -> Subject | None:
        return next((subject for subject in self.subjects if subject.code == code), None)


def _points(value: object, where: str, problems: list[str]) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(_("%(where)s的分值不是数字。") % {"where": where})
        return Decimal(0)
    if not number.is_finite() or number <= 0:
        problems.append(_("%(where)s的分值须大于 0。") % {"where": where})
        return Decimal(0)
    return number


def _parse_item(data: object, task_code: str, problems: list[str]) -> Item | None:
    if not isinstance(data, Mapping) or not str(data.get("code", "")).strip():
        problems.append(_("考题 %(task)s 有评分项缺少代码。") % {"task": task_code})
        return None
    code = str(data["code"]).strip()
    name = str(data.get("name", "")).strip()
    if not name:
        problems.append(_("评分项 %(item)s 缺少名称。") % {"item": code})
    if data.get("veto"):
        if data.get("points") or data.get("deductions"):
            problems.append(_("否决项 %(item)s 不计分，不应有分值或扣分标准。") % {"item": code})
        return Item(code=code, name=name, points=Decimal(0), veto=True)
    points = _points(data.get("points"), _("评分项 %(item)s ") % {"item": code}, problems)
    deductions = []
    seen: set[str] = set()
    for raw in data.get("deductions") or []:
        if not isinstance(raw, Mapping) or not str(raw.get("code", "")).strip():
            problems.append(_("评分项 %(item)s 有扣分标准缺少代码。") % {"item": code})
            continue
        dcode = str(raw["code"]).strip()
        if dcode in seen:
            problems.append(_("评分项 %(item)s 的扣分标准代码 %(code)s 重复。") % {"item": code, "code": dcode})
        seen.add(dcode)
        where = _("评分项 %(item)s 扣分标准 %(code)s ") % {"item": code, "code": dcode}
        dpoints = _points(raw.get("points"), where, problems)
        if dpoints > points:
            problems.append(_("%(where)s扣分超过该项分值 %(points)s。") % {"where": where, "points": points})
        deductions.append(Deduction(code=dcode, text=str(raw.get("text", "")).strip(), points=dpoints))
    if not deductions:
        problems.append(_("评分项 %(item)s 须至少有一条扣分标准。") % {"item": code})
    return Item(code=code, name=name, points=points, deductions=tuple(deductions))


def parse_tasks(data: object, *, subject_code: str, scoring_mode: str) -> tuple[Task, ...]:
    """The tasks of one subject, or RubricInvalid listing every problem."""
    problems: list[str] = []
    tasks = _parse_tasks(data, subject_code, scoring_mode, problems)
    if problems:
        raise RubricInvalid(problems)
    return tasks


def _parse_tasks(data: object, subject_code: str, scoring_mode: str, problems: list[str]) -> tuple[Task, ...]:
    if not isinstance(data, list) or not data:
        problems.append(_("科目 %(subject)s 须至少有一道考题。") % {"subject": subject_code})
        return ()
    tasks = []
    task_codes: set[str] = set()
    for raw in data:
        if not isinstance(raw, Mapping) or not str(raw.get("code", "")).strip():
            problems.append(_("科目 %(subject)s 有考题缺少代码。") % {"subject": subject_code})
            continue
        code = str(raw["code"]).strip()
        if code in task_codes:
            problems.append(_("考题代码 %(task)s 重复。") % {"task": code})
        task_codes.add(code)
        items = []
        item_codes: set[str] = set()
        for raw_item in raw.get("items") or []:
            item = _parse_item(raw_item, code, problems)
            if item is None:
                continue
            if item.code in item_codes:
                problems.append(_("考题 %(task)s 的评分项代码 %(item)s 重复。") % {"task": code, "item": item.code})
            item_codes.add(item.code)
            items.append(item)
        if scoring_mode == EXAMINER:
            total = sum((item.points for item in items if not item.veto), Decimal(0))
            if total != FULL_MARKS:
                problems.append(
                    _("考题 %(task)s 各评分项分值之和应为 100，现为 %(total)s。") % {"task": code, "total": total}
                )
        tasks.append(Task(code=code, name=str(raw.get("name", "")).strip(), items=tuple(items)))
    return tuple(tasks)


def parse_rubric(data: object) -> Rubric:
    """A whole rubric as exported (see export_rubric), or RubricInvalid listing every problem."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise RubricInvalid([_("评分标准应为 JSON 对象。")])
    operation = str(data.get("operation", "")).strip()
    if not operation:
        problems.append(_("缺少操作项目代码（operation）。"))
    subjects = []
    codes: set[str] = set()
    raw_subjects = data.get("subjects")
    if not isinstance(raw_subjects, list) or not raw_subjects:
        problems.append(_("评分标准须至少有一个科目。"))
        raw_subjects = []
    for raw in raw_subjects:
        code = str(raw.get("code", "")).strip() if isinstance(raw, Mapping) else ""
        if code not in SUBJECT_CODES:
            problems.append(_("科目代码 %(code)s 无效，应为 K1 至 K4。") % {"code": code or "?"})
            continue
        if code in codes:
            problems.append(_("科目 %(code)s 重复。") % {"code": code})
        codes.add(code)
        mode = raw.get("scoring_mode", EXAMINER)
        if mode not in (EXAMINER, DEVICE):
            problems.append(_("科目 %(code)s 的评分方式无效。") % {"code": code})
        selection = raw.get("task_selection", "draw")
        if selection not in ("draw", "examiner"):
            problems.append(_("科目 %(code)s 的考题选择方式无效。") % {"code": code})
        try:
            weight = int(raw.get("weight", 0))
            minutes = int(raw.get("minutes", 0))
        except (TypeError, ValueError):
            problems.append(_("科目 %(code)s 的权重和时长须为整数。") % {"code": code})
            continue
        if minutes <= 0:
            problems.append(_("科目 %(code)s 的时长须大于 0。") % {"code": code})
        tasks = _parse_tasks(raw.get("tasks"), code, mode, problems)
        subjects.append(
            Subject(
                code=code,
                name=str(raw.get("name", "")).strip() or code,
                weight=weight,
                minutes=minutes,
                scoring_mode=mode,
                task_selection=selection,
                tasks=tasks,
            )
        )
    total_weight = sum(subject.weight for subject in subjects)
    if subjects and total_weight != 100:
        problems.append(_("科目权重之和应为 100，现为 %(total)s。") % {"total": total_weight})
    try:
        total_minutes = int(data.get("total_minutes", 0))
        pass_mark = int(data.get("pass_mark", 80))
    except (TypeError, ValueError):
        problems.append(_("考试时长和合格分数须为整数。"))
        total_minutes, pass_mark = 0, 80
    if total_minutes <= 0:
        problems.append(_("考试时长须大于 0。"))
    if not 0 < pass_mark <= 100:
        problems.append(_("合格分数应在 1 到 100 之间。"))
    if problems:
        raise RubricInvalid(problems)
    return Rubric(
        operation=operation,
        total_minutes=total_minutes,
        pass_mark=pass_mark,
        retake_failed_subject_only=bool(data.get("retake_failed_subject_only", False)),
        subjects=tuple(sorted(subjects, key=lambda s: s.code)),
    )


def task_to_dict(task: Task) -> dict:
    items = []
    for item in task.items:
        if item.veto:
            items.append({"code": item.code, "name": item.name, "veto": True})
            continue
        items.append(
            {
                "code": item.code,
                "name": item.name,
                "points": _number(item.points),
                "deductions": [{"code": d.code, "text": d.text, "points": _number(d.points)} for d in item.deductions],
            }
        )
    return {"code": task.code, "name": task.name, "items": items}


def _number(value: Decimal) -> int | str:
    """Whole points as JSON numbers, fractional ones as exact strings."""
    return int(value) if value == value.to_integral_value() else str(value)


# --- Scoring a task -------------------------------------------------------------------


class MarkInvalid(ValueError):
    """A mark names an item or deduction the task does not have; message for users."""


@dataclass(frozen=True)
class ItemMark:
    item_code: str
    deductions: tuple[str, ...] = ()
    veto: bool = False
    veto_reason: str = ""


@dataclass(frozen=True)
class TaskScore:
    score: Decimal
    vetoes: tuple[tuple[str, str], ...]  # (item code, reason)
    deducted: Decimal


def check_mark(task: Task, mark: ItemMark) -> None:
    """MarkInvalid unless the mark fits the task: known item and deductions, veto rules."""
    item = task.item(mark.item_code)
    if item is None:
        raise MarkInvalid(_("考题 %(task)s 没有评分项 %(item)s。") % {"task": task.code, "item": mark.item_code})
    if item.veto:
        if mark.deductions:
            raise MarkInvalid(_("否决项 %(item)s 不能扣分。") % {"item": item.code})
        if mark.veto and not mark.veto_reason.strip():
            raise MarkInvalid(_("标记否决项 %(item)s 时须填写原因。") % {"item": item.code})
        return
    if mark.veto:
        raise MarkInvalid(_("评分项 %(item)s 不是否决项。") % {"item": item.code})
    unknown = [code for code in mark.deductions if item.deduction(code) is None]
    if unknown:
        raise MarkInvalid(
            _("评分项 %(item)s 没有扣分标准 %(codes)s。") % {"item": item.code, "codes": "、".join(unknown)}
        )


def score_task(task: Task, marks: Iterable[ItemMark]) -> TaskScore:
    """The task's score out of 100: each item's points less its deductions, never below 0.

    An item with no mark keeps its full points (the examiner taps only what went wrong).
    """
    by_item = {mark.item_code: mark for mark in marks}
    score = Decimal(0)
    deducted = Decimal(0)
    vetoes = []
    for item in task.items:
        mark = by_item.get(item.code)
        if mark is not None:
            check_mark(task, mark)
        if item.veto:
            if mark is not None and mark.veto:
                vetoes.append((item.code, mark.veto_reason.strip()))
            continue
        taken = Decimal(0)
        if mark is not None:
            taken = sum((item.deduction(code).points for code in set(mark.deductions)), Decimal(0))  # type: ignore[union-attr]
        taken = min(taken, item.points)
        deducted += taken
        score += item.points - taken
    return TaskScore(score=score, vetoes=tuple(vetoes), deducted=deducted)
