"""A deterministic generator of the seller's master catalog (see the shared catalog brief).

Same seed, same catalog: every random choice comes from one `random.Random(seed)`, drawn in
a fixed order, so the sandbox marketplaces, the demo and the tests all see the same products.
Pure Python and no I/O: image URLs point at the sandbox image host, which renders them on
request, so nothing is written anywhere.

About 5% of the products carry the flaws a real catalog has, each kind at a fixed count; the
`manifest` says which products carry which flaw so the tests can check that the validator finds
them on its own. A product carries at most one flaw, and the pilot products PROD-1 and PROD-2
carry none.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from syncstore_cli.domain.catalog import CATEGORIES, Platform, Product, Tier, Variant

DEFAULT_SEED: int = 20261124
DEFAULT_COUNT: Final[int] = 4147
DEFAULT_TIKTOK_COUNT: Final[int] = 500
DEFAULT_IMAGE_BASE_URL: Final[str] = "http://127.0.0.1:8780"

# The manifest keys and how many products carry each flaw in a catalog of DEFAULT_COUNT or more.
FLAW_COUNTS: Final[dict[str, int]] = {
    "few_images": 30,
    "title_too_short": 15,
    "title_too_long": 15,
    "price_zero": 12,
    "price_missing": 8,
    "duplicate_sku": 10,
    "weight_zero": 20,
    "description_short": 25,
    "emoji_in_title": 12,
    "html_entity_in_title": 8,
    "zero_stock": 30,
    "broken_image_url": 20,
}

VARIANT_SHARE: Final[float] = 0.30
MAX_VARIANT_COMBINATIONS: Final[int] = 50
TITLE_MIN: Final[int] = 35
TITLE_MAX: Final[int] = 90
DESCRIPTION_MIN: Final[int] = 150
DESCRIPTION_MAX: Final[int] = 3000


@dataclass(frozen=True)
class GeneratedCatalog:
    products: tuple[Product, ...]
    manifest: dict[str, list[str]]  # flaw kind -> sorted list of product ids carrying that flaw


# --------------------------------------------------------------------------------------------
# Families: share of the catalog (percent), base price range and the categories they file under.


@dataclass(frozen=True)
class _Family:
    key: str
    share: int
    price_range: tuple[int, int]
    categories: tuple[tuple[str, int], ...]  # (category key, relative weight)


_FAMILIES: Final[tuple[_Family, ...]] = (
    _Family("frames", 8, (150_000, 1_200_000), (("frame", 1),)),
    _Family("propellers", 12, (15_000, 90_000), (("propeller", 1),)),
    _Family("motors", 10, (120_000, 650_000), (("motor", 1),)),
    _Family("esc_fc", 10, (250_000, 2_500_000), (("esc", 4), ("flight_controller", 6))),
    _Family("video", 14, (60_000, 1_800_000), (("vtx", 35), ("camera", 35), ("antenna", 30))),
    _Family("radio_link", 8, (150_000, 6_500_000), (("receiver", 60), ("radio", 40))),
    _Family("goggles", 3, (1_500_000, 12_000_000), (("goggles", 1),)),
    _Family("power", 12, (90_000, 1_500_000), (("battery", 70), ("charger", 30))),
    _Family("small_parts", 18, (5_000, 250_000), (("cable", 40), ("hardware", 40), ("tool", 20))),
    _Family("drones", 5, (1_800_000, 9_000_000), (("drone", 60), ("whoop", 40))),
)
_FAMILY_OF: Final[dict[str, _Family]] = {cat: fam for fam in _FAMILIES for cat, _ in fam.categories}
# Goggles are sold as-is (the brief says "none"); a charger has nothing the seller varies.
_NO_VARIANTS: Final[frozenset[str]] = frozenset({"goggles", "charger"})

assert set(_FAMILY_OF) == set(CATEGORIES), "every catalog category belongs to exactly one family"
assert sum(f.share for f in _FAMILIES) == 100


# --------------------------------------------------------------------------------------------
# Drafts: what a category maker decides; the assembler adds SKU, images, stock and variants.


@dataclass(frozen=True)
class _Opt:
    label: str
    code: str
    factor: float = 1.0  # price multiplier against the cheapest option of the tier


@dataclass(frozen=True)
class _TierSpec:
    name: str
    options: tuple[_Opt, ...]
    images: bool = False  # a colour is worth its own picture; a KV value is not


@dataclass
class _Draft:
    category: str
    brand: str
    stem: str  # SKU without its sequence number, e.g. "FRM-5IN-CF"
    title: str
    price: int
    weight_g: int
    dims: tuple[int, int, int]
    specs: list[tuple[str, str]]
    tiers: list[_TierSpec] = field(default_factory=list)


_Maker = Callable[[random.Random, bool], _Draft]

_NO_BRAND: Final[str] = "No Brand"
# Items with few models (chargers, radios, goggles) would repeat titles; sellers tell them apart so.
_EDITIONS: Final[tuple[str, ...]] = (
    "", "", "Original", "Garansi Resmi", "Versi Terbaru", "Paket Lengkap", "Bonus Tas", "Stok Terbatas",
    "Garansi 1 Tahun", "Resmi Indonesia",
)

_COLOR_CODES: Final[dict[str, str]] = {
    "Merah": "RED", "Biru": "BLU", "Hijau": "GRN", "Hitam": "BLK", "Kuning": "YEL",
    "Transparan": "CLR", "Oranye": "ORG", "Ungu": "PUR", "Putih": "WHT", "Pink": "PNK",
    "Abu-abu": "GRY", "Emas": "GLD", "Red": "RED", "Blue": "BLU", "Green": "GRN",
}
_PROP_COLORS: Final[tuple[str, ...]] = (
    "Merah", "Biru", "Hijau", "Hitam", "Kuning", "Transparan", "Oranye", "Ungu", "Putih", "Pink",
)
_PART_COLORS: Final[tuple[str, ...]] = (
    "Hitam", "Merah", "Biru", "Hijau", "Kuning", "Oranye", "Ungu", "Putih", "Abu-abu", "Emas",
)

_SKU_JUNK: Final[re.Pattern[str]] = re.compile(r"[^A-Z0-9]+")


def _sku_part(text: str, limit: int = 50) -> str:
    return _SKU_JUNK.sub("-", text.upper()).strip("-")[:limit].rstrip("-")


def _code(label: str) -> str:
    return _COLOR_CODES.get(label) or _SKU_JUNK.sub("", label.upper())[:10]


def _t(*parts: str) -> str:
    """Join title parts, dropping empty ones, so a template can leave a slot out."""
    return " ".join(" ".join(p for p in parts if p).split())


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _round_price(value: float, lo: int, hi: int) -> int:
    step = 500 if value < 100_000 else 1_000 if value < 1_000_000 else 5_000
    return min(max(round(value / step) * step, lo), hi)


def _price(rng: random.Random, lo: int, hi: int) -> int:
    """Log-uniform in [lo, hi]: cheap items are more common than dear ones, as in a real shop."""
    price = _round_price(math.exp(rng.uniform(math.log(lo), math.log(hi))), lo, hi)
    # Sellers like prices just under a round figure (Rp 149.000, Rp 44.500).
    if rng.random() < 0.3 and price % 10_000 == 0:
        dip = 500 if price < 100_000 else 1_000
        if price - dip >= lo:
            price -= dip
    return price


def _dims(rng: random.Random, lo: tuple[int, int, int], hi: tuple[int, int, int]) -> tuple[int, int, int]:
    return (rng.randint(lo[0], hi[0]), rng.randint(lo[1], hi[1]), rng.randint(lo[2], hi[2]))


def _options(
    rng: random.Random, pool: Sequence[_Opt], lo: int = 2, hi: int = 6, big: float = 0.0
) -> tuple[_Opt, ...]:
    """A subset of `pool` in pool order: usually 2-6 options, sometimes (probability `big`) up to 20."""
    top = min(hi, len(pool))
    n = rng.randint(min(lo, top), top)
    if len(pool) > hi and rng.random() < big:
        n = rng.randint(hi + 1, min(20, len(pool)))
    return tuple(pool[i] for i in sorted(rng.sample(range(len(pool)), n)))


def _relative(opts: Sequence[_Opt]) -> tuple[_Opt, ...]:
    """Rescale factors so the cheapest chosen option is 1.0 (the product's base price)."""
    low = min(o.factor for o in opts)
    return tuple(_Opt(o.label, o.code, o.factor / low) for o in opts)


def _colors(rng: random.Random, pool: Sequence[str], name: str = "Warna", hi: int = 6) -> _TierSpec:
    opts = [_Opt(c, _COLOR_CODES[c]) for c in pool]
    return _TierSpec(name, _options(rng, opts, hi=hi, big=0.05), images=True)


def _brand_model(
    rng: random.Random, table: Sequence[tuple[str, int, Sequence[str]]]
) -> tuple[str, str, str]:
    """(brand, model, brand as it appears in a title); an unbranded item keeps its brand out of the title."""
    brand = _pick(rng, [(b, w) for b, w, _ in table])
    models = next(m for b, _, m in table if b == brand)
    model = rng.choice(models) if models else ""
    return brand, model, "" if brand == _NO_BRAND else brand


# --------------------------------------------------------------------------------------------
# Category makers. Each returns a draft whose title leaves out whatever its variants vary.

_FRAME_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("iFlight", 5, ("Nazgul Evoque", "AOS", "Chimera", "Titan XL", "ProTek", "Nazgul")),
    ("GEPRC", 5, ("Mark5", "Mark4", "Crocodile", "Cinebot", "Vapor", "Smart")),
    ("TBS", 3, ("Source One V5", "Source One V6", "Source One Deadcat")),
    ("Diatone", 2, ("Roma", "Taycan", "GT R", "Mamba")),
    ("Flywoo", 2, ("Explorer LR", "Vampire", "FlyLens")),
    ("HGLRC", 2, ("Sector", "Rekon", "Petrel")),
    (_NO_BRAND, 8, ("Apex", "Mark4", "Source One", "Chimera", "Kayoumini", "XL", "Martian", "TBS Clone")),
)
_FRAME_STYLES: Final[dict[int, tuple[str, ...]]] = {
    3: ("Cinewhoop", "Freestyle", "Toothpick", "Micro"),
    5: ("Racing", "Freestyle", "Cinematic", "Bando"),
    7: ("Long Range", "Freestyle", "Cinematic", "Mountain Surfing"),
    10: ("Long Range", "Cinelifter", "Heavy Lift", "Cruiser"),
}
_FRAME_ARMS: Final[dict[int, tuple[int, ...]]] = {3: (3, 4), 5: (4, 5, 6), 7: (5, 6), 10: (6, 8)}
_FRAME_WHEELBASE: Final[dict[int, tuple[int, int]]] = {3: (125, 160), 5: (210, 240), 7: (295, 330), 10: (410, 460)}
_FRAME_PRICE: Final[dict[int, tuple[int, int]]] = {
    3: (150_000, 450_000), 5: (200_000, 900_000), 7: (350_000, 1_100_000), 10: (500_000, 1_200_000),
}
_GEOMETRIES: Final[tuple[str, ...]] = ("True X", "Squashed X", "Deadcat", "Stretch X", "Hybrid X", "Wide X")


def _frame(rng: random.Random, variants: bool) -> _Draft:
    size = rng.choices((3, 5, 7, 10), weights=(20, 50, 20, 10))[0]
    style = rng.choice(_FRAME_STYLES[size])
    arm = rng.choice(_FRAME_ARMS[size])
    wheelbase = rng.randint(*_FRAME_WHEELBASE[size]) // 5 * 5
    geometry = rng.choice(_GEOMETRIES)
    brand, model, b = _brand_model(rng, _FRAME_MODELS)
    tiers: list[_TierSpec] = []
    arm_varies = variants and rng.random() < 0.5
    if variants:
        if arm_varies:
            arm_opts = [_Opt(f"{a}mm", f"{a}MM", 1.0 + 0.08 * i) for i, a in enumerate((3, 4, 5, 6, 8))]
            tiers.append(_TierSpec("Ketebalan Arm", _options(rng, arm_opts, hi=4)))
        if not arm_varies or rng.random() < 0.3:
            tiers.append(_colors(rng, _PART_COLORS, "Warna TPU"))
    arm_txt = "" if arm_varies else f"{arm}mm Arm"
    use = rng.choice([s for s in _FRAME_STYLES[size] if s != style])
    title = rng.choice(
        (
            _t("Frame", style, f"{size} Inch Carbon Fiber", arm_txt, "FPV", use),
            _t(b, model, f"{size} Inch Frame Kit", geometry, f"{wheelbase}mm Carbon", arm_txt),
            _t("Frame Kit", model, f"{size} Inch {wheelbase}mm", arm_txt, "untuk Drone FPV", style),
            _t("Frame FPV", f"{size} Inch", geometry, style, "Carbon T700", arm_txt, b),
        )
    )
    lo, hi = _FRAME_PRICE[size]
    if brand == _NO_BRAND:
        hi = (lo + hi) // 2
    weight = {3: (60, 150), 5: (120, 260), 7: (200, 380), 10: (350, 650)}[size]
    return _Draft(
        "frame", brand, f"FRM-{size}IN-CF", title, _price(rng, lo, hi), rng.randint(*weight),
        _dims(rng, (12 + size * 2, 10 + size, 3), (16 + size * 3, 14 + size * 2, 7)),
        [("Ukuran", f"{size} inch"), ("Wheelbase", f"{wheelbase}mm"), ("Geometri", geometry),
         ("Material", "Carbon fiber T700"), ("Ketebalan arm", "lihat varian" if arm_varies else f"{arm}mm")],
        tiers,
    )


