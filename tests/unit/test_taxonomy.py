"""Where a listing is filed on each marketplace and what attributes it carries: `listing_terms` either
gives the category and values or the reasons (naming the command that fills the gap) it cannot be sent;
the value matching, the attributes field group, suggestion ranking and master-category guessing."""

from __future__ import annotations

import dataclasses

import pytest

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.taxonomy import (
    AttributeDef,
    CategoryRequirements,
    ChosenValue,
    InputType,
    ListingTerms,
    MarketCategory,
    attributes_state,
    choose_value,
    guess_master_category,
    listing_terms,
    rank_suggestions,
)
from syncstore_cli.sandbox.generator import generate_catalog

ORIGIN = AttributeDef("100", "Negara Asal", True, InputType.SINGLE_SELECT,
                      values=(("1", "China"), ("2", "Indonesia")))
WARRANTY = AttributeDef("200", "Masa Garansi", False, InputType.SINGLE_SELECT,
                        values=(("21", "Tanpa Garansi"), ("22", "1 Bulan")))
CAPACITY = AttributeDef("300", "Kapasitas", True, InputType.TEXT, units=("mAh", "Ah"))
COLOURS = AttributeDef("400", "Warna", False, InputType.MULTI_SELECT,
                       values=(("41", "Merah"), ("42", "Hitam")), custom_values=True)


def _tree(platform: Platform, *, tokopedia: bool = True) -> dict[str, MarketCategory]:
    nodes = (
        MarketCategory(platform, "1", "Cameras & Drones", "0", False),
        MarketCategory(platform, "11", "Drone Accessories", "1", True, tokopedia=tokopedia),
        MarketCategory(platform, "12", "Drones", "1", True),
    )
    return {n.id: n for n in nodes}


def _product(**changes: object) -> Product:
    base = Product(id="PROD-7", sku="FRM-1", title="Frame Racing 5 Inch Carbon", description="d" * 50,
                   category="frame", brand="iFlight", weight_g=120, length_cm=25, width_cm=20, height_cm=5,
                   price=150_000, stock=3)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _terms(product: Product | None = None, platform: Platform = Platform.SHOPEE, *,
           mapped: tuple[str, str] | None = ("11", "master"), requirements: CategoryRequirements | None = None,
           defaults: dict[str, str] | None = None, tokopedia_shop: bool = False, leaf_tokopedia: bool = True,
           tree: dict[str, MarketCategory] | None = None) -> ListingTerms:
    return listing_terms(
        product or _product(), platform, mapped,
        _tree(platform, tokopedia=leaf_tokopedia) if tree is None else tree,
        CategoryRequirements((ORIGIN,)) if requirements is None else requirements,
        {"100": "China"} if defaults is None else defaults, tokopedia_shop=tokopedia_shop)


# -- listing_terms: the category -------------------------------------------------------------

def test_an_unmapped_master_category_gives_one_reason_naming_the_commands_that_map_it() -> None:
    terms = _terms(mapped=None)
    assert terms.category_id is None
    assert len(terms.reasons) == 1
    assert "'frame'" in terms.reasons[0]
    assert "syncstore categories suggest frame --platform shopee" in terms.reasons[0]
    assert "syncstore categories map frame --shopee ID" in terms.reasons[0]


def test_a_mapped_id_missing_from_the_cached_tree_is_a_reason() -> None:
    terms = _terms(mapped=("999", "master"))
    assert terms.category_id == "999"
    assert len(terms.reasons) == 1
    assert "999" in terms.reasons[0] and "not in the marketplace's current tree" in terms.reasons[0]


def test_a_vanished_product_mapping_names_the_command_that_remaps_the_product() -> None:
    # A product's own mapping wins over its master category's, so remapping the master would not fix it.
    terms = _terms(mapped=("999", "product"))
    assert len(terms.reasons) == 1
    assert "syncstore categories map PROD-7 --product --shopee ID" in terms.reasons[0]


def test_a_category_that_is_not_a_leaf_is_a_reason() -> None:
    terms = _terms(mapped=("1", "product"))
    assert len(terms.reasons) == 1
    assert "is not a leaf" in terms.reasons[0] and "product PROD-7" in terms.reasons[0]


def test_a_tree_never_read_is_a_reason_naming_categories_refresh() -> None:
    terms = _terms(tree={})
    assert len(terms.reasons) == 1
    assert "syncstore categories refresh" in terms.reasons[0]


def test_a_category_whose_attributes_were_never_read_is_a_reason() -> None:
    terms = listing_terms(_product(), Platform.SHOPEE, ("11", "master"), _tree(Platform.SHOPEE), None, {})
    assert len(terms.reasons) == 1
    assert "no attribute list read yet" in terms.reasons[0]
    assert "syncstore categories refresh" in terms.reasons[0]


