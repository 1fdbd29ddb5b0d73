"""Pure exam rules: drawing a paper, scoring it, and weighing a practical exam.

No database and no clock here: services turn rows into these dataclasses, call these
functions and store what they return, so every rule is tested without a database.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE)
KIND_LABELS = {SINGLE: gettext_lazy("单选题"), MULTIPLE: gettext_lazy("多选题"), TRUE_FALSE: gettext_lazy("判断题")}

#: True/false questions carry no options in the bank; these are the implied keys.
TRUE_FALSE_OPTIONS: tuple[tuple[str, str], ...] = (("T", "正确"), ("F", "错误"))
OPTION_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FULL_MARKS = Decimal(100)
CENT = Decimal("0.01")
#: A passed theory or practical part stays valid this many months (order No. 30).
PASS_VALID_MONTHS = 12


def _join(items: Iterable[str]) -> str:
    """A short list in a message: 甲、乙 in Chinese, "a, b" in English."""
    # Translators: the separator between items of a short list, e.g. subject codes.
    return _("、").join(items)


class ScoringError(ValueError):
    """Input that no score can be computed from; the message is shown to users."""


class PaperShortfall(ScoringError):
    """The bank cannot fill the blueprint; the message names every short rule."""

    def __init__(self, shortfalls: Sequence[Shortfall]):
        self.shortfalls = tuple(shortfalls)
        # Translators: the separator between the clauses listing each rule the bank cannot fill.
        separator = _("；")
        super().__init__(
            _("题库试题不足，无法组卷：%(shortfalls)s。")
            % {"shortfalls": separator.join(item.message() for item in self.shortfalls)}
        )


class InvalidAnswer(ScoringError):
    """An answer that is not a valid choice for its question."""


# --- Data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class BankQuestion:
    """A question as the bank holds it (before drawing).

    Picking needs only id, kind, knowledge point and difficulty; stem, options and key
    matter once a question is on a paper.
    """

    id: int
    kind: str
    stem: str = ""
    options: tuple[Option, ...] = ()
    answer: tuple[str, ...] = ()
    knowledge_point: str = ""
    difficulty: int | None = None
    #: A picture that belongs to the stem (a Wagtail image id), shown with the question.
    image_id: int | None = None


@dataclass(frozen=True)
class DrawRule:
    """Draw ``count`` questions of ``kind`` (of one knowledge point / difficulty when set)."""

    kind: str
    count: int
    points: Decimal
    knowledge_point: str = ""
    difficulty: int | None = None

    def matches(self, question: BankQuestion) -> bool:
        return (
            question.kind == self.kind
            and (not self.knowledge_point or question.knowledge_point == self.knowledge_point)
            and (self.difficulty is None or question.difficulty == self.difficulty)
        )

    @property
    def specificity(self) -> int:
        return int(bool(self.knowledge_point)) + int(self.difficulty is not None)


@dataclass(frozen=True)
class Shortfall:
    """One blueprint rule the bank cannot fill: what it needs and how many it has."""

    rule: DrawRule
    available: int

    @property
    def needed(self) -> int:
        return self.rule.count

    def message(self) -> str:
        return _("%(rule)s需要 %(count)s 道，题库仅有 %(available)s 道") % {
            "rule": _rule_label(self.rule),
            "count": self.rule.count,
            "available": self.available,
        }


@dataclass(frozen=True)
class PaperQuestion:
    """A question as a candidate's paper holds it: options relabelled, key remapped.

    ``id`` is what the candidate sees: the bank question's id on a mock exam, an opaque
    number of this attempt only on a formal paper (with_opaque_ids), so that nothing on
    the paper leads back to the bank. ``version_id`` is the bank question (version) it
    was drawn from and ``order`` the bank's option keys in the order shown (A, B, C…).
    """

    id: int
    kind: str
    stem: str
    options: tuple[Option, ...]
    answer: tuple[str, ...]
    points: Decimal
    image_id: int | None = None
    version_id: int | None = None
    order: tuple[str, ...] = ()

    @property
    def source_id(self) -> int:
        """The bank question (version) this question was drawn from."""
        return self.version_id if self.version_id is not None else self.id

    def to_snapshot(self) -> dict:
        snapshot = {
            "id": self.id,
            "kind": self.kind,
            "stem": self.stem,
            "options": [{"key": option.key, "text": option.text} for option in self.options],
            "answer": list(self.answer),
            "points": str(self.points),
        }
        if self.image_id is not None:
            snapshot["image_id"] = self.image_id
        return snapshot

    def to_compact(self) -> dict:
        """What a formal paper stores: the version, the option order, the key and the points.

        Question versions never change (an edit makes a new version), so the text is read
        from the version when shown; the key and points are kept here, so a score never
        depends on the bank.
        """
        return {
            "id": self.id,
            "q": self.source_id,
            "kind": self.kind,
            "o": "".join(self.order),
            "answer": list(self.answer),
            "points": str(self.points),
        }

    @classmethod
    def from_snapshot(cls, data: Mapping) -> PaperQuestion:
        """From either form: the full snapshot, or the compact one (text left empty)."""
        if "options" in data:
            options = tuple(Option(key=o["key"], text=o["text"]) for o in data["options"])
        else:
            options = options_for(data["kind"], (Option(key=key, text="") for key in shown_keys(len(data["o"]))))
        return cls(
            id=int(data["id"]),
            kind=data["kind"],
            stem=data.get("stem", ""),
            options=options,
            answer=tuple(data["answer"]),
            points=Decimal(str(data["points"])),
            image_id=data.get("image_id"),
            version_id=data.get("q"),
            order=tuple(data.get("o", "")),
        )


def shown_keys(count: int) -> tuple[str, ...]:
    """The labels of ``count`` options as a paper shows them."""
    return tuple(OPTION_LABELS[:count])


def shown_options(kind: str, bank_options: Mapping[str, str], order: Sequence[str]) -> tuple[Option, ...]:
    """A compact question's options as shown: the bank's texts in the paper's order, relabelled."""
    if kind == TRUE_FALSE:
        return options_for(TRUE_FALSE, ())
    return tuple(Option(key=OPTION_LABELS[index], text=bank_options.get(key, "")) for index, key in enumerate(order))