# (code, size class shown in titles, dimensions text, blades)
_PROPS: Final[tuple[tuple[str, str, str, int], ...]] = (
    ("31MM", "31mm", "31mm", 3), ("40MM", "40mm", "40mm", 4), ("45MM", "45mm", "45mm", 3),
    ("2020", "2 Inch", "2x2x4", 4), ("2023", "2 Inch", "2x2.3x3", 3),
    ("3018", "3 Inch", "3x1.8x2", 2), ("3020", "3 Inch", "3x2x3", 3), ("3052", "3 Inch", "3x5.2x3", 3),
    ("4024", "4 Inch", "4x2.4x2", 2), ("4030", "4 Inch", "4x3x3", 3),
    ("5145", "5 Inch", "5.1x4.5x3", 3), ("51433", "5 Inch", "5.1x4.33x3", 3),
    ("51466", "5 Inch", "5.1x4.66x3", 3), ("5043", "5 Inch", "5x4.3x3", 3), ("5040", "5 Inch", "5x4x3", 3),
    ("6030", "6 Inch", "6x3x2", 2), ("7035", "7 Inch", "7x3.5x3", 3), ("7040", "7 Inch", "7x4x2", 2),
)
_PROP_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("Gemfan", 6, ("Hurricane", "Windancer", "Flash", "D90", "Floppy Proppy")),
    ("HQProp", 6, ("Ethix S5", "V1S", "Durable", "T-Series", "Juicy Prop")),
    ("DAL", 2, ("Cyclone", "New Folding", "T5046C")),
    ("Azure", 2, ("Power", "Vanover")),
    ("Foxeer", 1, ("Donut",)),
    ("iFlight", 2, ("Nazgul", "Nazgul F5")),
    ("BetaFPV", 2, ("Gemfan Whoop", "HQ Ultralight")),
    ("HappyModel", 1, ("Whoop Prop",)),
    (_NO_BRAND, 6, ("", "Racing", "Tri-Blade", "Freestyle")),
)
_PROP_PACKS: Final[tuple[tuple[str, float], ...]] = (
    ("Isi 2 Pasang", 1.0), ("Isi 4 pcs", 1.0), ("2CW 2CCW", 1.0), ("Isi 8 pcs", 1.8), ("Isi 4 Pasang", 1.8),
)


def _propeller(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _PROP_MODELS)
    # Whoop brands only make small props; the others make every size.
    small = brand in ("BetaFPV", "HappyModel")
    code, size, dims, blades = rng.choice(_PROPS[:8] if small else _PROPS)
    pack, pack_factor = rng.choice(_PROP_PACKS)
    blade_txt = rng.choice((f"{blades} Blade", "Tri-Blade" if blades == 3 else f"{blades}-Blade"))
    material = rng.choice(("PC", "Polycarbonate", "Nylon Glass Fiber", "PC Durable"))
    tiers: list[_TierSpec] = []
    size_varies = variants and rng.random() < 0.4
    if variants:
        tiers.append(_colors(rng, _PROP_COLORS))
        if size_varies:
            same = [p for p in _PROPS if p[1] == size]
            if len(same) < 2:
                size_varies = False
            else:
                opts = [_Opt(p[0], p[0], 1.0 + 0.05 * i) for i, p in enumerate(same)]
                tiers.append(_TierSpec("Ukuran", _options(rng, opts, hi=4)))
    whoop = size.endswith("mm")
    code_txt = "" if size_varies or whoop else code
    dims_txt = "" if size_varies or whoop else dims
    target = f"{size} Whoop" if whoop else size
    title = rng.choice(
        (
            _t("Propeller", b, code_txt, model, target, blade_txt, pack),
            _t("Baling Baling", b, dims_txt, model, target, material, pack),
            _t("Prop", target, code_txt, blade_txt, b, model, "untuk Drone FPV"),
            _t("Propeller FPV", target, dims_txt, material, blade_txt, b, pack),
        )
    )
    lo, hi = (15_000, 45_000) if whoop or size.startswith(("2", "3")) else (20_000, 60_000)
    price = _round_price(_price(rng, lo, hi) * pack_factor, 15_000, 90_000)
    stem = f"PRP-{_sku_part(size)}" if size_varies else f"PRP-{code}"
    return _Draft(
        "propeller", brand, stem, title, price, rng.randint(8, 60), _dims(rng, (8, 6, 1), (20, 14, 3)),
        [("Ukuran", "lihat varian" if size_varies else f"{dims} ({size})"), ("Jumlah blade", str(blades)),
         ("Material", material), ("Isi", pack)],
        tiers,
    )


# (stator, size class for titles, KV options, price range, weight range)
_STATORS: Final[tuple[tuple[str, str, tuple[int, ...], tuple[int, int], tuple[int, int]], ...]] = (
    ("0802", "Tiny Whoop", (15000, 19000, 22000, 25000), (120_000, 200_000), (15, 30)),
    ("1103", "2 Inch", (8000, 10000, 11000), (130_000, 220_000), (18, 35)),
    ("1404", "3 Inch", (2750, 3800, 4600), (150_000, 300_000), (25, 45)),
    ("1507", "3 Inch Cinewhoop", (2700, 3100, 3800), (170_000, 320_000), (30, 50)),
    ("2004", "4 Inch", (1700, 2400, 3000), (200_000, 380_000), (40, 60)),
    ("2207", "5 Inch", (1750, 1950, 2450, 2750), (220_000, 480_000), (45, 70)),
    ("2306", "5 Inch", (1750, 1950, 2450, 2750), (220_000, 480_000), (45, 70)),
    ("2207.5", "5 Inch", (1750, 1950, 2450, 2750), (250_000, 500_000), (48, 72)),
    ("2806.5", "7 Inch", (1300, 1500, 1800), (350_000, 600_000), (70, 110)),
    ("3115", "10 Inch", (900, 1050, 1200), (420_000, 650_000), (120, 190)),
)
_MOTOR_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("T-Motor", 4, ("F60 Pro V", "Velox V2", "F40 Pro IV", "Pacer P", "F100")),
    ("iFlight", 4, ("XING2", "XING-E Pro", "XING X", "XING2 Unibell")),
    ("BetaFPV", 2, ("Lava", "Brushless Series")),
    ("GEPRC", 2, ("SPEEDX2", "EM Series", "GR Series")),
    ("HappyModel", 2, ("EX Series", "SE Series")),
    ("Emax", 2, ("ECO II", "RS Series", "ECO Micro")),
    ("Flywoo", 1, ("NIN V2", "ROBO")),
    (_NO_BRAND, 5, ("",)),
)


def _motor(rng: random.Random, variants: bool) -> _Draft:
    stator, target, kvs, (lo, hi), weight = rng.choice(_STATORS)
    kv = rng.choice(kvs)
    brand, model, b = _brand_model(rng, _MOTOR_MODELS)
    tiers: list[_TierSpec] = []
    if variants:
        opts = [_Opt(f"{k}KV", f"{k}KV") for k in kvs]
        tiers.append(_TierSpec("KV", _options(rng, opts, hi=4)))
    kv_txt = "" if variants else f"{kv}KV"
    cells = {"0802": "1S", "1103": "1-2S", "1404": "4S", "1507": "4S"}.get(stator, rng.choice(("4S", "6S")))
    shaft = "Shaft 1.5mm" if stator in ("0802", "1103") else rng.choice(("Shaft 5mm", "Shaft M5", "Titanium Shaft"))
    inch = f"{target}" if target == "Tiny Whoop" else f"Drone FPV {target}"
    title = rng.choice(
        (
            _t("Motor Brushless", stator, kv_txt, b, model, "untuk", inch),
            _t(b, model, stator, kv_txt, "Motor Brushless FPV", target),
            _t("Motor", b, model, stator, kv_txt, cells, shaft),
            _t("Brushless Motor", stator, kv_txt, cells, b, model, "untuk Drone", target),
        )
    )
    stem = f"MTR-{_sku_part(stator)}" + ("" if variants else f"-{kv}KV")
    return _Draft(
        "motor", brand, stem, title, _price(rng, lo, hi), rng.randint(*weight),
        _dims(rng, (5, 5, 3), (9, 8, 6)),
        [("Stator", stator), ("KV", "lihat varian" if variants else f"{kv}KV"), ("Baterai", cells), ("Poros", shaft)],
        tiers,
    )


_ESC_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("SpeedyBee", 4, ("BLS", "BL32", "F405 V4 ESC", "Mini")),
    ("T-Motor", 3, ("Pro II", "F Series", "Velox")),
    ("iFlight", 3, ("SucceX-E", "BLITZ E", "BLITZ Pro")),
    ("HGLRC", 2, ("Forward FD", "Zeus")),
    ("Holybro", 2, ("Tekko32 F4", "Tekko32 Metal")),
    ("Foxeer", 2, ("Reaper F4", "Reaper Extreme")),
    ("GEPRC", 2, ("TAKER", "SPAN")),
    (_NO_BRAND, 4, ("",)),
)
_FIRMWARES: Final[tuple[str, ...]] = ("BLHeli_S", "BLHeli_32", "AM32", "Bluejay")


def _esc(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _ESC_MODELS)
    single = rng.random() < 0.2
    amps = rng.choice((20, 30, 40)) if single else rng.choice((35, 45, 50, 55, 60, 65, 80))
    mount = rng.choice(("20x20", "30x30"))
    cells = rng.choice(("2-4S", "3-6S")) if single else rng.choice(("3-6S", "3-6S", "4-8S"))
    fw = rng.choice(_FIRMWARES)
    tiers: list[_TierSpec] = []
    fw_varies = variants and rng.random() < 0.6
    if variants:
        if fw_varies:
            opts = [_Opt(f, _code(f), 1.0 + 0.06 * i) for i, f in enumerate(_FIRMWARES)]
            tiers.append(_TierSpec("Firmware", _options(rng, opts, hi=4)))
        else:
            opts = [_Opt("Tanpa Konektor", "NOCON"), _Opt("XT30", "XT30", 1.03), _Opt("XT60", "XT60", 1.04)]
            tiers.append(_TierSpec("Konektor", _options(rng, opts, hi=3)))
    fw_txt = "" if fw_varies else fw
    if single:
        title = rng.choice(
            (
                _t("ESC Single", f"{amps}A", fw_txt, cells, "Opto untuk Drone FPV", b),
                _t("ESC Brushless", f"{amps}A", cells, fw_txt, b, "untuk Motor FPV"),
            )
        )
        lo, hi, stem = 250_000, 450_000, f"ESC-{amps}A-1IN1"
    else:
        title = rng.choice(
            (
                _t("ESC 4in1", f"{amps}A", fw_txt, cells, mount, b, model),
                _t(b, model, "4in1 ESC", f"{amps}A", cells, f"{mount}mm", fw_txt),
                _t("ESC 4 in 1", b, f"{amps}A", cells, fw_txt, "untuk Drone FPV", mount),
            )
        )
        lo = 300_000 + amps * 5_000
        hi, stem = min(1_500_000, lo * 3), f"ESC-{amps}A-4IN1"
    return _Draft(
        "esc", brand, stem, title, _price(rng, lo, hi), rng.randint(12, 60), _dims(rng, (6, 6, 2), (12, 10, 5)),
        [("Arus", f"{amps}A"), ("Input", cells), ("Firmware", "lihat varian" if fw_varies else fw),
         ("Mounting", "single" if single else f"{mount}mm")],
        tiers,
    )


_MCU_IN_MODEL: Final[re.Pattern[str]] = re.compile(r"\b[FH]\d{1,3}\b")
_FC_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("SpeedyBee", 5, ("F405 V4", "F405 Mini", "F7 V3", "F405 Wing")),
    ("iFlight", 3, ("BLITZ F7", "SucceX-E F4", "BLITZ Mini F7")),
    ("Holybro", 2, ("Kakute H7", "Kakute F7", "Kakute H7 Mini")),
    ("Foxeer", 2, ("Reaper F745", "H7 Mini")),
    ("GEPRC", 2, ("TAKER F722", "TAKER H743")),
    ("HGLRC", 2, ("Zeus F722", "Zeus F4")),
    ("BetaFPV", 2, ("F4 1S AIO", "Toothpick F4 2-4S")),
    ("HappyModel", 1, ("X12 AIO", "CrazyF4")),
    (_NO_BRAND, 4, ("",)),
)


