"""Money for display: `format_money` (1,000,000.00, the same in both languages) and
`money_in_capitals` (人民币大写 as written on contracts and award notices: 壹佰万元整).

Both take a Decimal (or an int, which is exact) and refuse a float, whose binary value is not the
amount anyone agreed to."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")  # within a group of four digits
GROUP_UNITS = ("", "万", "亿", "万")  # per group of four digits, from the right
MAX_DIGITS = 16  # up to 9999万亿: far above any amount the platform handles


def _exact(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value) -> str:
    """1000000 → "1,000,000.00"; -1234.5 → "-1,234.50"."""
    return f"{_exact(value):,.2f}"


def _integer_in_capitals(number: int) -> str:
    digits = str(number)
    if len(digits) > MAX_DIGITS:
        raise ValueError("amount too large to write in capitals")
    out: list[str] = []
    zero_pending = False
    group_has_digit = False
    for index, char in enumerate(digits):
        power = len(digits) - 1 - index
        digit = int(char)
        if digit == 0:
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
            out.append(DIGITS[digit] + SMALL_UNITS[power % 4])
            zero_pending = False
            group_has_digit = True
        if power % 4 == 0 and power > 0:
            if group_has_digit:
                out.append(GROUP_UNITS[power // 4])
                # 壹万亿: the 亿 of an empty 亿 group below a 万亿 group is still written.
                if power // 4 == 3 and int(digits[-12:-8] or "0") == 0:
                    out.append("亿")
            group_has_digit = False
    return "".join(out)


def money_in_capitals(value) -> str:
    """Chinese financial capitals (人民币大写) by the rules of 《支付结算办法》: 1000000 → 壹佰万元整,
    1.05 → 壹元零伍分, 0.50 → 伍角整, 0 → 零元整; a negative amount starts with 负."""
    amount = _exact(value)
    sign = "负" if amount < 0 else ""
    amount = abs(amount)
    yuan = int(amount)
    cents = int((amount - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = _integer_in_capitals(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    text += DIGITS[fen] + "分" if fen else "整"
    return sign + text
