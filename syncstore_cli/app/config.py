"""Use case: the effective settings, where each comes from, secrets masked (`syncstore config show`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from syncstore_cli.app.context import AppContext
from syncstore_cli.settings import SCALAR_SETTINGS, mask


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
        SettingLine("database_url", _mask_url(settings.database_url), settings.sources["database_url"]),
        SettingLine("queue_url", _mask_url(settings.queue_url), settings.sources["queue_url"]),
    ]
    for setting in SCALAR_SETTINGS:
        if setting.key in ("database_url", "queue_url"):
            continue
        value = settings.get(setting.key)
        rows.append(SettingLine(setting.key, mask(value) if setting.secret else (value or "(not set)"),
                                settings.sources[setting.key]))
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
        rows.append(SettingLine(f"pricing.{platform}", text, ""))
    return rows


def _mask_url(url: str) -> str:
    """Hide a password inside a database or queue URL."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":****@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
