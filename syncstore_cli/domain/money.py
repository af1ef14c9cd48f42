"""Rupiah amounts read exactly from text, as sellers type them in sheets, or refused with the reason.

The rule (`parse_rupiah`), the same for every money field of a catalog file:

* Surrounding white space is ignored. An optional currency prefix comes first: `Rp`, `Rp.` or
  `IDR` (any case), with or without a space after it: `Rp 150.000`, `Rp.150.000`, `IDR150000`.
* Plain digits: `150000`.
* Thousands grouped with `.` (Indonesian) or `,` (English): a first group of 1–3 digits, not
  starting with 0, then groups of exactly 3 digits, one separator throughout:
  `1.500.000`, `1,500,000`. A single separator followed by exactly 3 digits is a thousands group
  in both conventions, so `1.500` = `1,500` = 1500.
* An optional fraction of exactly two zeros, written with the other convention's decimal
  separator: `1.500.000,00`, `1,500,000.00`, `150000,00`, `150000.00`.
* Refused: a non-zero fraction of a rupiah (`150000.5`, `1,50`, `1.500.000,50`), a fraction of
  other than two digits, wrong grouping (`12.34.5`, `1,5000`, `1234.567`, `0.500`), mixed
  separators (`1.500,000`, `1,500.000`), a separator used for both (`1.500.000.00`), a negative
  amount, anything else (letters, spaces inside the number, `+`, `_`), an empty text, and an amount
  above `MAX_RUPIAH`.

`MAX_RUPIAH` is the catalog's one maximum: 150,000,000, Shopee's price limit and the highest of the
platforms' (`domain.desired.PRICE_RANGE`). A platform's own range (TikTok Shop's ends at 100,000,000)
is checked when a sync is planned: a price outside it blocks that listing, with the reason.

JSON numbers (`rupiah`): an integer is taken as it is, a float only if it has no fraction, text by
the rule above; booleans and anything else are refused. Whole quantities (stock, weight, sizes:
`whole_number`) follow the same digit rule without the currency prefix, up to what the catalog can
store.
"""

from __future__ import annotations

import math
import re
from typing import Final

MAX_RUPIAH: Final = 150_000_000
# Stock, weight and sizes are stored as 32-bit integers; beyond this they cannot be stored at all.
MAX_QUANTITY: Final = 2_147_483_647

_PREFIX_RE: Final = re.compile(r"(?:rp\.?|idr)\s*", re.IGNORECASE)
_SHAPE_RE: Final = re.compile(r"[0-9]+(?:[.,][0-9]+)*", re.ASCII)
_MINUS: Final = ("-", "\u2212")  # hyphen-minus and the minus sign some sheets export


class MoneyError(ValueError):
    """An amount that cannot be read exactly; `reason` says why, quoting the text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_rupiah(text: str) -> int:
    """Whole rupiah from `text` by the module's rule, or `MoneyError` saying why not."""
    return _parse(text, currency=True, maximum=MAX_RUPIAH, unit="rupiah")


def rupiah(value: object) -> int:
    """Whole rupiah from a JSON value: an int, a float without fraction, or text by `parse_rupiah`."""
    return _from_value(value, currency=True, maximum=MAX_RUPIAH, unit="rupiah")


def whole_number(value: object, *, maximum: int = MAX_QUANTITY) -> int:
    """A whole, non-negative quantity from a JSON value or text (digit rule of `parse_rupiah`, no prefix)."""
    return _from_value(value, currency=False, maximum=maximum, unit="")


def _from_value(value: object, *, currency: bool, maximum: int, unit: str) -> int:
    if isinstance(value, str):
        return _parse(value, currency=currency, maximum=maximum, unit=unit)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MoneyError(f"'{_clip(repr(value))}' is not a number")
    # A huge int has no cheap (or, past 4300 digits, permitted) decimal text: show its size instead.
    shown = repr(value) if isinstance(value, float) or value.bit_length() < 256 else "a number that long"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MoneyError(f"'{shown}' is not a number")
        if not value.is_integer():
            raise MoneyError(f"'{shown}' is not a whole number: it has {_a_fraction(unit)}")
    if value < 0:
        raise MoneyError(f"'{shown}' is negative")
    if value > maximum:
        raise _too_large(shown, maximum, unit)
    return int(value)


def _too_large(shown: str, maximum: int, unit: str) -> MoneyError:
    return MoneyError(f"'{_clip(shown)}' is above the maximum of {maximum:,}{' ' + unit if unit else ''}")


def _a_fraction(unit: str) -> str:
    return f"a fraction of a {unit}" if unit else "a fraction"


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _parse(text: str, *, currency: bool, maximum: int, unit: str) -> int:
    shown = _clip(text.strip())
    body = text.strip()
    if not body:
        raise MoneyError("is empty")
    negative = body.startswith(_MINUS)
    body = body.lstrip("".join(_MINUS)).strip() if negative else body
    if currency and (prefix := _PREFIX_RE.match(body)):
        body = body[prefix.end():]
        if body.startswith(_MINUS):
            negative, body = True, body.lstrip("".join(_MINUS)).strip()
    if not _SHAPE_RE.fullmatch(body):
        raise MoneyError(f"'{shown}' is not a number")
    if negative:
        raise MoneyError(f"'{shown}' is negative")
    runs = re.split(r"[.,]", body)
    seps = re.findall(r"[.,]", body)
    fraction = ""
    decimal = ""
    if seps and len(runs[-1]) > 3:
        raise MoneyError(f"'{shown}' groups digits wrongly: after a separator come exactly 3 digits (a "
                         "thousands group) or, at the end, two zeros (,00 or .00)")
    if seps and len(runs[-1]) < 3:
        fraction, decimal = runs.pop(), seps.pop()
    # The grouping is judged before the fraction, so '12.34.5' is reported as grouped wrongly.
    if seps:
        if len(runs[0]) > 3 or runs[0].startswith("0") or any(len(r) != 3 for r in runs[1:]):
            raise MoneyError(f"'{shown}' groups digits wrongly: 1–3 digits (not starting with 0), then groups "
                             "of exactly 3")
        if len(set(seps)) > 1:
            raise MoneyError(f"'{shown}' mixes '.' and ',' as thousands separators")
        if decimal and decimal == seps[0]:
            raise MoneyError(f"'{shown}' is ambiguous: '{decimal}' both groups thousands and marks the fraction")
    if fraction.strip("0"):
        raise MoneyError(f"'{shown}' is not a whole number: it has {_a_fraction(unit)} ({decimal}{fraction})")
    if decimal and len(fraction) != 2:
        raise MoneyError(f"'{shown}': a zero fraction is written with exactly two digits (,00 or .00)")
    digits = "".join(runs).lstrip("0") or "0"
    # Compare lengths first: int() of thousands of digits is slow, and past 4300 it raises.
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise _too_large(shown, maximum, unit)
    return int(digits)
