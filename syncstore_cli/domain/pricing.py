"""Platform prices from the seller's base price, in whole rupiah.

Every step is integer (or exact `Fraction`) arithmetic with an explicit rounding rule,
so a price can be explained line by line (`syncstore pricing explain`).

Rules:
- markup: base x (100 + markup%) / 100, half-up to the rupiah.
- fee_aware: the smallest price P whose payout after percentage fees (commission,
  payment, programme) and a fixed fee still covers the base plus the markup:
  P = ceil((base x (100 + markup%) / 100 + fixed_fee) x 100 / (100 - fees%)).
Then rounding (none / up / nearest to a step of 100, 500, 1,000 ...), then the
configured minimum and maximum. Half-way values of `nearest` go up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class RuleKind(StrEnum):
    MARKUP = "markup"
    FEE_AWARE = "fee_aware"


class RoundingMode(StrEnum):
    NONE = "none"
    UP = "up"
    NEAREST = "nearest"


@dataclass(frozen=True)
class Fees:
    commission_percent: Decimal = Decimal(0)
    payment_percent: Decimal = Decimal(0)
    programme_percent: Decimal = Decimal(0)
    fixed_fee: int = 0

    @property
    def total_percent(self) -> Decimal:
        return self.commission_percent + self.payment_percent + self.programme_percent


@dataclass(frozen=True)
class PriceRule:
    kind: RuleKind = RuleKind.MARKUP
    markup_percent: Decimal = Decimal(0)
    fees: Fees = field(default_factory=Fees)
    rounding: RoundingMode = RoundingMode.NONE
    rounding_step: int = 100
    min_price: int | None = None
    max_price: int | None = None

    def __post_init__(self) -> None:
        if self.rounding_step <= 0:
            raise ValueError("rounding_step must be a positive number of rupiah")
        if self.kind is RuleKind.FEE_AWARE and self.fees.total_percent >= 100:
            raise ValueError("fees add up to 100% or more: no price can cover them")
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError("min_price is greater than max_price")
        if self.markup_percent <= -100:
            raise ValueError("markup_percent must be greater than -100")


@dataclass(frozen=True)
class PlatformPricing:
    """A platform's default rule, per-category overrides, and the change guard."""

    default: PriceRule
    by_category: dict[str, PriceRule] = field(default_factory=dict)
    max_change_percent: Decimal | None = None

    def rule_for(self, category: str) -> PriceRule:
        return self.by_category.get(category, self.default)


@dataclass(frozen=True)
class PriceStep:
    label: str
    amount: int


@dataclass(frozen=True)
class PriceBreakdown:
    base: int
    price: int
    steps: tuple[PriceStep, ...]
    formula: str


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2) if value >= 0 else -_half_up(-value)


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def _percent_text(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        value = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"))
    return format(value.normalize(), "f")


def round_to_step(amount: int, mode: RoundingMode, step: int) -> int:
    if mode is RoundingMode.NONE or step == 1:
        return amount
    if mode is RoundingMode.UP:
        return -((-amount) // step) * step
    return ((2 * amount + step) // (2 * step)) * step


def compute_price(base: int, rule: PriceRule) -> PriceBreakdown:
    """The platform price for a base price under one rule, with each step kept."""
    if base < 0:
        raise ValueError("base price cannot be negative")
    markup = Fraction(base) * (100 + Fraction(rule.markup_percent)) / 100
    steps: list[PriceStep] = [PriceStep("base price", base)]
    if rule.kind is RuleKind.MARKUP:
        price = _half_up(markup)
        formula = f"{base:,} x {100 + rule.markup_percent}%"
        steps.append(PriceStep(f"+ markup {_percent_text(rule.markup_percent)}% (half-up)", price))
    else:
        fees = rule.fees
        target = markup + fees.fixed_fee
        price = _ceil(target * 100 / (100 - Fraction(fees.total_percent)))
        formula = (
            f"ceil(({base:,} x {100 + rule.markup_percent}% + {fees.fixed_fee:,}) "
            f"/ (100% - {_percent_text(fees.total_percent)}%))"
        )
        if rule.markup_percent:
            steps.append(PriceStep(f"+ markup {_percent_text(rule.markup_percent)}%", _half_up(markup)))
        steps.append(
            PriceStep(
                f"covers fees {_percent_text(fees.total_percent)}% "
                f"(commission {_percent_text(fees.commission_percent)}%, "
                f"payment {_percent_text(fees.payment_percent)}%, "
                f"programme {_percent_text(fees.programme_percent)}%) + fixed {fees.fixed_fee:,} (ceil)",
                price,
            )
        )
    if rule.rounding is not RoundingMode.NONE:
        price = round_to_step(price, rule.rounding, rule.rounding_step)
        steps.append(PriceStep(f"round {rule.rounding.value} to {rule.rounding_step:,}", price))
        formula = f"{formula}, round {rule.rounding.value} to {rule.rounding_step:,}"
    if rule.min_price is not None and price < rule.min_price:
        price = rule.min_price
        steps.append(PriceStep(f"raised to minimum {rule.min_price:,}", price))
    if rule.max_price is not None and price > rule.max_price:
        price = rule.max_price
        steps.append(PriceStep(f"lowered to maximum {rule.max_price:,}", price))
    return PriceBreakdown(base=base, price=price, steps=tuple(steps), formula=f"{formula} = {price:,}")


def price_change_flag(old: int | None, new: int, max_change_percent: Decimal | None) -> str | None:
    """A warning when a price moves by more than the configured percentage, else None."""
    if max_change_percent is None or old is None or old == new:
        return None
    if old == 0:
        return f"price changes from 0 to {new:,}"
    change = Fraction(abs(new - old) * 100, old)
    if change > Fraction(max_change_percent):
        direction = "up" if new > old else "down"
        return (
            f"price goes {direction} {_percent_text(change)}% ({old:,} -> {new:,}), "
            f"over the {_percent_text(max_change_percent)}% guard"
        )
    return None


SELLER_DEFAULTS: dict[str, PlatformPricing] = {
    # The seller's current rule: Shopee = base x 1.15, TikTok Shop = base x 1.20.
    "shopee": PlatformPricing(default=PriceRule(markup_percent=Decimal(15))),
    "tiktok": PlatformPricing(default=PriceRule(markup_percent=Decimal(20))),
}
