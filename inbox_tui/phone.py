"""Phone number normalisation: everything inside the app is E.164 with a leading ``+``."""

from __future__ import annotations

import re
from functools import lru_cache

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
    """A readable form for screens: ``+1 (415) 555-0100`` for NANP, the international
    grouping of the number's country otherwise (``+44 20 8366 1177``, via ``phonenumbers``),
    else the E.164 string (a number no country plan knows).

    Anything that is not a clean E.164 number (a vendor may send a name, an empty string or
    hostile text) comes back as a sanitised one-line preview, never raw."""
    if not isinstance(e164, str):
        return one_line(e164)
    digits = e164.removeprefix("+")
    if len(digits) == 11 and digits.startswith("1") and digits.isascii() and digits.isdigit():
        return f"+1 ({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    if is_e164(e164) and e164.isascii():
        return _international(e164)
    return one_line(e164)


@lru_cache(maxsize=4096)
def _international(e164: str) -> str:
    import phonenumbers  # lazy: ~40 ms of metadata, not needed before the first number

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_possible_number(number):
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=1024)
def parse_contact(text: str, region: str | None = "US") -> str | None:
    """What a user typed (``020 8366 1177``, ``(415) 555-0100``, ``+33 6 12 34 56 78``) as
    E.164, reading a number without a country code as one of ``region`` (the profile's);
    None when it is not a plausible phone number (e.g. a name, or too few digits).

    So ``06 12 34 56 78`` with region ``FR`` is ``+33612345678``, never a US number."""
    import phonenumbers

    raw = one_line(str(text or ""), 64).strip()
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) < 3:
        return None
    if raw.startswith("00") or (not raw.startswith("+") and region is None):
        raw = "+" + digits.removeprefix("00") if raw.startswith("00") else "+" + digits
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    # Typed with its country code: any possible number. Read with the region: only a valid
    # one (a French 06... is not a US number just because it has ten digits).
    explicit = raw.startswith("+")
    ok = (
        phonenumbers.is_possible_number(number)
        if explicit
        else phonenumbers.is_valid_number(number)
    )
    if not ok:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
