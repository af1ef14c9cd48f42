"""Catalog images as a shop knows them: fetched once, hashed, uploaded once per shop and content."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from syncstore_cli.marketplaces.base import map_in_context

if TYPE_CHECKING:
    from syncstore_cli.engine.ports import ImageUploadsPort, Shop


class ImageUnreachable(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"image {url} is unreachable: {reason}")
        self.url = url


class ImageCache:
    """Content hash per image URL, and the shop's reference per hash: in the store, so every worker
    process reuses an upload, and in memory, so this process asks the store once per image.

    A listing's images are fetched and uploaded a few at a time (`parallel`): against a marketplace
    100-400 ms away, one after the other made image uploads most of a create's time.
    """

    def __init__(self, store: ImageUploadsPort, fetch: Callable[[str], bytes], *, parallel: int = 4) -> None:
        self._store = store
        self._fetch = fetch
        self._hashes: dict[str, str] = {}
        self._references: dict[tuple[str, str, str], str] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="syncstore-images")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def references(self, shop: Shop, urls: Sequence[str]) -> tuple[str, ...]:
        """The shop's image reference for each URL, in order, uploading only bytes it has not seen."""
        fetched: dict[str, bytes] = {}

        def digest_of(url: str) -> str:
            digest = self._hashes.get(url)
            if digest is None:
                fetched[url] = self._fetch(url)
                digest = self._hashes[url] = hashlib.sha256(fetched[url]).hexdigest()
            return digest

        digests = dict(zip(urls, self._map(digest_of, urls), strict=True))
        platform, shop_id = shop.platform.value, shop.shop_id
        missing = [d for d in dict.fromkeys(digests.values()) if (platform, shop_id, d) not in self._references]
        for digest, reference in self._store.uploaded_images(platform, shop_id, missing).items():
            self._references[(platform, shop_id, digest)] = reference
        to_upload = {d: next(u for u, x in digests.items() if x == d) for d in missing
                     if (platform, shop_id, d) not in self._references}

        def upload(digest: str) -> str:
            url = to_upload[digest]
            return shop.client.upload_image(fetched[url] if url in fetched else self._fetch(url))

        uploaded = dict(zip(to_upload, self._map(upload, list(to_upload)), strict=True))
        for digest, reference in self._store.remember_uploads(platform, shop_id, uploaded).items():
            self._references[(platform, shop_id, digest)] = reference
        return tuple(self._references[(platform, shop_id, digests[url])] for url in urls)

    def _map(self, function: Callable[[str], str], items: Sequence[str]) -> list[str]:
        if len(items) <= 1:
            return [function(item) for item in items]
        return list(map_in_context(self._pool, function, items))  # its requests are logged under the job