def _flight_controller(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _FC_MODELS)
    kind = _pick(rng, (("fc", 45), ("stack", 40), ("aio", 15)))
    mcu = rng.choice(("F405", "F722", "H743", "F411"))
    named = _MCU_IN_MODEL.search(model)
    if named:  # the model name already says which processor it has
        mcu = named.group(0)
    mcu_txt = "" if named else mcu
    mount = rng.choice(("20x20", "30x30", "25.5x25.5")) if kind == "aio" else rng.choice(("20x20", "30x30"))
    extras = rng.choice(("Barometer OSD Blackbox", "Bluetooth OSD", "OSD Blackbox 16MB", "Dual Gyro", "Barometer"))
    tiers: list[_TierSpec] = []
    if variants:
        if kind == "fc":
            opts = [_Opt("Betaflight", "BF"), _Opt("INAV", "INAV"), _Opt("ArduPilot", "ARDU", 1.05)]
            tiers.append(_TierSpec("Firmware", _options(rng, opts, hi=3)))
        elif kind == "stack":
            opts = [_Opt("XT60", "XT60"), _Opt("XT30", "XT30"), _Opt("XT60 + Kapasitor", "XT60CAP", 1.03)]
            tiers.append(_TierSpec("Konektor", _options(rng, opts, hi=3)))
        else:
            opts = [_Opt("ELRS 2.4G", "ELRS"), _Opt("SPI ELRS", "SPI"), _Opt("FrSky D8", "FRSKY", 1.02),
                    _Opt("PNP Tanpa RX", "PNP")]
            tiers.append(_TierSpec("Receiver", _relative(_options(rng, opts, hi=4))))
    amps = rng.choice((35, 45, 50, 55, 60))
    if kind == "fc":
        title = rng.choice(
            (
                _t("Flight Controller", b, model, mcu_txt, mount, extras),
                _t("FC", b, model, mcu_txt, "Betaflight", mount, extras),
                _t(b, model, "Flight Controller", mcu_txt, "untuk Drone FPV", mount),
            )
        )
        lo, hi = 300_000, 1_200_000
    elif kind == "stack":
        title = rng.choice(
            (
                _t("Stack FC ESC", b, model, mcu_txt, f"{amps}A", mount, "3-6S"),
                _t(b, model, "Stack", mcu_txt, f"{amps}A 4in1 ESC", mount, "FPV"),
                _t("Stack Flight Controller", mcu_txt, f"{amps}A BLHeli_S", mount, b, model),
            )
        )
        lo, hi = 800_000, 2_500_000
    else:
        title = rng.choice(
            (
                _t("FC AIO", mcu_txt, "12A 1-2S untuk Tiny Whoop", b, model),
                _t(b, model, "AIO Flight Controller", mcu_txt, "Built-in ESC Whoop"),
            )
        )
        lo, hi = 350_000, 900_000
    return _Draft(
        "flight_controller", brand, f"FCS-{mcu}-{_sku_part(kind)}-{_sku_part(mount)}", title, _price(rng, lo, hi),
        rng.randint(10, 80), _dims(rng, (6, 6, 2), (14, 12, 6)),
        [("Prosesor", mcu), ("Mounting", f"{mount}mm"), ("Fitur", extras), ("Tipe", kind.upper())],
        tiers,
    )


_CONNECTOR_OPTS: Final[tuple[_Opt, ...]] = (
    _Opt("SMA", "SMA"), _Opt("RP-SMA", "RPSMA"), _Opt("U.FL", "UFL"), _Opt("MMCX", "MMCX"),
)
_VTX_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("RushFPV", 5, ("Tank Ultimate Plus", "Tank Mini", "Tank Solo", "Max Solo")),
    ("TBS", 3, ("Unify Pro32 HV", "Unify Pro32 Nano")),
    ("Foxeer", 3, ("Reaper Extreme", "Reaper Infinity")),
    ("iFlight", 2, ("BLITZ Whoop", "BLITZ 1.6W")),
    ("HappyModel", 2, ("OVX306", "OVX300")),
    ("Caddx", 2, ("Vista Kit", "Walksnail Avatar Mini")),
    ("GEPRC", 1, ("RAD VTX", "RAD Mini")),
    (_NO_BRAND, 4, ("",)),
)


def _vtx(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _VTX_MODELS)
    digital = brand == "Caddx"
    power = rng.choice(("400mW", "600mW", "800mW", "1W", "1.6W", "2.5W"))
    channels = rng.choice(("48CH", "40CH", "72CH"))
    mount = rng.choice(("20x20", "30x30", "Nano"))
    tiers: list[_TierSpec] = []
    if variants:
        tiers.append(_TierSpec("Konektor", _options(rng, _CONNECTOR_OPTS, hi=4)))
    conn = "" if variants else rng.choice(("SMA", "MMCX", "U.FL"))
    system = "Digital HD" if digital else "Analog"
    title = rng.choice(
        (
            _t("VTX 5.8GHz", power, b, model, channels, system, mount),
            _t(b, model, "VTX", power, "5.8G", channels, "SmartAudio", conn),
            _t("Video Transmitter FPV", power, channels, b, model, "untuk Drone", system),
            _t("VTX FPV", system, power, conn, b, model, "Long Range"),
        )
    )
    lo, hi = (900_000, 1_800_000) if digital else (150_000, 900_000)
    return _Draft(
        "vtx", brand, f"VTX-{_sku_part(power)}-{'HD' if digital else 'AN'}", title, _price(rng, lo, hi),
        rng.randint(10, 50), _dims(rng, (5, 5, 2), (12, 10, 5)),
        [("Daya", power), ("Kanal", channels), ("Sistem", system), ("Konektor", "lihat varian" if variants else conn)],
        tiers,
    )


_CAMERA_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("Caddx", 5, ("Ratel 2", "Ant", "Baby Ratel 2", "Nebula Pro", "Ratel Pro")),
    ("Foxeer", 5, ("Razer Mini", "Predator V5", "T-Rex Mini", "Cat 3", "Razer Micro")),
    ("RunCam", 3, ("Phoenix 2", "Nano 4", "Robin 3", "Racer 5")),
    ("BetaFPV", 1, ("C03", "C04")),
    ("HappyModel", 1, ("CADDX ANT Lite", "Nano Cam")),
    (_NO_BRAND, 3, ("",)),
)


def _camera(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _CAMERA_MODELS)
    tvl = rng.choice((1000, 1200, 1500, 1800))
    sensor = rng.choice(("Starlight", "CMOS 1/1.8", "Low Latency", "Super WDR", "Night Vision"))
    fmt = rng.choice(("Micro 19mm", "Nano 14mm", "Mini 22mm"))
    ratio = rng.choice(("16:9", "4:3", "16:9 4:3"))
    lens = rng.choice(("1.8mm", "2.1mm", "2.5mm"))
    tiers: list[_TierSpec] = []
    if variants:
        opts = [_Opt(x, _code(x)) for x in ("1.66mm", "1.8mm", "2.1mm", "2.5mm")]
        tiers.append(_TierSpec("Lensa", _options(rng, opts, hi=4)))
        if rng.random() < 0.3:
            tiers.append(_colors(rng, ("Hitam", "Oranye", "Merah", "Biru"), hi=4))
    lens_txt = "" if variants else f"Lensa {lens}"
    title = rng.choice(
        (
            _t("Kamera FPV", b, model, f"{tvl}TVL", sensor, fmt),
            _t(b, model, "FPV Camera", f"{tvl}TVL", ratio, lens_txt),
            _t("Camera FPV", fmt, f"{tvl}TVL", sensor, "untuk Drone", b, model),
            _t("Kamera Drone FPV", f"{tvl}TVL", fmt, lens_txt, b, model),
        )
    )
    return _Draft(
        "camera", brand, f"CAM-{tvl}TVL-{_sku_part(fmt.split()[0])}", title, _price(rng, 150_000, 1_200_000),
        rng.randint(8, 40), _dims(rng, (5, 5, 4), (10, 9, 7)),
        [("Resolusi", f"{tvl}TVL"), ("Sensor", sensor), ("Ukuran", fmt), ("Rasio", ratio),
         ("Lensa", "lihat varian" if variants else lens)],
        tiers,
    )


_ANTENNA_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("Foxeer", 4, ("Lollipop 4 Plus", "Lollipop 4", "Pagoda Pro", "Echo Patch")),
    ("iFlight", 2, ("Albatross", "Crimson", "Nazgul Ant")),
    ("RushFPV", 3, ("Cherry 2", "Cherry Stubby", "Cherry")),
    ("TBS", 2, ("Triumph Pro", "Immortal T", "Pagoda")),
    ("RadioMaster", 2, ("T-Antenna", "Dipole 2.4G")),
    ("BetaFPV", 1, ("Moxon", "Whoop Ant")),
    (_NO_BRAND, 5, ("",)),
)


def _antenna(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _ANTENNA_MODELS)
    band = _pick(rng, (("5.8GHz", 70), ("2.4GHz", 20), ("915MHz", 10)))
    pol = rng.choice(("RHCP", "LHCP")) if band == "5.8GHz" else "Linear"
    gain = rng.choice(("2.2dBi", "2.5dBi", "3dBi", "5dBi"))
    pack = rng.choice(("Isi 2 pcs", "1 pcs", "Isi 4 pcs", "Sepasang"))
    shape = rng.choice(("Stubby", "Straight", "Angle 90", "Long 150mm"))
    tiers: list[_TierSpec] = []
    pol_varies = variants and pol != "Linear" and rng.random() < 0.35
    if variants:
        tiers.append(_TierSpec("Konektor", _options(rng, _CONNECTOR_OPTS, hi=4)))
        if pol_varies:
            tiers.append(_TierSpec("Polarisasi", (_Opt("RHCP", "RHCP"), _Opt("LHCP", "LHCP"))))
    conn = "" if variants else rng.choice(("SMA", "RP-SMA", "U.FL", "MMCX"))
    pol_txt = "" if pol_varies else pol
    title = rng.choice(
        (
            _t("Antena", b, model, band, pol_txt, conn, pack),
            _t("Antenna FPV", band, gain, pol_txt, b, model, shape),
            _t("Antena", band, pol_txt, gain, "untuk VTX Drone FPV", conn, pack),
            _t(b, model, "Antena", band, shape, pol_txt, pack),
        )
    )
    return _Draft(
        "antenna", brand, f"ANT-{_sku_part(band)}", title, _price(rng, 60_000, 450_000), rng.randint(8, 60),
        _dims(rng, (8, 4, 2), (20, 10, 4)),
        [("Frekuensi", band), ("Polarisasi", "lihat varian" if pol_varies else pol), ("Gain", gain),
         ("Bentuk", shape), ("Isi", pack)],
        tiers,
    )


_RX_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("RadioMaster", 5, ("RP1", "RP2", "RP3 Diversity", "ER6", "ER8 PWM", "RP4TD")),
    ("BetaFPV", 4, ("Nano", "Lite", "SuperD Diversity", "Nano V2")),
    ("HappyModel", 4, ("EP1", "EP2", "EP1 Dual TCXO", "EPW6")),
    ("TBS", 3, ("Crossfire Nano RX", "Crossfire Nano RX Pro", "Tracer Nano RX")),
    ("SpeedyBee", 1, ("Nano 2.4G",)),
    (_NO_BRAND, 3, ("Nano", "Mini", "Lite", "Dual Antena")),
)


def _receiver(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _RX_MODELS)
    tbs = brand == "TBS"
    proto = ("Tracer" if "Tracer" in model else "Crossfire") if tbs else "ELRS"
    freq = ("2.4GHz" if proto == "Tracer" else "915MHz") if tbs else rng.choice(("2.4GHz", "2.4GHz", "915MHz"))
    antenna = rng.choice(("Antena T", "Ceramic Antenna", "Dipole Antenna", "Diversity"))
    tiers: list[_TierSpec] = []
    freq_varies = variants and not tbs
    if freq_varies:
        tiers.append(_TierSpec("Frekuensi", (_Opt("2.4 GHz", "2G4"), _Opt("915 MHz", "915M", 1.15))))
    elif variants:
        # Crossfire and Tracer receivers come in one band; what differs is the antenna they ship with.
        opts = [_Opt("Antena T", "TANT"), _Opt("Immortal T", "IMMT", 1.05), _Opt("Diversity", "DIV", 1.12)]
        tiers.append(_TierSpec("Antena", _relative(_options(rng, opts, hi=3))))
        antenna = ""
    freq_txt = "" if freq_varies else freq
    telemetry = rng.choice(("Telemetri", "100Hz 500Hz", "Low Latency", "Long Range"))
    title = rng.choice(
        (
            _t("Receiver", proto, freq_txt, b, model, antenna),
            _t(b, model, proto, "Receiver", freq_txt, "untuk Drone FPV"),
            _t("RX", proto, freq_txt, model, b, telemetry, "FPV"),
            _t("Receiver ExpressLRS" if proto == "ELRS" else f"Receiver {proto}", b, model, freq_txt, telemetry),
        )
    )
    lo, hi = (350_000, 900_000) if proto != "ELRS" else (150_000, 550_000)
    return _Draft(
        "receiver", brand, f"RCV-{_sku_part(proto)}" + ("" if freq_varies else f"-{_sku_part(freq)}"), title,
        _price(rng, lo, hi), rng.randint(5, 20), _dims(rng, (4, 4, 1), (9, 7, 3)),
        [("Protokol", proto), ("Frekuensi", "lihat varian" if freq_varies else freq),
         ("Antena", antenna or "lihat varian")],
        tiers,
    )


