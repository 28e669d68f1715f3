"""A password validator that also catches what Django's lists miss: a common word dressed up with
digits, punctuation or leetspeak (Admin12345, Passw0rd!!), a short unit repeated (abc123abc123) and
keyboard or counting sequences (12345678, qwertyui)."""

import re

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LEET_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "!": "i"}
)
SEQUENCES = (
    "01234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc",
)
# Words too weak on their own even with digits around them (on top of Django's common list).
WEAK_WORDS = frozenset(
    {"admin", "administrator", "password", "passwd", "root", "user", "test", "welcome", "login", "qwerty"}
)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def _is_repeated_unit(text: str) -> bool:
    """True when the text is one unit of at most half its length repeated (abcabc, 121212)."""
    return len(text) >= 2 and (text + text).find(text, 1) < len(text)


def _is_sequence(text: str) -> bool:
    """True when the text is a run (ascending or descending) along one of the SEQUENCES."""
    if len(text) < 4:
        return False
    for seq in SEQUENCES:
        if text in seq or text in seq[::-1]:
            return True
    return False


class StrongPasswordValidator:
    """Refuses a password whose core, once leetspeak is undone and digits and punctuation are
    stripped, is a common password or a weak word; a password that is one short unit repeated;
    and a password that is, or is mostly, a keyboard/counting sequence."""

    def __init__(self):
        self._common = CommonPasswordValidator().passwords

    def _weak_core(self, password: str) -> bool:
        lowered = password.lower()
        candidates = {
            _letters(lowered),
            _letters(lowered.translate(LEET_DIGITS)),
            _letters(lowered.translate(LEET)),
        }
        for core in candidates:
            if not core:
                return True  # digits and punctuation only
            if core in WEAK_WORDS or (len(core) >= 4 and core in self._common):
                return True
        return False

    def _sequence_only(self, password: str) -> bool:
        lowered = password.lower()
        parts = [p for p in re.split(r"[^a-z0-9]+", lowered) if p]
        if not parts:
            return True
        # Split letter and digit runs: a password made only of sequences and repetitions is weak.
        runs = re.findall(r"[a-z]+|[0-9]+", lowered)
        return (
            all(_is_sequence(run) or _is_repeated_unit(run) or len(run) < 3 for run in runs)
            and len("".join(r for r in runs if len(r) >= 3)) >= len("".join(runs)) * 0.7
        )

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        if _is_repeated_unit(lowered):
            raise ValidationError(_("This password is a short pattern repeated."), code="password_repeated")
        if self._sequence_only(password):
            raise ValidationError(
                _("This password is made of sequences such as 12345 or qwerty."), code="password_sequence"
            )
        if self._weak_core(password):
            raise ValidationError(
                _(
                    "This password is a common word with digits or symbols added. Choose something harder to guess."
                ),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can't be a common word with digits or symbols added, a repeated pattern or a sequence."
        )
