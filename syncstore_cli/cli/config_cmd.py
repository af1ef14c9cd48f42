"""`syncstore config show`: the effective settings, secrets masked."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from syncstore_cli.cli.output import console, print_json

app = typer.Typer(help="Settings.", no_args_is_help=True)


@app.command("show")
def show(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """Print the effective settings and where each comes from (environment, syncstore.toml, default)."""
    from syncstore_cli.settings import SCALAR_SETTINGS, load_settings, mask

    settings = load_settings()
    rows: list[dict[str, Any]] = [
        {"key": "home", "value": str(settings.home), "source": settings.sources["home"]},
        {"key": "config_file", "value": str(settings.config_file) if settings.config_file else "(none)", "source": ""},
        {"key": "database_url", "value": _mask_url(settings.database_url), "source": settings.sources["database_url"]},
        {"key": "queue_url", "value": _mask_url(settings.queue_url), "source": settings.sources["queue_url"]},
    ]
    for setting in SCALAR_SETTINGS:
        if setting.key in ("database_url", "queue_url"):
            continue
        value = settings.get(setting.key)
        rows.append(
            {
                "key": setting.key,
                "value": mask(value) if setting.secret else (value or "(not set)"),
                "source": settings.sources[setting.key],
            }
        )
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
        rows.append({"key": f"pricing.{platform}", "value": text, "source": ""})
    if as_json:
        print_json({row["key"]: {"value": row["value"], "source": row["source"]} for row in rows})
        return
    out = console()
    width = max(len(row["key"]) for row in rows)
    for row in rows:
        source = f"  ({row['source']})" if row["source"] else ""
        out.print(f"{row['key']:<{width}}  {row['value']}{source}", markup=False)


def _mask_url(url: str) -> str:
    """Hide a password inside a database or queue URL."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":****@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