# (brand, model, price range)
_RADIOS: Final[tuple[tuple[str, str, tuple[int, int]], ...]] = (
    ("RadioMaster", "TX16S MKII", (3_500_000, 6_500_000)), ("RadioMaster", "Boxer", (1_900_000, 3_200_000)),
    ("RadioMaster", "Zorro", (1_600_000, 2_600_000)), ("RadioMaster", "Pocket", (900_000, 1_400_000)),
    ("RadioMaster", "TX12 MKII", (1_200_000, 1_900_000)), ("RadioMaster", "MT12", (1_500_000, 2_300_000)),
    ("TBS", "Tango 2 Pro", (3_200_000, 4_800_000)), ("TBS", "Mambo", (2_500_000, 3_800_000)),
    ("BetaFPV", "LiteRadio 3 Pro", (900_000, 1_400_000)), ("BetaFPV", "LiteRadio 2 SE", (900_000, 1_200_000)),
    ("Jumper", "T-Pro V2", (1_300_000, 2_000_000)), ("Jumper", "T20 V2", (1_800_000, 2_800_000)),
    ("FrSky", "Taranis X9D Plus", (3_000_000, 4_500_000)),
)


def _radio(rng: random.Random, variants: bool) -> _Draft:
    brand, model, (lo, hi) = rng.choice(_RADIOS)
    proto = "Crossfire" if brand == "TBS" else "ACCST" if brand == "FrSky" else "ELRS"
    gimbal = rng.choice(("Hall Gimbal", "AG01 CNC Hall Gimbal", "Hall Sensor", "Gimbal Potensio"))
    freq = rng.choice(("2.4GHz", "915MHz")) if proto == "ELRS" else ("915MHz" if proto == "Crossfire" else "2.4GHz")
    tiers: list[_TierSpec] = []
    if variants and proto == "ELRS":
        tiers.append(_TierSpec("Frekuensi", (_Opt("ELRS 2.4 GHz", "2G4"), _Opt("ELRS 915 MHz", "915M", 1.06))))
        if rng.random() < 0.4:
            tiers.append(_TierSpec("Mode", (_Opt("Mode 1", "M1"), _Opt("Mode 2", "M2"))))
    elif variants:
        tiers.append(_TierSpec("Mode", (_Opt("Mode 1", "M1"), _Opt("Mode 2", "M2"))))
    freq_txt = "" if tiers and tiers[0].name == "Frekuensi" else freq
    mode_txt = "" if any(t.name == "Mode" for t in tiers) else "Mode 2"
    title = rng.choice(
        (
            _t("Radio Transmitter", brand, model, proto, freq_txt, gimbal, rng.choice(_EDITIONS)),
            _t("Remote Control", brand, model, proto, freq_txt, mode_txt, "untuk Drone FPV"),
            _t(brand, model, "Radio Controller", proto, gimbal, "EdgeTX", rng.choice(_EDITIONS)),
            _t("Remote Radio FPV", brand, model, proto, freq_txt, mode_txt, rng.choice(_EDITIONS)),
        )
    )
    return _Draft(
        "radio", brand, f"RAD-{_sku_part(model)}", title, _price(rng, lo, hi), rng.randint(400, 1200),
        _dims(rng, (20, 15, 8), (32, 25, 14)),
        [("Protokol", proto), ("Frekuensi", "lihat varian" if not freq_txt else freq), ("Gimbal", gimbal),
         ("Firmware", "EdgeTX" if brand != "TBS" else "TBS OS")],
        tiers,
    )


_GOGGLES: Final[tuple[tuple[str, str, str, tuple[int, int]], ...]] = (
    ("DJI", "Goggles 3", "Digital O4", (9_500_000, 12_000_000)),
    ("DJI", "Goggles 2", "Digital O3", (7_000_000, 9_500_000)),
    ("DJI", "Goggles Integra", "Digital O3", (6_000_000, 8_000_000)),
    ("DJI", "Goggles N3", "Digital O4", (3_200_000, 4_200_000)),
    ("Caddx", "Walksnail Avatar HD Goggles X", "Digital HD", (6_500_000, 8_500_000)),
    ("Caddx", "Walksnail Avatar Goggles L", "Digital HD", (4_000_000, 5_500_000)),
    ("Skyzone", "SKY04X Pro", "Analog 5.8G", (6_000_000, 8_000_000)),
    ("Skyzone", "SKY04O", "Analog 5.8G", (5_000_000, 6_500_000)),
    ("Fatshark", "Dominator HD", "Analog HD", (7_000_000, 9_000_000)),
    ("Eachine", "EV800D", "Analog 5.8G", (1_500_000, 2_300_000)),
    ("Eachine", "EV300O", "Analog 5.8G", (4_000_000, 5_500_000)),
    ("BetaFPV", "VR03", "Analog 5.8G", (1_500_000, 2_000_000)),
    ("HDZero", "Goggle", "Digital HDZero", (8_000_000, 10_500_000)),
    ("Foxeer", "DVR Module Goggles", "Analog 5.8G", (1_500_000, 2_200_000)),
)


def _goggles(rng: random.Random, variants: bool) -> _Draft:
    brand, model, system, (lo, hi) = rng.choice(_GOGGLES)
    feature = rng.choice(("dengan DVR", "Built-in DVR", "Diversity Receiver", "Head Tracking", "OLED Screen"))
    res = rng.choice(("1080p", "1920x1080", "OLED 1080p", "HD 100Hz")) if "Digital" in system else "800x480"
    title = rng.choice(
        (
            _t("Goggles FPV", brand, model, system, feature, rng.choice(_EDITIONS)),
            _t(brand, model, "FPV Goggles", system, res, feature, rng.choice(_EDITIONS)),
            _t("Kacamata FPV", brand, model, system, feature, "untuk Drone"),
        )
    )
    return _Draft(
        "goggles", brand, f"GOG-{_sku_part(model, 16)}", title, _price(rng, lo, hi), rng.randint(400, 1500),
        _dims(rng, (18, 12, 8), (28, 22, 15)),
        [("Sistem video", system), ("Resolusi", res), ("Fitur", feature)],
    )


_LIPO_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("Tattu", 4, ("R-Line V5", "R-Line V4", "Funfly", "Lite")),
    ("GNB", 4, ("Gaoneng", "HV", "Lite")),
    ("CNHL", 3, ("Black Series", "MiniStar", "Racing Series")),
    ("Auline", 2, ("Racing", "Pro")),
    ("Dinogy", 1, ("Graphene", "Ultra")),
    (_NO_BRAND, 4, ("",)),
)
_WHOOP_LIPO_MODELS: Final[tuple[tuple[str, int, Sequence[str]], ...]] = (
    ("BetaFPV", 4, ("BT2.0 Series", "LAVA")),
    ("HappyModel", 3, ("Mobula Series", "")),
    ("GNB", 3, ("Gaoneng", "")),
    (_NO_BRAND, 3, ("",)),
)


def _battery(rng: random.Random, variants: bool) -> _Draft:
    if rng.random() < 0.25:
        return _whoop_battery(rng, variants)
    brand, model, b = _brand_model(rng, _LIPO_MODELS)
    cells = rng.choice((4, 6))
    mah = rng.choice((850, 1100, 1300, 1500, 1800, 2200))
    c_rating = rng.choice((75, 100, 120, 130, 150))
    conn = "XT30" if mah < 1000 else "XT60"
    per_cell_ah = rng.uniform(58_000, 85_000)
    tiers: list[_TierSpec] = []
    if variants:
        cell_opts = (_Opt("4S", "4S", 1.0), _Opt("6S", "6S", 1.5))
        cap_pool = [_Opt(f"{m}mAh", f"{m}", m / 850) for m in (850, 1300, 1500)]
        if rng.random() < 0.2:
            cap_pool = [_Opt(f"{m}mAh", f"{m}", m / 650) for m in (650, 850, 1100, 1300, 1500, 1800)]
        cap = _relative(_options(rng, cap_pool, hi=4))
        if rng.random() < 0.6:
            tiers.append(_TierSpec("Cell", cell_opts))
        tiers.append(_TierSpec("Kapasitas", cap))
        # The base is the cheapest combination: fewest cells, smallest capacity chosen.
        cells = 4 if any(t.name == "Cell" for t in tiers) else cells
        mah = int(cap[0].label.removesuffix("mAh"))
    has_cells = any(t.name == "Cell" for t in tiers)
    cells_txt = "" if has_cells else f"{cells}S"
    mah_txt = "" if variants else f"{mah}mAh"
    volt = f"{cells * 3.7:.1f}V" if not has_cells else ""
    inch = "5 Inch" if mah >= 1000 else "3 Inch"
    title = rng.choice(
        (
            _t("Baterai LiPo", b, model, cells_txt, mah_txt, f"{c_rating}C", conn),
            _t("LiPo", b, cells_txt, mah_txt, f"{c_rating}C", conn, "untuk Drone FPV", inch),
            _t("Batre LiPo", cells_txt, volt, mah_txt, f"{c_rating}C", b, model, conn),
            _t("Baterai Drone FPV", b, model, "LiPo", cells_txt, mah_txt, f"{c_rating}C"),
        )
    )
    price = _round_price(per_cell_ah * cells * mah / 1000, 90_000, 1_500_000)
    stem = "BAT-LIPO-" + (f"{cells}S" if not has_cells else "XS") + ("" if variants else f"-{mah}")
    weight = min(1500, int(cells * mah * 0.027) + rng.randint(15, 40))
    return _Draft(
        "battery", brand, stem, title, price, weight, _dims(rng, (8, 4, 3), (14, 7, 6)),
        [("Konfigurasi", "lihat varian" if has_cells else f"{cells}S ({cells * 3.7:.1f}V)"),
         ("Kapasitas", "lihat varian" if variants else f"{mah}mAh"), ("Discharge", f"{c_rating}C"),
         ("Konektor", conn)],
        tiers,
    )


