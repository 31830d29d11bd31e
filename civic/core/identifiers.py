"""Checks of official identifiers that several apps record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# [GB 32100-2015] 4: the 31 characters of the code (digits and capitals without I, O, Z, S, V), valued 0 to 30.
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# [GB 32100-2015] 5: the weight of each of the first 17 characters, 3^(i-1) mod 31.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first_seventeen: str) -> str:
    """The 18th character of a unified social credit code: 31 − (Σ Cᵢ Wᵢ mod 31), 31 written as 0."""
    total = sum(
        CREDIT_CODE_CHARACTERS.index(character) * weight
        for character, weight in zip(first_seventeen, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def validate_unified_social_credit_code(value: str) -> None:
    """Refuse a unified social credit code (统一社会信用代码) that is not 18 characters of GB 32100's set
    or whose check character does not match ([GB 32100-2015] 4 and 5)."""
    if len(value) != 18 or any(character not in CREDIT_CODE_CHARACTERS for character in value):
        raise ValidationError(
            _("A unified social credit code has 18 digits and capital letters (not I, O, Z, S or V)."),
            code="credit_code_format",
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code does not match: check the code."),
            code="credit_code_check",
        )