#: Opaque question numbers are drawn from here: nine digits, never a bank id in practice.
OPAQUE_RANGE = range(100_000_000, 1_000_000_000)


def with_opaque_ids(questions: Sequence[PaperQuestion], rng: random.Random) -> list[PaperQuestion]:
    """The paper with each question numbered by a random number of this paper only.

    A candidate (or a script holding their login) can then not look a question of a live
    paper up anywhere else by its id; the bank version stays in ``version_id``.
    """
    numbers = rng.sample(OPAQUE_RANGE, len(questions))
    return [
        replace(question, id=number, version_id=question.source_id)
        for question, number in zip(questions, numbers, strict=True)
    ]


@dataclass(frozen=True)
class TheoryScore:
    score: Decimal
    passed: bool
    correct: int
    questions: int


@dataclass(frozen=True)
class PracticalScore:
    total: Decimal
    passed: bool
    vetoed: bool
    subject_scores: dict[str, Decimal] = field(default_factory=dict)
    #: Subjects below the pass mark (judged only when each subject must pass on its own).
    failed_subjects: tuple[str, ...] = ()


# --- Answers ----------------------------------------------------------------------------


def normalize_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Upper-case, de-duplicated and sorted: the one form answers and keys are compared in."""
    return tuple(sorted({str(key).strip().upper() for key in keys if str(key).strip()}))


def options_for(kind: str, options: Iterable[Option]) -> tuple[Option, ...]:
    if kind == TRUE_FALSE:
        return tuple(Option(key=key, text=text) for key, text in TRUE_FALSE_OPTIONS)
    return tuple(options)


def validate_answer(question: PaperQuestion, answer: Iterable[str]) -> tuple[str, ...]:
    """The normalised answer, or InvalidAnswer. An empty answer clears the question."""
    keys = normalize_keys(answer)
    allowed = {option.key for option in options_for(question.kind, question.options)}
    unknown = [key for key in keys if key not in allowed]
    if unknown:
        raise InvalidAnswer(
            _("第 %(question)s 题没有选项 %(options)s。") % {"question": question.id, "options": _join(unknown)}
        )
    if question.kind in (SINGLE, TRUE_FALSE) and len(keys) > 1:
        raise InvalidAnswer(_("第 %(question)s 题只能选择一个答案。") % {"question": question.id})
    return keys


def is_correct(question: PaperQuestion, answer: Iterable[str]) -> bool:
    """Single and true/false: the one key; multiple: exactly the key's set, no partial credit."""
    return _matches(question.answer, answer)


