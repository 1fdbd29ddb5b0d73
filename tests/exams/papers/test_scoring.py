"""Pure exam rules: no database."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from exams.papers.scoring import (
    BankQuestion,
    DrawRule,
    InvalidAnswer,
    Option,
    PaperQuestion,
    PaperShortfall,
    ScoringError,
    blueprint_problems,
    blueprint_total_points,
    draw_paper,
    is_correct,
    paper_shortfalls,
    pick_questions,
    score_paper,
    score_practical,
    validate_answer,
)

WEIGHTS = {"K1": 20, "K2": 40, "K3": 20, "K4": 20}


def paper_question(qid: int, kind: str, answer: tuple[str, ...], points: str = "10") -> PaperQuestion:
    options = () if kind == "true_false" else tuple(Option(key=k, text=f"选项{k}") for k in "ABCD")
    return PaperQuestion(id=qid, kind=kind, stem=f"题{qid}", options=options, answer=answer, points=Decimal(points))


def bank_question(qid: int, kind: str = "single", answer: tuple[str, ...] = ("B",), point: str = "") -> BankQuestion:
    options = () if kind == "true_false" else tuple(Option(key=k, text=f"{qid}-{k}") for k in "ABCD")
    return BankQuestion(id=qid, kind=kind, stem=f"题{qid}", options=options, answer=answer, knowledge_point=point)


# --- Theory scoring -------------------------------------------------------------------


def test_single_and_true_false_need_the_exact_key():
    # given
    single = paper_question(1, "single", ("B",))
    true_false = paper_question(2, "true_false", ("T",))

    # then
    assert is_correct(single, ["B"]) is True
    assert is_correct(single, ["b"]) is True
    assert is_correct(single, ["A"]) is False
    assert is_correct(single, ["A", "B"]) is False
    assert is_correct(single, []) is False
    assert is_correct(true_false, ["T"]) is True
    assert is_correct(true_false, ["F"]) is False


def test_multiple_choice_needs_exactly_the_key_set():
    # given
    question = paper_question(1, "multiple", ("A", "C"))

    # then
    assert is_correct(question, ["C", "A"]) is True
    assert is_correct(question, ["A"]) is False
    assert is_correct(question, ["A", "C", "D"]) is False


def test_score_paper_counts_points_and_passes_at_the_pass_mark():
    # given: 10 questions of 10 points, 8 answered correctly
    questions = [paper_question(i, "single", ("B",)) for i in range(1, 11)]
    answers = {i: ["B"] for i in range(1, 9)} | {9: ["A"]}

    # when
    result = score_paper(questions, answers, pass_mark=80)

    # then
    assert result.score == Decimal("80.00")
    assert result.passed is True
    assert result.correct == 8
    assert result.questions == 10


def test_score_paper_below_pass_mark_fails():
    questions = [paper_question(i, "true_false", ("F",)) for i in range(1, 11)]

    result = score_paper(questions, {i: ["F"] for i in range(1, 8)}, pass_mark=80)

    assert result.score == Decimal("70.00")
    assert result.passed is False


def test_score_paper_scales_points_to_100_and_rounds_to_cents():
    # given: three questions of 1 point each; one right
    questions = [paper_question(i, "single", ("A",), points="1") for i in (1, 2, 3)]

    result = score_paper(questions, {1: ["A"]}, pass_mark=80)

    assert result.score == Decimal("33.33")


def test_score_paper_mixed_kinds_70_true_false_30_single():
    # given: the low-voltage electrician paper shape, 70 × 1 + 30 × 1
    questions = [paper_question(i, "true_false", ("T",), points="1") for i in range(70)]
    questions += [paper_question(100 + i, "single", ("C",), points="1") for i in range(30)]
    answers = {i: ["T"] for i in range(70)} | {100 + i: ["C"] for i in range(10)}

    result = score_paper(questions, answers, pass_mark=80)

    assert result.score == Decimal("80.00")
    assert result.passed is True


def test_score_paper_refuses_an_empty_paper():
    with pytest.raises(ScoringError):
        score_paper([], {}, pass_mark=80)


def test_validate_answer_normalises_and_refuses_unknown_or_extra_keys():
    single = paper_question(1, "single", ("B",))
    multiple = paper_question(2, "multiple", ("A", "B"))
    true_false = paper_question(3, "true_false", ("T",))

    assert validate_answer(single, [" b "]) == ("B",)
    assert validate_answer(multiple, ["C", "A", "A"]) == ("A", "C")
    assert validate_answer(true_false, ["F"]) == ("F",)
    assert validate_answer(single, []) == ()
    with pytest.raises(InvalidAnswer, match="没有选项 E"):
        validate_answer(single, ["E"])
    with pytest.raises(InvalidAnswer, match="只能选择一个"):
        validate_answer(single, ["A", "B"])
    with pytest.raises(InvalidAnswer):
        validate_answer(true_false, ["A"])


# --- Drawing a paper ------------------------------------------------------------------


def test_draw_paper_picks_the_rule_counts_without_repeats():
    # given
    available = {
        "true_false": [bank_question(i, "true_false", ("T",)) for i in range(1, 21)],
        "single": [bank_question(i) for i in range(100, 110)],
    }
    rules = [DrawRule("true_false", 7, Decimal("10")), DrawRule("single", 3, Decimal("10"))]

    # when
    paper = draw_paper(rules, available, random.Random(1))

    # then
    assert [q.kind for q in paper] == ["true_false"] * 7 + ["single"] * 3
    assert len({q.id for q in paper}) == 10
    assert all(q.points == Decimal("10") for q in paper)


def test_draw_paper_relabels_shuffled_options_and_remaps_the_key():
    # given: one question whose key is the text "right"
    question = BankQuestion(
        id=1,
        kind="single",
        stem="哪一个对？",
        options=(Option("A", "wrong-1"), Option("B", "right"), Option("C", "wrong-2"), Option("D", "wrong-3")),
        answer=("B",),
    )
    seen_positions = set()
    for seed in range(30):
        # when
        (drawn,) = draw_paper([DrawRule("single", 1, Decimal(100))], {"single": [question]}, random.Random(seed))

        # then: keys are A–D in order and the key still points at the right text
        assert [o.key for o in drawn.options] == ["A", "B", "C", "D"]
        assert sorted(o.text for o in drawn.options) == ["right", "wrong-1", "wrong-2", "wrong-3"]
        (key,) = drawn.answer
        assert next(o.text for o in drawn.options if o.key == key) == "right"
        seen_positions.add(key)
    assert len(seen_positions) > 1


def test_draw_paper_remaps_multiple_choice_keys():
    question = BankQuestion(
        id=1,
        kind="multiple",
        stem="选出正确的",
        options=(Option("A", "ok-1"), Option("B", "no"), Option("C", "ok-2")),
        answer=("A", "C"),
    )

    (drawn,) = draw_paper([DrawRule("multiple", 1, Decimal(100))], {"multiple": [question]}, random.Random(7))

    assert sorted(o.text for o in drawn.options if o.key in drawn.answer) == ["ok-1", "ok-2"]
    assert list(drawn.answer) == sorted(drawn.answer)


def test_draw_paper_gives_true_false_the_implied_options():
    (drawn,) = draw_paper(
        [DrawRule("true_false", 1, Decimal(100))],
        {"true_false": [bank_question(1, "true_false", ("F",))]},
        random.Random(0),
    )

    assert [(o.key, o.text) for o in drawn.options] == [("T", "正确"), ("F", "错误")]
    assert drawn.answer == ("F",)


def test_draw_paper_shuffles_question_order():
    available = {"single": [bank_question(i) for i in range(1, 31)]}
    rules = [DrawRule("single", 30, Decimal(1))]

    orders = {tuple(q.id for q in draw_paper(rules, available, random.Random(seed))) for seed in range(5)}

    assert len(orders) > 1


def test_draw_paper_filters_by_knowledge_point():
    available = {"single": [bank_question(i, point="触电急救" if i < 3 else "") for i in range(1, 11)]}

    paper = draw_paper([DrawRule("single", 2, Decimal(50), "触电急救")], available, random.Random(3))

    assert sorted(q.id for q in paper) == [1, 2]


def test_draw_paper_names_every_shortfall():
    # given: 5 true/false and 2 single questions in the bank
    available = {
        "true_false": [bank_question(i, "true_false", ("T",)) for i in range(5)],
        "single": [bank_question(10 + i) for i in range(2)],
    }
    rules = [
        DrawRule("true_false", 70, Decimal(1)),
        DrawRule("single", 2, Decimal(1)),
        DrawRule("multiple", 3, Decimal(1)),
    ]

    # when / then
    with pytest.raises(PaperShortfall) as excinfo:
        draw_paper(rules, available, random.Random(0))
    assert str(excinfo.value) == (
        "题库试题不足，无法组卷：判断题需要 70 道，题库仅有 5 道；多选题需要 3 道，题库仅有 0 道。"
    )


def test_draw_paper_does_not_reuse_a_question_across_rules():
    available = {"single": [bank_question(i, point="电气防火" if i == 1 else "") for i in range(1, 3)]}
    rules = [DrawRule("single", 1, Decimal(50), "电气防火"), DrawRule("single", 2, Decimal(25))]

    with pytest.raises(PaperShortfall, match="单选题需要 2 道，题库仅有 1 道"):
        draw_paper(rules, available, random.Random(0))


def test_paper_question_snapshot_round_trip():
    question = paper_question(5, "multiple", ("A", "D"), points="2.5")

    assert PaperQuestion.from_snapshot(question.to_snapshot()) == question


# --- Practical scoring ----------------------------------------------------------------


def test_practical_weighted_total():
    # given
    scores = {"K1": Decimal(90), "K2": Decimal("75.5"), "K3": Decimal(80), "K4": Decimal(100)}

    # when
    result = score_practical(weights=WEIGHTS, subject_scores=scores, veto=False, pass_mark=80)

    # then: 18 + 30.2 + 16 + 20
    assert result.total == Decimal("84.20")
    assert result.passed is True
    assert result.vetoed is False


def test_practical_total_rounds_to_two_decimals():
    weights = {"K1": 33, "K2": 33, "K3": 34}
    scores = {"K1": Decimal("80.01"), "K2": Decimal("80.01"), "K3": Decimal("80.01")}

    result = score_practical(weights=weights, subject_scores=scores, veto=False, pass_mark=80)

    assert result.total == Decimal("80.01")


def test_practical_passes_at_exactly_the_pass_mark_and_fails_below():
    at = {code: Decimal(80) for code in WEIGHTS}
    below = at | {"K2": Decimal("79.9")}

    assert score_practical(weights=WEIGHTS, subject_scores=at, veto=False, pass_mark=80).passed is True
    assert score_practical(weights=WEIGHTS, subject_scores=below, veto=False, pass_mark=80).passed is False


def test_practical_veto_fails_whatever_the_points():
    scores = {code: Decimal(100) for code in WEIGHTS}

    result = score_practical(weights=WEIGHTS, subject_scores=scores, veto=True, pass_mark=80)

    assert result.total == Decimal("100.00")
    assert result.passed is False
    assert result.vetoed is True


@pytest.mark.parametrize("bad", [Decimal("-0.5"), Decimal("100.01"), "abc", Decimal("NaN")])
def test_practical_refuses_scores_outside_0_to_100(bad):
    scores = {code: Decimal(90) for code in WEIGHTS} | {"K3": bad}

    with pytest.raises(ScoringError, match="K3"):
        score_practical(weights=WEIGHTS, subject_scores=scores, veto=False, pass_mark=80)


def test_practical_refuses_missing_or_unknown_subjects_and_bad_weights():
    full = {code: Decimal(90) for code in WEIGHTS}

    with pytest.raises(ScoringError, match="缺少科目成绩：K4"):
        score_practical(
            weights=WEIGHTS, subject_scores={k: v for k, v in full.items() if k != "K4"}, veto=False, pass_mark=80
        )
    with pytest.raises(ScoringError, match="没有科目：K9"):
        score_practical(weights=WEIGHTS, subject_scores=full | {"K9": Decimal(1)}, veto=False, pass_mark=80)
    with pytest.raises(ScoringError, match="权重之和应为 100"):
        score_practical(weights=WEIGHTS | {"K4": 10}, subject_scores=full, veto=False, pass_mark=80)


# --- Blueprints: difficulty, shortfalls, validation -------------------------------------


def graded(qid: int, kind: str = "single", point: str = "", difficulty: int | None = 3) -> BankQuestion:
    options = () if kind == "true_false" else tuple(Option(key=k, text=f"{qid}-{k}") for k in "ABCD")
    answer = ("T",) if kind == "true_false" else ("A",)
    return BankQuestion(
        id=qid, kind=kind, stem=f"题{qid}", options=options, answer=answer, knowledge_point=point, difficulty=difficulty
    )


def test_draw_paper_filters_by_difficulty():
    # given: difficulties 1..5, two questions each
    available = {"single": [graded(i, difficulty=1 + i % 5) for i in range(10)]}

    # when
    paper = draw_paper([DrawRule("single", 2, Decimal(50), difficulty=4)], available, random.Random(5))

    # then: exactly the two of difficulty 4
    assert sorted(q.id for q in paper) == [3, 8]


def test_shortfall_names_kind_knowledge_point_difficulty_needed_and_available():
    # given
    available = {"single": [graded(1, point="触电急救", difficulty=2), graded(2, point="触电急救", difficulty=5)]}
    rule = DrawRule("single", 3, Decimal(10), knowledge_point="触电急救", difficulty=2)

    # when
    with pytest.raises(PaperShortfall) as excinfo:
        draw_paper([rule], available, random.Random(0))

    # then
    assert str(excinfo.value) == "题库试题不足，无法组卷：单选题（知识点“触电急救”，难度 2）需要 3 道，题库仅有 1 道。"
    (shortfall,) = excinfo.value.shortfalls
    assert (shortfall.rule, shortfall.needed, shortfall.available) == (rule, 3, 1)


def test_narrow_rules_pick_before_a_catch_all_rule_listed_first():
    # given: a catch-all single rule listed before a rule that needs both knowledge-point questions
    available = {"single": [graded(1, point="电气防火"), graded(2, point="电气防火"), graded(3), graded(4)]}
    rules = [DrawRule("single", 2, Decimal(25)), DrawRule("single", 2, Decimal(25), "电气防火")]

    for seed in range(20):
        # when
        picks = pick_questions(rules, available, random.Random(seed))

        # then: the picks come back in the blueprint's order, the narrow rule got its questions
        assert [rule for rule, _chosen in picks] == rules
        assert sorted(q.id for q in picks[1][1]) == [1, 2]
        assert sorted(q.id for q in picks[0][1]) == [3, 4]


def test_a_rule_leaves_questions_a_later_rule_needs_when_it_can():
    # given: rule 1 (knowledge point) and rule 2 (difficulty 5) overlap on question 1
    available = {
        "single": [
            graded(1, point="登高", difficulty=5),
            graded(2, point="登高", difficulty=1),
            graded(3, difficulty=5),
        ]
    }
    rules = [DrawRule("single", 1, Decimal(50), "登高"), DrawRule("single", 2, Decimal(25), difficulty=5)]

    for seed in range(20):
        # when
        picks = pick_questions(rules, available, random.Random(seed))

        # then: rule 1 always takes question 2 so that rule 2 can be filled
        assert [q.id for q in picks[0][1]] == [2]
        assert sorted(q.id for q in picks[1][1]) == [1, 3]


def test_paper_keeps_kinds_in_blueprint_order_and_mixes_rules_of_one_kind():
    # given: two true/false rules (by knowledge point) and one single-choice rule between them
    available = {
        "true_false": [graded(i, "true_false", point="甲" if i < 10 else "乙") for i in range(20)],
        "single": [graded(100 + i) for i in range(5)],
    }
    rules = [
        DrawRule("true_false", 5, Decimal(5), "甲"),
        DrawRule("single", 5, Decimal(10)),
        DrawRule("true_false", 5, Decimal(5), "乙"),
    ]

    # when
    papers = [draw_paper(rules, available, random.Random(seed)) for seed in range(10)]

    # then: all true/false first (both rules mixed), then single choice
    for paper in papers:
        assert [q.kind for q in paper] == ["true_false"] * 10 + ["single"] * 5
    assert any([q.id < 10 for q in paper[:5]] != [True] * 5 for paper in papers)


def test_paper_shortfalls_is_empty_when_the_bank_can_fill_the_rules():
    available = {"single": [graded(i) for i in range(5)]}

    assert paper_shortfalls([DrawRule("single", 5, Decimal(20))], available) == []
    (shortfall,) = paper_shortfalls([DrawRule("single", 6, Decimal(20))], available)
    assert (shortfall.needed, shortfall.available) == (6, 5)


def test_blueprint_problems_accepts_a_blueprint_of_100_points():
    rules = [DrawRule("true_false", 70, Decimal(1)), DrawRule("single", 30, Decimal(1))]

    assert blueprint_total_points(rules) == Decimal(100)
    assert blueprint_problems(rules, pass_mark=80, time_limit_minutes=120) == []


def test_blueprint_problems_names_a_total_other_than_100():
    assert blueprint_problems(
        [DrawRule("true_false", 70, Decimal(1)), DrawRule("single", 20, Decimal("1.75"))],
        pass_mark=80,
        time_limit_minutes=120,
    ) == ["各题型分值合计应为 100 分，现为 105 分。"]
    assert blueprint_problems([DrawRule("single", 10, Decimal(9))], pass_mark=80, time_limit_minutes=120) == [
        "各题型分值合计应为 100 分，现为 90 分。"
    ]


def test_blueprint_problems_lists_every_bad_rule_and_setting():
    rules = [DrawRule("essay", 0, Decimal(0)), DrawRule("single", 10, Decimal(10), difficulty=9)]

    problems = blueprint_problems(rules, pass_mark=0, time_limit_minutes=0)

    assert problems == [
        "第 1 条明细的题型无效。",
        "第 1 条明细的题数至少为 1。",
        "第 1 条明细的每题分值必须大于 0。",
        "第 2 条明细的难度应在 1 到 5 之间。",
        "合格分数应在 1 到 100 之间。",
        "考试时长至少 1 分钟。",
    ]
    assert blueprint_problems([], pass_mark=80, time_limit_minutes=120) == ["组卷规则至少需要一条明细。"]
