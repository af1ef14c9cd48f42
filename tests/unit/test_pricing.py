from decimal import Decimal

import pytest

from syncstore_cli.domain.pricing import (
    SELLER_DEFAULTS,
    Fees,
    PlatformPricing,
    PriceRule,
    RoundingMode,
    RuleKind,
    compute_price,
    price_change_flag,
    round_to_step,
)


def test_seller_rule_prices_the_pilot_product() -> None:
    assert compute_price(150_000, SELLER_DEFAULTS["shopee"].default).price == 172_500
    assert compute_price(150_000, SELLER_DEFAULTS["tiktok"].default).price == 180_000


@pytest.mark.parametrize(
    ("base", "shopee", "tiktok"),
    [(0, 0, 0), (1, 1, 1), (3, 3, 4), (10, 12, 12), (15_000, 17_250, 18_000), (99_999, 114_999, 119_999),
     (12_000_000, 13_800_000, 14_400_000)],
)
def test_markup_rounds_half_up_to_the_rupiah(base: int, shopee: int, tiktok: int) -> None:
    # 3 x 1.15 = 3.45 -> 3; 3 x 1.2 = 3.6 -> 4; 10 x 1.15 = 11.5 -> 12 (half up); 99,999 x 1.15 = 114,998.85 -> 114,999
    assert compute_price(base, SELLER_DEFAULTS["shopee"].default).price == shopee
    assert compute_price(base, SELLER_DEFAULTS["tiktok"].default).price == tiktok


def test_prices_are_integers_for_every_base_in_a_wide_range() -> None:
    rule = PriceRule(markup_percent=Decimal("17.5"))
    for base in range(0, 200_000, 997):
        price = compute_price(base, rule).price
        assert isinstance(price, int)
        # exact: |price - base * 1.175| <= 0.5
        assert abs(price * 1000 - base * 1175) <= 500


@pytest.mark.parametrize(
    ("amount", "mode", "step", "expected"),
    [
        (172_500, RoundingMode.UP, 1_000, 173_000),
        (172_000, RoundingMode.UP, 1_000, 172_000),
        (172_499, RoundingMode.NEAREST, 1_000, 172_000),
        (172_500, RoundingMode.NEAREST, 1_000, 173_000),
        (172_249, RoundingMode.NEAREST, 500, 172_000),
        (172_250, RoundingMode.NEAREST, 500, 172_500),
        (172_501, RoundingMode.UP, 100, 172_600),
        (172_550, RoundingMode.NEAREST, 100, 172_600),
        (172_549, RoundingMode.NONE, 100, 172_549),
    ],
)
def test_rounding_steps(amount: int, mode: RoundingMode, step: int, expected: int) -> None:
    assert round_to_step(amount, mode, step) == expected


def test_rounding_is_applied_after_markup() -> None:
    rule = PriceRule(markup_percent=Decimal(15), rounding=RoundingMode.UP, rounding_step=1_000)
    breakdown = compute_price(151_000, rule)  # 173,650 -> 174,000
    assert breakdown.price == 174_000
    assert [s.amount for s in breakdown.steps] == [151_000, 173_650, 174_000]


def test_fee_aware_price_keeps_the_base_after_fees() -> None:
    fees = Fees(Decimal("6.5"), Decimal("1.8"), Decimal("4"), fixed_fee=1_250)
    rule = PriceRule(kind=RuleKind.FEE_AWARE, fees=fees)
    for base in (5_000, 150_000, 1_234_567, 9_000_000):
        price = compute_price(base, rule).price
        payout = price - price * Decimal("12.3") / 100 - 1_250
        assert payout >= base
        # and it is the smallest such price
        smaller = price - 1
        assert smaller - smaller * Decimal("12.3") / 100 - 1_250 < base


def test_fee_aware_with_markup_keeps_the_margin() -> None:
    rule = PriceRule(kind=RuleKind.FEE_AWARE, markup_percent=Decimal(10), fees=Fees(Decimal(10)))
    # (100,000 x 1.10) / 0.90 = 122,222.2 -> ceil 122,223
    assert compute_price(100_000, rule).price == 122_223


def test_minimum_and_maximum_clamp_and_say_so() -> None:
    rule = PriceRule(markup_percent=Decimal(15), min_price=1_000, max_price=100_000)
    low = compute_price(100, rule)
    high = compute_price(150_000, rule)
    assert low.price == 1_000 and "minimum" in low.steps[-1].label
    assert high.price == 100_000 and "maximum" in high.steps[-1].label


def test_category_override_wins_over_the_platform_default() -> None:
    pricing = PlatformPricing(
        default=PriceRule(markup_percent=Decimal(15)),
        by_category={"propeller": PriceRule(markup_percent=Decimal(25))},
    )
    assert compute_price(40_000, pricing.rule_for("propeller")).price == 50_000
    assert compute_price(40_000, pricing.rule_for("frame")).price == 46_000


def test_price_change_guard() -> None:
    assert price_change_flag(100_000, 125_000, Decimal(20)) is not None
    assert price_change_flag(100_000, 120_000, Decimal(20)) is None  # exactly at the guard passes
    assert price_change_flag(100_000, 79_000, Decimal(20)) is not None
    assert price_change_flag(100_000, 500_000, None) is None
    assert price_change_flag(None, 500_000, Decimal(1)) is None
    assert "down" in (price_change_flag(100_000, 50_000, Decimal(10)) or "")


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        PriceRule(kind=RuleKind.FEE_AWARE, fees=Fees(Decimal(60), Decimal(40)))
    with pytest.raises(ValueError):
        PriceRule(rounding_step=0)
    with pytest.raises(ValueError):
        PriceRule(min_price=10, max_price=5)
    with pytest.raises(ValueError):
        compute_price(-1, PriceRule())


def test_formula_explains_the_price() -> None:
    breakdown = compute_price(150_000, SELLER_DEFAULTS["shopee"].default)
    assert breakdown.formula == "150,000 x 115% = 172,500"
