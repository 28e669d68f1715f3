import pytest
from django.core.exceptions import ValidationError

from core.uscc import USCC_ALPHABET, USCC_WEIGHTS, uscc_check_character, uscc_is_valid, uscc_validate

VALID = ["53100000500019795A", "53100000500021676K", "91110000600037341L", "91350100M000100Y43"]
WRONG_CHECK = ["53100000500020462H", "531000005000074012"]


def test_alphabet_and_weights_are_the_standards():
    assert USCC_ALPHABET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", VALID)
def test_rules_md_valid_codes_pass(code):
    assert uscc_validate(code) == code
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", WRONG_CHECK)
def test_rules_md_invalid_codes_fail_the_check(code):
    with pytest.raises(ValidationError) as exc:
        uscc_validate(code)
    assert exc.value.code == "uscc_check"
    assert "校验" in exc.value.messages[0]


def test_lowercase_and_spaces_are_normalized():
    assert uscc_validate(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "code",
    [
        "5310000050001979",  # too short
        "53100000500019795I",  # I is not in the alphabet
        "5310A000500019795A",  # letter in the region code
        "54100000500019795A",  # category 4 does not exist under department 5
    ],
)
def test_structural_errors_are_refused(code):
    assert not uscc_is_valid(code)


def test_category_rule_applies_only_under_civil_affairs():
    # department 9 (工商) with category 1 is fine; the same code shape under 5 needs 1, 2, 3 or 9
    first17 = "56110000500019795"
    assert not uscc_is_valid(first17 + uscc_check_character(first17))
    for category in "1239":
        first17 = f"5{category}110000500019795"
        assert uscc_is_valid(first17 + uscc_check_character(first17))


def test_bad_check_may_be_allowed_only_explicitly():
    assert uscc_validate(WRONG_CHECK[0], allow_bad_check=True) == WRONG_CHECK[0]
