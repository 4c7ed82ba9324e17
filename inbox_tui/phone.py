"""Phone number normalisation: everything inside the app is E.164 with a leading ``+``."""

from __future__ import annotations

import re

from inbox_tui.text import one_line

_NON_DIGITS = re.compile(r"\D+")


def to_e164(raw: object) -> str:
    """Normalise a vendor phone number to ``+<digits>``.

    Ten bare digits are taken as a North American number (``+1``), as both vendors do.
    Anything without digits is returned stripped, so a bad number is still shown, not lost.
    """
    text = str(raw or "").strip()
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return text
    if len(digits) == 10 and not text.startswith("+"):
        digits = "1" + digits
    return "+" + digits


def is_e164(value: str) -> bool:
    """``+`` and digits only: what :func:`to_e164` makes of anything that had digits. A
    digit-free value that merely starts with ``+`` is not a number (and may be hostile)."""
    return value.startswith("+") and value[1:].isdigit()


def valid_e164(raw: object) -> str | None:
    """``raw`` as E.164, or None when it holds no usable number (absent, empty, no digits)."""
    number = to_e164(raw)
    return number if is_e164(number) else None


def without_plus(e164: str) -> str:
    """The heymarket form: digits only, no ``+``."""
    return to_e164(e164).lstrip("+")


def pretty(e164: str) -> str:
    """A readable form for screens: ``+1 (415) 555-0100`` for NANP, else the E.164 string.

    Anything that is not a clean E.164 number (a vendor may send a name, an empty string or
    hostile text) comes back as a sanitised one-line preview, never raw."""
    if not isinstance(e164, str):
        return one_line(e164)
    digits = e164.removeprefix("+")
    if len(digits) == 11 and digits.startswith("1") and digits.isascii() and digits.isdigit():
        return f"+1 ({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    if is_e164(e164) and e164.isascii():
        return e164
    return one_line(e164)
