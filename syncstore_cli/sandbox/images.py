"""The sandbox image host: a real, deterministic PNG for every product image URL, made on request.

Thousands of catalog images are not stored anywhere: the bytes are a pure function of the
path, so an upload of the same URL always hashes the same, and `missing-N` paths are 404s
(the catalog's broken-image flaw).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache

IMAGE_SIZE = 600  # both marketplaces want at least 500 x 500 for main images


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=512)
def render_png(key: str, size: int = IMAGE_SIZE) -> bytes:
    """A size x size RGB PNG whose colours and bands are derived from `key`."""
    digest = hashlib.sha256(key.encode()).digest()
    background = digest[0:3]
    band = digest[3:6]
    band_height = 20 + digest[6] % 60
    offset = digest[7] % band_height
    light_row = b"\x00" + background * size
    dark_row = b"\x00" + (background * (size // 3)) + (band * (size - 2 * (size // 3))) + (background * (size // 3))
    rows = [dark_row if ((y + offset) // band_height) % 2 else light_row for y in range(size)]
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 1))  # level 1: half the CPU of 6, a few KB either way
        + _chunk(b"IEND", b"")
    )


def image_for_path(path: str) -> bytes | None:
    """Bytes for `/images/<sku>/<n>.<ext>`, or None for a missing (404) image."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "images":
        return None
    name = parts[2].rsplit(".", 1)[0]
    if not name.isdigit() or int(name) < 1:
        return None
    return render_png(f"{parts[1]}/{name}")


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def image_header(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from the PNG IHDR or the JPEG start-of-frame; None when neither parses."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return ("PNG", width, height) if width and height else None
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # standalone markers carry no length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF_MARKERS:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return ("JPEG", width, height) if width and height else None
        i += 2 + length
    return None
