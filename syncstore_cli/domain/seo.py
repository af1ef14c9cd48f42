"""SEO titles per marketplace, derived deterministically from the master title.

The seller's rules for a platform title:

* similarity to the master title in [70, 80] (`similarity`, inclusive band);
* the platform's length limits (`TITLE_LIMITS`);
* nothing the platforms reject (`title_problems`: emoji, HTML entities, control characters,
  long runs of one character, symbols only);
* the Shopee and TikTok titles of a product differ;
* Indonesian FPV selling style: reordered words, selling words, a bracketed tag on Shopee,
  a " - " / " | " selling phrase on TikTok.

The similarity is always measured against the master title *as stored* (dirty or not), since
that is what the validator and a human reviewer compare with; the candidate titles are built
from a cleaned copy of it.

Search: the cleaned master is split into words and a few "bodies" are derived from it: the
leading pair of generic words reordered (TikTok "Racing Frame 5 Inch", Shopee "Frame 5 Inch
Racing"), the words as they are, each also with a low-value word dropped, and each cut at word
boundaries when the length limit or the band needs it. For each body, the additions (selling
words + bracketed tag on Shopee, separator + selling phrase on TikTok, vocabulary shuffled by
the key) are ranked by an estimated score (the body's own match count over the final length)
near a key-jittered target in the middle of the band, and only the best few are scored
exactly. The first candidate meeting every rule wins; unstyled additions are a last resort.
A title costs a handful of `fuzz.ratio` calls, a few dozen at worst.
"""

from __future__ import annotations

import functools
import hashlib
import html
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz

from syncstore_cli.domain.catalog import PLATFORMS, Platform

SIMILARITY_BAND: Final[tuple[float, float]] = (70.0, 80.0)

TITLE_LIMITS: Final[dict[Platform, tuple[int, int]]] = {
    Platform.SHOPEE: (20, 120),
    Platform.TIKTOK: (25, 255),
}

PLATFORM_LABELS: Final[dict[Platform, str]] = {Platform.SHOPEE: "Shopee", Platform.TIKTOK: "TikTok Shop"}

MAX_IDENTICAL_RUN: Final = 9

# Aim for the middle of the band: the estimate ignores chance matches of the added words, so
# the middle leaves room on both sides and the first exact score usually lands in the band.
_TARGET: Final = 75.0
_TARGET_JITTER: Final = 2.0
_TARGET_TOLERANCE: Final = 2.0
_ADDITIONS_PER_BODY: Final = 6
_MAX_BODIES: Final = 14
_SHOPEE_TAGS_TRIED: Final = 5
_ESTIMATE_FLOOR: Final = 66.0


@dataclass(frozen=True)
class SeoTitle:
    platform: Platform
    title: str | None  # None when no title meets every rule
    similarity: float | None
    reason: str | None  # why there is no title (None when title is set)


# --------------------------------------------------------------------------- similarity


def normalize(s: str) -> str:
    """Case-fold and collapse every run of white space to one space (the seller's comparison form)."""
    return " ".join(s.casefold().split())


def similarity(a: str, b: str) -> float:
    """`rapidfuzz.fuzz.ratio` of the normalized titles, 0–100."""
    return float(fuzz.ratio(normalize(a), normalize(b)))


def in_band(score: float) -> bool:
    return SIMILARITY_BAND[0] <= score <= SIMILARITY_BAND[1]


# --------------------------------------------------------------------------- hygiene

# Emoji and pictographs as the platforms' filters see them: the emoji blocks, dingbats and
# miscellaneous symbols (✅ ⭐ ❤), the emoji-only code points of other blocks, and the
# modifiers that only occur inside emoji sequences (variation selector 16, keycap, tags).
# Text symbols sellers legitimately use (™ ® ° × ±, arrows) are deliberately not listed.
_PICTOGRAPH_RE: Final = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\u2600-\u27bf"
    "\u2b00-\u2bff"
    "\u231a\u231b\u2328\u23cf\u23e9-\u23fa"
    "\u3030\u303d\u3297\u3299"
    "\ufe0e\ufe0f\u20e3"
    "\U000e0020-\U000e007f"
    "]"
)
# C0/C1 controls plus the invisible formatting characters that slip in from copy-paste.
_CONTROL_RE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_ENTITY_RE: Final = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|&(?:amp|lt|gt|quot|apos|nbsp)(?![A-Za-z0-9;])",
    re.IGNORECASE,
)
_KEPT_SYMBOLS: Final[frozenset[str]] = frozenset({"-", "–", "|", "&", "+", "/", ","})
_RUN_RE: Final = re.compile(rf"(.)\1{{{MAX_IDENTICAL_RUN},}}", re.DOTALL)


