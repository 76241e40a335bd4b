"""Phone numbers as one canonical string, so a caller and a Telegram contact can be matched."""

from __future__ import annotations

import re


def normalise_phone(raw: str | None) -> str | None:
    """`+7XXXXXXXXXX` for Russian numbers in any usual spelling, `+<digits>` for others.

    None when there is no plausible number (an anonymous caller, «unknown», too few digits).
    """
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    if 7 <= len(digits) <= 15 and (raw or "").strip().startswith("+"):
        return "+" + digits
    return None
