"""TikTok Shop's v2 (L7) category tree for an Indonesian shop, as the sandbox serves it.

What is public and what is modelled:

- Public: SEA shops moved to the 7-level "v2" tree in 2025 ("SEA market: Product category expansion",
  lazykern/ecommerce-api-docs data/raw/tiktok/changelog/products/sea-market-product-category-expansion.json);
  the 3-level v1 tree's "Drones & Accessories" leaf is 912008 and its neighbours below are listed in
  "For the SEA market: Various categories will require the mandatory attribute - Dangerous Goods"
  (same repo, changelog/products/for-the-sea-market-various-categories-will-require-the-mandatory-attribute-
  dangerous-goods.json), which also makes "Dangerous Goods" a required attribute of 912008 from 2024-10-10.
- Modelled: no v2 ids are public. The v2 nodes below follow the v1 tree's shape (Cameras & Drones >
  Drones & Accessories) one level deeper, with 7-digit ids from 7100000 up, a range no v1 id uses (v1 ids
  are 6-digit, 600000-999999). Names are the shop's locale (id-ID), as `local_name` is. Attribute,
  value and certification ids are modelled in the shape of the doc samples (attribute "100392", value
  "1001533", certification "602362" named "SNI Certificate": get-attributes.doc.json,
  get-category-rules.doc.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

SALES_PROPERTY: Final = "SALES_PROPERTY"
PRODUCT_PROPERTY: Final = "PRODUCT_PROPERTY"


@dataclass(frozen=True)
class CategoryNode:
    id: str
    name: str
    parent_id: str  # "0" for a root, as Get Categories answers


@dataclass(frozen=True)
class AttributeSpec:
    id: str
    name: str
    type: str
    required: bool = False  # `is_requried` (sic) on the wire
    multiple: bool = False
    customizable: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (value id, name)
    # Required when any (attribute id, value id) pair is among the product's values (VALUE_ID_MATCH).
    required_when: tuple[tuple[str, str], ...] = ()

    def value_name(self, value_id: str) -> str | None:
        return next((name for vid, name in self.values if vid == value_id), None)


@dataclass(frozen=True)
class CertificationSpec:
    id: str
    name: str
    document_details: str
    expiration_required: bool = False


@dataclass(frozen=True)
class LeafSpec:
    category_id: str
    attributes: tuple[AttributeSpec, ...]
    certifications: tuple[CertificationSpec, ...] = ()
    size_chart_supported: bool = False
    on_tokopedia: bool = True
    keywords: tuple[tuple[str, int], ...] = field(default=())  # (lower-case phrase, weight) for Recommend Category


# -- the tree ------------------------------------------------------------------------------------

ROOT_CAMERAS_DRONES = "7100000"
DRONES_AND_ACCESSORIES = "7100100"

_NODES: tuple[CategoryNode, ...] = (
    CategoryNode(ROOT_CAMERAS_DRONES, "Kamera & Drone", "0"),
    CategoryNode(DRONES_AND_ACCESSORIES, "Drone & Aksesori", ROOT_CAMERAS_DRONES),
    CategoryNode("7100110", "Drone", DRONES_AND_ACCESSORIES),
    CategoryNode("7100111", "Drone FPV Siap Terbang (BNF/PNP/RTF)", "7100110"),
    CategoryNode("7100112", "Drone Mini & Tiny Whoop", "7100110"),
    CategoryNode("7100113", "Drone Kamera", "7100110"),
    CategoryNode("7100120", "Suku Cadang Drone", DRONES_AND_ACCESSORIES),
    CategoryNode("7100121", "Frame Drone", "7100120"),
    CategoryNode("7100122", "Propeller Drone", "7100120"),
    CategoryNode("7100123", "Motor Drone", "7100120"),
    CategoryNode("7100124", "ESC Drone", "7100120"),
    CategoryNode("7100125", "Flight Controller", "7100120"),
    CategoryNode("7100126", "Baut, Standoff & Hardware Drone", "7100120"),
    CategoryNode("7100130", "Sistem FPV", DRONES_AND_ACCESSORIES),
    CategoryNode("7100131", "Kamera FPV", "7100130"),
    CategoryNode("7100132", "Video Transmitter (VTX)", "7100130"),
    CategoryNode("7100133", "Antena FPV", "7100130"),
    CategoryNode("7100134", "Goggles FPV", "7100130"),
    CategoryNode("7100140", "Radio Kontrol Drone", DRONES_AND_ACCESSORIES),
    CategoryNode("7100141", "Radio Transmitter", "7100140"),
    CategoryNode("7100142", "Receiver RC", "7100140"),
    CategoryNode("7100150", "Baterai & Pengisi Daya Drone", DRONES_AND_ACCESSORIES),
    CategoryNode("7100151", "Baterai Drone", "7100150"),
    CategoryNode("7100152", "Charger Baterai Drone", "7100150"),
    CategoryNode("7100160", "Aksesori Drone Lainnya", DRONES_AND_ACCESSORIES),
    CategoryNode("7100161", "Kabel & Konektor Drone", "7100160"),
    CategoryNode("7100162", "Peralatan Servis Drone", "7100160"),
    CategoryNode("7100163", "Tas & Casing Drone", "7100160"),
    CategoryNode("7100200", "Kamera Aksi", ROOT_CAMERAS_DRONES),
    CategoryNode("7100201", "Kamera Aksi & Aksesori", "7100200"),
    CategoryNode("7200000", "Mainan & Hobi", "0"),
    CategoryNode("7200100", "Mainan Remote Control", "7200000"),
    CategoryNode("7200101", "Pesawat & Helikopter RC", "7200100"),
)
NODES: Final[dict[str, CategoryNode]] = {node.id: node for node in _NODES}

# Public v1 (3-level tree) leaf ids, all from the Dangerous Goods changelog above: Drones & Accessories and
# the camera, RC-toy, battery, charger and cable leaves next to it. A SEA shop sending one of them is told
# to use v2 (12052217 with category_version v1; 12052230 with v2).
V1_CATEGORY_IDS: Final[frozenset[str]] = frozenset({
    "912008",  # Drones & Accessories
    "911112",  # Action Cameras
    "910984",  # Mirrorless Cameras
    "910856",  # Point & Shoot Cameras
    "911624",  # DSLRs
    "867080",  # Airplanes & Helicopters (RC toys)
    "868104",  # Electric Toy Accessories
    "842128",  # Universal Battery Chargers
    "841872",  # Dry Cell Batteries
    "601937",  # Cables, Chargers & Adapters
    "882952",  # Power Tool Accessories
})

# -- attributes ----------------------------------------------------------------------------------
# "Dangerous Goods" is required on 912008 since 2024-10-10 (changelog above); its values are not public.

DANGEROUS_GOODS = AttributeSpec("101610", "Barang Berbahaya", PRODUCT_PROPERTY, required=True, values=(
    ("1024357", "Tidak Ada"),
    ("1024358", "Mengandung Baterai Litium"),
    ("1024359", "Mudah Terbakar"),
))
NO_DANGEROUS_GOODS, LITHIUM_BATTERY = "1024357", "1024358"
COUNTRY_OF_ORIGIN = AttributeSpec("100336", "Negara Asal", PRODUCT_PROPERTY, required=True, values=(
    ("1000941", "Tiongkok"),
    ("1000942", "Indonesia"),
    ("1000943", "Taiwan"),
    ("1000944", "Amerika Serikat"),
    ("1000945", "Jepang"),
))
CHINA, INDONESIA = "1000941", "1000942"
_WARRANTY_VALUES = (
    ("1002101", "Tanpa Garansi"),
    ("1002102", "Garansi Toko"),
    ("1002103", "Garansi Distributor"),
    ("1002104", "Garansi Resmi"),
)
NO_WARRANTY, SHOP_WARRANTY, OFFICIAL_WARRANTY = "1002101", "1002102", "1002104"
WARRANTY_REQUIRED = AttributeSpec("100347", "Jenis Garansi", PRODUCT_PROPERTY, required=True, values=_WARRANTY_VALUES)
WARRANTY_OPTIONAL = AttributeSpec("100347", "Jenis Garansi", PRODUCT_PROPERTY, values=_WARRANTY_VALUES)
# Required only when the product contains a lithium battery (a `requirement_conditions` attribute).
BATTERY_CHEMISTRY = AttributeSpec("101611", "Jenis Baterai", PRODUCT_PROPERTY, customizable=True, values=(
    ("1024401", "LiPo"), ("1024402", "LiHV"), ("1024403", "Li-ion"),
), required_when=((DANGEROUS_GOODS.id, LITHIUM_BATTERY),))
CONNECTOR = AttributeSpec("100512", "Tipe Konektor", PRODUCT_PROPERTY, multiple=True, customizable=True, values=(
    ("1005121", "XT60"), ("1005122", "XT30"), ("1005123", "BT2.0"), ("1005124", "SMA"), ("1005125", "RP-SMA"),
    ("1005126", "U.FL"),
))
MATERIAL = AttributeSpec("100198", "Bahan", PRODUCT_PROPERTY, multiple=True, customizable=True, values=(
    ("1001981", "Serat Karbon"), ("1001982", "Aluminium"), ("1001983", "Plastik"), ("1001984", "Titanium"),
    ("1001985", "Baja"),
))
MODEL = AttributeSpec("100107", "Model", PRODUCT_PROPERTY, customizable=True)


def _sales(name: str, *options: str) -> tuple[str, tuple[str, ...]]:
    return name, options


# Sales properties per leaf: (name, options); ids come from the names (see tiktok_products.attribute_id),
# the same ids a seller's custom variant name gets, so "Warna" sent by name lands on the built-in one.
_COLOURS = ("Merah", "Biru", "Hijau", "Hitam", "Kuning", "Transparan")
GENERIC_SALES: Final = (_sales("Warna", *_COLOURS), _sales("Ukuran"), _sales("Varian"))
SALES_BY_LEAF: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "7100123": (_sales("KV", "1750KV", "1950KV", "2450KV", "2750KV"),),
    "7100151": (_sales("Cell", "4S", "6S"), _sales("Kapasitas", "850mAh", "1300mAh", "1500mAh")),
    "7100142": (_sales("Frekuensi", "2.4 GHz", "915 MHz"),),
    "7100141": (_sales("Frekuensi", "2.4 GHz", "915 MHz"),),
    "7100132": (_sales("Konektor", "SMA", "RP-SMA", "U.FL"),),
    "7100133": (_sales("Konektor", "SMA", "RP-SMA", "U.FL"),),
    "7100131": (_sales("Lensa", "1.8mm", "2.1mm"),),
}

# -- certifications --------------------------------------------------------------------------------
# Modelled on Indonesian requirements: SNI (the doc sample's certification) and the SDPPI/Postel radio
# certificate for transmitters. Neither is required on the seller's leaves unless the sandbox is told so.

SNI = CertificationSpec("602362", "Sertifikat SNI", "Unggah sertifikat SNI yang masih berlaku untuk produk ini.")
SDPPI = CertificationSpec("602371", "Sertifikat SDPPI (Postel)",
                          "Unggah sertifikat SDPPI untuk perangkat pemancar radio.", expiration_required=True)

_ELECTRONIC = (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN, WARRANTY_REQUIRED, MODEL)
_PART = (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN, WARRANTY_OPTIONAL, MATERIAL)

LEAVES: Final[dict[str, LeafSpec]] = {leaf.category_id: leaf for leaf in (
    LeafSpec("7100111", (*_ELECTRONIC, BATTERY_CHEMISTRY), (SDPPI,),
             keywords=(("bnf", 6), ("pnp", 6), ("rtf", 6), ("siap terbang", 6), ("drone fpv", 3),
                       ("cinelog", 5), ("nazgul", 5), ("freestyle 3.5", 3), ("7 inch 6s", 4), ("5 inch 6s", 4))),
    LeafSpec("7100112", (*_ELECTRONIC, BATTERY_CHEMISTRY), (SDPPI,),
             keywords=(("whoop", 8), ("tiny whoop", 10), ("65mm", 5), ("75mm", 5), ("meteor", 4), ("mobula", 4),
                       ("indoor", 3), ("1s", 2))),
    LeafSpec("7100113", (*_ELECTRONIC, BATTERY_CHEMISTRY), (SDPPI,),
             keywords=(("drone kamera", 8), ("gps", 4), ("mavic", 8), ("mini 4 pro", 8))),
    LeafSpec("7100121", _PART, (), size_chart_supported=True,
             keywords=(("frame", 8), ("frame kit", 12), ("cinelifter", 4), ("stretch x", 4), ("arm", 1))),
    LeafSpec("7100122", _PART, (),
             keywords=(("propeller", 9), ("baling", 9), ("prop", 8), ("tri-blade", 5), ("blade", 3))),
    LeafSpec("7100123", _ELECTRONIC, (),
             keywords=(("motor", 9), ("brushless", 3), ("kv", 2))),
    LeafSpec("7100124", _ELECTRONIC, (),
             keywords=(("esc", 9), ("4in1", 4), ("blheli", 4), ("am32", 4), ("bluejay", 4))),
    LeafSpec("7100125", _ELECTRONIC, (),
             keywords=(("flight controller", 10), ("fc", 9), ("stack", 12), ("f4", 5), ("f405", 5), ("f722", 5),
                       ("f7", 5), ("h7", 5), ("betaflight", 3), ("aio", 3))),
    LeafSpec("7100126", (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN, MATERIAL), (),
             keywords=(("baut", 9), ("screw", 9), ("mur", 9), ("standoff", 9), ("strap", 9),
                       ("battery strap", 14), ("strap baterai", 14),
                       ("damper", 9), ("grommet", 8), ("spacer", 8), ("karet", 4), ("m3", 3), ("m5", 2))),
    LeafSpec("7100131", _ELECTRONIC, (),
             keywords=(("kamera fpv", 10), ("camera fpv", 10), ("kamera drone fpv", 11), ("fpv camera", 10),
                       ("tvl", 6), ("ratel", 5), ("nebula", 4), ("cmos", 3), ("lensa", 2))),
    LeafSpec("7100132", _ELECTRONIC, (SDPPI,),
             keywords=(("vtx", 10), ("video transmitter", 10), ("unify", 5))),
    LeafSpec("7100133", (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN, WARRANTY_OPTIONAL, CONNECTOR), (),
             keywords=(("antena", 10), ("antenna", 10), ("whoop ant", 12), ("dbi", 5), ("rhcp", 5), ("lhcp", 5))),
    LeafSpec("7100134", _ELECTRONIC, (SDPPI,),
             keywords=(("goggles", 10), ("goggle", 9), ("kacamata fpv", 10), ("dvr", 4), ("head tracking", 3))),
    LeafSpec("7100141", _ELECTRONIC, (SDPPI,),
             keywords=(("radio controller", 10), ("remote radio", 10), ("remote control", 9), ("radio", 6),
                       ("gimbal", 4), ("edgetx", 4))),
    LeafSpec("7100142", _ELECTRONIC, (SDPPI,),
             keywords=(("receiver", 10), ("rx", 9), ("elrs", 3), ("expresslrs", 3), ("pwm", 2))),
    LeafSpec("7100151", (*_ELECTRONIC, BATTERY_CHEMISTRY), (SNI,), on_tokopedia=False,
             keywords=(("lipo", 9), ("batre", 9), ("baterai", 10), ("baterai lipo", 10), ("battery", 6), ("lihv", 5),
                       ("120c", 3), ("100c", 3))),
    LeafSpec("7100152", _ELECTRONIC, (SNI,),
             keywords=(("charger", 10), ("balance charger", 10), ("pengisi daya", 10))),
    LeafSpec("7100161", (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN, CONNECTOR), (),
             keywords=(("kabel", 9), ("konektor", 9), ("connector", 9), ("heat shrink", 9), ("selongsong", 9),
                       ("xt60", 4), ("xt30", 4), ("silicone wire", 8), ("pigtail", 6))),
    LeafSpec("7100162", (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN, WARRANTY_OPTIONAL), (),
             keywords=(("tang", 9), ("obeng", 9), ("pinset", 9), ("solder", 7), ("smoke stopper", 12), ("cutter", 6),
                       ("multimeter", 9), ("checker", 12), ("cell meter", 10), ("tester", 8), ("kunci prop", 14),
                       ("wrench", 9), ("kunci", 6), ("bengkel", 3), ("alat", 3))),
    LeafSpec("7100163", (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN), (),
             keywords=(("tas", 8), ("backpack", 8), ("hardcase", 8), ("casing", 6))),
    LeafSpec("7100201", _ELECTRONIC, (),
             keywords=(("action camera", 10), ("kamera aksi", 10), ("gopro", 9), ("insta360", 9))),
    LeafSpec("7200101", (DANGEROUS_GOODS, COUNTRY_OF_ORIGIN), (),
             keywords=(("mainan", 8), ("helikopter", 8), ("pesawat rc", 9), ("drone", 1), ("anak", 3))),
)}

# The seller's master categories (domain/catalog.py CATEGORIES keys) -> the leaf the sandbox files the
# shop's existing TikTok listings under when seeding.
SEED_LEAF: Final[dict[str, str]] = {
    "frame": "7100121", "propeller": "7100122", "motor": "7100123", "esc": "7100124",
    "flight_controller": "7100125", "vtx": "7100132", "camera": "7100131", "antenna": "7100133",
    "receiver": "7100142", "radio": "7100141", "goggles": "7100134", "battery": "7100151",
    "charger": "7100152", "cable": "7100161", "hardware": "7100126", "tool": "7100162",
    "drone": "7100111", "whoop": "7100112",
}

assert set(LEAVES) <= set(NODES) and set(SEED_LEAF.values()) <= set(LEAVES)
assert not V1_CATEGORY_IDS & set(NODES)


def children_of(category_id: str) -> list[str]:
    return [node.id for node in _NODES if node.parent_id == category_id]


def is_leaf(category_id: str) -> bool:
    return category_id in NODES and not children_of(category_id)


def subtree(category_id: str) -> set[str]:
    """The category and everything under it."""
    found = {category_id}
    for child in children_of(category_id):
        found |= subtree(child)
    return found


def chain(category_id: str) -> list[CategoryNode]:
    """Root first, down to the category."""
    path: list[CategoryNode] = []
    node = NODES.get(category_id)
    while node is not None:
        path.insert(0, node)
        node = NODES.get(node.parent_id)
    return path


def tokopedia_ids() -> set[str]:
    """The Tokopedia tree: its leaves and every ancestor of one."""
    return {node.id for leaf in LEAVES.values() if leaf.on_tokopedia for node in chain(leaf.category_id)}


def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(phrase) + r"(?!\w)")


_KEYWORDS: Final[dict[str, tuple[tuple[re.Pattern[str], int], ...]]] = {
    cid: tuple((_pattern(phrase), weight) for phrase, weight in leaf.keywords) for cid, leaf in LEAVES.items()
}


def recommend(title: str, candidates: set[str]) -> list[str]:
    """Leaf ids best first for a title. Indonesian titles lead with the product noun ("Charger LiPo ...",
    "Kabel Ekstensi Balance Charger"), so a leaf scores by its best keyword, discounted by how late in the
    title it appears; the other hits only break ties."""
    text = " ".join(title.casefold().split())
    scores: dict[str, float] = {}
    for cid, keywords in _KEYWORDS.items():
        if cid not in candidates:
            continue
        hits = []
        for pattern, weight in keywords:
            match = pattern.search(text)
            if match:
                hits.append(weight / (1 + 0.3 * text.count(" ", 0, match.start())))
        if hits:
            scores[cid] = max(hits) + 0.1 * (sum(hits) - max(hits))
    return sorted(scores, key=lambda cid: (-scores[cid], cid))