_CONTROL_NAMES: Final[dict[str, str]] = {"\n": "line break", "\r": "carriage return", "\t": "tab"}


def _show(chars: Sequence[str]) -> str:
    unique = list(dict.fromkeys(chars))
    return ", ".join(
        f"{_CONTROL_NAMES[c] + ' ' if c in _CONTROL_NAMES else ''}U+{ord(c):04X}" if _CONTROL_RE.match(c) else repr(c)
        for c in unique[:5]
    )


def title_problems(title: str, platform: Platform) -> list[str]:
    """Why a marketplace would reject `title` on `platform`; an empty list means acceptable."""
    problems: list[str] = []
    lo, hi = TITLE_LIMITS[platform]
    n = len(title)
    if n < lo or n > hi:
        problems.append(
            f"title is {n} characters; {PLATFORM_LABELS[platform]} needs {lo}–{hi}"
            f" ({'too short' if n < lo else 'too long'})"
        )
    if emoji := _PICTOGRAPH_RE.findall(title):
        problems.append(f"contains emoji or pictographs: {_show(emoji)}")
    if entities := _ENTITY_RE.findall(title):
        problems.append(f"contains HTML entities: {_show(entities)}")
    if controls := _CONTROL_RE.findall(title):
        problems.append(f"contains control or invisible characters: {_show(controls)}")
    if run := _RUN_RE.search(title):
        problems.append(
            f"has {len(run.group(0))} identical characters in a row ({run.group(1)!r});"
            f" at most {MAX_IDENTICAL_RUN} allowed"
        )
    if title.strip() and not any(c.isalnum() for c in title):
        problems.append("has no letters or digits (symbols only)")
    return problems


def clean_title(title: str) -> str:
    """The master title with what the platforms reject removed, white space collapsed."""
    text = title
    # Double-escaped exports ("&amp;amp;") need more than one pass.
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _ENTITY_RE.sub(" ", text)
    text = _PICTOGRAPH_RE.sub(" ", text)
    text = _CONTROL_RE.sub(" ", text)
    text = _RUN_RE.sub(lambda m: m.group(1), text)
    # Emoji removal and run collapsing leave orphaned symbols ("🔥 - Frame" -> "- Frame", "!!!!" -> "!").
    words = [w for w in text.split() if _has_alnum(w) or w in _KEPT_SYMBOLS]
    while words and not _has_alnum(words[0]):
        words.pop(0)
    while words and not _has_alnum(words[-1]):
        words.pop()
    return " ".join(words)


def _has_alnum(word: str) -> bool:
    return any(c.isalnum() for c in word)


# --------------------------------------------------------------------------- hand-written titles

# White space other than the control characters: runs of it are one space in a stored title. Line
# breaks and tabs are controls, kept so they are seen and refused: collapsed, a title split over
# lines would pass for the one-line title it is not.
_SPACE_RUN_RE: Final = re.compile(r"(?:(?![\x00-\x1f\x7f-\x9f\u2028-\u202e])\s)+")


@dataclass(frozen=True)
class HandTitle:
    """A hand-written title (`seo set`) as it would be stored, and the seller's rules it breaks."""

    title: str  # surrounding spaces removed, runs of spaces one space; nothing else changed
    similarity: float  # to the master title
    refused: tuple[str, ...]  # what the marketplaces refuse (length, emoji, entities, controls...): never stored
    outside_band: str | None  # why the similarity is outside the band; the seller may insist on it


def check_hand_title(text: str, master_title: str, platform: Platform) -> HandTitle:
    """Checks a hand-written title on the raw text, before any white space is collapsed."""
    title = _SPACE_RUN_RE.sub(" ", text).strip(" ")
    score = similarity(master_title, title)
    band = None
    if not in_band(score):
        lo, hi = SIMILARITY_BAND
        band = f"similarity {score_text(score)} to the master title is outside the band {lo:.0f}–{hi:.0f}"
    return HandTitle(title, score, tuple(title_problems(title, platform)), band)