def test_a_listable_product_carries_the_category_path_and_its_values() -> None:
    terms = _terms(requirements=CategoryRequirements((ORIGIN, WARRANTY)),
                               defaults={"100": "china", "200": "22"})
    assert terms.reasons == ()
    assert terms.category_name == "Cameras & Drones > Drone Accessories"
    assert terms.attributes == (ChosenValue("100", "1", "China"),
                                ChosenValue("200", "22", "1 Bulan"))
    assert terms.attribute_names == {"100": "Negara Asal", "200": "Masa Garansi"}


# -- listing_terms: attributes ---------------------------------------------------------------

def test_a_mandatory_attribute_without_a_value_names_it_its_id_and_attributes_set() -> None:
    terms = _terms(defaults={})
    assert len(terms.reasons) == 1
    assert "'Negara Asal'" in terms.reasons[0] and "(100)" in terms.reasons[0]
    assert "syncstore attributes set 11 --platform shopee 100 VALUE" in terms.reasons[0]


def test_the_products_own_attribute_by_name_wins_over_the_category_default() -> None:
    product = _product(attributes=(("negara asal", "Indonesia"),))
    terms = _terms(product, defaults={"100": "China"})
    assert terms.reasons == ()
    assert terms.attributes == (ChosenValue("100", "2", "Indonesia"),)


def test_a_blank_own_value_falls_back_to_the_category_default() -> None:
    terms = _terms(_product(attributes=(("Negara Asal", "  "),)), defaults={"100": "China"})
    assert terms.reasons == ()
    assert terms.attributes == (ChosenValue("100", "1", "China"),)


def test_a_drop_down_value_outside_its_list_is_a_reason() -> None:
    terms = _terms(defaults={"100": "Jepang"})
    assert len(terms.reasons) == 1
    assert "'Jepang' is not one of its values" in terms.reasons[0] and "China" in terms.reasons[0]
    assert terms.attributes == ()


def test_an_optional_attribute_with_a_bad_value_is_left_out_without_a_reason() -> None:
    terms = _terms(requirements=CategoryRequirements((ORIGIN, WARRANTY)),
                               defaults={"100": "China", "200": "Seumur Hidup"})
    assert terms.reasons == ()
    assert [v.attribute_id for v in terms.attributes] == ["100"]


@pytest.mark.parametrize("brand", ["No Brand", "no brand", "  "])
def test_a_required_brand_without_one_is_a_reason(brand: str) -> None:
    terms = _terms(_product(brand=brand), requirements=CategoryRequirements((ORIGIN,), brand_required=True))
    assert len(terms.reasons) == 1 and "requires a brand" in terms.reasons[0]


def test_a_required_brand_is_met_by_a_real_brand() -> None:
    terms = _terms(requirements=CategoryRequirements((ORIGIN,), brand_required=True))
    assert terms.reasons == ()


def test_a_required_certification_is_a_reason() -> None:
    terms = _terms(requirements=CategoryRequirements((ORIGIN,), certifications=("SNI",)))
    assert len(terms.reasons) == 1
    assert "certification 'SNI' is required" in terms.reasons[0] and "Seller Center" in terms.reasons[0]


@pytest.mark.parametrize(("platform", "shop", "leaf", "expected"), [
    (Platform.TIKTOK, True, True, True),
    (Platform.TIKTOK, False, True, False),
    (Platform.TIKTOK, True, False, False),
    (Platform.SHOPEE, True, True, False),
])
def test_tokopedia_only_on_tiktok_when_the_shop_and_the_category_allow_it(
        platform: Platform, shop: bool, leaf: bool, expected: bool) -> None:
    terms = _terms(platform=platform, tokopedia_shop=shop, leaf_tokopedia=leaf)
    assert terms.reasons == ()
    assert terms.tokopedia is expected


# -- choose_value ----------------------------------------------------------------------------

def test_a_listed_value_is_found_by_name_case_insensitively_or_by_id() -> None:
    assert choose_value(ORIGIN, " CHINA ") == ([ChosenValue("100", "1", "China")], None)
    assert choose_value(ORIGIN, "2") == ([ChosenValue("100", "2", "Indonesia")], None)


def test_custom_text_is_taken_only_where_the_attribute_accepts_custom_values() -> None:
    values, problem = choose_value(ORIGIN, "Jepang")
    assert values == [] and problem is not None and "not one of its values" in problem
    assert choose_value(COLOURS, "Ungu") == ([ChosenValue("400", "", "Ungu")], None)


def test_a_free_text_attribute_takes_any_text() -> None:
    assert choose_value(CAPACITY, "Li-ion 2S") == ([ChosenValue("300", "", "Li-ion 2S")], None)