def _matches(key: Iterable[str], answer: Iterable[str]) -> bool:
    given = normalize_keys(answer)
    return bool(given) and given == normalize_keys(key)


# --- Theory -----------------------------------------------------------------------------


def score_paper(
    questions: Sequence[PaperQuestion], answers: Mapping[int, Iterable[str]], *, pass_mark: int | Decimal
) -> TheoryScore:
    """Score out of 100, rounded to 2 decimals; passed at ``pass_mark`` or more.

    Points are scaled to 100 so that a blueprint whose points do not add up to exactly
    100 still gives a score on the scale the pass mark is set on.
    """
    return _score([(q.id, q.points, q.answer) for q in questions], answers, pass_mark)


def score_snapshot(
    items: Sequence[Mapping], answers: Mapping[int, Iterable[str]], *, pass_mark: int | Decimal
) -> TheoryScore:
    """score_paper for a paper's stored questions (either snapshot form), read as they are:
    scoring needs each question's number, points and key only."""
    return _score([(int(q["id"]), Decimal(str(q["points"])), q["answer"]) for q in items], answers, pass_mark)


def _score(
    items: Sequence[tuple[int, Decimal, Iterable[str]]], answers: Mapping[int, Iterable[str]], pass_mark: int | Decimal
) -> TheoryScore:
    if not items:
        raise ScoringError(_("试卷没有试题。"))
    available = sum((points for _id, points, _key in items), Decimal(0))
    if available <= 0:
        raise ScoringError(_("试卷总分必须大于 0。"))
    earned = Decimal(0)
    correct = 0
    for question_id, points, key in items:
        if _matches(key, answers.get(question_id, ())):
            earned += points
            correct += 1
    score = (earned * FULL_MARKS / available).quantize(CENT, rounding=ROUND_HALF_UP)
    return TheoryScore(score=score, passed=score >= Decimal(pass_mark), correct=correct, questions=len(items))


# --- Blueprints and drawing a paper ------------------------------------------------------


def _rule_label(rule: DrawRule) -> str:
    label = str(KIND_LABELS.get(rule.kind, rule.kind))
    details = []
    if rule.knowledge_point:
        details.append(_("知识点“%(knowledge_point)s”") % {"knowledge_point": rule.knowledge_point})
    if rule.difficulty is not None:
        details.append(_("难度 %(difficulty)s") % {"difficulty": rule.difficulty})
    if not details:
        return label
    # Translators: a question kind with its knowledge point and/or difficulty, e.g. 单选题（知识点“触电急救”，难度 3）.
    return _("%(kind)s（%(details)s）") % {"kind": label, "details": _("，").join(details)}


def blueprint_total_points(rules: Iterable[DrawRule]) -> Decimal:
    return sum((Decimal(rule.count) * Decimal(rule.points) for rule in rules), Decimal(0))