def score_text(score: float) -> str:
    """A similarity as few digits as show it on the right side of the band (80.4 is not '80')."""
    for digits in (0, 1, 2):
        shown = f"{score:.{digits}f}"
        if in_band(float(shown)) == in_band(score):
            return shown
    return repr(score)


# --------------------------------------------------------------------------- vocabulary

_SELLING_WORDS: Final[tuple[str, ...]] = (
    "Ringan", "Kuat", "Original", "Bergaransi", "Siap Kirim", "Murah", "Awet", "Presisi",
    "Termurah", "Berkualitas", "Kualitas Premium", "Cocok untuk Pemula", "Tahan Banting",
    "Ready Stock", "Tahan Lama", "Garansi Toko",
)  # fmt: skip
_TAGS: Final[tuple[str, ...]] = (
    "[BEST SELLER]", "[READY STOCK]", "[ORIGINAL]", "[TERMURAH]", "[SIAP KIRIM]", "[BERGARANSI]",
    "[PROMO]", "[MURAH]", "[READY]", "[ORI]", "[HOT]", "[NEW]", "[DISKON]", "[GROSIR]", "[LARIS]",
    "[TERLARIS]", "[GARANSI]",
)  # fmt: skip
_ADJECTIVES: Final[tuple[str, ...]] = (
    "Ringan", "Kuat", "Awet", "Presisi", "Murah", "Original", "Bergaransi", "Berkualitas", "Termurah",
)  # fmt: skip
_PHRASES: Final[tuple[str, ...]] = (
    "Siap Kirim", "Kualitas Premium", "Cocok untuk Pemula", "Tahan Banting", "Ready Stock", "Garansi Toko",
)  # fmt: skip
_USES: Final[tuple[str, ...]] = ("untuk FPV", "untuk FPV Racing", "untuk Freestyle", "untuk Drone FPV")
_SEPARATORS: Final[tuple[str, ...]] = (" - ", " | ")

# Words whose loss costs the buyer nothing, dropped first when a body must shrink.
_LOW_VALUE: Final[frozenset[str]] = frozenset({
    "untuk", "dengan", "dan", "with", "for", "and", "the", "new", "baru", "set", "pcs", "murah", "original",
})  # fmt: skip
_CONNECTORS: Final[frozenset[str]] = frozenset({
    "untuk", "dengan", "dan", "with", "for", "and", "the", "+", "&", "/",
})  # fmt: skip
_UNITS: Final[frozenset[str]] = frozenset({
    "inch", "in", "mm", "cm", "kv", "mah", "s", "ghz", "mhz", "mw", "g", "gr", "v", "a",
    "pcs", "pc", "set", "x",
})  # fmt: skip


# Generic product words: two of them side by side read well in either order ("Frame Racing",
# "Racing Frame"); brands and model names do not ("Foxeer Reaper", "Kabel JST SH").
_GENERIC: Final[frozenset[str]] = frozenset({
    "frame", "racing", "freestyle", "cinematic", "cinewhoop", "toothpick", "motor", "brushless",
    "propeller", "baling", "baterai", "batre", "battery", "lipo", "kamera", "camera", "fpv", "drone",
    "antena", "antenna", "kabel", "cable", "charger", "receiver", "rx", "elrs", "radio", "transmitter",
    "vtx", "video", "goggles", "kacamata", "stack", "fc", "esc", "mini", "micro", "nano", "kit", "digital",
    "analog", "hd", "standoff", "spacer", "strap", "konektor", "connector", "carbon", "checker",
    "holder", "mount", "dudukan", "plate", "bumper", "canopy", "whoop", "combo", "paket", "set",
})  # fmt: skip
_FIXED_PAIRS: Final[frozenset[tuple[str, str]]] = frozenset({
    ("remote", "control"), ("flight", "controller"), ("tiny", "whoop"), ("carbon", "fiber"), ("long", "range"),
})  # fmt: skip


def _swappable(first: str, second: str) -> bool:
    a, b = first.casefold(), second.casefold()
    # "Baterai Drone" is "battery for a drone": swapped it names a different thing.
    return a != b and a in _GENERIC and b in _GENERIC and b != "drone" and (a, b) not in _FIXED_PAIRS


# --------------------------------------------------------------------------- search