def test_a_multi_select_value_is_split_on_semicolons() -> None:
    values, problem = choose_value(COLOURS, "merah; 42 ;; Ungu")
    assert problem is None
    assert values == [ChosenValue("400", "41", "Merah"), ChosenValue("400", "42", "Hitam"),
                      ChosenValue("400", "", "Ungu")]


def test_a_single_select_value_is_not_split_on_semicolons() -> None:
    values, problem = choose_value(ORIGIN, "China; Indonesia")
    assert values == [] and problem is not None


def test_a_known_unit_is_split_off_the_end() -> None:
    assert choose_value(CAPACITY, "5000 mAh") == ([ChosenValue("300", "", "5000", "mAh")], None)
    assert choose_value(CAPACITY, "1.5ah") == ([ChosenValue("300", "", "1.5", "Ah")], None)


@pytest.mark.parametrize("text", ["", "   ", " ; ; "])
def test_an_empty_value_is_a_problem(text: str) -> None:
    assert choose_value(COLOURS if ";" in text else CAPACITY, text) == ([], "empty value")


# -- attributes_state ------------------------------------------------------------------------

def test_attributes_state_sorts_names_per_attribute_and_attributes_appending_units() -> None:
    state = attributes_state([
        ChosenValue("400", "42", "Hitam"), ChosenValue("300", "", "5000", "mAh"),
        ChosenValue("400", "41", "Merah"), ChosenValue("400", "", "Biru"),
    ])
    assert state == {"300": ["5000 mAh"], "400": ["Biru", "Hitam", "Merah"]}
    assert list(state) == ["300", "400"]


def test_attributes_state_is_the_same_for_a_multi_select_in_any_order() -> None:
    a = attributes_state([ChosenValue("400", "41", "Merah"), ChosenValue("400", "42", "Hitam")])
    b = attributes_state([ChosenValue("400", "42", "Hitam"), ChosenValue("400", "41", "Merah")])
    assert a == b


# -- rank_suggestions ------------------------------------------------------------------------

def _suggestion_tree() -> dict[str, MarketCategory]:
    nodes = [MarketCategory(Platform.TIKTOK, "1", "Root", "0", False)]
    nodes += [MarketCategory(Platform.TIKTOK, cid, f"Leaf {cid}", "1", True) for cid in ("a", "b", "c", "d")]
    return {n.id: n for n in nodes}


def test_suggestions_are_ranked_by_votes_across_titles() -> None:
    ranked = rank_suggestions([["b", "a"], ["a"], ["c", "a"]], _suggestion_tree())
    assert [s.category_id for s in ranked] == ["a", "b", "c"]
    assert [s.votes for s in ranked] == [3, 1, 1]
    assert ranked[0].path == "Root > Leaf a" and ranked[0].is_leaf


def test_a_first_place_counts_more_than_a_later_place() -> None:
    # b is seen first and has as many votes as a, but only a second place; c ties a and was seen first.
    ranked = rank_suggestions([["c", "b"], ["a"]], _suggestion_tree())
    assert [s.category_id for s in ranked] == ["c", "a", "b"]
    # Two second places (1/2 each) still beat one first place, and one first place beats a third (1/3).
    ranked = rank_suggestions([["a", "d", "b"], ["c", "b"]], _suggestion_tree())
    assert [s.category_id for s in ranked] == ["a", "c", "b", "d"]


def test_non_leaves_and_unknown_ids_are_dropped() -> None:
    ranked = rank_suggestions([["1", "zz", "d"]], _suggestion_tree())
    assert [(s.category_id, s.votes) for s in ranked] == [("d", 1)]


def test_ties_keep_the_order_first_seen() -> None:
    ranked = rank_suggestions([["d"], ["b"], ["c"]], _suggestion_tree())
    assert [s.category_id for s in ranked] == ["d", "b", "c"]


# -- guess_master_category -------------------------------------------------------------------

def test_almost_every_generated_product_is_guessed_into_its_own_category() -> None:
    products = generate_catalog().products
    wrong = [(p.title, p.category, guess_master_category(p.title)) for p in products
             if guess_master_category(p.title) != p.category]
    assert len(wrong) <= len(products) // 1000, wrong


@pytest.mark.parametrize(("title", "expected"), [
    ("Battery Strap Kevlar 20cm Anti Slip", "hardware"),
    ("Drone FPV Whoop 65mm BNF ELRS", "whoop"),
    ("T-Motor Velox 4in1 ESC 45A 3-6S", "esc"),
    ("Baut Frame M3 Titanium 10pcs", "hardware"),
    ("Frame Racing 5 Inch Carbon Baut M3", "frame"),
    ("Drone FPV 5 Inch Freestyle PNP", "drone"),
    ("Stiker Lucu Warna Warni", None),
])
def test_named_titles_are_guessed_by_their_first_category_word(title: str, expected: str | None) -> None:
    assert guess_master_category(title) == expected
