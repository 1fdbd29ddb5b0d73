"""The pure rules of a campaign: signed papers, grading, identity keys, public names."""

import pytest

from campaigns.rules import (
    BadPaper,
    Paper,
    challenge_hash,
    grade,
    identity_key,
    mask_nickname,
    normalise_answer,
    read_paper,
    sign_paper,
)

SECRET = b"s" * 32
PAPER = Paper(campaign_id=3, question_ids=(11, 12, 13), issued_at=1_700_000_000, device="dev-1", nonce=2**62 + 5)


def test_a_signed_paper_reads_back_as_given():
    assert read_paper(sign_paper(PAPER, secret=SECRET), secret=SECRET) == PAPER


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(
            t.split(".")[0], sign_paper(Paper(3, (11, 12, 14), 1_700_000_000, "dev-1", 1), secret=SECRET).split(".")[0]
        ),
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "garbage",
        lambda t: "",
    ],
)
def test_a_forged_or_altered_paper_is_refused(tamper):
    with pytest.raises(BadPaper):
        read_paper(tamper(sign_paper(PAPER, secret=SECRET)), secret=SECRET)


def test_a_paper_signed_with_another_secret_is_refused():
    with pytest.raises(BadPaper):
        read_paper(sign_paper(PAPER, secret=b"other"), secret=SECRET)


def test_grading_counts_a_multiple_choice_only_when_complete():
    keys = {1: ["B"], 2: ["A", "C"], 3: ["T"], 4: ["D"]}
    graded = grade([1, 2, 3, 4], {1: ("B",), 2: ("A",), 3: ("T",)}, keys)
    assert graded.correct == (True, False, True, False)
    assert graded.score == 50
    assert graded.bitmap == 0b0101


def test_the_bitmap_fits_a_signed_32_bit_column():
    graded = grade(list(range(32)), dict.fromkeys(range(32), ("B",)), {i: ["B"] for i in range(32)})
    assert graded.bitmap == -1
    assert graded.score == 100


def test_answers_are_normalised():
    assert normalise_answer(["c", " a ", "A"]) == ("A", "C")
    assert normalise_answer("t") == ("T",)
    assert normalise_answer(None) == ()


def test_identity_keys_are_stable_per_campaign_and_differ_between_campaigns():
    first = identity_key("phone:abc", campaign_id=1, secret=SECRET)
    assert first == identity_key("phone:abc", campaign_id=1, secret=SECRET)
    assert first != identity_key("phone:abc", campaign_id=2, secret=SECRET)
    assert -(2**63) <= first < 2**63


def test_the_challenge_answer_is_bound_to_the_paper():
    assert challenge_hash("12", nonce=1, secret=SECRET) == challenge_hash(" 12 ", nonce=1, secret=SECRET)
    assert challenge_hash("12", nonce=1, secret=SECRET) != challenge_hash("12", nonce=2, secret=SECRET)


def test_a_phone_number_typed_as_nickname_is_masked():
    assert mask_nickname("老王13912345678") == "老王139********"
    assert mask_nickname("电工2024") == "电工202*"
    assert mask_nickname("安全员") == "安全员"
