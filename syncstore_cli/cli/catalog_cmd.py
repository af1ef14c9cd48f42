"""`syncstore catalog generate` and `syncstore import`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json

if TYPE_CHECKING:
    from syncstore_cli.app.catalog import ImportSummary
    from syncstore_cli.app.marketplace_import import ImportProgress

app = typer.Typer(help="Generate the sample catalog.", no_args_is_help=True)


@app.command("generate")
def generate(
    out: Annotated[
        str | None, typer.Option(help="Where to write the catalog: a .jsonl or .csv file, or a folder to write "
                                      "catalog.jsonl and its manifest into; default: the data folder.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Generator seed; the same seed gives the same catalog.")] = None,
    image_base_url: Annotated[
        str, typer.Option(help="Where the sandbox image host serves product images.")
    ] = "http://127.0.0.1:8780",
    manifest: Annotated[Path | None, typer.Option(help="Where to write the flaw manifest (JSON).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Write the deterministic sample catalog of 4,147 FPV products, with a manifest of its flawed records."""
    from syncstore_cli.app.catalog import generate_sample_catalog
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        made = generate_sample_catalog(ctx, out, seed=seed, image_base_url=image_base_url, manifest=manifest)
    target, count, manifest_path = made.file, made.products, made.manifest
    if as_json:
        print_json({"file": str(target), "products": count, "manifest": str(manifest_path)})
    else:
        console().print(f"Wrote {count:,} products to {target}\nFlaw manifest: {manifest_path}")


def import_command(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Master catalog: JSON Lines (.jsonl) or CSV (.csv).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--from", help="Pull the existing listings of: shopee, tiktok or all.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Import a master catalog file (--file) or the shops' existing listings (--from).

    A file import is all or nothing: a malformed record stops it, naming file, line and field. Re-importing the
    same file, or the same listings, changes nothing; a changed row updates that product. --from records each
    product's listing and variant ids; a listing whose SKU collides with another is reported, not merged."""
    from syncstore_cli.app.catalog import import_catalog
    from syncstore_cli.app.context import open_context
    from syncstore_cli.errors import UserInputError

    if (file is None) == (source is None):
        raise UserInputError("give exactly one of --file PATH or --from shopee|tiktok|all")
    if file is not None:
        with open_context() as ctx:
            _report_catalog(import_catalog(ctx, file), as_json)
    else:
        _import_from(source or "", as_json)


def _import_from(source: str, as_json: bool) -> None:
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.marketplace_import import describe_import, import_from_source

    with open_context() as ctx, _ImportProgress(enabled=not as_json) as progress:
        summary = import_from_source(ctx, source, progress.update)
    catalog = summary.catalog
    assert catalog is not None
    data = {
        "listings": summary.listings, "created": catalog.created, "updated": catalog.updated,
        "unchanged": catalog.unchanged, "relisted": catalog.relisted, "mapped": summary.mapped,
        "collisions": summary.collisions, "unknown_categories": summary.unknown_categories,
        "api_calls": summary.calls,
    }
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(f"Imported: {describe_import(summary)}.", markup=False)
    for collision in summary.collisions:
        out.print(f"Not merged: {collision}", markup=False)
    for unknown in summary.unknown_categories:
        out.print(f"Skipped, unknown category: {unknown}", markup=False)


class _ImportProgress:
    """A Rich progress bar per platform on a terminal (the marketplace's total and an ETA); in a pipe, one
    plain line per platform every few seconds and when it is done."""

    EVERY_SECONDS = 5.0

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.rich = enabled and is_terminal()
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._last_line: dict[str, float] = {}

    def __enter__(self) -> _ImportProgress:
        if self.rich:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("listings read"), TimeRemainingColumn(), console=console())
            self._bar.start()
        return self

    def update(self, step: ImportProgress) -> None:
        if not self.enabled:
            return
        # A shop may hold fewer live listings than its total said (deleted ones): done is done.
        total = step.read if step.finished else step.total
        if self.rich:
            task = self._tasks.get(step.platform)
            if task is None:
                task = self._tasks[step.platform] = self._bar.add_task(step.platform, total=None)
            self._bar.update(task, total=total, completed=step.read)
            return
        now = time.monotonic()
        if step.finished or now - self._last_line.setdefault(step.platform, now) >= self.EVERY_SECONDS:
            self._last_line[step.platform] = now
            of = "" if total is None else f"/{total:,}"
            sys.stdout.write(f"{step.platform}: {step.read:,}{of} listings read{' (done)' if step.finished else ''}\n")
            sys.stdout.flush()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _report_catalog(summary: ImportSummary, as_json: bool) -> None:
    data = {
        "file": summary.path,
        "products": summary.products,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "relisted": summary.relisted,
        "seo_exceptions": summary.seo_exceptions,
        "price_warnings": summary.price_warnings,
        "duplicate_variant_skus": summary.duplicate_variant_skus,
    }
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(
        f"Imported {summary.products:,} products from {summary.path}: {summary.created:,} new, "
        f"{summary.updated:,} updated, {summary.relisted:,} re-priced or re-titled, {summary.unchanged:,} unchanged."
    )
    for platform, ids in summary.seo_exceptions.items():
        out.print(f"No in-band SEO title on {platform} for {len(ids)} product(s): see `syncstore seo exceptions`.")
    for sku, ids in summary.duplicate_variant_skus.items():
        out.print(f"Warning: variant SKU {sku} is used by {', '.join(ids)}.")
    for warning in summary.price_warnings:
        out.print(f"Price guard: {warning}")
