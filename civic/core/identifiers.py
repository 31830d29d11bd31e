"""Checks of official identifiers that several apps record: the unified social credit code (统一社会信用代码).

Every legal person and other organisation in China has one 18-character code,
printed on its business licence ([GB 32100-2015] 4):

- position 1, the registration authority (1 organs, 5 civil affairs, 9 market
  regulation, Y others …); position 2, the kind of organisation;
- positions 3–8, the registering authority's administrative division code (GB/T 2260);
- positions 9–17, the organisation's code (GB 11714);
- position 18, a check character.

The characters are the digits and the capital letters without I, O, Z, S and V
(31 in all, [GB 32100-2015] 5, table 1). The check character is worked out
modulo 31 ([GB 32100-2015] 5, formula (1)) and `validate_unified_social_credit_code`
refuses a code whose last character does not match, so a mistyped code is
caught at the counter. The water register and the programme's firms both use it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_LENGTH = 18
# [GB 32100-2015] 5, table 1: the 31 characters of the code (digits and capitals without I, O, Z, S, V), valued 0 to 30.
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# [GB 32100-2015] 5, formula (1): the weight of position i (1-based) is 3^(i−1) mod 31.
CREDIT_CODE_WEIGHTS = tuple(pow(3, position, 31) for position in range(CREDIT_CODE_LENGTH - 1))


def credit_code_check_character(first_seventeen: str) -> str:
    """The check character of a unified social credit code from its first 17 characters.

    Notes
    -----
    C18 = 31 − (Σ Ci·Wi mod 31), i = 1 … 17, where Ci is the value of the
    i-th character in the table of 31 characters (0–9 → 0–9, A → 10 … Y → 30)
    and Wi = 3^(i−1) mod 31; a result of 31 is written 0 ([GB 32100-2015] 5).

    Examples
    --------
    >>> credit_code_check_character("91350100M000100Y4")
    '3'
    """
    if len(first_seventeen) != CREDIT_CODE_LENGTH - 1:
        raise ValueError(f"A unified social credit code has 17 characters before its check; got {first_seventeen!r}.")
    total = sum(
        CREDIT_CODE_CHARACTERS.index(character) * weight
        for character, weight in zip(first_seventeen, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def normalised_social_credit_code(text: str) -> str:
    """A code as typed, in capitals without spaces (licences print it in groups)."""
    return "".join(text.split()).upper()


def validate_unified_social_credit_code(code: str) -> None:
    """Refuse a unified social credit code of the wrong length, characters or check character
    ([GB 32100-2015] 4 and 5); the error's code says which (``length``, ``characters``, ``check``)."""
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; %(code)s has %(count)s."),
            code="length",
            params={"code": code, "count": len(code)},
        )
    wrong = sorted({character for character in code if character not in CREDIT_CODE_CHARACTERS})
    if wrong:
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters other than I, O, S, V and Z; %(code)s has %(wrong)s."
            ),
            code="characters",
            params={"code": code, "wrong": "、".join(wrong)},
        )
    expected = credit_code_check_character(code[:-1])
    if code[-1] != expected:
        raise ValidationError(
            _("The check character of %(code)s should be %(expected)s: a character of the code is mistyped."),
            code="check",
            params={"code": code, "expected": expected},
        )
