"""The sandbox image host serves every catalog image URL as a real PNG, and 404s the broken ones."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import httpx
import pytest

from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
from syncstore_cli.sandbox.config import SandboxConfig
from syncstore_cli.sandbox.generator import generate_catalog


@pytest.fixture
def base_url() -> Iterator[str]:
    box = build_sandbox(SandboxConfig())
    server = serve_in_background(box)
    yield server.url
    server.stop()
    box.close()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    # decompressing proves the image data is a valid zlib stream of the right length
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height


def test_catalog_images_are_real_pngs_and_broken_ones_404(base_url: str) -> None:
    catalog = generate_catalog(image_base_url=base_url)
    broken_ids = set(catalog.manifest["broken_image_url"])
    with httpx.Client(timeout=5) as client:
        first = client.get(catalog.products[0].images[0])
        assert first.status_code == 200 and first.headers["content-type"] == "image/png"
        assert _png_size(first.content) == (600, 600)
        assert client.get(catalog.products[0].images[0]).content == first.content  # deterministic
        assert client.get(catalog.products[0].images[1]).content != first.content
        broken = next(p for p in catalog.products if p.id in broken_ids)
        statuses = [client.get(url).status_code for url in broken.images]
        assert statuses.count(404) == 1 and statuses.count(200) == len(broken.images) - 1