def blueprint_problems(rules: Sequence[DrawRule], *, pass_mark: int, time_limit_minutes: int) -> list[str]:
    """What makes a blueprint unusable, before looking at any bank: an empty list when fine.

    Points must add up to exactly 100 (the national papers are scored out of 100), every
    rule draws at least one question of a known kind for a positive number of points.
    """
    problems: list[str] = []
    if not rules:
        problems.append(_("组卷规则至少需要一条明细。"))
    for number, rule in enumerate(rules, start=1):
        if rule.kind not in KINDS:
            problems.append(_("第 %(number)s 条明细的题型无效。") % {"number": number})
        if rule.count < 1:
            problems.append(_("第 %(number)s 条明细的题数至少为 1。") % {"number": number})
        if Decimal(rule.points) <= 0:
            problems.append(_("第 %(number)s 条明细的每题分值必须大于 0。") % {"number": number})
        if rule.difficulty is not None and not 1 <= rule.difficulty <= 5:
            problems.append(_("第 %(number)s 条明细的难度应在 1 到 5 之间。") % {"number": number})
    total = blueprint_total_points(rules)
    if rules and total != FULL_MARKS:
        problems.append(_("各题型分值合计应为 100 分，现为 %(total)s 分。") % {"total": f"{total.normalize():f}"})
    if not 1 <= pass_mark <= 100:
        problems.append(_("合格分数应在 1 到 100 之间。"))
    if time_limit_minutes < 1:
        problems.append(_("考试时长至少 1 分钟。"))
    return problems


def _ordered_rules(rules: Sequence[DrawRule]) -> list[DrawRule]:
    """The narrowest rules pick first, so that a catch-all rule never takes their questions."""
    return sorted(rules, key=lambda rule: -rule.specificity)


def pick_questions(
    rules: Sequence[DrawRule], available: Mapping[str, Sequence[BankQuestion]], rng: random.Random
) -> list[tuple[DrawRule, list[BankQuestion]]]:
    """Choose each rule's questions at random, each question at most once.

    Narrower rules choose first. A rule prefers questions that no later rule could use,
    so a question is taken from a later rule only when this rule has nothing else;
    among equals the choice is uniform. Raises PaperShortfall naming every rule the
    bank cannot fill, with how many it needs and has, before anything is returned.
    """
    ordered = _ordered_rules(rules)
    used: set[int] = set()
    picks: dict[int, list[BankQuestion]] = {}
    shortfalls: dict[int, Shortfall] = {}
    for position, rule in enumerate(ordered):
        later = ordered[position + 1 :]
        pool = [q for q in available.get(rule.kind, ()) if q.id not in used and rule.matches(q)]
        if len(pool) < rule.count:
            shortfalls[id(rule)] = Shortfall(rule=rule, available=len(pool))
            continue
        rng.shuffle(pool)
        pool.sort(key=lambda q: any(other.matches(q) for other in later))
        chosen = pool[: rule.count]
        used.update(q.id for q in chosen)
        picks[id(rule)] = chosen
    if shortfalls:
        raise PaperShortfall([shortfalls[id(rule)] for rule in rules if id(rule) in shortfalls])
    return [(rule, picks[id(rule)]) for rule in rules]


def paper_shortfalls(rules: Sequence[DrawRule], available: Mapping[str, Sequence[BankQuestion]]) -> list[Shortfall]:
    """The rules a bank cannot fill (empty when it can): the check a blueprint is saved with."""
    try:
        pick_questions(rules, available, random.Random(0))  # noqa: S311 - a deterministic check, not a draw
    except PaperShortfall as exc:
        return list(exc.shortfalls)
    return []