def _rng(master: str, platform: Platform, key: str) -> random.Random:
    # hashlib, not hash(): str hashes are salted per process and titles must be reproducible.
    seed_text = f"{platform.value}\x00{key or normalize(master)}"
    digest = hashlib.blake2b(seed_text.encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _swap(words: list[str], i: int) -> list[str]:
    out = list(words)
    out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _drop_low_value(words: list[str]) -> list[str] | None:
    for i in range(len(words) - 1, 0, -1):
        if words[i].casefold() in _LOW_VALUE:
            return words[:i] + words[i + 1 :]
    return None


def _size_end(words: list[str], k: int) -> int | None:
    """End of the size starting at words[k] ("5 Inch", '5"', "1200TVL", "2.4GHz"), None if it is not one.

    A bare number ("Lollipop 4", "Ratel 2", "2207") is left alone: it is usually part of a model name.
    """
    if k >= len(words) or not words[k][:1].isdigit():
        return None
    if k + 1 < len(words) and words[k + 1].casefold() in _UNITS:
        return k + 2
    if any(c.isalpha() or c == '"' for c in words[k]):
        return k + 1
    return None


def _body_orders(words: list[str], platform: Platform) -> list[list[str]]:
    """Word orders to try, preferred first.

    Only the leading pair is reordered: further in, adjacent words are too often one name
    ("Rush Tank", "Tri Blade", "Long Range"). TikTok leads with the pair swapped ("Racing Frame
    5 Inch"), Shopee with the second word moved behind the size ("Frame 5 Inch Racing"), so the
    two titles differ in their body as well as in their additions.
    """
    orders: list[list[str]] = []
    if len(words) >= 3 and _swappable(words[0], words[1]):
        swapped = _swap(words, 0)
        end = _size_end(words, 2)
        moved = None if end is None else [words[0], *words[2:end], words[1], *words[end:]]
        primary = [swapped, moved] if platform is Platform.TIKTOK else [moved, swapped]
        orders.extend(o for o in primary if o is not None)
    orders.append(list(words))
    for order in list(orders):
        dropped = _drop_low_value(order)
        if dropped is not None:
            orders.append(dropped)
    return orders


def _trim(words: list[str]) -> list[str]:
    """A cut body must not end on a dangling connector or separator."""
    out = list(words)
    while len(out) > 1 and (out[-1].casefold() in _CONNECTORS or not _has_alnum(out[-1])):
        out.pop()
    return out


def _prefixes(words: list[str], max_len: int) -> Iterator[str]:
    """Word-boundary cuts of `words` no longer than `max_len`, longest first."""
    seen: set[str] = set()
    for end in range(len(words), 0, -1):
        body = " ".join(_trim(words[:end]))
        if len(body) <= max_len and body not in seen:
            seen.add(body)
            yield body


def _stems(text: str) -> frozenset[str]:
    words = (t.strip("[],&|-").casefold() for t in text.split())
    return frozenset(w for w in words if len(w) >= 3 and w not in _CONNECTORS)


def _overlaps(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two texts share a word stem ("Murah"/"Termurah", "Garansi Resmi"/"[BERGARANSI]")."""
    return any(x in y or y in x for x in a for y in b)


_VOCAB_STEMS: Final[dict[str, frozenset[str]]] = {
    v: _stems(v) for v in (*_SELLING_WORDS, *_TAGS, *_ADJECTIVES, *_PHRASES, *_USES)
}
# Which vocabulary items repeat each other, computed once: the per-title work is set lookups.
_CLASHES: Final[dict[str, frozenset[str]]] = {
    v: frozenset(w for w, ws in _VOCAB_STEMS.items() if _overlaps(vs, ws)) for v, vs in _VOCAB_STEMS.items()
}


# Every 3+ letter piece of each item's stems: a body word inside an item's stem is then one
# set intersection instead of a loop of substring searches (this runs for every title).
_VOCAB_PIECES: Final[dict[str, frozenset[str]]] = {
    v: frozenset(x[i:j] for x in stems for i in range(len(x)) for j in range(i + 3, len(x) + 1))
    for v, stems in _VOCAB_STEMS.items()
}


@functools.lru_cache(maxsize=256)
def _fresh_vocab(body: frozenset[str]) -> frozenset[str]:
    """The vocabulary items that repeat no word of the body (cached: both platforms ask)."""
    joined = "\x00".join(body)
    return frozenset(
        v
        for v, stems in _VOCAB_STEMS.items()
        if body.isdisjoint(_VOCAB_PIECES[v]) and not any(x in joined for x in stems)
    )


def _fresh(pool: Sequence[str], body: frozenset[str]) -> list[str]:
    fresh = _fresh_vocab(body)
    return [v for v in pool if v in fresh]


def _pick(pool: Sequence[str], n: int, taken: Sequence[str] = ()) -> list[str]:
    """Up to n items of pool, in order, none repeating another or an item of `taken`."""
    chosen: list[str] = []
    blocked: set[str] = set()
    for t in taken:
        blocked |= _CLASHES[t]
    for item in pool:
        if len(chosen) == n:
            break
        if item not in blocked:
            chosen.append(item)
            blocked |= _CLASHES[item]
    return chosen


def _shopee_additions(rng: random.Random, body: frozenset[str]) -> list[tuple[str, str]]:
    """(prefix, suffix) pairs: optional selling words then a bracketed tag, sometimes in front."""
    words = _fresh(_SELLING_WORDS, body)
    tags = _fresh(_TAGS, body) or ["[HOT]"]
    rng.shuffle(words)
    rng.shuffle(tags)
    tag_first = rng.random() < 0.3
    out: list[tuple[str, str]] = []
    runs = [_pick(words[start:] + words[:start], 3) for start in range(3)]
    for tag in tags[:_SHOPEE_TAGS_TRIED]:
        out.append((f"{tag} ", "") if tag_first else ("", f" {tag}"))
        clash = _CLASHES[tag]
        for run in runs:
            chosen = [w for w in run if w not in clash]
            for n in range(1, len(chosen) + 1):
                selling = " ".join(chosen[:n])
                out.append((f"{tag} ", f" {selling}") if tag_first else ("", f" {selling} {tag}"))
    # Short tags only, for short masters whose band leaves room for a few characters.
    out.extend((f"{t} ", "") if tag_first else ("", f" {t}") for t in tags[_SHOPEE_TAGS_TRIED:])
    return out


def _tiktok_additions(rng: random.Random, body: frozenset[str]) -> list[tuple[str, str]]:
    adjectives = _fresh(_ADJECTIVES, body) or ["Kuat"]
    phrases = _fresh(_PHRASES, body) or ["Siap Kirim"]
    uses = _fresh(_USES, body) or ["untuk FPV"]
    rng.shuffle(adjectives)
    rng.shuffle(phrases)
    rng.shuffle(uses)
    sep = _SEPARATORS[rng.randrange(len(_SEPARATORS))]
    abc = _pick(adjectives, 3)
    a, b, c = (abc * 3)[:3] if len(abc) < 3 else abc
    pq = _pick(phrases, 2, abc) or phrases[:1]
    p, q = pq[0], pq[-1]
    use = uses[0]
    texts = [
        a, p, f"{a} & {b}", f"{a} {use}", f"{p} & {a}", f"{a} & {b} {use}", f"{a}, {b} & {c}",
        f"{a} & {b}, {p}", f"{a}, {b} & {c} {use}", f"{a} & {b} {use}, {p}",
        f"{a}, {b} & {c}, {p}", f"{a}, {b} & {c} {use}, {p} & {q}", f"{p}, {a} & {b}", q, b,
        f"{b} & {c}", f"{p} {use}",
    ]  # fmt: skip
    return [("", f"{sep}{t}") for t in dict.fromkeys(texts)]


def _fallback_additions(rng: random.Random, body: frozenset[str]) -> list[tuple[str, str]]:
    """Unstyled additions, tried only when no styled title fits (short or awkward masters)."""
    words = _fresh(_SELLING_WORDS, body)
    rng.shuffle(words)
    return [("", "")] + [("", f" {w}") for w in words]


def _candidates(master: str, platform: Platform, key: str) -> Iterator[tuple[str, float]]:
    """Titles meeting every rule, in order of preference (the first is the platform's title)."""
    lo, hi = TITLE_LIMITS[platform]
    master_norm = normalize(master)
    lm = len(master_norm)
    words = clean_title(master).split()
    if not words:
        return
    rng = _rng(master, platform, key)
    body_stems = _stems(" ".join(words))
    styled = (_shopee_additions if platform is Platform.SHOPEE else _tiktok_additions)(rng, body_stems)
    orders = _body_orders(words, platform)
    target = _TARGET + rng.uniform(-_TARGET_JITTER, _TARGET_JITTER)
    body_lcs: dict[str, float] = {}
    seen: set[str] = set()
    for tier in range(2):
        # The fallback list is built only if needed, after the styled one is exhausted.
        additions = [
            (len(pre) + len(suf), pre, suf)
            for pre, suf in (styled if tier == 0 else _fallback_additions(rng, body_stems))
        ]
        min_add = min(size for size, _, _ in additions)
        bodies_tried = 0
        for order in orders:
            for body in _prefixes(order, hi - min_add):
                if bodies_tried >= _MAX_BODIES:
                    break
                lb = len(body)
                lcs = body_lcs.get(body)
                if lcs is None:
                    lcs = body_lcs[body] = fuzz.ratio(body.casefold(), master_norm) * (lm + lb) / 200.0
                # Prefixes come longest first and shorter ones only score lower: once even the
                # shortest allowed addition leaves this one under the band, stop cutting.
                if 200.0 * lcs / (lm + max(lo, lb + min_add)) < _ESTIMATE_FLOOR:
                    break
                bodies_tried += 1
                ranked: list[tuple[float, str, str]] = []
                for size, pre, suf in additions:
                    total = lb + size
                    if lo <= total <= hi:
                        est = 200.0 * lcs / (lm + total)
                        # The estimate is a lower bound (added words can only add matches), so above
                        # the band is certain failure; a little below it may still land inside.
                        if _ESTIMATE_FLOOR <= est <= SIMILARITY_BAND[1]:
                            ranked.append((abs(est - target) // _TARGET_TOLERANCE, pre, suf))
                # Stable sort: within a tolerance bucket the key-shuffled order decides, so the
                # same length need does not always pick the same words.
                ranked.sort(key=lambda t: t[0])
                for _, pre, suf in ranked[:_ADDITIONS_PER_BODY]:
                    title = f"{pre}{body}{suf}"
                    norm = title.casefold()
                    if norm in seen:
                        continue
                    seen.add(norm)
                    score = float(fuzz.ratio(norm, master_norm))
                    if in_band(score) and not title_problems(title, platform):
                        yield title, score


def _no_title_reason(master: str, platform: Platform) -> str:
    lo, hi = TITLE_LIMITS[platform]
    label = PLATFORM_LABELS[platform]
    lm = len(normalize(master))
    if not clean_title(master):
        return "master title has no usable words after removing emoji, HTML entities and control characters"
    # ratio = 200·LCS/(lm + len) with LCS <= min(lm, len) bounds the reachable lengths.
    longest = int(200 * lm / SIMILARITY_BAND[0]) - lm
    if longest < lo:
        return (
            f"master title is {lm} characters; no title of {lo}–{hi} characters can score 70–80 on {label}"
            f" (at most {max(longest, 0)} characters can)"
        )
    shortest = -(-SIMILARITY_BAND[0] * lm // (200 - SIMILARITY_BAND[0]))
    if shortest > hi:
        return (
            f"master title is {lm} characters; a title scoring 70 or more needs at least {int(shortest)}"
            f" characters, over {label}'s limit of {hi}"
        )
    cleaned = len(clean_title(master))
    size = f"{lm} characters" if cleaned == lm else f"{lm} characters ({cleaned} once cleaned)"
    return f"master title is {size}; no {lo}–{hi} character title derived from it scores 70–80 on {label}"


def seo_title(master_title: str, platform: Platform, *, key: str = "") -> SeoTitle:
    """The platform's SEO title for `master_title`; `key` (e.g. the SKU) varies the selling words."""
    for title, score in _candidates(master_title, platform, key):
        return SeoTitle(platform, title, score, None)
    return SeoTitle(platform, None, None, _no_title_reason(master_title, platform))


def seo_titles(master_title: str, *, key: str = "") -> dict[Platform, SeoTitle]:
    """Both platforms' titles; when both are set they differ (compared normalized)."""
    out: dict[Platform, SeoTitle] = {}
    taken: set[str] = set()
    for platform in PLATFORMS:
        for title, score in _candidates(master_title, platform, key):
            if normalize(title) not in taken:
                taken.add(normalize(title))
                out[platform] = SeoTitle(platform, title, score, None)
                break
        else:
            reason = _no_title_reason(master_title, platform)
            if any(_candidates(master_title, platform, key)):
                label = PLATFORM_LABELS[platform]
                reason = f"every title meeting the rules on {label} equals another platform's title"
            out[platform] = SeoTitle(platform, None, None, reason)
    return out
