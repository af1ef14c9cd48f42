"""Rupiah amounts: every written form the rule accepts reads as the exact number; every other is refused."""

from __future__ import annotations

import re

import pytest

from syncstore_cli.domain.money import MAX_RUPIAH, MoneyError, parse_rupiah, rupiah, whole_number


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("150000", 150_000),
        ("0", 0),
        ("  150000  ", 150_000),
        ("1.500", 1_500),  # one separator then exactly 3 digits: a thousands group in both conventions
        ("1,500", 1_500),
        ("150.000", 150_000),
        ("1.500.000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1,500,000.00", 1_500_000),
        ("150000,00", 150_000),
        ("150000.00", 150_000),
        ("1.500,00", 1_500),
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("Rp. 1.500.000,00", 1_500_000),
        ("Rp.150.000", 150_000),
        ("rp 150000", 150_000),
        ("IDR 1,500,000.00", 1_500_000),
        ("IDR150000", 150_000),
        ("Rp\u00a0150.000", 150_000),  # a no-break space, as sheets export it
        ("150.000.000", MAX_RUPIAH),
    ],
)
def test_accepted_forms_read_exactly(text: str, amount: int) -> None:
    assert parse_rupiah(text) == amount
    assert rupiah(text) == amount


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("150000.5", "fraction of a rupiah"),
        ("150000,5", "fraction of a rupiah"),
        ("150.5", "fraction of a rupiah"),
        ("1,50", "fraction of a rupiah"),
        ("Rp 1.500.000,50", "fraction of a rupiah"),
        ("1,500,000.50", "fraction of a rupiah"),
        ("1.500.000,05", "fraction of a rupiah"),
        ("150000.0", "exactly two digits"),
        ("1.500,0", "exactly two digits"),
        ("12.34.5", "groups digits wrongly"),
        ("1,5000", "groups digits wrongly"),
        ("1.500.0000", "groups digits wrongly"),
        ("1234.567", "groups digits wrongly"),
        ("1.50.000", "groups digits wrongly"),
        ("0.500", "groups digits wrongly"),  # 0.5 in English, 500 in Indonesian
        ("150000,000", "groups digits wrongly"),
        ("1.500,000", "mixes '.' and ','"),
        ("1,500.000", "mixes '.' and ','"),
        ("1.500.000.00", "ambiguous"),
        ("1,500,000,00", "ambiguous"),
        ("-150000", "negative"),
        ("\u2212150000", "negative"),
        ("Rp -150.000", "negative"),
        ("-Rp 150.000", "negative"),
        ("", "empty"),
        ("   ", "empty"),
        ("Rp", "not a number"),
        ("Rp ", "not a number"),
        ("mahal", "not a number"),
        ("150_000", "not a number"),
        ("1 500 000", "not a number"),
        ("+150000", "not a number"),
        ("150000 Rp", "not a number"),
        ("1..500", "not a number"),
        ("1.500.", "not a number"),
        (".500", "not a number"),
        ("1e6", "not a number"),
        ("\u0661\u0665\u0660", "not a number"),  # Arabic-Indic digits: int() would take them
        ("150.000.001", "above the maximum of 150,000,000"),
        ("1" + "0" * 30, "above the maximum"),
        ("9" * 5000, "above the maximum"),  # past int()'s 4300-digit limit: still one reason, no traceback
        ("USD 15", "not a number"),
    ],
)
def test_refused_forms_say_why(text: str, reason: str) -> None:
    with pytest.raises(MoneyError) as info:
        parse_rupiah(text)
    assert reason in info.value.reason
    assert isinstance(info.value, ValueError)
    assert len(info.value.reason) < 200  # a long input is clipped in the message


@pytest.mark.parametrize(
    ("value", "amount"),
    [(150_000, 150_000), (0, 0), (150_000.0, 150_000), ("1.500.000,00", 1_500_000), (MAX_RUPIAH, MAX_RUPIAH)],
)
def test_json_values_accepted(value: object, amount: int) -> None:
    assert rupiah(value) == amount


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (150_000.5, "fraction of a rupiah"),
        (-5, "negative"),
        (-5.0, "negative"),
        (10**30, "above the maximum"),
        (10**4000, "above the maximum"),
        (1e30, "above the maximum"),
        (float("inf"), "not a number"),
        (float("nan"), "not a number"),
        (True, "not a number"),
        ([150_000], "not a number"),
        ({"amount": 1}, "not a number"),
        ("150000.5", "fraction of a rupiah"),
    ],
)
def test_json_values_refused(value: object, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason):
        rupiah(value)


def test_quantities_follow_the_digit_rule_without_currency() -> None:
    assert whole_number("1.500") == 1_500 and whole_number(12) == 12 and whole_number("0") == 0
    for text, reason in [("Rp 5", "not a number"), ("12.34.5", "groups digits wrongly"),
                         ("1,5", "a fraction (,5)"), ("-3", "negative"), ("1" + "0" * 30, "above the maximum")]:
        with pytest.raises(MoneyError, match=re.escape(reason)):
            whole_number(text)
    assert whole_number("2.000", maximum=2_000) == 2_000
    with pytest.raises(MoneyError, match=r"above the maximum of 2,000$"):
        whole_number(2_001, maximum=2_000)


def test_the_catalog_maximum_is_the_highest_platform_limit() -> None:
    from syncstore_cli.domain.desired import PRICE_RANGE

    assert max(high for _, high in PRICE_RANGE.values()) == MAX_RUPIAH == 150_000_000