def _whoop_battery(rng: random.Random, variants: bool) -> _Draft:
    brand, model, b = _brand_model(rng, _WHOOP_LIPO_MODELS)
    mah = rng.choice((250, 300, 450, 550))
    conn = rng.choice(("BT2.0", "PH2.0", "A30"))
    count = rng.choice((1, 2, 5))
    tiers: list[_TierSpec] = []
    if variants:
        opts = [_Opt(f"{m}mAh", f"{m}", m / 250) for m in (250, 300, 450, 550)]
        cap = _relative(_options(rng, opts, hi=4))
        tiers.append(_TierSpec("Kapasitas", cap))
        mah = int(cap[0].label.removesuffix("mAh"))
    mah_txt = "" if variants else f"{mah}mAh"
    pack = "1 pcs" if count == 1 else f"Isi {count} pcs"
    title = rng.choice(
        (
            _t("Baterai LiPo 1S", mah_txt, "HV 3.8V", conn, b, model, pack),
            _t("LiPo 1S", mah_txt, conn, "untuk Tiny Whoop", b, pack),
            _t(b, model, "Baterai 1S", mah_txt, "HV", conn, "Whoop", pack),
        )
    )
    price = _round_price(count * mah * rng.uniform(130, 180), 90_000, 1_500_000)
    return _Draft(
        "battery", brand, f"BAT-1S-{_sku_part(conn)}" + ("" if variants else f"-{mah}"), title, price,
        min(1500, count * (mah // 30 + 3) + 10), _dims(rng, (5, 3, 2), (10, 8, 4)),
        [("Konfigurasi", "1S HV (3.8V)"), ("Kapasitas", "lihat varian" if variants else f"{mah}mAh"),
         ("Konektor", conn), ("Isi", pack)],
        tiers,
    )


_CHARGERS: Final[tuple[tuple[str, str, int, tuple[int, int]], ...]] = (
    ("ISDT", "Q6 Nano", 200, (450_000, 650_000)), ("ISDT", "Q8 Max", 1000, (1_100_000, 1_500_000)),
    ("ISDT", "608AC", 200, (750_000, 1_000_000)), ("ISDT", "K2 Air", 500, (1_100_000, 1_500_000)),
    ("ToolkitRC", "M6", 150, (400_000, 600_000)), ("ToolkitRC", "M6D", 500, (850_000, 1_200_000)),
    ("ToolkitRC", "M8S", 300, (700_000, 950_000)), ("ToolkitRC", "Q6AC", 200, (650_000, 900_000)),
    ("ToolkitRC", "M7AC", 300, (900_000, 1_250_000)), ("SkyRC", "B6neo", 200, (350_000, 500_000)),
    ("HOTA", "D6 Pro", 650, (1_100_000, 1_500_000)), ("BetaFPV", "1S Charger Board", 30, (150_000, 250_000)),
    (_NO_BRAND, "iMAX B6", 80, (250_000, 350_000)),
)


def _charger(rng: random.Random, variants: bool) -> _Draft:
    brand, model, watt, (lo, hi) = rng.choice(_CHARGERS)
    b = "" if brand == _NO_BRAND else brand
    cells = "1S" if watt <= 30 else rng.choice(("1-6S", "2-6S", "1-8S"))
    power_in = rng.choice(("DC Input", "AC DC Input", "Input XT60", "USB-C PD"))
    amps = max(1, watt // 25)
    title = rng.choice(
        (
            _t("Charger LiPo", b, model, f"{watt}W {amps}A", cells, "Balance Charger", rng.choice(_EDITIONS)),
            _t(b, model, "Smart Charger", f"{watt}W", power_in, "LiPo LiHV", cells),
            _t("Charger Baterai", b, model, f"{watt}W untuk LiPo", cells, rng.choice(_EDITIONS), "Drone FPV"),
        )
    )
    return _Draft(
        "charger", brand, f"CHG-{_sku_part(model)}", title, _price(rng, lo, hi), rng.randint(150, 700),
        _dims(rng, (10, 8, 4), (20, 15, 9)),
        [("Daya", f"{watt}W"), ("Arus maksimal", f"{amps}A"), ("Baterai", cells), ("Input", power_in)],
    )


_AWG_OPTS: Final[tuple[_Opt, ...]] = tuple(
    _Opt(f"{a} AWG", f"{a}AWG", 1.0 + (30 - a) * 0.12) for a in (30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10)
)
_CONNECTORS: Final[tuple[str, ...]] = ("XT60", "XT30", "XT90", "XT60H", "MR30", "EC5", "JST-PH 2.0", "BT2.0")
_PAIR_OPTS: Final[tuple[_Opt, ...]] = (
    _Opt("1 Pasang", "1P", 1.0), _Opt("2 Pasang", "2P", 1.9), _Opt("5 Pasang", "5P", 4.4),
    _Opt("10 Pasang", "10P", 8.2), _Opt("20 Pasang", "20P", 15.0),
)
_CABLE_BRANDS: Final[tuple[tuple[str, int], ...]] = (
    (_NO_BRAND, 10), ("Amass", 4), ("BetaFPV", 1), ("iFlight", 1), ("TBS", 1), ("GEPRC", 1),
)


def _cable(rng: random.Random, variants: bool) -> _Draft:
    brand = _pick(rng, _CABLE_BRANDS)
    b = "" if brand == _NO_BRAND else brand
    kind = rng.choice(("wire", "connector", "pigtail", "jst", "heatshrink", "balance"))
    tiers: list[_TierSpec] = []
    color = rng.choice(("Merah", "Hitam", "Merah Hitam", "Biru", "Kuning"))
    length = rng.choice(("1 Meter", "2 Meter", "5 Meter", "50cm"))
    if kind == "wire":
        awg = rng.choice((12, 14, 16, 18, 20, 22, 24, 26, 28))
        if variants:
            tiers.append(_TierSpec("Ukuran", _options(rng, _AWG_OPTS, hi=6, big=0.15)))
            if rng.random() < 0.4:
                tiers.append(_colors(rng, ("Merah", "Hitam", "Biru", "Kuning", "Putih", "Hijau"), hi=3))
        awg_txt = "" if variants else f"{awg}AWG"
        color_txt = "" if len(tiers) > 1 else color
        title = rng.choice(
            (
                _t("Kabel Silikon", awg_txt, length, color_txt, b, "Tahan Panas"),
                _t("Kabel Silicone Wire", awg_txt, color_txt, length, "untuk Drone FPV", b),
                _t(b, "Kabel Serabut Silikon", awg_txt, length, "Lentur", color_txt),
            )
        )
        stem, lo, hi, spec = f"CBL-SIL-{awg}AWG" if not variants else "CBL-SIL", 8_000, 60_000, ("Ukuran", f"{awg} AWG")
    elif kind == "connector":
        conn = rng.choice(_CONNECTORS)
        pack = rng.choice(("1 Pasang", "5 Pasang", "10 Pasang"))
        if variants:
            tiers.append(_TierSpec("Isi", _relative(_options(rng, _PAIR_OPTS, hi=4))))
        pack_txt = "" if variants else pack
        title = rng.choice(
            (
                _t("Konektor", conn, "Male Female", b, "Original", pack_txt),
                _t("Connector", conn, "Gold Plated", pack_txt, "untuk Baterai LiPo", b),
                _t(b, conn, "Konektor Male Female", pack_txt, "FPV Drone"),
            )
        )
        stem, lo, hi, spec = f"CBL-{_sku_part(conn)}", 5_000, 40_000, ("Tipe", conn)
    elif kind == "pigtail":
        conn = rng.choice(_CONNECTORS[:5])
        awg = rng.choice((10, 12, 14, 16))
        cm = rng.choice((5, 8, 10, 15, 20))
        if variants:
            opts = [_Opt(f"{c}cm", f"{c}CM", 1.0 + 0.06 * i) for i, c in enumerate((5, 8, 10, 15, 20, 30))]
            tiers.append(_TierSpec("Panjang", _options(rng, opts, hi=5)))
        cm_txt = "" if variants else f"{cm}cm"
        title = rng.choice(
            (
                _t("Kabel Pigtail", conn, f"{awg}AWG", cm_txt, "untuk ESC Drone FPV", b),
                _t("Pigtail", conn, "Male", f"{awg}AWG Silikon", cm_txt, b, "Siap Solder"),
            )
        )
        stem, lo, hi, spec = f"CBL-PIG-{_sku_part(conn)}-{awg}AWG", 10_000, 45_000, ("Konektor", conn)
    elif kind == "jst":
        pins = rng.choice((4, 5, 6, 8))
        count = rng.choice((5, 10, 20))
        if variants:
            opts = [_Opt(f"{p} Pin", f"{p}PIN", 1.0 + 0.05 * i) for i, p in enumerate((2, 3, 4, 5, 6, 8))]
            tiers.append(_TierSpec("Jumlah Pin", _options(rng, opts, hi=5)))
        pins_txt = "" if variants else f"{pins} Pin"
        title = rng.choice(
            (
                _t("Kabel JST SH 1.0", pins_txt, "15cm", f"Isi {count} pcs", b, "FPV"),
                _t("Kabel Konektor JST-SH", pins_txt, "untuk FC Receiver VTX", f"Isi {count}", b),
            )
        )
        stem, lo, hi, spec = f"CBL-JST-{count}PCS", 8_000, 45_000, ("Konektor", "JST-SH 1.0mm")
    elif kind == "heatshrink":
        size = rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30))
        if variants:
            opts = [_Opt(f"{s}mm", f"{s}MM", 1.0 + 0.1 * i)
                    for i, s in enumerate((2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30))]
            tiers.append(_TierSpec("Ukuran", _options(rng, opts, hi=6, big=0.2)))
        size_txt = "" if variants else f"{size}mm"
        title = rng.choice(
            (
                _t("Heatshrink Selongsong Bakar", size_txt, length, color, b),
                _t("Selongsong Kabel Heat Shrink", size_txt, color, length, "untuk Solder FPV"),
            )
        )
        stem, lo, hi, spec = "CBL-HSK" + ("" if variants else f"-{size}MM"), 5_000, 30_000, ("Bahan", "Polyolefin")
    else:
        cells = rng.choice(("2S", "3S", "4S", "6S"))
        cm = rng.choice((10, 15, 20, 30))
        if variants:
            opts = [_Opt(f"{c}cm", f"{c}CM", 1.0 + 0.08 * i) for i, c in enumerate((10, 15, 20, 30, 50))]
            tiers.append(_TierSpec("Panjang", _options(rng, opts, hi=4)))
        cm_txt = "" if variants else f"{cm}cm"
        title = rng.choice(
            (
                _t("Kabel Balance", cells, "Extension JST-XH", cm_txt, b, "untuk LiPo"),
                _t("Kabel Ekstensi Balance Charger", cells, cm_txt, "JST-XH", b),
            )
        )
        stem, lo, hi, spec = f"CBL-BAL-{cells}", 8_000, 35_000, ("Konektor", "JST-XH")
    return _Draft(
        "cable", brand, stem, title, _price(rng, lo, hi), rng.randint(5, 120), _dims(rng, (6, 4, 1), (20, 15, 4)),
        [spec, ("Panjang", length if kind in ("wire", "heatshrink") else "lihat judul")],
        tiers,
    )


_SCREW_SIZES: Final[tuple[_Opt, ...]] = tuple(
    _Opt(f"M{d}x{n}", f"M{d}X{n}", 1.0 + (d - 2) * 0.3 + n * 0.02)
    for d, n in (
        (2, 4), (2, 5), (2, 6), (2, 8), (2, 10), (2, 12), (2, 16), (2, 20), (3, 5), (3, 6),
        (3, 8), (3, 10), (3, 12), (3, 14), (3, 16), (3, 18), (3, 20), (3, 25), (3, 30), (3, 35),
    )
)
_STANDOFF_LENGTHS: Final[tuple[_Opt, ...]] = tuple(
    _Opt(f"{n}mm", f"{n}MM", 1.0 + n * 0.02) for n in (5, 6, 8, 10, 12, 15, 18, 20, 22, 25, 28, 30, 32, 35, 38, 40)
)
_HARDWARE_BRANDS: Final[tuple[tuple[str, int], ...]] = (
    (_NO_BRAND, 12), ("iFlight", 2), ("GEPRC", 2), ("TBS", 1), ("BetaFPV", 1), ("Foxeer", 1),
)


def _hardware(rng: random.Random, variants: bool) -> _Draft:
    brand = _pick(rng, _HARDWARE_BRANDS)
    b = "" if brand == _NO_BRAND else brand
    kind = rng.choice(("screw", "screw", "standoff", "nut", "damper", "strap"))
    count = rng.choice((5, 10, 20, 50))
    tiers: list[_TierSpec] = []
    if kind == "screw":
        material = rng.choice(("Titanium", "Stainless", "Baja 12.9", "Aluminium"))
        head = rng.choice(("Hex Socket", "Button Head", "Countersunk", "Flat Head"))
        size = rng.choice(_SCREW_SIZES).label
        if variants:
            tiers.append(_TierSpec("Ukuran", _relative(_options(rng, _SCREW_SIZES, hi=6, big=0.25))))
            if rng.random() < 0.15:
                tiers.append(_TierSpec("Isi", (_Opt("10 pcs", "10PCS"), _Opt("20 pcs", "20PCS", 1.8))))
        size_txt = "" if variants else size.replace("x", " x ") + "mm"
        count_txt = "" if len(tiers) > 1 else f"Isi {count} pcs"
        title = rng.choice(
            (
                _t("Baut", material, size_txt, head, count_txt, "untuk Frame FPV"),
                _t("Baut Frame Drone", size_txt, material, head, count_txt, b),
                _t("Screw", size_txt, material, head, "Frame FPV", count_txt),
            )
        )
        stem = f"HWR-SCR-{_sku_part(material, 4)}" + ("" if variants else f"-{_sku_part(size)}")
        lo, hi, spec = 5_000, 60_000, ("Bahan", material)
    elif kind == "standoff":
        length = rng.choice(_STANDOFF_LENGTHS).label
        color = rng.choice(("Hitam", "Merah", "Biru", "Ungu", "Emas"))
        if variants:
            tiers.append(_TierSpec("Ukuran", _relative(_options(rng, _STANDOFF_LENGTHS, hi=6, big=0.25))))
            if rng.random() < 0.35:
                tiers.append(_colors(rng, ("Hitam", "Merah", "Biru", "Ungu", "Emas"), hi=2))
        len_txt = "" if variants else f"M3 x {length}"
        color_txt = "" if len(tiers) > 1 else color
        title = rng.choice(
            (
                _t("Standoff Aluminium", len_txt or "M3", color_txt, f"Isi {count} pcs", "untuk Frame FPV", b),
                _t("Spacer Standoff M3", len_txt.removeprefix("M3 x "), "Aluminium", color_txt, f"Isi {count} pcs"),
            )
        )
        stem = "HWR-STO-M3" + ("" if variants else f"-{_sku_part(length)}")
        lo, hi, spec = 10_000, 90_000, ("Bahan", "Aluminium 7075")
    elif kind == "nut":
        nut = rng.choice(("Mur Nylock M3", "Mur Flange M5 Prop Nut", "Mur Nylock M2", "Mur Prop M5 Aluminium"))
        if variants:
            tiers.append(_colors(rng, ("Hitam", "Merah", "Biru", "Ungu", "Emas", "Hijau"), hi=5))
        color_txt = "" if variants else rng.choice(("Hitam", "Merah", "Biru"))
        title = _t(nut, color_txt, f"Isi {count} pcs", rng.choice(("untuk Motor Drone FPV", "Anti Kendor")), b)
        stem = "HWR-NUT-" + ("M5P" if "Prop" in nut else _sku_part(nut.split()[-1]))
        lo, hi, spec = 5_000, 45_000, ("Isi", f"{count} pcs")
    elif kind == "damper":
        size = rng.choice(("M2", "M3"))
        if variants:
            opts = [_Opt(f"Isi {n}", f"{n}PCS", n / 4) for n in (4, 8, 16, 20)]
            tiers.append(_TierSpec("Isi", _options(rng, opts, hi=4)))
        count_txt = "" if variants else f"Isi {count} pcs"
        color = rng.choice(("Hitam", "Merah", "Biru", "Oranye", "Ungu"))
        title = rng.choice(
            (
                _t("Karet Damper Soft Mount FC", size, "Anti Getar", color, b, count_txt),
                _t("Grommet Anti Getar", size, color, "untuk Flight Controller Stack FPV", count_txt, b),
                _t("Damper Karet", size, "Soft Mount untuk FC dan ESC", color, count_txt, b),
            )
        )
        stem, lo, hi, spec = f"HWR-DMP-{size}", 5_000, 35_000, ("Ukuran", size)
    else:
        w, ln = rng.choice(((10, 130), (15, 200), (20, 250), (20, 300)))
        if variants:
            tiers.append(_colors(rng, ("Hitam", "Merah", "Biru", "Hijau", "Kuning"), hi=5))
        color = "" if variants else rng.choice(("Hitam", "Merah", "Biru", "Hijau", "Kuning"))
        pcs = rng.choice(("", "Isi 2 pcs", "Isi 5 pcs"))
        title = rng.choice(
            (
                _t("Strap Baterai LiPo Kevlar", f"{w}x{ln}mm", color, "Anti Slip", b, pcs),
                _t("Tali Strap Baterai", f"{w}mm x {ln}mm", color, "Buckle Metal untuk Drone FPV", b, pcs),
                _t("Battery Strap", b, f"{w}x{ln}mm", "Karet Anti Slip", color, pcs, "untuk LiPo FPV"),
            )
        )
        stem, lo, hi, spec = f"HWR-STR-{w}X{ln}", 10_000, 50_000, ("Ukuran", f"{w}x{ln}mm")
    return _Draft(
        "hardware", brand, stem, title, _price(rng, lo, hi), rng.randint(5, 80), _dims(rng, (5, 4, 1), (15, 10, 4)),
        [spec, ("Isi", f"{count} pcs")], tiers,
    )


_TOOLS: Final[tuple[tuple[str, str, tuple[int, int], tuple[int, int]], ...]] = (
    ("hex", "Obeng Hex", (25_000, 120_000), (40, 200)),
    ("solder", "Solder", (150_000, 250_000), (120, 400)),
    ("tin", "Timah Solder", (25_000, 110_000), (60, 260)),
    ("flux", "Flux Pasta Solder", (15_000, 60_000), (20, 80)),
    ("smoke", "Smoke Stopper", (35_000, 120_000), (20, 60)),
    ("wrench", "Kunci Prop", (15_000, 60_000), (20, 90)),
    ("checker", "LiPo Checker", (30_000, 180_000), (20, 80)),
    ("tweezer", "Pinset Anti Statis", (15_000, 60_000), (15, 50)),
    ("cutter", "Tang Potong", (25_000, 120_000), (60, 200)),
)


_TOOL_BRANDS: Final[dict[str, tuple[str, ...]]] = {
    "solder": ("Miniware", "Pinecil", "SEQURE", _NO_BRAND),
    "smoke": ("ToolkitRC", "iFlight", "TBS", _NO_BRAND, _NO_BRAND),
    "checker": ("ToolkitRC", "ISDT", _NO_BRAND, _NO_BRAND),
    "tin": ("Stannol", "Goot", _NO_BRAND, _NO_BRAND),
    "flux": ("Amtech", "Mechanic", _NO_BRAND, _NO_BRAND),
}


def _tool(rng: random.Random, variants: bool) -> _Draft:
    kind, noun, (lo, hi), weight = rng.choice(_TOOLS)
    brand = rng.choice(_TOOL_BRANDS.get(kind, ("iFlight", "TBS", "GEPRC", _NO_BRAND, _NO_BRAND, _NO_BRAND)))
    b = "" if brand == _NO_BRAND else brand
    tiers: list[_TierSpec] = []
    if kind == "hex":
        if variants:
            opts = [_Opt(f"{s}mm", f"{s}MM".replace(".", ""), 1.0 + 0.05 * i)
                    for i, s in enumerate(("1.3", "1.5", "2.0", "2.5", "3.0", "4.0"))]
            tiers.append(_TierSpec("Ukuran", _options(rng, opts, hi=4)))
        sizes = "" if variants else rng.choice(("1.5 2.0 2.5 3.0mm", "Set 4 pcs 1.5-3.0mm", "2.0mm", "2.5mm"))
        title = _t(noun, sizes, b, rng.choice(("Ujung Baja S2", "Gagang Aluminium", "Presisi")), "untuk Drone FPV")
    elif kind == "solder":
        model = rng.choice(("TS101", "TS80P", "V2", "SQ-001", "T12 Mini"))
        if variants:
            opts = [
                _Opt("Unit Saja", "UNIT"), _Opt("Plus Stand", "STAND", 1.1), _Opt("Plus Mata Cadangan", "TIPS", 1.15),
            ]
            tiers.append(_TierSpec("Paket", _relative(_options(rng, opts, hi=3))))
        title = _t(noun, b, model, rng.choice(("65W USB-C", "Portable 90W", "Smart Digital")), "Soldering Iron FPV")
    elif kind == "tin":
        diameter = rng.choice(("0.5mm", "0.8mm", "1.0mm"))
        if variants:
            opts = [_Opt(d, _code(d), 1.0) for d in ("0.5mm", "0.6mm", "0.8mm", "1.0mm")]
            tiers.append(_TierSpec("Diameter", _options(rng, opts, hi=4)))
        d_txt = "" if variants else diameter
        title = _t(noun, d_txt, rng.choice(("Sn63 Pb37", "Rosin Core", "Lead Free")),
                   rng.choice(("100g", "50g", "250g")), b, "untuk Elektronik FPV")
    elif kind == "wrench":
        if variants:
            opts = [_Opt(s, _code(s), 1.0) for s in ("M5 8mm", "M5 10mm", "M6 10mm", "M3 5.5mm")]
            tiers.append(_TierSpec("Ukuran", _options(rng, opts, hi=4)))
        title = _t(noun, "" if variants else rng.choice(("M5 8mm", "M5 10mm")), "Sleeve Wrench", b,
                   rng.choice(("Aluminium", "Baja", "")), "untuk Motor Drone FPV", rng.choice(_EDITIONS))
    else:
        extra = {
            "flux": ("No Clean 10cc", "Rosin Pasta 50g", "Syringe 10ml"),
            "smoke": ("XT60 Pengaman Short Circuit", "XT30 Fuse Pelindung", "Reset Otomatis XT60"),
            "checker": ("1-8S Voltage Tester", "Cell Meter Digital", "Balance Tester Buzzer"),
            "tweezer": ("Stainless ESD", "Ujung Lancip Presisi", "Set 6 pcs"),
            "cutter": ("Kabel 5 Inch Presisi", "Pemotong Kabel Tajam", "Mini Flush Cutter"),
        }[kind]
        if variants:
            tiers.append(_colors(rng, ("Hitam", "Merah", "Biru", "Oranye"), hi=4))
        title = _t(noun, b, rng.choice(extra), rng.choice(("untuk Drone FPV", "untuk Pilot FPV", "Bengkel FPV")),
                   rng.choice(_EDITIONS))
    return _Draft(
        "tool", brand, f"TOL-{_sku_part(kind)}", title, _price(rng, lo, hi), rng.randint(*weight),
        _dims(rng, (8, 4, 2), (25, 12, 6)), [("Jenis", noun)], tiers,
    )


_RX_OPTS: Final[tuple[_Opt, ...]] = (
    _Opt("PNP Tanpa Receiver", "PNP", 1.0), _Opt("ELRS 2.4G", "ELRS24", 1.03), _Opt("FrSky D16", "FRSKY", 1.03),
    _Opt("ELRS 915M", "ELRS915", 1.05), _Opt("TBS Crossfire", "CRSF", 1.08), _Opt("TBS Tracer", "TRACER", 1.08),
)
# (brand, model, size in inches, cells, price range, weight range)
_DRONES: Final[tuple[tuple[str, str, str, str, tuple[int, int], tuple[int, int]], ...]] = (
    ("iFlight", "Nazgul5 V3", "5", "6S", (4_500_000, 6_500_000), (500, 900)),
    ("iFlight", "Nazgul Evoque F5", "5", "6S", (5_500_000, 7_500_000), (550, 950)),
    ("iFlight", "Chimera7 Pro V2", "7", "6S", (7_000_000, 9_000_000), (800, 1500)),
    ("iFlight", "ProTek35", "3.5", "6S", (4_000_000, 6_000_000), (400, 800)),
    ("GEPRC", "Mark5", "5", "6S", (5_000_000, 7_500_000), (550, 950)),
    ("GEPRC", "Cinelog35 V2", "3.5", "4S", (4_000_000, 6_500_000), (400, 800)),
    ("GEPRC", "Crocodile75 V3", "7", "6S", (6_500_000, 9_000_000), (800, 1500)),
    ("BetaFPV", "Pavo30", "3", "4S", (3_000_000, 4_500_000), (350, 700)),
    ("Flywoo", "Explorer LR4 V2", "4", "4S", (3_500_000, 5_000_000), (350, 700)),
    ("Diatone", "Roma F5 V2", "5", "6S", (4_500_000, 6_500_000), (500, 900)),
    ("HappyModel", "Crux35", "3.5", "4S", (2_500_000, 3_800_000), (300, 600)),
    ("DJI", "Avata 2", "3", "4S", (6_500_000, 8_000_000), (700, 1300)),
)
_WHOOPS: Final[tuple[tuple[str, str, str, str, tuple[int, int]], ...]] = (
    ("BetaFPV", "Meteor65 Pro", "65", "1S", (1_800_000, 2_600_000)),
    ("BetaFPV", "Meteor75 Pro", "75", "1S", (1_900_000, 2_800_000)),
    ("BetaFPV", "Meteor85", "85", "1-2S", (2_000_000, 3_000_000)),
    ("BetaFPV", "Cetus Pro Kit", "75", "1S", (3_000_000, 4_500_000)),
    ("HappyModel", "Mobula6", "65", "1S", (1_800_000, 2_500_000)),
    ("HappyModel", "Mobula7", "75", "1S", (1_900_000, 2_700_000)),
    ("HappyModel", "Mobula8", "85", "1-2S", (2_100_000, 3_000_000)),
    ("Emax", "Tinyhawk III", "75", "1S", (2_300_000, 3_200_000)),
    ("Flywoo", "Firefly Baby Quad", "40", "1S", (2_000_000, 2_900_000)),
    ("iFlight", "Alpha A75", "75", "1S", (2_200_000, 3_100_000)),
)


def _drone(rng: random.Random, variants: bool) -> _Draft:
    brand, model, size, cells, (lo, hi), weight = rng.choice(_DRONES)
    video = rng.choice(("Analog", "DJI O3", "Walksnail HD", "HDZero"))
    if video != "Analog" and brand != "DJI":
        lo = min(int(lo * 1.3), 8_500_000)
        hi = min(int(hi * 1.3), 9_000_000)
    tiers: list[_TierSpec] = []
    rx = rng.choice(("ELRS", "TBS Crossfire", "PNP", "FrSky"))
    if variants and brand == "DJI":
        # A DJI drone binds to DJI's own link, so the seller varies the bundle instead of the receiver.
        tiers.append(_TierSpec("Paket", (_Opt("Drone Only", "DRONE"), _Opt("Drone + 2 Baterai", "2BAT", 1.1))))
    elif variants:
        tiers.append(_TierSpec("Receiver", _relative(_options(rng, _RX_OPTS, hi=5))))
    kind = "" if tiers else ("PNP" if rx == "PNP" else f"BNF {rx}")
    if brand == "DJI":
        video, kind = "DJI O4", "" if tiers else "Drone Only"
    style = rng.choice(("Freestyle", "Racing", "Cinematic", "Long Range"))
    title = rng.choice(
        (
            _t(brand, model, f"{size} Inch", cells, video, kind, "Drone FPV", style),
            _t("Drone FPV", model, f"{size} Inch", cells, video, kind, brand),
            _t("Drone FPV", style, f"{size} Inch", brand, model, video, kind, "Siap Terbang"),
        )
    )
    return _Draft(
        "drone", brand, f"DRN-{_sku_part(model, 14)}", title, _price(rng, lo, hi), rng.randint(*weight),
        _dims(rng, (22, 20, 10), (40, 35, 18)),
        [("Ukuran", f"{size} inch"), ("Baterai", cells), ("Sistem video", video),
         ("Receiver", "DJI" if brand == "DJI" else "lihat varian" if tiers else rx)],
        tiers,
    )


def _whoop(rng: random.Random, variants: bool) -> _Draft:
    brand, model, size, cells, (lo, hi) = rng.choice(_WHOOPS)
    video = rng.choice(("Analog", "Analog 25-400mW", "Walksnail", "HDZero"))
    tiers: list[_TierSpec] = []
    if variants:
        opts = [o for o in _RX_OPTS if o.code in ("ELRS24", "FRSKY", "PNP", "ELRS915")]
        tiers.append(_TierSpec("Receiver", _relative(_options(rng, opts, hi=4))))
    kind = "" if variants else rng.choice(("BNF ELRS", "BNF FrSky", "RTF Kit", "BNF"))
    title = rng.choice(
        (
            _t(brand, model, cells, f"{size}mm", "Brushless Tiny Whoop", video, kind),
            _t("Tiny Whoop", brand, model, cells, "Brushless", video, kind, "untuk Pemula"),
            _t("Drone FPV Whoop", brand, model, f"{size}mm", cells, kind, "Indoor", rng.choice(_EDITIONS)),
        )
    )
    return _Draft(
        "whoop", brand, f"WHP-{_sku_part(model, 14)}", title, _price(rng, lo, hi), rng.randint(60, 350),
        _dims(rng, (12, 12, 6), (25, 20, 12)),
        [("Ukuran", f"{size}mm"), ("Baterai", cells), ("Sistem video", video)],
        tiers,
    )


_MAKERS: Final[dict[str, _Maker]] = {
    "frame": _frame, "propeller": _propeller, "motor": _motor, "esc": _esc,
    "flight_controller": _flight_controller, "vtx": _vtx, "camera": _camera, "antenna": _antenna,
    "receiver": _receiver, "radio": _radio, "goggles": _goggles, "battery": _battery, "charger": _charger,
    "cable": _cable, "hardware": _hardware, "tool": _tool, "drone": _drone, "whoop": _whoop,
}
assert set(_MAKERS) == set(CATEGORIES)


# --------------------------------------------------------------------------------------------
# Titles and descriptions.

_FILLERS: Final[tuple[str, ...]] = (
    "untuk Drone FPV", "Ready Stock", "Original", "Murah", "Berkualitas", "Bergaransi", "Jakarta",
)
_SELLING: Final[tuple[str, ...]] = (
    "Ready Stock", "Original 100%", "Garansi Resmi", "Murah Berkualitas", "Bergaransi", "Stok Banyak",
    "Kirim Cepat", "Best Seller", "Termurah", "COD",
)
_LONG_PHRASES: Final[tuple[str, ...]] = (
    "Original 100% Garansi Resmi", "Ready Stock Jakarta Kirim Cepat", "Bisa COD Seluruh Indonesia",
    "Harga Grosir untuk Reseller", "Cocok untuk Racing Freestyle", "Kualitas Premium Tahan Lama",
    "Free Bubble Wrap dan Kardus", "Promo Termurah Bulan Ini", "Best Seller Toko FPV",
    "Packing Aman Pasti Sampai", "Bonus Stiker FPV",
)
_TRAILING_JUNK: Final[frozenset[str]] = frozenset({"untuk", "dan", "-", "x", "Isi", "dengan", "Drone"})


def _trim(title: str, limit: int) -> str:
    """Cut at a word boundary to at most `limit` characters, dropping a dangling connector word."""
    if len(title) <= limit:
        return title
    words = title.split()
    while words and len(" ".join(words)) > limit:
        words.pop()
    while len(words) > 2 and words[-1] in _TRAILING_JUNK:
        words.pop()
    return " ".join(words)


def _fit_title(rng: random.Random, title: str) -> str:
    title = _trim(title, TITLE_MAX)
    if rng.random() < 0.5:
        extra = rng.choice(_SELLING)
        if extra not in title and len(title) + len(extra) + 1 <= TITLE_MAX:
            title = f"{title} {extra}"
    for filler in _FILLERS:
        if len(title) >= TITLE_MIN:
            break
        if filler not in title and len(title) + len(filler) + 1 <= TITLE_MAX:
            title = f"{title} {filler}"
    assert TITLE_MIN <= len(title) <= TITLE_MAX and title.isascii(), title
    return title


_OPENINGS: Final[tuple[str, ...]] = (
    "Jual {title}. Barang baru, original, dan siap kirim dari gudang kami di Jakarta.",
    "{title} ready stock. Cocok untuk pilot FPV pemula maupun yang sudah berpengalaman.",
    "Kami menyediakan {title} dengan kualitas terjamin dan harga bersaing.",
    "Produk: {title}. Semua barang dicek satu per satu sebelum dikirim.",
    "Selamat datang di toko kami! Produk ini adalah {title}, stok selalu diperbarui setiap hari.",
)
_BLURBS: Final[dict[str, tuple[str, ...]]] = {
    "frame": (
        "Frame dibuat dari carbon fiber berkualitas tinggi yang kaku dan tahan benturan saat crash.",
        "Desain arm yang kuat membuat frame ini awet dipakai freestyle maupun racing.",
        "Sudah termasuk baut, standoff dan pelindung kamera; cukup rakit dan terbang.",
        "Ruang stack cukup lega untuk FC dan ESC ukuran standar, mudah dirakit dan dirawat.",
    ),
    "propeller": (
        "Propeller ini seimbang dari pabrik sehingga getaran minim dan rekaman video tetap halus.",
        "Bahan polycarbonate yang lentur membuat prop tidak mudah patah saat menabrak.",
        "Cocok dipakai untuk freestyle, racing, maupun cruising santai di lapangan.",
        "Satu paket berisi putaran CW dan CCW, pastikan arah pemasangan sesuai motor.",
    ),
    "motor": (
        "Motor brushless ini memakai bearing berkualitas dan magnet kuat untuk respon yang cepat.",
        "Cocok dipadukan dengan ESC 4in1 dan propeller yang sesuai ukurannya.",
        "Lilitan tembaga rapi dan tahan panas, tetap stabil walau dipakai lama.",
        "Pastikan KV motor sesuai dengan tegangan baterai yang Anda gunakan.",
    ),
    "esc": (
        "ESC ini mendukung DShot600 dan telemetri sehingga mudah disetel lewat Betaflight.",
        "Komponen MOSFET berkualitas menjaga suhu tetap rendah saat throttle penuh.",
        "Sudah diuji sebelum dikirim; solder kabel baterai dengan rapi agar tidak korsleting.",
    ),
    "flight_controller": (
        "Flight controller ini sudah terpasang firmware Betaflight dan siap dikonfigurasi.",
        "Dilengkapi OSD, port UART yang cukup dan pad solder yang lebar sehingga mudah dirakit.",
        "Cocok untuk build freestyle maupun long range dengan GPS.",
        "Gunakan karet damper agar gyro tidak terganggu getaran motor.",
    ),
    "vtx": (
        "VTX ini mendukung SmartAudio sehingga channel dan daya bisa diatur dari remote.",
        "Jangan menyalakan VTX tanpa antena terpasang karena dapat merusak perangkat.",
        "Sinyal stabil dan jernih untuk terbang freestyle maupun jarak jauh.",
    ),
    "camera": (
        "Kamera FPV dengan latensi rendah dan gambar tajam, bagus di kondisi terang maupun redup.",
        "Pengaturan OSD kamera bisa diakses lewat joystick yang disertakan.",
        "Ukuran ringkas sehingga mudah dipasang di frame dengan dudukan standar.",
    ),
    "antenna": (
        "Antena ini meningkatkan jangkauan dan kestabilan video di lapangan.",
        "Pastikan konektor dan polarisasi sesuai dengan VTX dan goggles Anda.",
        "Bahan tahan benturan sehingga tidak mudah patah saat crash.",
    ),
    "receiver": (
        "Receiver ringan dengan latensi rendah dan jangkauan jauh untuk drone FPV.",
        "Binding mudah, cukup masukkan binding phrase yang sama dengan radio Anda.",
        "Mendukung telemetri sehingga tegangan baterai dan RSSI tampil di radio.",
    ),
    "radio": (
        "Radio transmitter dengan gimbal presisi dan firmware EdgeTX yang mudah diatur.",
        "Layar jelas dan baterai tahan lama untuk sesi terbang yang panjang.",
        "Cocok untuk simulator maupun terbang sungguhan, mendukung banyak model.",
    ),
    "goggles": (
        "Goggles dengan layar jernih dan latensi rendah untuk pengalaman terbang yang imersif.",
        "Busa wajah empuk dan strap yang bisa diatur, nyaman dipakai lama.",
        "Mendukung perekaman DVR sehingga setiap penerbangan bisa ditonton ulang.",
    ),
    "battery": (
        "Baterai LiPo dengan discharge tinggi, tegangan tetap stabil saat punch out.",
        "Simpan baterai pada tegangan storage 3.8V per cell jika tidak dipakai lebih dari dua hari.",
        "Selalu gunakan balance charger dan jangan mengisi baterai tanpa pengawasan.",
        "Dikirim dalam kondisi storage charge sesuai aturan pengiriman baterai.",
    ),
    "charger": (
        "Charger pintar dengan layar yang jelas dan fitur balance untuk setiap cell.",
        "Mendukung LiPo, LiHV, Li-ion dan NiMH, dengan mode storage dan discharge.",
        "Ukuran ringkas, mudah dibawa ke lapangan.",
    ),
    "cable": (
        "Kabel dan konektor berkualitas dengan hambatan rendah, aman untuk arus besar.",
        "Jaket silikon lentur dan tahan panas saat disolder.",
        "Cocok untuk merakit maupun memperbaiki drone FPV.",
    ),
    "hardware": (
        "Perlengkapan hardware presisi untuk merakit dan memperbaiki frame drone FPV.",
        "Bahan kuat dan ringan, tidak mudah berkarat.",
        "Selalu sediakan cadangan karena baut dan mur mudah hilang di lapangan.",
    ),
    "tool": (
        "Peralatan wajib untuk pilot FPV, memudahkan perakitan dan perbaikan.",
        "Kualitas bengkel dengan harga terjangkau.",
        "Cocok dibawa ke lapangan di dalam tas perlengkapan Anda.",
    ),
    "drone": (
        "Drone FPV siap terbang, sudah dirakit dan dites oleh pabrik.",
        "Cukup bind dengan radio Anda, pasang baterai dan langsung terbang.",
        "Cocok untuk freestyle, cinematic maupun belajar terbang manual.",
        "Baterai, radio dan goggles dijual terpisah kecuali disebutkan lain.",
    ),
    "whoop": (
        "Tiny whoop ringan dan aman untuk terbang di dalam ruangan.",
        "Ducted frame melindungi propeller sehingga cocok untuk pemula.",
        "Bisa dipakai latihan di rumah sebelum terbang di lapangan.",
    ),
}
_CLOSINGS: Final[tuple[str, ...]] = (
    "Pengiriman setiap hari kerja, pesanan sebelum jam 15.00 dikirim di hari yang sama.",
    "Garansi tukar baru 7 hari untuk cacat pabrik, wajib sertakan video unboxing.",
    "Silakan tanya lewat chat jika ingin memastikan kompatibilitas dengan drone Anda.",
    "Packing aman dengan bubble wrap dan kardus, bisa tambah asuransi pengiriman.",
    "Harga grosir tersedia untuk pembelian dalam jumlah banyak, hubungi kami lewat chat.",
    "Barang yang dikirim sesuai foto dan deskripsi.",
)
_SHORT_DESCRIPTIONS: Final[tuple[str, ...]] = (
    "Ready stock, langsung order.", "Barang original, siap kirim.", "Tanya stok via chat.",
    "Barang baru. Kirim hari ini.", "Original, bergaransi.", "Siap kirim dari Jakarta.",
)


def _description(rng: random.Random, title: str, draft: _Draft, tiers: Sequence[Tier], weight: int,
                 dims: tuple[int, int, int]) -> str:
    lines = [rng.choice(_OPENINGS).format(title=title)]
    blurbs = _BLURBS[draft.category]
    lines.append(" ".join(rng.sample(blurbs, k=rng.randint(2, min(3, len(blurbs))))))
    specs = [("Merek", draft.brand), *draft.specs, ("Berat paket", f"{weight} gram"),
             ("Ukuran paket", f"{dims[0]} x {dims[1]} x {dims[2]} cm")]
    lines.append("Spesifikasi:\n" + "\n".join(f"- {k}: {v}" for k, v in specs))
    if tiers:
        choices = "; ".join(f"{t.name} ({', '.join(t.options)})" for t in tiers)
        lines.append(f"Pilihan varian: {choices}. Mohon pilih varian yang sesuai saat checkout.")
    lines.append(" ".join(rng.sample(_CLOSINGS, k=2)))
    text = "\n\n".join(lines)
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1].rstrip() + "."


