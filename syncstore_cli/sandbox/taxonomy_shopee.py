"""The sandbox Shopee's category tree, attribute trees, brand and GTIN rules, and category suggestions.

The tree is a slice of Shopee's real global tree. Ids, English names and parent chains come from
a 2021 dump of `v2.product.get_category` (GitHub DAP-official-com/shopee_open_api,
shopee_open_api/fixtures/shopee_product_category.json, commit eb89e3d): every node of the
"Cameras & Drones" subtree, "Toys & Games" with its leaves, three leaves of "Home Appliances",
"Tools" with its leaves, and "Wearable Devices" with its leaves, each with its real parents up to
the root. The Indonesian display names are the sandbox's own translations (modelled, not read from
Shopee). Attribute ids, value ids, which attributes are mandatory, the brand and GTIN rules per
category are modelled too: Shopee publishes no attribute tree, so these follow the documented shapes
(congminh1254/shopee-sdk, schemas/v2.product.get_attribute_tree.json, get_brand_list.json,
get_item_limit.json) with values a seller of FPV parts in Indonesia meets.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

# get_attribute_tree `attribute_info.input_type` (congminh1254/shopee-sdk,
# schemas/v2.product.get_attribute_tree.json, response_params).
SINGLE_DROP_DOWN: Final = 1
SINGLE_COMBO_BOX: Final = 2  # a listed value or a custom one (value_id 0 + original_value_name)
FREE_TEXT_FILED: Final = 3  # Shopee's spelling; value_id 0 + original_value_name only
MULTI_DROP_DOWN: Final = 4
MULTI_COMBO_BOX: Final = 5
CUSTOM_VALUE_TYPES: Final = frozenset({SINGLE_COMBO_BOX, FREE_TEXT_FILED, MULTI_COMBO_BOX})
MULTI_VALUE_TYPES: Final = frozenset({MULTI_DROP_DOWN, MULTI_COMBO_BOX})

# `input_validation_type` and `format_type` (same source).
VALIDATOR_NO_VALIDATE: Final = 0
VALIDATOR_INT: Final = 1
VALIDATOR_STRING: Final = 2
FORMAT_NORMAL: Final = 1
FORMAT_QUANTITATIVE_WITH_UNIT: Final = 2

# get_item_limit `gtin_limit.gtin_validation_rule` (schemas/v2.product.get_item_limit.json).
GTIN_MANDATORY: Final = "Mandatory"
GTIN_FLEXIBLE: Final = "Flexible"
GTIN_OPTIONAL: Final = "Optional"


@dataclass(frozen=True)
class CategoryNode:
    category_id: int
    parent_id: int  # 0 for a root, as get_category answers it
    name: str  # original_category_name: the fixture's (English) name
    name_id: str  # display_category_name for language=id


def _node(category_id: int, parent_id: int, name: str, name_id: str) -> CategoryNode:
    return CategoryNode(category_id, parent_id, name, name_id)


# Source: DAP-official-com/shopee_open_api, shopee_open_api/fixtures/shopee_product_category.json
# (ids, parents, English names); the Indonesian names are modelled.
CATEGORY_TREE: Final[tuple[CategoryNode, ...]] = (
    _node(100635, 0, "Cameras & Drones", "Kamera & Drone"),
    _node(100699, 100635, "Cameras", "Kamera"),
    _node(101092, 100699, "Point & Shoot", "Kamera Saku"),
    _node(101093, 100699, "Mirrorless Cameras", "Kamera Mirrorless"),
    _node(101094, 100699, "Action Cameras", "Kamera Aksi"),
    _node(101095, 100699, "Video Camcorders", "Kamera Video"),
    _node(101096, 100699, "Instant Cameras", "Kamera Instan"),
    _node(101097, 100699, "Analog Cameras", "Kamera Analog"),
    _node(101098, 100699, "DSLRs", "Kamera DSLR"),
    _node(101099, 100699, "Others", "Lainnya"),
    _node(100700, 100635, "Security Cameras & Systems", "Kamera Pengawas & Sistem Keamanan"),
    _node(101100, 100700, "CCTV Security Cameras", "Kamera CCTV"),
    _node(101101, 100700, "DVRs", "DVR"),
    _node(101102, 100700, "Dummy Cameras", "Kamera Palsu"),
    _node(101104, 100700, "Others", "Lainnya"),
    _node(100701, 100635, "Lenses", "Lensa"),
    _node(100702, 100635, "Lens Accessories", "Aksesoris Lensa"),
    _node(101105, 100702, "Lens Mount & Adaptors", "Mount & Adaptor Lensa"),
    _node(101106, 100702, "Lens Caps", "Tutup Lensa"),
    _node(101107, 100702, "Filters", "Filter"),
    _node(101108, 100702, "Lens Hoods", "Lens Hood"),
    _node(101109, 100702, "Others", "Lainnya"),
    _node(100703, 100635, "Camera Accessories", "Aksesoris Kamera"),
    _node(101110, 100703, "Flashes", "Flash"),
    _node(101111, 100703, "Flash Accessories", "Aksesoris Flash"),
    _node(102021, 101111, "Flash Triggers", "Trigger Flash"),
    _node(102022, 101111, "Flash Diffusers", "Diffuser Flash"),
    _node(102023, 101111, "Others", "Lainnya"),
    _node(101112, 100703, "Gimbals & Stabilizers", "Gimbal & Stabilizer"),
    _node(101113, 100703, "Lighting & Studio Equipments", "Lampu & Peralatan Studio"),
    _node(101114, 100703, "Photo Films & Papers", "Film & Kertas Foto"),
    _node(101115, 100703, "Photo Printers", "Printer Foto"),
    _node(101116, 100703, "Camera Cases & Bags", "Tas & Casing Kamera"),
    _node(101117, 100703, "Battery Chargers", "Charger Baterai"),
    _node(101118, 100703, "Batteries & Battery Grips", "Baterai & Battery Grip"),
    _node(101119, 100703, "Tripods, Monopods, & Accessories", "Tripod, Monopod & Aksesoris"),
    _node(101120, 100703, "Others", "Lainnya"),
    _node(100704, 100635, "Camera Care", "Perawatan Kamera"),
    _node(101121, 100704, "Dry Boxes & Cabinets", "Dry Box & Dry Cabinet"),
    _node(101122, 100704, "Cleaning Kit", "Alat Pembersih"),
    _node(101123, 100704, "Silica Gel", "Silica Gel"),
    _node(101124, 100704, "Blowers", "Blower"),
    _node(101125, 100704, "Lenspens & Brushes", "Lenspen & Kuas"),
    _node(101126, 100704, "Others", "Lainnya"),
    _node(100705, 100635, "Drones", "Drone"),
    _node(100706, 100635, "Drone Accessories", "Aksesoris Drone"),
    _node(100707, 100635, "Others", "Lainnya"),
    _node(100639, 0, "Hobbies & Collections", "Hobi & Koleksi"),
    _node(100739, 100639, "Toys & Games", "Mainan & Games"),
    _node(101400, 100739, "Dice, Board & Card Games", "Dadu, Board Game & Kartu"),
    _node(101401, 100739, "Magic Toys", "Mainan Sulap"),
    _node(101402, 100739, "Prank Toys", "Mainan Prank"),
    _node(101403, 100739, "Rubik's Cubes", "Rubik"),
    _node(101404, 100739, "Spinning Tops", "Gasing"),
    _node(101405, 100739, "Kendamas", "Kendama"),
    _node(101406, 100739, "Yo-yos", "Yoyo"),
    _node(101407, 100739, "Remote Control Toys & Accessories", "Mainan Remote Control & Aksesoris"),
    _node(101408, 100739, "Capsule Toys", "Mainan Kapsul"),
    _node(101409, 100739, "Others", "Lainnya"),
    _node(100010, 0, "Home Appliances", "Elektronik"),
    _node(100043, 100010, "Batteries", "Baterai"),
    _node(100045, 100010, "Remote Controls", "Remote Kontrol"),
    _node(100046, 100010, "Others", "Lainnya"),
    _node(100636, 0, "Home & Living", "Perlengkapan Rumah"),
    _node(100715, 100636, "Tools & Home Improvement", "Perkakas & Perbaikan Rumah"),
    _node(101191, 100715, "Tools", "Perkakas"),
    _node(101794, 101191, "Tool Boxes", "Kotak Perkakas"),
    _node(101795, 101191, "Measuring Tapes", "Meteran"),
    _node(101796, 101191, "Spanner Sets", "Set Kunci Pas"),
    _node(101797, 101191, "Hammers", "Palu"),
    _node(101798, 101191, "Pliers", "Tang"),
    _node(101799, 101191, "Nails, Screws & Fasteners", "Paku, Sekrup & Pengencang"),
    _node(101800, 101191, "Drills, Screwdrivers & Accessories", "Bor, Obeng & Aksesoris"),
    _node(101801, 101191, "Saws, Cut-off Machines & Grinders", "Gergaji, Mesin Potong & Gerinda"),
    _node(101802, 101191, "Pressure Washers", "Mesin Cuci Tekanan Tinggi"),
    _node(101803, 101191, "Power Generators", "Generator Listrik"),
    _node(101804, 101191, "Electrical Testers & Multimeters", "Tester Listrik & Multimeter"),
    _node(101805, 101191, "Levels & Measuring Wheels", "Waterpass & Roda Ukur"),
    _node(101806, 101191, "Rangefinders", "Pengukur Jarak"),
    _node(101807, 101191, "Air Compressors", "Kompresor Udara"),
    _node(101808, 101191, "Sandpaper, Power Sanders & Accessories", "Amplas, Mesin Amplas & Aksesoris"),
    _node(101809, 101191, "Power Welding Tools", "Alat Las & Solder"),
    _node(101810, 101191, "Blowers", "Blower"),
    _node(101811, 101191, "Others", "Lainnya"),
    _node(100013, 0, "Mobile & Gadgets", "Handphone & Aksesoris"),
    _node(100074, 100013, "Wearable Devices", "Perangkat Wearable"),
    _node(100270, 100074, "Smartwatches & Fitness Trackers", "Smartwatch & Fitness Tracker"),
    _node(100271, 100074, "VR Devices", "Perangkat VR"),
    _node(100272, 100074, "GPS Trackers", "GPS Tracker"),
    _node(100273, 100074, "Others", "Lainnya"),
)
NODES: Final[dict[int, CategoryNode]] = {n.category_id: n for n in CATEGORY_TREE}
_PARENTS: Final = frozenset(n.parent_id for n in CATEGORY_TREE)
LEAF_IDS: Final = frozenset(n.category_id for n in CATEGORY_TREE if n.category_id not in _PARENTS)

DRONES: Final = 100705
DRONE_ACCESSORIES: Final = 100706
RC_TOYS: Final = 101407
BATTERIES: Final = 100043
VR_DEVICES: Final = 100271
CAMERA_BATTERY_CHARGERS: Final = 101117
TOOLS_OTHERS: Final = 101811
PLIERS: Final = 101798
SCREWS: Final = 101799
SCREWDRIVERS: Final = 101800
TESTERS: Final = 101804
SOLDERING: Final = 101809
TOOL_BOXES: Final = 101794
ACTION_CAMERAS: Final = 101094

# The leaf each of the seller's master categories (domain/catalog.py CATEGORIES) is listed under in
# the shop's existing listings: the sandbox's own choice, used only to seed the shop.
SEED_LEAF: Final[dict[str, int]] = {
    "frame": DRONE_ACCESSORIES, "propeller": DRONE_ACCESSORIES, "motor": DRONE_ACCESSORIES,
    "esc": DRONE_ACCESSORIES, "flight_controller": DRONE_ACCESSORIES, "vtx": DRONE_ACCESSORIES,
    "camera": DRONE_ACCESSORIES, "antenna": DRONE_ACCESSORIES, "receiver": DRONE_ACCESSORIES,
    "goggles": DRONE_ACCESSORIES, "charger": DRONE_ACCESSORIES, "cable": DRONE_ACCESSORIES,
    "hardware": DRONE_ACCESSORIES, "radio": RC_TOYS, "battery": BATTERIES, "tool": TOOLS_OTHERS,
    "drone": DRONES, "whoop": DRONES,
}


# --------------------------------------------------------------------------------------------
# Attributes (modelled ids and values, documented shapes)


@dataclass(frozen=True)
class AttributeValue:
    value_id: int
    name: str  # Indonesian
    name_en: str


@dataclass(frozen=True)
class Attribute:
    attribute_id: int
    name: str  # Indonesian
    name_en: str
    input_type: int
    values: tuple[AttributeValue, ...] = ()
    validation: int = VALIDATOR_STRING
    format_type: int = FORMAT_NORMAL
    units: tuple[str, ...] = ()
    max_value_count: int = 1

    def value(self, value_id: int) -> AttributeValue | None:
        return next((v for v in self.values if v.value_id == value_id), None)


def _values(*pairs: tuple[str, str], first_id: int) -> tuple[AttributeValue, ...]:
    return tuple(AttributeValue(first_id + n, name, name_en) for n, (name, name_en) in enumerate(pairs))


COUNTRY_OF_ORIGIN: Final = Attribute(
    100010, "Negara Asal", "Country of Origin", SINGLE_DROP_DOWN,
    _values(("China", "China"), ("Indonesia", "Indonesia"), ("Taiwan", "Taiwan"),
            ("Amerika Serikat", "United States"), ("Jepang", "Japan"), ("Hong Kong", "Hong Kong"),
            ("Korea Selatan", "South Korea"), ("Jerman", "Germany"), ("Lainnya", "Others"), first_id=1),
)
WARRANTY_DURATION: Final = Attribute(
    100037, "Masa Garansi", "Warranty Duration", SINGLE_COMBO_BOX,
    _values(("Tanpa Garansi", "No Warranty"), ("7 Hari", "7 Days"), ("1 Bulan", "1 Month"),
            ("6 Bulan", "6 Months"), ("1 Tahun", "1 Year"), ("2 Tahun", "2 Years"), ("3 Bulan", "3 Months"),
            first_id=1),
)
WARRANTY_TYPE: Final = Attribute(
    100038, "Tipe Garansi", "Warranty Type", SINGLE_DROP_DOWN,
    _values(("Garansi Resmi", "Official Warranty"), ("Garansi Distributor", "Distributor Warranty"),
            ("Garansi Toko", "Shop Warranty"), ("Tanpa Garansi", "No Warranty"), first_id=201),
)
DRONE_FEATURES: Final = Attribute(
    100200, "Fitur Drone", "Drone Features", MULTI_DROP_DOWN,
    _values(("Kamera HD", "HD Camera"), ("Transmisi Video Digital", "Digital Video Link"), ("GPS", "GPS"),
            ("Return to Home", "Return to Home"), ("Bind-N-Fly (BNF)", "Bind-N-Fly (BNF)"),
            ("Plug-N-Play (PNP)", "Plug-N-Play (PNP)"), ("Ready-to-Fly (RTF)", "Ready-to-Fly (RTF)"),
            first_id=301),
    max_value_count=5,
)
FLIGHT_TIME: Final = Attribute(
    100201, "Waktu Terbang Maksimal", "Max Flight Time", FREE_TEXT_FILED,
    validation=VALIDATOR_INT, format_type=FORMAT_QUANTITATIVE_WITH_UNIT, units=("menit",),
)
COMPATIBLE_WITH: Final = Attribute(
    100202, "Kompatibel Dengan", "Compatible With", MULTI_COMBO_BOX,
    _values(("Drone FPV 5 Inch", "5 Inch FPV Drone"), ("Drone FPV 7 Inch", "7 Inch FPV Drone"),
            ("Tiny Whoop", "Tiny Whoop"), ("Cinewhoop", "Cinewhoop"), ("DJI", "DJI"), first_id=401),
    max_value_count=5,
)
BATTERY_TYPE: Final = Attribute(
    100210, "Jenis Baterai", "Battery Type", SINGLE_DROP_DOWN,
    _values(("Li-Po", "Li-Po"), ("LiHV", "LiHV"), ("Li-Ion", "Li-Ion"), ("NiMH", "NiMH"),
            ("Alkaline", "Alkaline"), first_id=501),
)
BATTERY_CAPACITY: Final = Attribute(
    100211, "Kapasitas Baterai", "Battery Capacity", FREE_TEXT_FILED,
    validation=VALIDATOR_INT, format_type=FORMAT_QUANTITATIVE_WITH_UNIT, units=("mAh",),
)
RECOMMENDED_AGE: Final = Attribute(
    100220, "Usia yang Direkomendasikan", "Recommended Age", SINGLE_DROP_DOWN,
    _values(("3 Tahun ke Atas", "3 Years and Up"), ("8 Tahun ke Atas", "8 Years and Up"),
            ("14 Tahun ke Atas", "14 Years and Up"), ("Dewasa", "Adults"), first_id=601),
)
MATERIAL: Final = Attribute(
    100230, "Bahan", "Material", SINGLE_COMBO_BOX,
    _values(("Baja", "Steel"), ("Baja S2", "S2 Steel"), ("Aluminium", "Aluminium"), ("Plastik", "Plastic"),
            first_id=701),
)
ATTRIBUTES: Final[dict[int, Attribute]] = {a.attribute_id: a for a in (
    COUNTRY_OF_ORIGIN, WARRANTY_DURATION, WARRANTY_TYPE, DRONE_FEATURES, FLIGHT_TIME, COMPATIBLE_WITH,
    BATTERY_TYPE, BATTERY_CAPACITY, RECOMMENDED_AGE, MATERIAL)}


# The value a seeded listing (the shop's own, from before SyncStore) carries for each attribute some
# category makes mandatory: FPV parts are mostly made in China; the seller gives a year's warranty.
SEED_VALUES: Final[dict[int, int]] = {COUNTRY_OF_ORIGIN.attribute_id: 1, WARRANTY_DURATION.attribute_id: 5,
                                      BATTERY_TYPE.attribute_id: 501}


@dataclass(frozen=True)
class LeafRules:
    """What one leaf category demands: its attribute tree (attribute, mandatory), a brand, a GTIN."""

    attributes: tuple[tuple[Attribute, bool], ...]
    brand_mandatory: bool = False
    gtin_rule: str | None = None  # None: the limits file's default

    def attribute(self, attribute_id: int) -> tuple[Attribute, bool] | None:
        return next(((a, m) for a, m in self.attributes if a.attribute_id == attribute_id), None)

    @property
    def mandatory(self) -> tuple[Attribute, ...]:
        return tuple(a for a, required in self.attributes if required)


_DEFAULT_RULES: Final = LeafRules(((COUNTRY_OF_ORIGIN, False), (WARRANTY_DURATION, False)))
_TOOL_RULES: Final = LeafRules(((COUNTRY_OF_ORIGIN, False), (WARRANTY_DURATION, False), (MATERIAL, False)))
# Brands are mandatory only where every product the seller's catalog files there has one
# (generator.py: every drone, whoop and radio carries a brand; parts and batteries include "No Brand").
LEAF_RULES: Final[dict[int, LeafRules]] = {
    DRONES: LeafRules(
        ((COUNTRY_OF_ORIGIN, True), (WARRANTY_DURATION, True), (WARRANTY_TYPE, False), (DRONE_FEATURES, False),
         (FLIGHT_TIME, False)),
        brand_mandatory=True, gtin_rule=GTIN_FLEXIBLE),
    DRONE_ACCESSORIES: LeafRules(
        ((COUNTRY_OF_ORIGIN, True), (WARRANTY_DURATION, False), (WARRANTY_TYPE, False), (COMPATIBLE_WITH, False))),
    RC_TOYS: LeafRules(
        ((COUNTRY_OF_ORIGIN, True), (RECOMMENDED_AGE, False), (WARRANTY_DURATION, False)), brand_mandatory=True),
    BATTERIES: LeafRules(
        ((COUNTRY_OF_ORIGIN, True), (BATTERY_TYPE, True), (BATTERY_CAPACITY, False), (WARRANTY_DURATION, False))),
    **{leaf: _TOOL_RULES for leaf in LEAF_IDS if NODES[leaf].parent_id == 101191},
}


def rules_for(leaf_id: int) -> LeafRules:
    return LEAF_RULES.get(leaf_id, _DEFAULT_RULES)


def live_nodes(removed: Collection[int]) -> dict[int, CategoryNode]:
    """The tree without the removed leaves; a parent left without children goes with them (a node
    whose children are all gone would otherwise look like a leaf no listing was ever filed under)."""
    live: dict[int, CategoryNode] = {}

    def keep(node: CategoryNode) -> bool:
        if node.category_id in LEAF_IDS:
            alive = node.category_id not in removed
        else:
            alive = any([keep(child) for child in CATEGORY_TREE if child.parent_id == node.category_id])
        if alive:
            live[node.category_id] = node
        return alive

    for root in CATEGORY_TREE:
        if root.parent_id == 0:
            keep(root)
    return {n.category_id: live[n.category_id] for n in CATEGORY_TREE if n.category_id in live}


# --------------------------------------------------------------------------------------------
# category_recommend: keyword rules over item_name

# (phrase, leaf, weight). A phrase is matched on whole words. The product type usually opens an
# Indonesian listing title, so the first phrase found gets a bonus, and whatever follows "untuk"
# ("for") names what the product fits, not what it is, so it is not read.
_RULES: Final[tuple[tuple[str, int, int], ...]] = (
    # complete aircraft
    ("drone", DRONES, 2), ("quadcopter", DRONES, 5), ("bnf", DRONES, 6), ("pnp", DRONES, 6),
    ("rtf", DRONES, 6), ("siap terbang", DRONES, 6), ("whoop", DRONES, 3), ("tiny whoop", DRONES, 6),
    ("cinewhoop", DRONES, 5),
    # parts
    ("frame", DRONE_ACCESSORIES, 8), ("propeller", DRONE_ACCESSORIES, 8), ("prop", DRONE_ACCESSORIES, 8),
    ("baling baling", DRONE_ACCESSORIES, 8), ("motor", DRONE_ACCESSORIES, 8), ("esc", DRONE_ACCESSORIES, 8),
    ("flight controller", DRONE_ACCESSORIES, 10), ("fc", DRONE_ACCESSORIES, 8), ("stack", DRONE_ACCESSORIES, 6),
    ("vtx", DRONE_ACCESSORIES, 8), ("video transmitter", DRONE_ACCESSORIES, 10),
    ("kamera", DRONE_ACCESSORIES, 8), ("camera", DRONE_ACCESSORIES, 8), ("kamera", ACTION_CAMERAS, 2),
    ("antena", DRONE_ACCESSORIES, 8), ("antenna", DRONE_ACCESSORIES, 8), ("receiver", DRONE_ACCESSORIES, 8),
    ("rx", DRONE_ACCESSORIES, 8), ("goggles", DRONE_ACCESSORIES, 8), ("goggle", DRONE_ACCESSORIES, 8),
    ("kacamata", DRONE_ACCESSORIES, 8), ("goggles", VR_DEVICES, 3), ("kacamata", VR_DEVICES, 3),
    ("charger", DRONE_ACCESSORIES, 8), ("charger", CAMERA_BATTERY_CHARGERS, 3),
    ("kabel", DRONE_ACCESSORIES, 8), ("cable", DRONE_ACCESSORIES, 8), ("konektor", DRONE_ACCESSORIES, 8),
    ("connector", DRONE_ACCESSORIES, 8), ("xt60", DRONE_ACCESSORIES, 4), ("xt30", DRONE_ACCESSORIES, 4),
    ("heat shrink", DRONE_ACCESSORIES, 8), ("selongsong", DRONE_ACCESSORIES, 8),
    ("baut", DRONE_ACCESSORIES, 8), ("baut", SCREWS, 3), ("mur", DRONE_ACCESSORIES, 8), ("mur", SCREWS, 3),
    ("standoff", DRONE_ACCESSORIES, 8), ("strap", DRONE_ACCESSORIES, 10), ("damper", DRONE_ACCESSORIES, 8),
    ("battery strap", DRONE_ACCESSORIES, 12), ("strap baterai", DRONE_ACCESSORIES, 12),
    ("pigtail", DRONE_ACCESSORIES, 10), ("heatshrink", DRONE_ACCESSORIES, 8), ("grommet", DRONE_ACCESSORIES, 8),
    ("screw", DRONE_ACCESSORIES, 8), ("screw", SCREWS, 3),
    ("mount", DRONE_ACCESSORIES, 6), ("pelindung", DRONE_ACCESSORIES, 6), ("spacer", DRONE_ACCESSORIES, 6),
    # batteries
    ("lipo", BATTERIES, 7), ("baterai", BATTERIES, 8), ("batre", BATTERIES, 8), ("battery", BATTERIES, 8),
    ("baterai", CAMERA_BATTERY_CHARGERS, 1),
    # radios
    ("radio", RC_TOYS, 8), ("remote", RC_TOYS, 8), ("remote control", RC_TOYS, 10),
    ("radio controller", RC_TOYS, 12), ("transmitter", RC_TOYS, 3), ("remote", DRONE_ACCESSORIES, 2),
    # tools
    ("tang", PLIERS, 10), ("cutter", PLIERS, 8), ("obeng", SCREWDRIVERS, 10), ("screwdriver", SCREWDRIVERS, 10),
    ("solder", SOLDERING, 10), ("timah", SOLDERING, 8), ("flux", SOLDERING, 8), ("multimeter", TESTERS, 10),
    ("smoke stopper", TESTERS, 12),
    ("checker", TESTERS, 12), ("cell meter", TESTERS, 10), ("tester", TESTERS, 8), ("pinset", TOOLS_OTHERS, 10),
    ("tweezer", TOOLS_OTHERS, 10), ("peralatan", TOOLS_OTHERS, 6), ("tool kit", TOOL_BOXES, 8),
    ("toolkit", TOOL_BOXES, 6), ("tool", TOOLS_OTHERS, 4), ("kunci", TOOLS_OTHERS, 6), ("pengupas", PLIERS, 8),
)
FIRST_PHRASE_BONUS: Final = 4
MAX_SUGGESTIONS: Final = 3
_STOP_AT: Final = re.compile(r"\b(?:untuk|for|cocok)\b")


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("-", " "))) + " "


def recommend(item_name: str, live: Mapping[int, CategoryNode]) -> list[int]:
    """Live leaf ids for `item_name`, best first (at most three, as the documented sample shows)."""
    head = _STOP_AT.split(item_name.lower(), maxsplit=1)[0]
    text = _words(head)
    scores: dict[int, int] = {}
    first: tuple[int, int, int] | None = None  # (position, -weight, leaf) of the opening phrase
    for phrase, leaf, weight in _RULES:
        position = text.find(f" {phrase} ")
        if position < 0 or leaf not in live or leaf not in LEAF_IDS:
            continue
        scores[leaf] = scores.get(leaf, 0) + weight
        first = min(first or (position, -weight, leaf), (position, -weight, leaf))
    if first is not None:
        scores[first[2]] += FIRST_PHRASE_BONUS
    ranked = sorted(scores, key=lambda leaf: (-scores[leaf], leaf))
    return ranked[:MAX_SUGGESTIONS]