def _shuffle_options(question: BankQuestion, points: Decimal, rng: random.Random) -> PaperQuestion:
    """Shuffle options, relabel them A, B, C… in their new order and remap the key."""
    if question.kind == TRUE_FALSE:
        return PaperQuestion(
            id=question.id,
            kind=question.kind,
            stem=question.stem,
            options=options_for(TRUE_FALSE, ()),
            answer=normalize_keys(question.answer),
            points=points,
            image_id=question.image_id,
            version_id=question.id,
        )
    shuffled = list(question.options)
    rng.shuffle(shuffled)
    new_key = {option.key: OPTION_LABELS[index] for index, option in enumerate(shuffled)}
    return PaperQuestion(
        id=question.id,
        kind=question.kind,
        stem=question.stem,
        options=tuple(Option(key=OPTION_LABELS[index], text=option.text) for index, option in enumerate(shuffled)),
        answer=normalize_keys(new_key[key] for key in question.answer),
        points=points,
        image_id=question.image_id,
        version_id=question.id,
        order=tuple(option.key for option in shuffled),
    )


def build_paper(picks: Sequence[tuple[DrawRule, Sequence[BankQuestion]]], rng: random.Random) -> list[PaperQuestion]:
    """Lay out the picked questions: kinds in the blueprint's order, shuffled within a kind.

    Every question's options are shuffled and relabelled. ``picks`` carry the full
    questions (stem, options, key).
    """
    by_kind: dict[str, list[PaperQuestion]] = {}
    for rule, questions in picks:
        bucket = by_kind.setdefault(rule.kind, [])
        bucket.extend(_shuffle_options(question, Decimal(rule.points), rng) for question in questions)
    paper: list[PaperQuestion] = []
    for bucket in by_kind.values():
        rng.shuffle(bucket)
        paper.extend(bucket)
    return paper


def draw_paper(
    rules: Sequence[DrawRule], available: Mapping[str, Sequence[BankQuestion]], rng: random.Random
) -> list[PaperQuestion]:
    """Pick and lay out a paper in one step (when ``available`` holds full questions)."""
    return build_paper(pick_questions(rules, available, rng), rng)


# --- Practical --------------------------------------------------------------------------


def score_practical(
    *,
    weights: Mapping[str, int],
    subject_scores: Mapping[str, Decimal],
    veto: bool,
    pass_mark: int | Decimal,
    each_subject_must_pass: bool = False,
) -> PracticalScore:
    """Weighted total of subject scores (each 0–100, weights summing to 100).

    Rounded to 2 decimals; passed at ``pass_mark`` with no veto. A veto item fails the
    whole practical exam whatever the points. Rubrics whose retakes repeat only the
    failed subject (``each_subject_must_pass``) also judge each subject against the pass
    mark: the exam passes only when every subject does, and the failed ones are named.
    """
    if sum(weights.values()) != 100:
        raise ScoringError(_("科目权重之和应为 100，现为 %(total)s。") % {"total": sum(weights.values())})
    missing = sorted(set(weights) - set(subject_scores))
    if missing:
        raise ScoringError(_("缺少科目成绩：%(subjects)s。") % {"subjects": _join(missing)})
    unknown = sorted(set(subject_scores) - set(weights))
    if unknown:
        raise ScoringError(_("评分标准中没有科目：%(subjects)s。") % {"subjects": _join(unknown)})
    scores: dict[str, Decimal] = {}
    for code in sorted(weights):
        raw = subject_scores[code]
        try:
            value = Decimal(str(raw))
        except ArithmeticError as exc:
            raise ScoringError(_("科目 %(subject)s 的成绩不是数字。") % {"subject": code}) from exc
        if not value.is_finite() or value < 0 or value > FULL_MARKS:
            raise ScoringError(_("科目 %(subject)s 的成绩应在 0 到 100 之间。") % {"subject": code})
        scores[code] = value.quantize(CENT, rounding=ROUND_HALF_UP)
    total = sum((scores[code] * weights[code] for code in scores), Decimal(0)) / FULL_MARKS
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    failed: tuple[str, ...] = ()
    if each_subject_must_pass:
        failed = tuple(code for code in scores if scores[code] < Decimal(pass_mark))
    passed = not veto and total >= Decimal(pass_mark) and not failed
    return PracticalScore(total=total, passed=passed, vetoed=veto, subject_scores=scores, failed_subjects=failed)
