"""`syncstore products`: browse the master catalog with each platform's price and title."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json, rupiah
from syncstore_cli.domain.vocabulary import ListingStatus, SyncStatus
from syncstore_cli.errors import UserInputError

app = typer.Typer(help="Browse the master catalog.", no_args_is_help=True)

STATUSES = tuple(SyncStatus)
MAX_PAGE = 1_000_000_000


def _status_value(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    if value not in STATUSES:
        raise UserInputError(f"--status '{text}' is not one of: {', '.join(STATUSES)}")
    return value


@app.command("list")
def list_products(
    search: Annotated[str | None, typer.Option(help="Match text in the title or SKU (case-insensitive).")] = None,
    status: Annotated[str | None, typer.Option(help="not_synced, syncing, synced or error.")] = None,
    # Bounded so that page x page size stays a number every database can take as an offset.
    page: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Page number, from 1.")] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Products per page.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List products: ID, SKU, title, master price, Shopee and TikTok prices, sync status."""
    from syncstore_cli.app.catalog import product_page
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        result = product_page(ctx, search=search, status=_status_value(status), page=page, page_size=page_size)
    if as_json:
        print_json(
            {
                "total": result.total,
                "page": result.page,
                "page_size": result.page_size,
                "items": [
                    {
                        "id": item.id,
                        "sku": item.sku,
                        "title": item.title,
                        "master_price": item.master_price,
                        "shopee_price": item.shopee_price,
                        "tiktok_price": item.tiktok_price,
                        "status": item.status,
                    }
                    for item in result.items
                ],
            }
        )
        return
    pages = max(1, -(-result.total // result.page_size))
    if not is_terminal():
        # Plain tab-separated lines for pipes: stable for cut/awk, no wrapping.
        print("ID\tSKU\tTitle\tMaster\tShopee\tTikTok\tStatus")
        for item in result.items:
            print(
                f"{item.id}\t{item.sku}\t{item.title}\t{_plain(item.master_price)}\t"
                f"{_plain(item.shopee_price)}\t{_plain(item.tiktok_price)}\t{item.status}"
            )
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Products (page {result.page} of {pages}, {result.total:,} in all)", title_justify="left")
    for name, justify in (
        ("ID", "left"), ("SKU", "left"), ("Title", "left"), ("Master", "right"),
        ("Shopee", "right"), ("TikTok", "right"), ("Status", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=name != "Title", overflow="ellipsis")  # type: ignore[arg-type]
    for item in result.items:
        table.add_row(
            escape(item.id), escape(item.sku), escape(item.title), rupiah(item.master_price), rupiah(item.shopee_price),
            rupiah(item.tiktok_price), item.status.replace("_", " ").title(),
        )
    out = console()
    out.print(table)
    if not result.items:
        out.print("No products match." if result.total == 0 else f"Page {page} is past the last page ({pages}).")


def _plain(amount: int | None) -> str:
    return "" if amount is None else str(amount)


@app.command("show")
def show_product(
    product_id: Annotated[str, typer.Argument(metavar="ID", help="Product id, e.g. PROD-1.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show one product: master fields, variants, and each platform's listing (price formula, SEO title,
    marketplace category and attribute values)."""
    from syncstore_cli.app.catalog import product_view
    from syncstore_cli.app.context import open_context
    from syncstore_cli.domain.catalog import CATEGORIES, PLATFORMS, Platform

    with open_context() as ctx:
        view = product_view(ctx, product_id)
    stored = view.stored
    product = stored.product
    master: dict[str, Any] = {
        "id": product.id, "sku": product.sku, "title": product.title, "description": product.description,
        "category": product.category, "brand": product.brand, "price": product.price, "stock": product.stock,
        "weight_g": product.weight_g,
        "dimensions_cm": {"length": product.length_cm, "width": product.width_cm, "height": product.height_cm},
        "images": list(product.images), "origin": product.origin.value, "status": product.status.value,
        "tiers": [{"name": t.name, "options": list(t.options)} for t in product.tiers],
        "attributes": dict(product.attributes),
    }
    variants = [
        {"sku": v.sku, "options": list(v.options), "price": v.price, "stock": v.stock, "image": v.image}
        for v in product.variants
    ]
    category = CATEGORIES[product.category]
    platforms: dict[str, dict[str, Any]] = {}
    for platform in PLATFORMS:
        listing = stored.listings.get(platform)
        terms = view.terms[platform]
        entry: dict[str, Any] = {
            "external_id": listing.external_id if listing else None,
            "price": listing.price if listing else None,
            "price_formula": listing.price_formula if listing else None,
            "seo_title": listing.seo_title if listing else None,
            "seo_similarity": listing.seo_similarity if listing else None,
            "seo_locked": listing.seo_locked if listing else False,
            "seo_exception": listing.seo_reason if listing else None,
            "category": {"master": category.name, "id": terms.category_id, "path": terms.category_name},
            "attributes": [{"attribute_id": v.attribute_id, "attribute": terms.attribute_names.get(v.attribute_id, ""),
                            "value_id": v.value_id, "value": f"{v.name} {v.unit}".strip()} for v in terms.attributes],
            "blocked_by": list(terms.reasons),
            "status": listing.status if listing else ListingStatus.NOT_SYNCED,
            "variants": [
                {
                    "sku": v.sku,
                    "price": listing.variant_prices.get(v.sku) if listing else None,
                    "external_id": listing.variant_external_ids.get(v.sku) if listing else None,
                }
                for v in product.variants
            ],
        }
        if platform is Platform.TIKTOK:
            entry["listing_platforms"] = ["TIKTOK_SHOP", "TOKOPEDIA"] if terms.tokopedia else ["TIKTOK_SHOP"]
            entry["tokopedia_included"] = terms.tokopedia
        platforms[platform.value] = entry
    if as_json:
        print_json({"master": master, "variants": variants, **platforms})
        return
    from rich.markup import escape
    from rich.tree import Tree

    tree = Tree(f"[bold]{escape(product.id)}[/bold]  {escape(product.sku)}  ({product.status.label})")
    node = tree.add("[bold]Master[/bold]")
    node.add(f"Title: {escape(product.title)}")
    node.add(f"Price: {rupiah(product.price)}   Stock: {product.stock}")
    node.add(f"Category: {escape(category.name)}   Brand: {escape(product.brand)}   Origin: {product.origin.value}")
    node.add(
        f"Weight: {product.weight_g} g   Package: {product.length_cm} x {product.width_cm} x {product.height_cm} cm"
    )
    images = node.add(f"Images ({len(product.images)})")
    for url in product.images:
        images.add(escape(url))
    node.add(f"Description: {escape(_shorten(product.description, 160))}")
    if product.variants:
        vnode = tree.add(f"[bold]Variants[/bold] ({escape(' x '.join(t.name for t in product.tiers))})")
        for v in product.variants:
            vnode.add(escape(f"{v.sku}  {' / '.join(v.options)}  {rupiah(v.price)}  stock {v.stock}"))
    for platform in PLATFORMS:
        entry = platforms[platform.value]
        pnode = tree.add(f"[bold]{'Shopee' if platform is Platform.SHOPEE else 'TikTok Shop'}[/bold]")
        pnode.add(escape(f"External id: {entry['external_id'] or '(not listed yet)'}"))
        pnode.add(escape(f"Price: {rupiah(entry['price'])}   ({entry['price_formula']})"))
        if entry["seo_title"]:
            locked = ", locked" if entry["seo_locked"] else ""
            pnode.add(escape(f"SEO title: {entry['seo_title']}  (similarity {entry['seo_similarity']:.1f}{locked})"))
        else:
            pnode.add(escape(f"SEO title: none: {entry['seo_exception']}"))
        where = entry["category"]
        pnode.add(escape(f"Category: {where['path'] or where['id'] or '(not mapped)'}"
                         + (f" ({where['id']})" if where["id"] and where["path"] else "")))
        if entry["attributes"]:
            anode = pnode.add("Attributes")
            for value in entry["attributes"]:
                anode.add(escape(f"{value['attribute'] or value['attribute_id']}: {value['value']}"))
        for reason in entry["blocked_by"]:
            pnode.add(f"[red]blocked:[/red] {escape(reason)}")
        if platform is Platform.TIKTOK:
            pnode.add("Listing platforms: TikTok Shop + Tokopedia" if entry["tokopedia_included"]
                      else "Listing platforms: TikTok Shop")
        for v in entry["variants"]:
            pnode.add(escape(f"{v['sku']}: {rupiah(v['price'])}  id {v['external_id'] or '-'}"))
    console().print(tree)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
