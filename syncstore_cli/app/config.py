"""Use case: the effective settings, where each comes from, secrets masked (`syncstore config show`);
and what the CLI needs to word an error or a warning about them without showing a secret."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from syncstore_cli.app.context import AppContext
from syncstore_cli.errors import SyncStoreError, mask_url
from syncstore_cli.settings import SCALAR_SETTINGS, load_settings, mask


@dataclass(frozen=True)
class SettingLine:
    key: str
    value: str
    source: str


def effective_settings(ctx: AppContext) -> list[SettingLine]:
    settings = ctx.settings
    rows = [
        SettingLine("home", str(settings.home), settings.sources["home"]),
        SettingLine("config_file", str(settings.config_file) if settings.config_file else "(none)", ""),
        # Shown as configured even when unusable: `config show` is where a broken URL gets looked at.
        SettingLine("database_url", mask_url(settings.url_text("database_url")), settings.sources["database_url"]),
        SettingLine("queue_url", mask_url(settings.url_text("queue_url")), settings.sources["queue_url"]),
    ]
    for setting in SCALAR_SETTINGS:
        if setting.key in ("database_url", "queue_url"):
            continue
        value = settings.get(setting.key)
        rows.append(SettingLine(setting.key, mask(value) if setting.secret else (value or "(not set)"),
                                settings.sources[setting.key]))
    warnings = settings.pricing_warnings()
    for platform, pricing in settings.pricing.items():
        rule = pricing.default
        text = f"{rule.kind.value} {rule.markup_percent}%"
        if rule.kind.value == "fee_aware":
            text += f", fees {rule.fees.total_percent}% + {rule.fees.fixed_fee:,}"
        if rule.rounding.value != "none":
            text += f", round {rule.rounding.value} to {rule.rounding_step:,}"
        if rule.min_price is not None or rule.max_price is not None:
            text += f", min {rule.min_price}, max {rule.max_price}"
        if pricing.max_change_percent is not None:
            text += f", guard {pricing.max_change_percent}%"
        if pricing.by_category:
            text += f", overrides for {', '.join(sorted(pricing.by_category))}"
        text += "".join(f" (warning: {w})" for w in warnings if w.startswith(f"pricing.{platform}."))
        rows.append(SettingLine(f"pricing.{platform}", text, ""))
    return rows


def pricing_warnings() -> list[str]:
    """Pricing that is allowed but probably not meant (a negative markup), for commands that price.
    Broken settings give none here: the command itself reports them as its error."""
    try:
        return load_settings().pricing_warnings()
    except SyncStoreError:
        return []


@dataclass(frozen=True)
class ErrorFacts:
    """What an error line may say about the settings: where a URL came from, masked, and the secrets to scrub."""

    database: str
    queue: str
    secrets: list[str]


def error_facts() -> ErrorFacts:
    try:
        settings = load_settings()
    except SyncStoreError:
        return ErrorFacts("database_url", "queue_url", [])
    return ErrorFacts(
        f"{settings.where('database_url')} '{mask_url(settings.url_text('database_url'))}'",
        f"{settings.where('queue_url')} '{mask_url(settings.url_text('queue_url'))}'",
        [*settings.secrets(), *(_password(settings.url_text(key)) for key in ("database_url", "queue_url"))],
    )


def _password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""
