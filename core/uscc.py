"""统一社会信用代码 (USCC, GB 32100-2015) validation and check-character computation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I O S V Z; values 0–30
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18
CIVIL_AFFAIRS_DEPARTMENT = "5"  # 民政
# Under department 5: 1 社会团体, 2 社会服务机构/民办非企业单位, 3 基金会, 9 其他.
CIVIL_AFFAIRS_CATEGORIES = frozenset("1239")


def uscc_normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_structure_errors(code: str) -> list[str]:
    """Every structural problem (length, alphabet, region code, category), in Chinese."""
    errors = []
    if len(code) != USCC_LENGTH:
        errors.append(_("A unified social credit code has 18 characters."))
        return errors
    bad = sorted({ch for ch in code if ch not in USCC_ALPHABET})
    if bad:
        errors.append(
            _("These characters are not allowed in a unified social credit code: %(chars)s")
            % {"chars": " ".join(bad)}
        )
        return errors
    if not code[2:8].isdigit():
        errors.append(_("Positions 3–8 of a unified social credit code (the region code) must be digits."))
    if code[0] == CIVIL_AFFAIRS_DEPARTMENT and code[1] not in CIVIL_AFFAIRS_CATEGORIES:
        errors.append(
            _("Under the civil-affairs department (5) the category (position 2) must be 1, 2, 3 or 9.")
        )
    return errors


def uscc_validate(raw: str, *, allow_bad_check: bool = False) -> str:
    """Return the normalized code or raise ValidationError listing every problem.

    `allow_bad_check` accepts a code whose only fault is the check character (a real early pilot
    code); only a registry admin's recorded override may pass it (see the services)."""
    code = uscc_normalize(raw)
    errors = uscc_structure_errors(code)
    if errors:
        raise ValidationError(errors, code="uscc_structure")
    if not allow_bad_check and uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."), code="uscc_check"
        )
    return code


def uscc_is_valid(raw: str) -> bool:
    try:
        uscc_validate(raw)
    except ValidationError:
        return False
    return True


def uscc_check_fails_only(raw: str) -> bool:
    """True when the code is well formed but its check character is wrong."""
    code = uscc_normalize(raw)
    return not uscc_structure_errors(code) and uscc_check_character(code[:17]) != code[17]


def uscc_complete(first17: str) -> str:
    """Append the check character (used to generate demo and test codes)."""
    return first17 + uscc_check_character(first17)
