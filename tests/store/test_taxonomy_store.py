"""The cached category trees and attribute lists, and the seller's mappings and attribute defaults, on
SQLite and on PostgreSQL: what a refresh replaces, what a mapping command leaves behind, and the terms the
engine gets for a product from all of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.taxonomy import (
    AttributeDef,
    CategoryRequirements,
    ChosenValue,
    InputType,
    MappingScope,
    MarketCategory,
)
from syncstore_cli.settings import load_settings
from syncstore_cli.store.taxonomy import TaxonomyStore

TIKTOK = Platform.TIKTOK
SHOPEE = Platform.SHOPEE

REQUIREMENTS = CategoryRequirements(
    attributes=(
        AttributeDef("100", "Negara Asal", True, InputType.SINGLE_SELECT, values=(("1", "China"), ("2", "Indonésia"))),
        AttributeDef("200", "Warna", False, InputType.MULTI_SELECT, values=(("41", "Merah"),), custom_values=True),
        AttributeDef("300", "Kapasitas", True, InputType.TEXT, units=("mAh", "Ah")),
    ),
    brand_required=True,
    certifications=("SNI", "Postel"),
)


@pytest.fixture
def ctx(database_url: str, tmp_path: Path) -> Iterator[AppContext]:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path / "home"), "SYNCSTORE_DATABASE_URL": database_url})
    with AppContext(settings) as ctx:
        yield ctx


@pytest.fixture
def store(ctx: AppContext) -> TaxonomyStore:
    return ctx.taxonomy


def _tree(platform: Platform, leaf_name: str = "Drone Accessories") -> list[MarketCategory]:
    return [MarketCategory(platform, "1", "Cameras & Drones", "0", False),
            MarketCategory(platform, "11", leaf_name, "1", True, tokopedia=True),
            MarketCategory(platform, "12", "Drones", "1", True)]


def _product(product_id: str = "PROD-1", category: str = "battery", **attributes: str) -> Product:
    return Product(id=product_id, sku=f"SKU-{product_id}", title="Baterai LiPo 4S 1500mAh", description="d" * 50,
                   category=category, brand="Tattu", weight_g=180, length_cm=10, width_cm=5, height_cm=4,
                   price=350_000, stock=4, attributes=tuple(sorted(attributes.items())))


# -- trees -----------------------------------------------------------------------------------

def test_a_tree_never_read_is_empty(store: TaxonomyStore) -> None:
    assert store.tree(SHOPEE) == {}
    assert store.fetched_at(SHOPEE) is None


def test_replace_tree_replaces_the_old_nodes_and_tree_sees_each_refresh(store: TaxonomyStore) -> None:
    assert store.replace_tree(SHOPEE, _tree(SHOPEE), fetched_at=1000.0) == 3
    store.replace_tree(TIKTOK, _tree(TIKTOK), fetched_at=1000.0)
    first = store.tree(SHOPEE)
    assert first["11"] == MarketCategory(SHOPEE, "11", "Drone Accessories", "1", True, tokopedia=True)
    assert first["1"].is_leaf is False

    store.replace_tree(SHOPEE, [MarketCategory(SHOPEE, "1", "Cameras & Drones", "0", False),
                                MarketCategory(SHOPEE, "13", "Drone Parts", "1", True)], fetched_at=2000.0)
    second = store.tree(SHOPEE)
    assert sorted(second) == ["1", "13"]
    assert store.fetched_at(SHOPEE) == 2000.0
    assert sorted(store.tree(TIKTOK)) == ["1", "11", "12"]  # the other platform's tree is untouched


def test_a_renamed_category_is_seen_after_a_refresh_a_moment_later(store: TaxonomyStore) -> None:
    # Refreshes are stamped with time.time(): the stamp must keep a fraction of a second at today's epoch.
    store.replace_tree(SHOPEE, _tree(SHOPEE), fetched_at=1_764_500_000.25)
    assert store.tree(SHOPEE)["11"].name == "Drone Accessories"
    store.replace_tree(SHOPEE, _tree(SHOPEE, "Aksesoris Drone"), fetched_at=1_764_500_000.5)
    assert store.tree(SHOPEE)["11"].name == "Aksesoris Drone"


# -- requirements ----------------------------------------------------------------------------

def test_requirements_never_read_are_none(store: TaxonomyStore) -> None:
    assert store.requirements(SHOPEE, "11") is None


def test_requirements_round_trip(store: TaxonomyStore) -> None:
    store.put_requirements(SHOPEE, "11", REQUIREMENTS, fetched_at=1234.5)
    assert store.requirements(SHOPEE, "11") == REQUIREMENTS
    assert store.requirements(TIKTOK, "11") is None
    assert store.requirements_read_at(SHOPEE) == {"11": 1234.5}


def test_requirements_without_attributes_are_read_not_missing(store: TaxonomyStore) -> None:
    store.put_requirements(SHOPEE, "12", CategoryRequirements(()), fetched_at=1.0)
    assert store.requirements(SHOPEE, "12") == CategoryRequirements(())


def test_put_requirements_replaces_the_previous_list(store: TaxonomyStore) -> None:
    store.put_requirements(SHOPEE, "11", REQUIREMENTS, fetched_at=1.0)
    fewer = CategoryRequirements((REQUIREMENTS.attributes[2],))
    store.put_requirements(SHOPEE, "11", fewer, fetched_at=2.0)
    assert store.requirements(SHOPEE, "11") == fewer
    assert store.requirements_read_at(SHOPEE) == {"11": 2.0}


# -- mappings --------------------------------------------------------------------------------

def test_a_product_mapping_wins_over_its_master_categorys(store: TaxonomyStore) -> None:
    product = _product()
    assert store.mapped(product, SHOPEE) is None
    store.set_mapping(MappingScope.MASTER, "battery", SHOPEE, "11", "manual")
    assert store.mapped(product, SHOPEE) == ("11", "master")
    assert store.mapped(product, TIKTOK) is None
    store.set_mapping(MappingScope.PRODUCT, "PROD-1", SHOPEE, "12", "manual")
    assert store.mapped(product, SHOPEE) == ("12", "product")
    assert store.mapped(_product("PROD-2"), SHOPEE) == ("11", "master")


def test_set_mapping_replaces_and_remove_mapping_removes(store: TaxonomyStore) -> None:
    store.set_mapping(MappingScope.MASTER, "battery", SHOPEE, "11", "manual")
    store.set_mapping(MappingScope.MASTER, "battery", SHOPEE, "12", "suggested")
    [only] = store.mappings()
    assert (only.scope, only.key, only.platform, only.category_id, only.source) == (
        MappingScope.MASTER, "battery", SHOPEE, "12", "suggested")
    assert store.remove_mapping(MappingScope.MASTER, "battery", SHOPEE) is True
    assert store.remove_mapping(MappingScope.MASTER, "battery", SHOPEE) is False
    assert store.mapped(_product(), SHOPEE) is None


def test_set_mappings_writes_all_of_them(store: TaxonomyStore) -> None:
    count = store.set_mappings([(MappingScope.MASTER, "battery", SHOPEE, "11"),
                                (MappingScope.MASTER, "battery", TIKTOK, "21"),
                                (MappingScope.PRODUCT, "PROD-9", SHOPEE, "12")], "csv")
    assert count == 3
    assert [(m.scope, m.key, m.platform, m.category_id, m.source) for m in store.mappings()] == [
        (MappingScope.MASTER, "battery", SHOPEE, "11", "csv"),
        (MappingScope.MASTER, "battery", TIKTOK, "21", "csv"),
        (MappingScope.PRODUCT, "PROD-9", SHOPEE, "12", "csv"),
    ]
    assert [m.key for m in store.mappings(MappingScope.PRODUCT)] == ["PROD-9"]


def test_set_mappings_writes_nothing_when_one_row_fails(store: TaxonomyStore) -> None:
    store.set_mapping(MappingScope.MASTER, "frame", SHOPEE, "12", "manual")
    rows = [(MappingScope.MASTER, "battery", SHOPEE, "11"),
            (MappingScope.MASTER, "frame", SHOPEE, "11"),
            (MappingScope.MASTER, "motor", "not a platform", "11")]
    with pytest.raises(AttributeError):
        store.set_mappings(rows, "csv")  # type: ignore[arg-type]
    assert [(m.key, m.category_id) for m in store.mappings()] == [("frame", "12")]


# -- attribute defaults ----------------------------------------------------------------------

def test_defaults_are_set_replaced_and_removed_per_category(store: TaxonomyStore) -> None:
    assert store.defaults(SHOPEE, "11") == {}
    store.set_default(SHOPEE, "11", "100", "China")
    store.set_default(SHOPEE, "11", "300", "1500 mAh")
    store.set_default(SHOPEE, "11", "100", "Indonésia")
    store.set_default(TIKTOK, "11", "100", "China")
    assert store.defaults(SHOPEE, "11") == {"100": "Indonésia", "300": "1500 mAh"}
    assert store.defaults(SHOPEE, "12") == {}
    assert store.all_defaults() == [(SHOPEE, "11", "100", "Indonésia"), (SHOPEE, "11", "300", "1500 mAh"),
                                    (TIKTOK, "11", "100", "China")]
    assert store.remove_default(SHOPEE, "11", "100") is True
    assert store.remove_default(SHOPEE, "11", "100") is False
    assert store.defaults(SHOPEE, "11") == {"300": "1500 mAh"}


# -- the engine's question -------------------------------------------------------------------

def test_listing_terms_from_stored_data(store: TaxonomyStore) -> None:
    product = _product(Kapasitas="1500 mAh")
    assert "syncstore categories suggest battery" in store.listing_terms(product, TIKTOK).reasons[0]

    store.set_mapping(MappingScope.MASTER, "battery", TIKTOK, "11", "manual")
    assert "syncstore categories refresh" in store.listing_terms(product, TIKTOK).reasons[0]

    store.replace_tree(TIKTOK, _tree(TIKTOK), fetched_at=1.0)
    assert "no attribute list read yet" in store.listing_terms(product, TIKTOK).reasons[0]

    store.put_requirements(TIKTOK, "11", CategoryRequirements(REQUIREMENTS.attributes), fetched_at=1.0)
    [gap] = store.listing_terms(product, TIKTOK).reasons
    assert "'Negara Asal' (100)" in gap and "syncstore attributes set 11 --platform tiktok 100 VALUE" in gap

    store.set_default(TIKTOK, "11", "100", "china")
    store.set_default(TIKTOK, "11", "300", "9999 mAh")  # the product's own value wins
    terms = store.listing_terms(product, TIKTOK)
    assert terms.reasons == ()
    assert (terms.category_id, terms.category_name) == ("11", "Cameras & Drones > Drone Accessories")
    assert terms.attributes == (ChosenValue("100", "1", "China"), ChosenValue("300", "", "1500", "mAh"))
    assert terms.tokopedia is True  # the settings' default: a Tokopedia shop

    store.set_mapping(MappingScope.PRODUCT, product.id, TIKTOK, "1", "manual")
    [not_leaf] = store.listing_terms(product, TIKTOK).reasons
    assert "is not a leaf" in not_leaf and f"product {product.id}" in not_leaf


def test_listing_terms_without_a_tokopedia_shop(ctx: AppContext) -> None:
    store = TaxonomyStore(ctx.database, tokopedia_shop=False)
    store.replace_tree(TIKTOK, _tree(TIKTOK), fetched_at=1.0)
    store.put_requirements(TIKTOK, "11", CategoryRequirements(()), fetched_at=1.0)
    store.set_mapping(MappingScope.MASTER, "battery", TIKTOK, "11", "manual")
    terms = store.listing_terms(_product(), TIKTOK)
    assert terms.reasons == () and terms.tokopedia is False


def test_a_snapshot_answers_what_the_store_answers_from_one_read_of_each_table(
        ctx: AppContext, store: TaxonomyStore) -> None:
    from sqlalchemy import event

    store.replace_tree(TIKTOK, _tree(TIKTOK), fetched_at=1.0)
    store.put_requirements(TIKTOK, "11", CategoryRequirements(REQUIREMENTS.attributes), fetched_at=1.0)
    store.set_mapping(MappingScope.MASTER, "battery", TIKTOK, "11", "manual")
    store.set_mapping(MappingScope.PRODUCT, "PROD-2", TIKTOK, "1", "manual")  # not a leaf: blocked
    store.set_default(TIKTOK, "11", "100", "china")
    products = [_product("PROD-1", Kapasitas="1500 mAh"), _product("PROD-2"), _product("PROD-3", category="frame"),
                _product("PROD-4")]
    snapshot = store.snapshot()
    for platform in (TIKTOK, SHOPEE):
        assert [snapshot.listing_terms(p, platform) for p in products] == [
            store.listing_terms(p, platform) for p in products]
    expected = [store.listing_terms(p, TIKTOK) for p in products]
    queries: list[str] = []
    event.listen(ctx.database, "before_cursor_execute", lambda *args: queries.append(args[2]))
    assert [snapshot.listing_terms(p, TIKTOK) for p in products] == expected
    assert queries == []  # everything it needs was read on first use
    store.set_mapping(MappingScope.MASTER, "battery", TIKTOK, "12", "manual")
    assert snapshot.listing_terms(products[0], TIKTOK) == expected[0]  # as it was when read: for one run only
