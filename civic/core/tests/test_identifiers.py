"""Unified social credit codes: GB 32100-2015's character set and check character."""

import pytest
from django.core.exceptions import ValidationError

from civic.core.identifiers import credit_code_check_character, validate_unified_social_credit_code


def test_the_standard_s_example_code_has_check_character_3():
    # The example code printed with GB 32100-2015: 9 1 350100 M000100Y4 3. Worked by hand:
    # Σ Cᵢ·Wᵢ = 9·1 + 1·3 + 3·9 + 5·27 + 0·19 + 1·26 + 0·16 + 0·17 + 21(M)·20 + 0·29 + 0·25 + 0·13
    #         + 1·8 + 0·24 + 0·10 + 30(Y)·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 − 28 = 3.
    assert credit_code_check_character("91350100M000100Y4") == "3"
    validate_unified_social_credit_code("91350100M000100Y43")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        # One validator serves the programme's firms and the water register: its error codes
        # name the fault (length, characters, check) rather than one "format" for both of the first two.
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y4", "length"),
        ("91350100I000100Y43", "characters"),  # I is not in the code's character set
        ("91350100m000100Y43", "characters"),
    ],
)
def test_a_wrong_code_is_refused_with_its_reason(code, reason):
    with pytest.raises(ValidationError) as refusal:
        validate_unified_social_credit_code(code)
    assert refusal.value.code == reason