# --------------------------------------------------------------------------------------------
# Assembly.


class _Skus:
    """Hands out SKUs as `<stem>-<nnn>`; the sequence is per stem so SKUs read like the seller's own."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, stem: str) -> str:
        n = self._next.get(stem, 1)
        self._next[stem] = n + 1
        sku = f"{stem}-{n:03d}"
        assert len(sku) <= 50 and " " not in sku, sku
        return sku


def _image_urls(base: str, sku: str, k: int) -> tuple[str, ...]:
    return tuple(f"{base}/images/{sku}/{n}.png" for n in range(1, k + 1))


def _image_count(rng: random.Random) -> int:
    return rng.choices((3, 4, 5, 6, 7, 8, 9), weights=(12, 16, 20, 18, 14, 10, 10))[0]


def _stock(rng: random.Random, top: int = 200) -> int:
    return int(rng.triangular(1, top + 1, 12))


def _variants(
    rng: random.Random, draft: _Draft, sku: str, base: str
) -> tuple[tuple[Tier, ...], tuple[Variant, ...]]:
    specs = draft.tiers[:2]
    if len(specs) == 2 and len(specs[0].options) * len(specs[1].options) > MAX_VARIANT_COMBINATIONS:
        keep = max(2, MAX_VARIANT_COMBINATIONS // len(specs[0].options))
        specs[1] = replace(specs[1], options=specs[1].options[:keep])
        if len(specs[0].options) * len(specs[1].options) > MAX_VARIANT_COMBINATIONS:
            specs = specs[:1]
    lo, hi = _FAMILY_OF[draft.category].price_range
    combos: list[tuple[_Opt, ...]] = [(o,) for o in specs[0].options]
    for spec in specs[1:]:
        combos = [(*c, o) for c in combos for o in spec.options]
    variants: list[Variant] = []
    for combo in combos:
        vsku = "-".join((sku, *(o.code for o in combo)))
        assert len(vsku) <= 50, vsku
        factor = math.prod(o.factor for o in combo)
        price = draft.price if factor == 1.0 else _round_price(draft.price * factor, lo, hi)
        stock = 0 if rng.random() < 0.12 else _stock(rng, 120)
        image = f"{base}/images/{vsku}/1.png" if any(s.images for s in specs) else None
        variants.append(Variant(vsku, tuple(o.label for o in combo), price, stock, image))
    if all(v.stock == 0 for v in variants):
        variants[0] = replace(variants[0], stock=_stock(rng, 50))
    tiers = tuple(Tier(s.name, tuple(o.label for o in s.options)) for s in specs)
    return tiers, tuple(variants)


def _build(
    rng: random.Random, pid: str, draft: _Draft, skus: _Skus, base: str, origin: Platform
) -> Product:
    sku = skus.take(draft.stem)
    title = _fit_title(rng, draft.title)
    tiers: tuple[Tier, ...] = ()
    variants: tuple[Variant, ...] = ()
    price, stock = draft.price, _stock(rng)
    if draft.tiers:
        tiers, variants = _variants(rng, draft, sku, base)
        price = min(v.price for v in variants if v.price is not None)
        stock = sum(v.stock for v in variants)
    weight = max(5, min(1500, draft.weight_g))
    length, width, height = sorted(draft.dims, reverse=True)
    return Product(
        id=pid, sku=sku, title=title,
        description=_description(rng, title, draft, tiers, weight, (length, width, height)),
        category=draft.category, brand=draft.brand, weight_g=weight,
        length_cm=length, width_cm=width, height_cm=height, price=price, stock=stock,
        images=_image_urls(base, sku, _image_count(rng)), tiers=tiers, variants=variants, origin=origin,
    )


def _pilot_a(base: str, skus: _Skus) -> Product:
    sku = skus.take("FRM-5IN-CF")
    title = "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"
    return Product(
        id="PROD-1", sku=sku, title=title,
        description=(
            f"Jual {title}. Barang baru, original, dan siap kirim dari gudang kami di Jakarta.\n\n"
            "Frame dibuat dari carbon fiber T700 yang kaku dan tahan benturan saat crash. Arm 3mm ringan "
            "untuk racing namun tetap kuat untuk freestyle. Sudah termasuk baut, standoff dan pelindung kamera.\n\n"
            "Spesifikasi:\n- Ukuran: 5 inch\n- Wheelbase: 220mm\n- Ketebalan arm: 3mm\n- Material: Carbon fiber T700\n"
            "- Berat paket: 160 gram\n- Ukuran paket: 25 x 20 x 5 cm\n\n"
            "Pengiriman setiap hari kerja, pesanan sebelum jam 15.00 dikirim di hari yang sama. "
            "Garansi tukar baru 7 hari untuk cacat pabrik, wajib sertakan video unboxing."
        ),
        category="frame", brand=_NO_BRAND, weight_g=160, length_cm=25, width_cm=20, height_cm=5,
        price=150_000, stock=40, images=_image_urls(base, sku, 5), origin=Platform.SHOPEE,
    )


def _pilot_b(base: str, skus: _Skus) -> Product:
    sku = skus.take("PRP-5145")
    title = "Propeller Gemfan 5145 Tri-Blade 5 Inch Isi 2 Pasang untuk Drone FPV"
    options = (("Red", 45_000, 24), ("Blue", 45_000, 31), ("Green", 47_500, 18))
    variants = tuple(
        Variant(f"{sku}-{_code(c)}", (c,), price, stock, f"{base}/images/{sku}-{_code(c)}/1.png")
        for c, price, stock in options
    )
    return Product(
        id="PROD-2", sku=sku, title=title,
        description=(
            f"{title} ready stock. Cocok untuk pilot FPV pemula maupun yang sudah berpengalaman.\n\n"
            "Propeller Gemfan 5145 tiga bilah, seimbang dari pabrik sehingga getaran minim dan video tetap halus. "
            "Satu paket berisi 2 CW dan 2 CCW.\n\n"
            "Spesifikasi:\n- Merek: Gemfan\n- Ukuran: 5.1x4.5x3\n- Material: Polycarbonate\n- Isi: 2 pasang\n\n"
            "Pilihan varian: Warna (Red, Blue, Green). Mohon pilih varian yang sesuai saat checkout."
        ),
        category="propeller", brand="Gemfan", weight_g=20, length_cm=15, width_cm=10, height_cm=2,
        price=45_000, stock=sum(v.stock for v in variants), images=_image_urls(base, sku, 6),
        tiers=(Tier("Warna", ("Red", "Blue", "Green")),), variants=variants, origin=Platform.SHOPEE,
    )


# --------------------------------------------------------------------------------------------
# Flaws.

_EMOJIS: Final[tuple[str, ...]] = ("🔥", "🚀", "💯", "🎁", "🏆", "📦")
_ENTITIES: Final[tuple[str, ...]] = ("&amp;", "&quot;", "&#39;", "&nbsp;")


def _short_title(title: str) -> str:
    words = title.split()
    for n in range(1, len(words) + 1):
        candidate = " ".join(words[:n])
        if 10 <= len(candidate) <= 19:
            return candidate
        if len(candidate) > 19:
            break
    for suffix in ("FPV", "Drone FPV", "Murah"):
        candidate = f"{words[0][:12]} {suffix}"
        if 10 <= len(candidate) <= 19:
            return candidate
    return f"{words[0][:8]} FPV Drone"


def _long_title(rng: random.Random, title: str) -> str:
    phrases = list(_LONG_PHRASES)
    rng.shuffle(phrases)
    out = f"{title} -"
    for phrase in phrases:
        if len(out) >= 125:
            break
        out = f"{out} {phrase}"
    assert 125 <= len(out) <= 160, out
    return out


def _emoji_title(rng: random.Random, title: str) -> str:
    emoji = rng.choice(_EMOJIS)
    where = rng.randrange(3)
    room = TITLE_MAX - (4 if where == 2 else 2)
    body = _trim(title, room)
    return f"{emoji} {body}" if where == 0 else f"{body} {emoji}" if where == 1 else f"{emoji} {body} {emoji}"


def _entity_title(rng: random.Random, title: str) -> str:
    entity = rng.choice(_ENTITIES)
    words = _trim(title, TITLE_MAX - 14).split()
    at = rng.randrange(1, len(words))
    if entity == "&quot;":
        words[at] = f"&quot;{words[at]}&quot;"
    elif entity == "&nbsp;":
        words[at - 1] = f"{words[at - 1]}&nbsp;{words.pop(at)}"
    elif entity == "&#39;":
        words.insert(at, "Seller&#39;s")
    else:
        words.insert(at, "&amp;")
    out = " ".join(words)
    assert TITLE_MIN <= len(out) <= TITLE_MAX, out
    return out


def _apply_flaw(rng: random.Random, kind: str, p: Product, base: str, donor: Product | None) -> Product:
    if kind == "few_images":
        return replace(p, images=p.images[: rng.choice((1, 2))])
    if kind == "title_too_short":
        return replace(p, title=_short_title(p.title))
    if kind == "title_too_long":
        return replace(p, title=_long_title(rng, p.title))
    if kind in ("price_zero", "price_missing"):
        price = 0 if kind == "price_zero" else None
        return replace(p, price=price, variants=tuple(replace(v, price=price) for v in p.variants))
    if kind == "duplicate_sku":
        assert donor is not None and donor.variants and p.variants
        taken = rng.choice(donor.variants).sku
        at = rng.randrange(len(p.variants))
        variants = tuple(replace(v, sku=taken) if i == at else v for i, v in enumerate(p.variants))
        return replace(p, variants=variants)
    if kind == "weight_zero":
        return replace(p, weight_g=0)
    if kind == "description_short":
        return replace(p, description=rng.choice(_SHORT_DESCRIPTIONS))
    if kind == "emoji_in_title":
        return replace(p, title=_emoji_title(rng, p.title))
    if kind == "html_entity_in_title":
        return replace(p, title=_entity_title(rng, p.title))
    if kind == "zero_stock":
        return replace(p, stock=0, variants=tuple(replace(v, stock=0) for v in p.variants))
    if kind == "broken_image_url":
        n = rng.randrange(len(p.images))
        images = tuple(f"{base}/images/{p.sku}/missing-{n + 1}.png" if i == n else u for i, u in enumerate(p.images))
        return replace(p, images=images)
    raise ValueError(f"unknown flaw kind: {kind}")


def _flaw_counts(count: int) -> dict[str, int]:
    """The fixed counts; a smaller catalog (a quick demo) gets them scaled down so flaws stay near 5%."""
    if count >= DEFAULT_COUNT:
        return dict(FLAW_COUNTS)
    return {k: v * count // DEFAULT_COUNT for k, v in FLAW_COUNTS.items()}


def _apportion(count: int) -> dict[str, int]:
    """Split `count` by family share with the largest-remainder method, so shares are as exact as possible."""
    exact = {f.key: count * f.share / 100 for f in _FAMILIES}
    out = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)
    for k in by_remainder[: count - sum(out.values())]:
        out[k] += 1
    for needed in ("frames", "propellers"):  # the pilots
        if out[needed] == 0:
            out[max(out, key=lambda k: out[k])] -= 1
            out[needed] += 1
    return out


def generate_catalog(
    seed: int = DEFAULT_SEED,
    *,
    image_base_url: str = DEFAULT_IMAGE_BASE_URL,
    count: int = DEFAULT_COUNT,
    tiktok_count: int = DEFAULT_TIKTOK_COUNT,
) -> GeneratedCatalog:
    """The seller's catalog for `seed`: `count` products, `tiktok_count` of them from TikTok Shop."""
    if count < 2:
        raise ValueError("count must be at least 2 (the pilot products PROD-1 and PROD-2)")
    if not 0 <= tiktok_count <= count - 2:
        raise ValueError("tiktok_count must be between 0 and count - 2 (the pilots come from Shopee)")
    base = image_base_url.rstrip("/")
    rng = random.Random(seed)

    # The plan first (family, category, variants, origin, flaw per position), then the products.
    family_keys: list[str] = []
    shares = _apportion(count)
    shares["frames"] -= 1
    shares["propellers"] -= 1
    for fam in _FAMILIES:
        family_keys.extend([fam.key] * shares[fam.key])
    rng.shuffle(family_keys)
    families = {f.key: f for f in _FAMILIES}
    categories = ["frame", "propeller"] + [
        rng.choices([c for c, _ in families[k].categories], weights=[w for _, w in families[k].categories])[0]
        for k in family_keys
    ]

    capable = [i for i in range(2, count) if categories[i] not in _NO_VARIANTS]
    with_variants = set(rng.sample(capable, min(len(capable), max(0, round(VARIANT_SHARE * count) - 1))))
    tiktok = set(rng.sample(range(2, count), tiktok_count))

    counts = _flaw_counts(count)
    flaw_at: dict[int, str] = {}
    donor_of: dict[int, int] = {}
    # A duplicated SKU is the later of the two, so a validator reading in catalog order reports the
    # flagged product, not its donor; donors are ordinary variant products that stay flawless.
    var_pool = sorted(with_variants)
    dup_pool = var_pool[len(var_pool) // 4 :]
    for i in sorted(rng.sample(dup_pool, min(len(dup_pool), counts["duplicate_sku"]))):
        flaw_at[i] = "duplicate_sku"
    for i in sorted(k for k, v in flaw_at.items() if v == "duplicate_sku"):
        candidates = [j for j in var_pool if j < i and j not in flaw_at and j not in donor_of.values()]
        donor_of[i] = rng.choice(candidates)
    rest = [i for i in range(2, count) if i not in flaw_at and i not in donor_of.values()]
    rng.shuffle(rest)
    cursor = 0
    for kind, n in counts.items():
        if kind == "duplicate_sku":
            continue
        for i in rest[cursor : cursor + n]:
            flaw_at[i] = kind
        cursor += n

    skus = _Skus()
    products: list[Product] = [_pilot_a(base, skus), _pilot_b(base, skus)]
    for i in range(2, count):
        draft = _MAKERS[categories[i]](rng, i in with_variants)
        origin = Platform.TIKTOK if i in tiktok else Platform.SHOPEE
        product = _build(rng, f"PROD-{i + 1}", draft, skus, base, origin)
        assert product.has_variants == (i in with_variants), (i, draft.category)
        if i in flaw_at:
            donor = products[donor_of[i]] if i in donor_of else None
            product = _apply_flaw(rng, flaw_at[i], product, base, donor)
        products.append(product)

    manifest: dict[str, list[str]] = {kind: [] for kind in FLAW_COUNTS}
    for i in sorted(flaw_at):
        manifest[flaw_at[i]].append(f"PROD-{i + 1}")
    return GeneratedCatalog(products=tuple(products), manifest=manifest)
