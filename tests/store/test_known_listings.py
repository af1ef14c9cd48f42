"""`JobStore.known_listings`, the bulk read `sync changed` plans the whole catalog with, answers exactly what
`known_listing` answers product by product (on SQLite and PostgreSQL), in a few queries per slice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from syncstore_cli.app.catalog import import_catalog
from syncstore_cli.app.context import AppContext
from syncstore_cli.store import jobs as jobs_module
from syncstore_cli.store.catalog import listing_variants_t, listings_t
from syncstore_cli.store.jobs import KnownListing

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalog"
NOTHING = KnownListing(None, None, None, {})
# Every kind of listing the store can hold, and ids it holds no listing for.
IDS = ["PROD-1", "PROD-2", "PROD-404", "PROD-3"]


@pytest.fixture
def ctx(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """small.jsonl (PROD-2 has three variants), its listings in every state the store knows:

    shopee: PROD-1 synced without variants, PROD-2 synced with two of its three variants' ids, PROD-3 never synced;
    tiktok: PROD-1 has no listing row, PROD-2 a create under way (intent only), PROD-3 an id without a state.
    """
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", database_url)
    with AppContext() as context:
        import_catalog(context, FIXTURES / "small.jsonl")
        jobs = context.jobs
        jobs.record_synced("PROD-1", "shopee", "111", {}, {"title": "Frame", "price": 172_500})
        jobs.record_synced("PROD-2", "shopee", "222", {"PRP-5145-RED": "v-red", "PRP-5145-BLUE": "v-blue"},
                           {"title": "Propeller", "variants": [{"sku": "PRP-5145-RED"}]})
        jobs.set_create_intent("PROD-2", "tiktok", "key-2")
        jobs.record_external_id("PROD-3", "tiktok", "333")
        with context.database.begin() as connection:
            listing = connection.execute(select(listings_t.c.id).where(
                listings_t.c.product_id == "PROD-1", listings_t.c.platform == "tiktok")).scalar_one()
            connection.execute(delete(listing_variants_t).where(listing_variants_t.c.listing_id == listing))
            connection.execute(delete(listings_t).where(listings_t.c.id == listing))
        yield context


def _one_by_one(ctx: AppContext, platform: str) -> dict[str, KnownListing]:
    return {product_id: ctx.jobs.known_listing(product_id, platform) for product_id in IDS}


def test_the_bulk_read_answers_what_the_per_product_read_answers(ctx: AppContext) -> None:
    shopee = ctx.jobs.known_listings(IDS, "shopee")
    tiktok = ctx.jobs.known_listings(IDS, "tiktok")

    assert shopee == _one_by_one(ctx, "shopee") and tiktok == _one_by_one(ctx, "tiktok")
    assert list(shopee) == IDS  # every id asked, in the order asked
    assert shopee["PROD-1"] == KnownListing("111", {"title": "Frame", "price": 172_500}, None, {})
    assert shopee["PROD-2"] == KnownListing("222", {"title": "Propeller", "variants": [{"sku": "PRP-5145-RED"}]},
                                            None, {"PRP-5145-RED": "v-red", "PRP-5145-BLUE": "v-blue"})
    assert shopee["PROD-3"] == NOTHING and shopee["PROD-404"] == NOTHING
    assert tiktok["PROD-1"] == NOTHING  # no listing row at all
    assert tiktok["PROD-2"] == KnownListing(None, None, "key-2", {})
    assert tiktok["PROD-3"] == KnownListing("333", None, None, {})


def test_ids_split_over_several_in_lists_keep_each_listings_own_variants(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_module, "KNOWN_CHUNK", 1)  # each product in its own IN list
    assert ctx.jobs.known_listings(IDS, "shopee") == _one_by_one(ctx, "shopee")
    monkeypatch.setattr(jobs_module, "KNOWN_CHUNK", 3)  # PROD-1, PROD-2, PROD-404 | PROD-3
    assert ctx.jobs.known_listings([*IDS, "PROD-2"], "shopee") == _one_by_one(ctx, "shopee")  # a repeat: once
    assert ctx.jobs.known_listings([], "shopee") == {}


def test_the_bulk_read_costs_two_queries_per_chunk_not_two_per_product(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    selects: list[str] = []

    def seen(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    monkeypatch.setattr(jobs_module, "KNOWN_CHUNK", 2)
    event.listen(ctx.database, "before_cursor_execute", seen)
    try:
        ctx.jobs.known_listings(IDS, "shopee")
    finally:
        event.remove(ctx.database, "before_cursor_execute", seen)
    assert len(selects) == 4  # two chunks, each its listings and their variants
