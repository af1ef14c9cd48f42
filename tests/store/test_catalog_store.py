"""The catalog store and import, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncstore_cli.app.catalog import import_catalog, product, product_page, set_seo_title
from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.errors import CatalogFileError, NotFoundError, UserInputError
from syncstore_cli.settings import load_settings
from syncstore_cli.store.schema import SCHEMA_HEAD, alembic_head, current_revision

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"


@pytest.fixture
def ctx(database_url: str, tmp_path: Path) -> Iterator[AppContext]:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path / "home"), "SYNCSTORE_DATABASE_URL": database_url})
    with AppContext(settings) as ctx:
        yield ctx


def _records() -> list[dict[str, object]]:
    return [json.loads(line) for line in (FIXTURES / "small.jsonl").read_text().splitlines()]


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_schema_is_migrated_to_the_head(ctx: AppContext) -> None:
    assert alembic_head() == SCHEMA_HEAD
    assert current_revision(ctx.database) == SCHEMA_HEAD


def test_import_stores_products_prices_and_titles(ctx: AppContext) -> None:
    summary = import_catalog(ctx, FIXTURES / "small.jsonl")
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    a = product(ctx, "PROD-1")
    assert a.product.title == "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"
    assert a.listings[Platform.SHOPEE].price == 172_500
    assert a.listings[Platform.TIKTOK].price == 180_000
    assert a.listings[Platform.SHOPEE].seo_title and a.listings[Platform.TIKTOK].seo_title
    assert a.listings[Platform.SHOPEE].seo_title != a.listings[Platform.TIKTOK].seo_title
    assert len(a.product.images) == 3
    b = product(ctx, "PROD-2")
    assert [v.sku for v in b.product.variants] == ["PRP-5145-RED", "PRP-5145-BLUE", "PRP-5145-GREEN"]
    assert b.listings[Platform.SHOPEE].variant_prices == {
        "PRP-5145-RED": 51_750, "PRP-5145-BLUE": 51_750, "PRP-5145-GREEN": 54_625,
    }
    assert b.listings[Platform.TIKTOK].variant_prices["PRP-5145-GREEN"] == 57_000


def test_reimport_changes_nothing_and_a_changed_row_updates_only_that_product(
    ctx: AppContext, tmp_path: Path
) -> None:
    import_catalog(ctx, FIXTURES / "small.jsonl")
    again = import_catalog(ctx, FIXTURES / "small.jsonl")
    assert (again.created, again.updated, again.relisted, again.unchanged) == (0, 0, 0, 3)
    records = _records()
    records[1]["variants"][2]["price"] = 50_000  # type: ignore[index]
    records[1]["variants"] = records[1]["variants"][:3]  # type: ignore[index]
    changed = import_catalog(ctx, _write(tmp_path / "changed.jsonl", records))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    b = product(ctx, "PROD-2")
    assert b.product.variants[2].price == 50_000
    assert b.listings[Platform.SHOPEE].variant_prices["PRP-5145-GREEN"] == 57_500


def test_csv_import_equals_jsonl_import(ctx: AppContext) -> None:
    import_catalog(ctx, FIXTURES / "small.csv")
    again = import_catalog(ctx, FIXTURES / "small.jsonl")
    assert (again.created, again.updated) == (0, 0)


def test_malformed_file_writes_nothing(ctx: AppContext, tmp_path: Path) -> None:
    records = _records()
    records[2]["price"] = "gratis"
    with pytest.raises(CatalogFileError) as info:
        import_catalog(ctx, _write(tmp_path / "bad.jsonl", records))
    assert info.value.line == 3
    assert ctx.catalog.count() == 0


def test_duplicate_sku_in_file_and_sku_owned_by_another_product(ctx: AppContext, tmp_path: Path) -> None:
    records = _records()
    records[2]["sku"] = records[0]["sku"]
    with pytest.raises(CatalogFileError, match="also on line 1"):
        import_catalog(ctx, _write(tmp_path / "dup.jsonl", records))
    import_catalog(ctx, FIXTURES / "small.jsonl")
    records = _records()
    records[0]["id"] = "PROD-99"
    with pytest.raises(CatalogFileError, match="already belongs to PROD-1"):
        import_catalog(ctx, _write(tmp_path / "steal.jsonl", records))
    assert ctx.catalog.count() == 3


def test_locked_title_survives_master_title_changes(ctx: AppContext, tmp_path: Path) -> None:
    import_catalog(ctx, FIXTURES / "small.jsonl")
    mine = "Frame FPV 5 Inch Carbon Fiber 3mm Arm Racing Freestyle [ORIGINAL]"
    set_seo_title(ctx, "PROD-1", Platform.SHOPEE, mine)
    records = _records()
    records[0]["title"] = "Frame Racing 5 Inch Carbon Fiber 4mm Arm FPV Freestyle Tahan Banting"
    before_tiktok = product(ctx, "PROD-1").listings[Platform.TIKTOK].seo_title
    import_catalog(ctx, _write(tmp_path / "renamed.jsonl", records))
    after = product(ctx, "PROD-1")
    assert after.listings[Platform.SHOPEE].seo_title == mine and after.listings[Platform.SHOPEE].seo_locked
    assert after.listings[Platform.TIKTOK].seo_title != before_tiktok  # the generated one follows the master
    set_seo_title(ctx, "PROD-1", Platform.SHOPEE, None)
    unlocked = product(ctx, "PROD-1").listings[Platform.SHOPEE]
    assert not unlocked.seo_locked and unlocked.seo_title != mine


def test_hand_written_title_is_checked(ctx: AppContext) -> None:
    import_catalog(ctx, FIXTURES / "small.jsonl")
    with pytest.raises(UserInputError, match="characters"):
        set_seo_title(ctx, "PROD-1", Platform.SHOPEE, "Frame")
    with pytest.raises(NotFoundError):
        set_seo_title(ctx, "PROD-404", Platform.SHOPEE, "Frame Racing 5 Inch Carbon Fiber Ringan")


def test_product_page_search_status_and_paging(ctx: AppContext) -> None:
    import_catalog(ctx, FIXTURES / "small.jsonl")
    page = product_page(ctx, page=1, page_size=2)
    assert page.total == 3 and [i.id for i in page.items] == ["PROD-1", "PROD-2"]
    assert [i.id for i in product_page(ctx, page=2, page_size=2).items] == ["PROD-3"]
    assert product_page(ctx, page=3, page_size=2).items == []
    first = page.items[0]
    assert (first.master_price, first.shopee_price, first.tiktok_price, first.status) == (
        150_000, 172_500, 180_000, "not_synced",
    )
    assert [i.id for i in product_page(ctx, search="carbon").items] == ["PROD-1"]
    assert [i.id for i in product_page(ctx, search="prp-5145").items] == ["PROD-2"]
    assert product_page(ctx, search="100%_").total == 0  # wildcards are literal
    assert product_page(ctx, status="synced").total == 0
    assert product_page(ctx, status="not_synced").total == 3


def test_unknown_product(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError, match="PROD-404"):
        product(ctx, "PROD-404")


def test_migrations_build_exactly_the_schema_the_models_describe(ctx: AppContext) -> None:
    # A column added to a model without a migration (or the reverse) would only fail on a user's
    # database; alembic's comparison catches it here, on SQLite and on PostgreSQL.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import syncstore_cli.store.models  # noqa: F401  (registers the tables)

    with ctx.database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


# --------------------------------------------------------------------------- product attributes

ATTRIBUTES = {
    "Negara Asal": "China", "Fitur": ["Ringan", "Kuat"], "Ukuran (inch)": 5, "Catatan": 'Baris "satu"\nbaris dua ✓',
}


def test_attributes_are_stored_and_read_back_exactly(ctx: AppContext, tmp_path: Path) -> None:
    records = _records()
    records[0]["attributes"] = ATTRIBUTES
    import_catalog(ctx, _write(tmp_path / "attrs.jsonl", records))
    assert product(ctx, "PROD-1").product.attributes == (
        ("Catatan", 'Baris "satu"\nbaris dua ✓'), ("Fitur", "Ringan; Kuat"), ("Negara Asal", "China"),
        ("Ukuran (inch)", "5"),
    )
    assert product(ctx, "PROD-2").product.attributes == ()
    # what the store holds is what the file said: reading it back and importing again changes nothing
    from syncstore_cli.store.catalog_files import write_catalog

    exported = tmp_path / "exported.csv"
    write_catalog([stored.product for stored in ctx.catalog.all_products()], exported)
    again = import_catalog(ctx, exported)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_changed_attribute_updates_the_product_and_a_new_order_does_not(ctx: AppContext, tmp_path: Path) -> None:
    records = _records()
    records[0]["attributes"] = ATTRIBUTES
    import_catalog(ctx, _write(tmp_path / "attrs.jsonl", records))
    records[0]["attributes"] = dict(reversed(list(ATTRIBUTES.items())))
    reordered = import_catalog(ctx, _write(tmp_path / "reordered.jsonl", records))
    assert (reordered.updated, reordered.unchanged) == (0, 3)
    records[0]["attributes"] = {**ATTRIBUTES, "Negara Asal": "Indonesia"}
    changed = import_catalog(ctx, _write(tmp_path / "changed.jsonl", records))
    assert (changed.updated, changed.unchanged) == (1, 2)
    assert dict(product(ctx, "PROD-1").product.attributes)["Negara Asal"] == "Indonesia"
    del records[0]["attributes"]
    removed = import_catalog(ctx, _write(tmp_path / "removed.jsonl", records))
    assert removed.updated == 1 and product(ctx, "PROD-1").product.attributes == ()


def test_a_malformed_attribute_writes_nothing(ctx: AppContext, tmp_path: Path) -> None:
    import_catalog(ctx, FIXTURES / "small.jsonl")
    records = _records()
    records[0]["attributes"] = {"Negara Asal": "Indonesia"}
    records[2]["attributes"] = {"Warna": "Hitam", "WARNA": "Merah"}
    with pytest.raises(CatalogFileError) as info:
        import_catalog(ctx, _write(tmp_path / "bad.jsonl", records))
    assert (info.value.line, info.value.field) == (3, "attributes")
    assert product(ctx, "PROD-1").product.attributes == ()
